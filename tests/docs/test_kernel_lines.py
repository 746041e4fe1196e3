"""The docs' ``kernel-lines`` directive: it finds labelled kernel lines, and a missing label
stops the build."""

import importlib.util
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
_spec = importlib.util.spec_from_file_location("kernel_lines", DOCS / "_ext" / "kernel_lines.py")
kernel_lines = sys.modules["kernel_lines"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(kernel_lines)

SOURCE = '''
def _forward(x):
    y = x + 1      # (1)
    return y * 2   # (2) doubled

def _backward(g):
    gy = g * 2     # (2)
    gx = gy        # (2), (1)
    note = "# (1) in a string is not a label"
    return gx      # see (1)

def helper(x):
    return x       # (1)
'''


@pytest.mark.parametrize("direction, label, expected", [
    ("forward", "1", [3]),
    ("forward", "2", [4]),
    ("backward", "2", [7, 8]),
    ("backward", "1", [8]),        # a second label on a line counts; "see (1)" does not
    ("backward", "3", []),
])
def test_labelled_lines_are_found_only_in_functions_of_that_direction(direction, label, expected):
    found = kernel_lines.labelled_lines(SOURCE, direction, label)
    assert [line.lineno for line in found] == expected
    assert all(line.function == f"_{direction}" for line in found)


def test_an_unknown_direction_is_refused():
    with pytest.raises(ValueError, match="direction must be one of"):
        kernel_lines.labelled_lines(SOURCE, "sideways", "1")


def _build(tmp_path, body):
    from sphinx.application import Sphinx
    (tmp_path / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(DOCS / '_ext')!r})\nextensions = ['kernel_lines']\n")
    (tmp_path / "index.rst").write_text(f"Title\n=====\n\n{body}\n")
    app = Sphinx(tmp_path, tmp_path, tmp_path / "_build", tmp_path / "_doctrees", "html",
                 status=None, warning=None, freshenv=True)
    app.build()
    return (tmp_path / "_build" / "index.html").read_text()


def test_the_directive_shows_the_lines_of_a_real_kernel(tmp_path):
    html = _build(tmp_path, ".. kernel-lines:: tinygrad_rnn_lstm.kernels backward 5")
    assert "dc_prev" in html and "kernels.py, _backward_gates, line" in html


def test_a_label_no_line_carries_stops_the_build(tmp_path):
    from sphinx.errors import ExtensionError
    with pytest.raises(ExtensionError, match=r"carries the label '# \(99\)'"):
        _build(tmp_path, ".. kernel-lines:: tinygrad_rnn_lstm.kernels backward 99")
