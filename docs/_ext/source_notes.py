"""The five lecture notes the docs derive from, cited by a readable name.

``:note:`3``` renders as "lecture note 3, “RNN (Recurrent Neural Network)” (autoregressive
models, the GRU)", linked to the table that ``.. source-notes::`` draws (on the index page):
each note by its own title and its subject, never by a file name a reader cannot open. The
titles and subjects live here only, so every page cites a note the same way.
"""

from __future__ import annotations

from docutils import nodes
from docutils.parsers.rst import Directive
from docutils.statemachine import StringList
from sphinx import addnodes

TABLE_LABEL = "source-material"

# number: (the note's own title, its subject in short, what the note covers)
NOTES = {
    0: ("순환신경망 (RNN - Recurrent Neural Network)", "sequence data, the RNN as memory, LSTM gates",
        "What makes data sequential; many-to-one, many-to-many and one-to-many tasks; the "
        "RNN as a memory that mixes each input with the previous output; early inputs fading "
        "(the vanishing gradient); the LSTM's cell state and its forget, input and output "
        "gates."),
    1: ("Deep learning: RNN, LSTM", "the LSTM in Olah's notation",
        "The hidden state as a summary of the inputs so far; five input/output structures; "
        "long-term dependencies; the LSTM's six equations with the concatenation "
        "[h(t-1), x(t)]; a gate as a sigmoid layer and a pointwise product."),
    2: ("Recurrent Neural Networks", "the \"hello\" model and BPTT",
        "The state update from h(t-1) and x(t); the character model on \"hello\" with one-hot "
        "inputs; weights shared across time steps; backpropagation through time, its "
        "vanishing gradient and its truncation; the cell state as a conveyor belt; the gates' "
        "ranges."),
    3: ("RNN (Recurrent Neural Network)", "autoregressive models, the GRU",
        "Autoregressive, Markov and latent autoregressive models, the RNN as the recursive "
        "form of the last; vanishing and exploding gradients; the LSTM's parts; the GRU: no "
        "cell state, no output gate, two gates."),
    4: ("순환 신경망 (Recurrent Neural Network, RNN)", "vanilla RNN sizes, stacking, bidirectional RNNs",
        "h(t) = tanh(W_x x(t) + W_h h(t-1) + b) and its output layer, with worked sizes; "
        "tagging and other many-to-many tasks; stacked RNNs with a set of weights per layer; "
        "bidirectional RNNs; the LSTM's gates; the GRU's two gates, its speed, and when to "
        "prefer it to the LSTM."),
}


def readable_name(number: int) -> str:
    title, subject, _ = NOTES[number]
    return f"lecture note {number}, “{title}” ({subject})"


def note_role(name, rawtext, text, lineno, inliner, options=None, content=()):
    """``:note:`N```: the title and subject of note N, linked to the table."""
    try:
        number = int(text)
        name = readable_name(number)
    except (ValueError, KeyError):
        message = inliner.reporter.error(
            f":note: expects a lecture note number from {min(NOTES)} to {max(NOTES)}, "
            f"got {text!r}", line=lineno)
        return [inliner.problematic(rawtext, rawtext, message)], [message]
    link = addnodes.pending_xref("", refdomain="std", reftype="ref", reftarget=TABLE_LABEL,
                                 refexplicit=True, refwarn=True)
    link += nodes.inline(name, name)
    return [link], []


class SourceNotes(Directive):
    """``.. source-notes::``: the table of the five notes, their titles and subjects."""

    has_content = False

    def run(self):
        lines = [".. list-table::", "   :header-rows: 1", "   :widths: 12 28 60", "",
                 "   * - Note", "     - Title", "     - What it covers"]
        for number, (title, _, covers) in NOTES.items():
            lines += [f"   * - {number}", f"     - {title}", f"     - {covers}"]
        container = nodes.container()
        self.state.nested_parse(StringList(lines), self.content_offset, container)
        return container.children


def setup(app):
    app.add_role("note", note_role)
    app.add_directive("source-notes", SourceNotes)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
