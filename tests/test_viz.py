"""tinygrad_rnn.viz: DOT text of a tensor's graph, and rendering it with Graphviz."""

import doctest
import importlib.util
import re
import shutil
import sys
import types

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import Function, viz
from tinygrad_rnn.viz import render, to_dot


def small_graph():
    """(a*b + c).tanh().sum(): 4 ops, 7 tensors, 10 edges."""
    a = tg.Tensor(np.ones((2, 3)), requires_grad=True)
    b = tg.Tensor(np.full((2, 3), 0.5))
    c = tg.Tensor(np.zeros(3), requires_grad=True)
    return a, b, c, (a * b + c).tanh().sum()


def edges(dot):
    return re.findall(r"^\s*(\w+) -> (\w+)", dot, flags=re.MULTILINE)


def node_lines(dot):
    return re.findall(r"^\s*(n\d+) \[(.*)\];$", dot, flags=re.MULTILINE)


def style_of(attrs):
    """The attributes of a node line after its label."""
    return re.sub(r'^label="(?:[^"\\]|\\.)*", ', "", attrs)


def label_of(dot, node_id):
    return dict(node_lines(dot))[node_id]


# ---------------------------------------------------------------- to_dot

def test_to_dot_names_every_op_and_every_shape():
    *_, loss = small_graph()
    dot = to_dot(loss)
    for op in ("Mul", "Add", "Tanh", "Sum"):
        assert f'label="{op}"' in dot
    assert '"(2, 3) float64"' in dot
    assert '"(3,) float64"' in dot
    assert '"() float64"' in dot


def test_to_dot_small_graph_has_one_node_per_op_and_tensor_and_ten_edges():
    *_, loss = small_graph()
    dot = to_dot(loss)
    nodes = node_lines(dot)
    ops = [n for n, attrs in nodes if "ellipse" in attrs]
    assert len(ops) == 4
    assert len(nodes) - len(ops) == 7
    assert len(edges(dot)) == 10


def test_to_dot_edges_flow_from_inputs_through_op_to_output():
    a = tg.Tensor([1.0], requires_grad=True)
    y = a.exp()
    dot = to_dot(y)
    # n0 is y, n1 the Exp op, n2 is a.
    assert 'label="Exp"' in label_of(dot, "n1")
    assert set(edges(dot)) == {("n2", "n1"), ("n1", "n0")}


def test_to_dot_is_valid_looking_dot():
    *_, loss = small_graph()
    dot = to_dot(loss, show_values=True, show_grads=True)
    assert dot.startswith("digraph tinygrad_rnn {")
    assert dot.rstrip().endswith("}")
    unquoted = re.sub(r'"(?:[^"\\]|\\.)*"', '""', dot)  # braces inside labels do not count
    assert unquoted.count("{") == unquoted.count("}") == 1
    assert '"' not in unquoted.replace('""', "")  # every quote closes
    for line in dot.splitlines()[1:-1]:
        assert line.endswith(";"), line


def test_to_dot_is_deterministic():
    *_, loss = small_graph()
    assert to_dot(loss) == to_dot(loss)
    *_, other = small_graph()
    assert to_dot(loss) == to_dot(other)


def test_to_dot_draws_parameters_constants_and_results_differently():
    a, b, c, loss = small_graph()
    dot = to_dot(loss)
    styles = {style_of(attrs) for n, attrs in node_lines(dot) if "ellipse" not in attrs}
    # root (bold), intermediate results, parameters (a, c) and the constant b: four looks.
    assert len(styles) == 4
    parameter = [attrs for n, attrs in node_lines(dot) if "(3,)" in attrs][0]
    constant = [attrs for n, attrs in node_lines(dot) if "dashed" in attrs]
    assert "box" in parameter and "filled" in parameter
    assert len(constant) == 1  # only b


def test_to_dot_of_a_tensor_used_twice_draws_it_once_with_two_edges():
    x = tg.Tensor([2.0], requires_grad=True)
    dot = to_dot(x * x)
    assert len(node_lines(dot)) == 3
    assert edges(dot).count(("n2", "n1")) == 2


