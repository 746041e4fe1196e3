"""The five lecture notes the docs derive from, cited by a readable name.

``:note:`3``` renders as "lecture note 3 (autoregressive models, the GRU),
``003_0615cf6610feb24d.md``", linked to the table that ``.. source-notes::`` draws (on the
index page). The names and subjects live here only, so every page cites a note the same way.
"""

from __future__ import annotations

from docutils import nodes
from docutils.parsers.rst import Directive
from docutils.statemachine import StringList
from sphinx import addnodes

TABLE_LABEL = "source-material"

# number: (file, short name, what the note covers)
NOTES = {
    0: ("000_e71db143e4f3f288.md", "sequence data, the RNN as memory, LSTM gates",
        "What makes data sequential; many-to-one, many-to-many and one-to-many tasks; the "
        "RNN as a memory that mixes each input with the previous output; early inputs fading "
        "(the vanishing gradient); the LSTM's cell state and its forget, input and output "
        "gates."),
    1: ("001_5d6c6b924329e8c5.md", "the LSTM in Olah's notation",
        "The hidden state as a summary of the inputs so far; five input/output structures; "
        "long-term dependencies; the LSTM's six equations with the concatenation "
        "[h(t-1), x(t)]; a gate as a sigmoid layer and a pointwise product."),
    2: ("002_1ddc3fc33e30e5c4.md", "the \"hello\" model and BPTT",
        "The state update from h(t-1) and x(t); the character model on \"hello\" with one-hot "
        "inputs; weights shared across time steps; backpropagation through time, its "
        "vanishing gradient and its truncation; the cell state as a conveyor belt; the gates' "
        "ranges."),
    3: ("003_0615cf6610feb24d.md", "autoregressive models, the GRU",
        "Autoregressive, Markov and latent autoregressive models, the RNN as the recursive "
        "form of the last; vanishing and exploding gradients; the LSTM's parts; the GRU: no "
        "cell state, no output gate, two gates."),
    4: ("004_b458bdf2b022d4e7.md", "vanilla RNN sizes, stacking, bidirectional RNNs",
        "h(t) = tanh(W_x x(t) + W_h h(t-1) + b) and its output layer, with worked sizes; "
        "tagging and other many-to-many tasks; stacked RNNs with a set of weights per layer; "
        "bidirectional RNNs; the LSTM's gates; the GRU's two gates, its speed, and when to "
        "prefer it to the LSTM."),
}


def readable_name(number: int) -> str:
    return f"lecture note {number} ({NOTES[number][1]})"


def note_role(name, rawtext, text, lineno, inliner, options=None, content=()):
    """``:note:`N```: the readable name of note N, linked to the table, then its file."""
    try:
        number = int(text)
        file = NOTES[number][0]
    except (ValueError, KeyError):
        message = inliner.reporter.error(
            f":note: expects a lecture note number from {min(NOTES)} to {max(NOTES)}, "
            f"got {text!r}", line=lineno)
        return [inliner.problematic(rawtext, rawtext, message)], [message]
    link = addnodes.pending_xref("", refdomain="std", reftype="ref", reftarget=TABLE_LABEL,
                                 refexplicit=True, refwarn=True)
    link += nodes.inline(readable_name(number), readable_name(number))
    return [link, nodes.Text(", "), nodes.literal(file, file)], []


class SourceNotes(Directive):
    """``.. source-notes::``: the table of the five notes, their files and subjects."""

    has_content = False

    def run(self):
        lines = [".. list-table::", "   :header-rows: 1", "   :widths: 18 22 60", "",
                 "   * - Note", "     - File", "     - What it covers"]
        for number, (file, short, covers) in NOTES.items():
            lines += [f"   * - {readable_name(number)}", f"     - ``{file}``", f"     - {covers}"]
        container = nodes.container()
        self.state.nested_parse(StringList(lines), self.content_offset, container)
        return container.children


def setup(app):
    app.add_role("note", note_role)
    app.add_directive("source-notes", SourceNotes)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
