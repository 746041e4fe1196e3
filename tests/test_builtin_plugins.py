"""The built-in plugins are installed and found exactly as a stranger's would be: through
their distributions' entry points, with nothing registered in-process and no metadata
mocked."""

from tinygrad_rnn import plugins

BUILTIN = {
    ("cell", "rnn"): "tinygrad-rnn-rnn",
    ("cell", "lstm"): "tinygrad-rnn-lstm",
    ("cell", "gru"): "tinygrad-rnn-gru",
    ("cell", "mgu"): "tinygrad-rnn-mgu",
    ("wrapper", "bidirectional"): "tinygrad-rnn-bidirectional",
}


def test_every_builtin_plugin_is_found_through_its_distributions_entry_point():
    found = {(info.kind, info.name): info for info in plugins.available()}
    for (kind, name), distribution in BUILTIN.items():
        info = found[(kind, name)]
        assert info.distribution == distribution
        assert info.value.startswith(distribution.replace("-", "_") + ".")


def test_every_builtin_plugin_loads_and_then_lists_as_ok():
    for kind, name in BUILTIN:
        plugins.get(name, kind=kind)
    statuses = {(info.kind, info.name): info.status for info in plugins.available()}
    assert all(statuses[key] == "ok" for key in BUILTIN)


def test_the_core_package_imports_no_plugin():
    import subprocess
    import sys

    code = ("import sys, tinygrad_rnn, tinygrad_rnn.nn, tinygrad_rnn.testing, tinygrad_rnn.cli; "
            "print(sorted(m for m in sys.modules if m.startswith('tinygrad_rnn_')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_no_core_module_names_a_plugin_package_in_an_import():
    import pathlib
    import re

    import tinygrad_rnn

    pattern = re.compile(r"^\s*(from|import)\s+tinygrad_rnn_\w+", re.MULTILINE)
    root = pathlib.Path(tinygrad_rnn.__file__).parent
    offenders = [str(p) for p in root.rglob("*.py") if pattern.search(p.read_text())]
    assert offenders == []