def test_to_dot_of_a_diamond_shares_the_tensor_used_by_two_ops():
    x = tg.Tensor([2.0], requires_grad=True)
    h = x.exp()
    dot = to_dot(h.tanh() + h.sigmoid())
    assert dot.count('label="Exp"') == 1
    assert dot.count('label="(1,) float32"') == 5  # x, h, tanh(h), sigmoid(h) and their sum
    assert len(edges(dot)) == 9


def test_to_dot_of_a_leaf_is_a_single_node():
    dot = to_dot(tg.Tensor([1.0, 2.0]))
    assert len(node_lines(dot)) == 1 and edges(dot) == []


def test_to_dot_without_grad_mode_has_no_ops():
    x = tg.Tensor([1.0], requires_grad=True)
    with tg.no_grad():
        y = x * 2.0
    assert "ellipse" not in to_dot(y)


class Halves(Function):
    """A two-output op: the first and the second half of a 1-d array."""

    @staticmethod
    def forward(ctx, x):
        n = x.shape[0] // 2
        return x[:n].copy(), x[n:].copy()

    @staticmethod
    def backward(ctx, gy0, gy1):
        return np.concatenate([gy0, gy1])


def test_to_dot_labels_the_outputs_of_a_multi_output_op():
    x = tg.Tensor(np.arange(4.0), requires_grad=True)
    first, second = Halves.apply(x)
    dot = to_dot(first + second)
    assert dot.count('label="Halves"') == 1
    assert 'label="out 0"' in dot and 'label="out 1"' in dot


def test_to_dot_escapes_quotes_and_backslashes_in_labels():
    class Plain(Function):
        @staticmethod
        def forward(ctx, x):
            return x.copy()

        @staticmethod
        def backward(ctx, gy):
            return gy

    Weird = type('say "hi"\\now', (Plain,), {})
    dot = to_dot(Weird.apply(tg.Tensor([1.0], requires_grad=True)))
    assert 'label="say \\"hi\\"\\\\now"' in dot
    unquoted = re.sub(r'"(?:[^"\\]|\\.)*"', '""', dot)
    assert '"' not in unquoted.replace('""', "")


def test_to_dot_handles_a_5000_op_chain_without_recursion():
    x = tg.Tensor([1.0], requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(500)  # any recursive walk would fail long before 5000 ops
    try:
        dot = to_dot(y, max_nodes=None)
    finally:
        sys.setrecursionlimit(limit)
    assert dot.count('label="Mul"') == 5000
    assert len(edges(dot)) == 3 * 5000  # two inputs and one output per Mul
    assert "truncated" not in dot


def test_to_dot_truncates_beyond_max_nodes_with_a_visible_note():
    x = tg.Tensor([1.0], requires_grad=True)
    y = x
    for _ in range(1000):
        y = y.tanh()
    dot = to_dot(y, max_nodes=50)
    assert len(node_lines(dot)) == 50
    total = 2 * 1000 + 1
    assert f"graph truncated at max_nodes=50: {total - 50} more nodes not shown" in dot
    assert re.search(r"truncated \[.*shape=note", dot)
    shown = {n for n, _ in node_lines(dot)} | {"truncated"}
    assert all(a in shown and b in shown for a, b in edges(dot))
    assert to_dot(y).count("truncated [") == 1  # the default max_nodes=500 truncates too


def test_to_dot_show_values_adds_min_mean_max():
    x = tg.Tensor(np.array([1.0, 2.0, 6.0]), requires_grad=True)
    dot = to_dot(x * 1.0, show_values=True)
    assert "min=1 mean=3 max=6" in dot
    assert "min=" not in to_dot(x * 1.0)


def test_to_dot_show_values_shows_nan_and_inf():
    x = tg.Tensor(np.array([np.inf, 1.0]))
    assert "max=inf" in to_dot(x, show_values=True)


def test_to_dot_show_grads_adds_the_gradient_summary():
    x = tg.Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    y = (x * x).sum()
    assert "grad: None" in to_dot(y, show_grads=True)
    y = (x * x).sum()
    y.backward()
    dot = to_dot(y, show_grads=True)
    assert "grad: min=2 mean=4 max=6" in dot
    assert "grad:" not in to_dot(y)


def test_to_dot_rejects_non_tensors_and_bad_max_nodes():
    with pytest.raises(TypeError, match="Tensor"):
        to_dot(np.ones(3))
    with pytest.raises(ValueError, match="max_nodes"):
        to_dot(tg.Tensor([1.0]), max_nodes=0)


def test_viz_docstring_examples_run():
    result = doctest.testmod(viz, verbose=False)
    assert result.attempted > 0 and result.failed == 0


# ---------------------------------------------------------------- render

def test_render_without_the_graphviz_package_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "graphviz", None)  # makes `import graphviz` fail
    *_, loss = small_graph()
    with pytest.raises(RuntimeError) as error:
        render(loss, tmp_path / "graph.svg")
    message = str(error.value)
    assert "pip install graphviz" in message
    assert "apt-get install graphviz" in message
    assert "to_dot()" in message
    assert list(tmp_path.iterdir()) == []


def fake_graphviz(image=b"<svg/>"):
    module = types.ModuleType("graphviz")

    class ExecutableNotFound(RuntimeError):
        pass

    class Source:
        def __init__(self, source):
            self.source = source

        def pipe(self, format):
            module.calls.append((self.source, format))
            return image

    module.ExecutableNotFound, module.Source, module.calls = ExecutableNotFound, Source, []
    return module


def test_render_without_the_dot_program_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "graphviz", fake_graphviz())
    monkeypatch.setattr(shutil, "which", lambda name: None)
    *_, loss = small_graph()
    with pytest.raises(RuntimeError, match="'dot' program") as error:
        render(loss, tmp_path / "graph.svg")
    assert "apt-get install graphviz" in str(error.value)


def test_render_writes_the_file_atomically_with_to_dot_options(monkeypatch, tmp_path):
    module = fake_graphviz(b"<svg>image</svg>")
    monkeypatch.setitem(sys.modules, "graphviz", module)
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/dot")
    *_, loss = small_graph()
    target = tmp_path / "graph.svg"
    target.write_bytes(b"old")
    result = render(loss, str(target), format="svg", show_values=True)
    assert result == target
    assert target.read_bytes() == b"<svg>image</svg>"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.svg"]  # no temporary left
    source, format = module.calls[0]
    assert source == to_dot(loss, show_values=True) and format == "svg"


def test_render_leaves_no_temporary_file_when_writing_fails(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "graphviz", fake_graphviz())
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/dot")
    target = tmp_path / "graph.svg"
    target.mkdir()  # os.replace onto a directory fails
    with pytest.raises(OSError):
        render(tg.Tensor([1.0]), target)
    assert [p.name for p in tmp_path.iterdir()] == ["graph.svg"]


@pytest.mark.skipif(
    importlib.util.find_spec("graphviz") is None or shutil.which("dot") is None,
    reason="needs the graphviz Python package and the Graphviz 'dot' program",
)
def test_render_draws_an_svg_with_graphviz(tmp_path):
    *_, loss = small_graph()
    path = render(loss, tmp_path / "graph.svg")
    text = path.read_text()
    assert "<svg" in text and "Tanh" in text


def test_draw_places_leaves_left_of_what_uses_them_and_labels_every_tensor():
    import matplotlib
    matplotlib.use("Agg")
    a, b, c, loss = small_graph()
    ax = viz.draw(loss)
    labels = [text for text in ax.texts if text.get_text()]
    boxes = {text.get_text(): text.get_position() for text in labels}
    assert len(labels) == 7 and "Sum\n()" in boxes and "leaf\n(3,)" in boxes
    assert boxes["Sum\n()"][0] == max(x for x, _ in boxes.values())        # root on the right
    assert boxes["Tanh\n(2, 3)"][0] == boxes["Sum\n()"][0] - 1
    assert boxes["leaf\n(3,)"][0] < boxes["Add\n(2, 3)"][0]


def test_draw_takes_any_graph_and_puts_a_node_left_of_its_leftmost_user():
    import matplotlib
    matplotlib.use("Agg")
    graph = {"y": ["u", "x"], "u": ["x"], "x": []}        # x feeds y directly and through u
    ax = viz.draw("y", inputs=graph.__getitem__)
    columns = {text.get_text(): text.get_position()[0] for text in ax.texts if text.get_text()}
    assert columns == {"y": 2, "u": 1, "x": 0}
    assert sum(not text.get_text() for text in ax.texts) == 3  # one arrow per edge
