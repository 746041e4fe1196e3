"""The plugin registry: registration, lookup errors, environment switches, isolation.

Entry-point tests use real distribution metadata, never a mock of importlib.metadata:
either ``*.dist-info`` folders written on a temporary sys.path entry, or the fixture
distribution in ``tests/fixtures/broken_plugin`` installed with pip into a temporary
folder and exercised in a subprocess.
"""

import importlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tinygrad_rnn import nn, plugins

ROOT = Path(__file__).resolve().parents[1]
BROKEN_FIXTURE = ROOT / "tests" / "fixtures" / "broken_plugin"


class MinimalCell:
    state_names = ("h",)

    def __init__(self, input_size, hidden_size):
        self.sizes = (input_size, hidden_size)

    def step(self, x, state):
        return x, state


class MinimalWrapper:
    num_directions = 2

    def forward(self, xs):
        return xs


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch):
    """Each test starts with no registrations, an empty load cache and no switches set."""
    monkeypatch.setattr(plugins, "_registered", {})
    monkeypatch.setattr(plugins, "_loaded", {})
    monkeypatch.setattr(plugins, "_broken", {})
    monkeypatch.delenv(plugins.AUTOLOAD_ENV, raising=False)
    monkeypatch.delenv(plugins.DISABLE_ENV, raising=False)


@pytest.fixture
def make_distribution(tmp_path, monkeypatch):
    """Return ``make(distribution, names)``: a real, uninstalled distribution on sys.path.

    It writes a module holding a valid ``Cell`` (tagged with ``origin = distribution``)
    and a ``.dist-info`` whose ``entry_points.txt`` lists each name as that cell.
    """
    monkeypatch.syspath_prepend(str(tmp_path))
    modules = []

    def make(distribution, names, group="tinygrad_rnn.cells"):
        module = f"tg_plugin_{uuid.uuid4().hex}"
        modules.append(module)
        (tmp_path / f"{module}.py").write_text(
            "class Cell:\n"
            f"    origin = {distribution!r}\n"
            "    state_names = ('h',)\n"
            "    def __init__(self, input_size, hidden_size): pass\n"
            "    def step(self, x, state): return x, state\n")
        info = tmp_path / f"{distribution.replace('-', '_')}-1.0.dist-info"
        info.mkdir()
        metadata = f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 1.0\n"
        (info / "METADATA").write_text(metadata)
        lines = "".join(f"{name} = {module}:Cell\n" for name in names)
        (info / "entry_points.txt").write_text(f"[{group}]\n{lines}")
        importlib.invalidate_caches()
        return module

    yield make
    for module in modules:
        sys.modules.pop(module, None)


def error_of(call, *args, **kwargs):
    """The message of the PluginError that ``call(*args, **kwargs)`` raises."""
    with pytest.raises(plugins.PluginError) as caught:
        call(*args, **kwargs)
    return str(caught.value)


# ---------------------------------------------------------------- in-process registration

def test_register_then_get_returns_the_registered_object():
    plugins.register("tg_minimal", MinimalCell)
    plugins.register("tg_wrapper", MinimalWrapper, kind="wrapper")
    assert plugins.get("tg_minimal") is MinimalCell
    assert plugins.get("tg_wrapper", kind="wrapper") is MinimalWrapper
    row, = [row for row in plugins.available("cell") if row.name == "tg_minimal"]
    assert (row.distribution, row.value, row.status) == (plugins.IN_PROCESS, "<registered>", "ok")


def test_invalid_cell_is_rejected_with_every_problem_named():
    class Bad:
        state_names = ["h"]
        sequence = 3

        def __init__(self, size):
            pass

    message = error_of(plugins.register, "tg_bad", Bad)
    assert "'tg_bad'" in message
    assert "missing callable 'step'" in message
    assert "'state_names' must be a non-empty tuple of non-empty str, got list" in message
    assert "__init__ does not accept 'input_size'" in message
    assert "__init__ does not accept 'hidden_size'" in message
    assert "'sequence' must be callable or None, got int" in message
    assert "tg_bad" not in [row.name for row in plugins.available()]


def test_cell_contract_accepts_var_keyword_init_and_rejects_empty_state_names():
    class Flexible(MinimalCell):
        def __init__(self, **options):
            pass

    plugins.register("tg_flexible", Flexible)

    class Empty(MinimalCell):
        state_names = ("h", "")

    assert "got ('h', '')" in error_of(plugins.register, "tg_empty", Empty)
    assert "expected a class, got function" in error_of(plugins.register, "tg_fn", lambda: 0)


def test_invalid_wrapper_is_rejected_with_every_problem_named():
    class Bad:
        num_directions = True

    message = error_of(plugins.register, "tg_bad", Bad, kind="wrapper")
    assert "'num_directions' must be an int >= 1, got True" in message
    assert "missing callable 'forward'" in message


def test_registering_a_name_again_needs_replace_and_unregister_removes_it():
    plugins.register("tg_minimal", MinimalCell)
    assert "replace=True" in error_of(plugins.register, "tg_minimal", MinimalCell)
    plugins.register("tg_minimal", MinimalCell, replace=True)
    plugins.unregister("tg_minimal")
    assert "tg_minimal" not in [row.name for row in plugins.available()]
    assert "no cell named 'tg_minimal' is registered" in error_of(plugins.unregister, "tg_minimal")


def test_unknown_kind_and_bad_names_are_plugin_errors():
    assert "kinds: cell, wrapper" in error_of(plugins.get, "x", kind="layer")
    assert "without ':'" in error_of(plugins.register, "a:b", MinimalCell)


# ---------------------------------------------------------------- lookup errors

def test_unknown_name_lists_available_names_and_suggests_a_close_one():
    plugins.register("tg_minimal", MinimalCell)
    message = error_of(plugins.get, "tg_minimall")
    assert message.startswith("no cell named 'tg_minimall'; available cells: ")
    assert "tg_minimal" in message
    assert "did you mean 'tg_minimal'?" in message


def test_unknown_name_with_nothing_available_says_none_is_installed(monkeypatch):
    monkeypatch.setenv(plugins.AUTOLOAD_ENV, "1")
    assert "available wrappers: none installed" in error_of(plugins.get, "tg_x", kind="wrapper")


def test_same_name_from_two_distributions_is_ambiguous_until_qualified(make_distribution):
    make_distribution("tg-fixture-a", ["tg_twin"])
    make_distribution("tg-fixture-b", ["tg_twin"])
    message = error_of(plugins.get, "tg_twin")
    assert "cell 'tg_twin' is ambiguous: 2 installed distributions provide it" in message
    assert "tg-fixture-a 1.0" in message and "tg-fixture-b 1.0" in message
    assert "'tg-fixture-a:tg_twin' or 'tg-fixture-b:tg_twin'" in message
    assert ("or disable the one you do not want by listing its qualified name in "
            "TINYGRAD_RNN_DISABLE_PLUGINS") in message
    assert plugins.get("tg-fixture-a:tg_twin").origin == "tg-fixture-a"
    assert plugins.get("TG_fixture.b:tg_twin").origin == "tg-fixture-b"  # PyPA normalization


def test_listing_imports_nothing_and_get_caches_the_loaded_class(make_distribution):
    module = make_distribution("tg-fixture-a", ["tg_one"])
    row, = [row for row in plugins.available("cell") if row.name == "tg_one"]
    assert (row.distribution, row.version, row.value) == ("tg-fixture-a", "1.0", f"{module}:Cell")
    assert row.status == "not loaded" and module not in sys.modules
    assert plugins.get("tg_one") is plugins.get("tg_one")
    row, = [row for row in plugins.available("cell") if row.name == "tg_one"]
    assert row.status == "ok"


def test_a_distribution_seen_twice_on_sys_path_is_listed_once(make_distribution, tmp_path,
                                                               monkeypatch):
    make_distribution("tg-fixture-a", ["tg_one"])
    monkeypatch.syspath_prepend(str(tmp_path))
    assert [row.name for row in plugins.available("cell")].count("tg_one") == 1


# ---------------------------------------------------------------- environment switches

def test_disable_list_accepts_plain_and_qualified_names(make_distribution, monkeypatch):
    make_distribution("tg-fixture-a", ["tg_twin", "tg_one"])
    make_distribution("tg-fixture-b", ["tg_twin"])
    monkeypatch.setenv(plugins.DISABLE_ENV, "tg-fixture-a:tg_twin")
    assert plugins.get("tg_twin").origin == "tg-fixture-b"
    monkeypatch.setenv(plugins.DISABLE_ENV, "tg_twin, tg_one")
    message = error_of(plugins.get, "tg_one")
    assert "is installed but disabled by the environment variable TINYGRAD_RNN_DISABLE_PLUGINS" \
        in message
    assert "tg-fixture-a" in message
    assert "To use it, remove it from TINYGRAD_RNN_DISABLE_PLUGINS" in message
    statuses = {(row.distribution, row.name): row.status for row in plugins.available("cell")}
    assert statuses[("tg-fixture-b", "tg_twin")] == "disabled"


def test_autoload_switch_disables_entry_points_but_not_registrations(make_distribution,
                                                                     monkeypatch):
    make_distribution("tg-fixture-a", ["tg_one"])
    monkeypatch.setenv(plugins.AUTOLOAD_ENV, "1")
    message = error_of(plugins.get, "tg_one")
    assert "TINYGRAD_RNN_DISABLE_PLUGIN_AUTOLOAD=1. To use it, unset" in message
    assert all(row.status == "disabled" for row in plugins.available() if row.version)
    plugins.register("tg_minimal", MinimalCell)
    assert plugins.get("tg_minimal") is MinimalCell


def test_in_process_registration_wins_but_both_are_listed(make_distribution):
    make_distribution("tg-fixture-a", ["tg_one"])
    with pytest.warns(UserWarning, match="ask for 'tg-fixture-a:tg_one'"):
        plugins.register("tg_one", MinimalCell)
    assert plugins.get("tg_one") is MinimalCell
    assert plugins.get("tg-fixture-a:tg_one").origin == "tg-fixture-a"
    sources = [row.distribution for row in plugins.available("cell") if row.name == "tg_one"]
    assert sorted(sources) == sorted([plugins.IN_PROCESS, "tg-fixture-a"])


# ---------------------------------------------------------------- the built-ins

def test_a_third_party_cell_named_lstm_cannot_break_the_builtin_classes(make_distribution):
    make_distribution("tg-fixture-a", ["lstm", "rnn", "gru"])
    builtin = {name: plugins.get(f"tinygrad-rnn-{name}:{name}") for name in ("rnn", "lstm", "gru")}
    layers = {"rnn": nn.RNN(3, 4), "lstm": nn.LSTM(3, 4), "gru": nn.GRU(3, 4)}
    assert {name: type(layer.cells[0]) for name, layer in layers.items()} == builtin
    cells = {"rnn": nn.RNNCell(3, 4), "lstm": nn.LSTMCell(3, 4), "gru": nn.GRUCell(3, 4)}
    assert {name: type(cell) for name, cell in cells.items()} == builtin
    # A bare name is the registry's: ambiguous, and the error gives the ways out.
    message = error_of(nn.Recurrent, "lstm", 3, 4)
    assert "'tg-fixture-a:lstm' or 'tinygrad-rnn-lstm:lstm'" in message
    assert "pip install" not in message


def test_preferring_names_the_distribution_a_shared_bare_name_means_within_a_block(
        make_distribution):
    make_distribution("tg-fixture-a", ["tg_shared"])
    make_distribution("tg-fixture-b", ["tg_shared"])
    with plugins.preferring({("cell", "tg_shared"): "tg-fixture-b"}):
        assert plugins.get("tg_shared").origin == "tg-fixture-b"
        assert plugins.get("tg-fixture-a:tg_shared").origin == "tg-fixture-a"
    assert "cell 'tg_shared' is ambiguous" in error_of(plugins.get, "tg_shared")
    with plugins.preferring({("cell", "tg_shared"): "tg-not-installed"}):
        assert "cell 'tg_shared' is ambiguous" in error_of(plugins.get, "tg_shared")


def test_a_builtin_that_is_not_installed_says_which_distribution_ships_it(monkeypatch):
    everything = plugins._entry_points
    monkeypatch.setattr(plugins, "_entry_points", lambda group: [
        ep for ep in everything(group) if plugins._distribution(ep)[0] != "tinygrad-rnn-lstm"])
    message = error_of(nn.LSTM, 3, 4)
    assert message.startswith("no cell named 'tinygrad-rnn-lstm:lstm'")
    assert ("The cell 'lstm' ships in the distribution tinygrad-rnn-lstm, which is not "
            "installed: install it with `pip install -e plugins/lstm`") in message


# ---------------------------------------------------------------- a real broken distribution

ISOLATION_SCRIPT = """
import json, sys
from tinygrad_rnn import plugins

def listing():
    return {row.name: [row.status, row.error] for row in plugins.available("cell")
            if row.distribution == "tinygrad-rnn-broken-fixture"}

def attempt(name):
    try:
        cell = plugins.get(name)
    except plugins.PluginError as error:
        return {"error": str(error), "cause": type(error.__cause__).__name__}
    return {"step": cell(input_size=2, hidden_size=3).step("x", "h")}

report = {"before": listing(), "imported": "tinygrad_rnn_broken_fixture" in sys.modules}
names = ("fixture_ok", "broken_import", "broken_contract")
report["gets"] = {name: attempt(name) for name in names}
report["after"] = listing()
print(json.dumps(report))
"""


def pip_install(source, target, *options):
    """Run ``pip install --target`` of ``source``; the completed process."""
    command = [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet",
               "--disable-pip-version-check", *options, "--target", str(target), str(source)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def broken_fixture_site(tmp_path_factory):
    """A temporary folder with tinygrad-rnn-broken-fixture installed in it by pip.

    The source is copied first so that building leaves nothing in the repository.
    The offline ``--no-build-isolation`` build needs setuptools >= 70.1 (or ``wheel``)
    in this environment; when it fails, pip builds in an isolated environment instead.
    """
    root = tmp_path_factory.mktemp("broken_fixture")
    source = shutil.copytree(BROKEN_FIXTURE, root / "source")
    site = root / "site"
    attempts = [pip_install(source, site, "--no-build-isolation"), None]
    if attempts[0].returncode != 0:
        attempts[1] = pip_install(source, site)
        if attempts[1].returncode != 0:
            pytest.fail("pip could not install the fixture:\n"
                        + "\n".join(attempt.stderr for attempt in attempts))
    return site


def test_broken_plugins_fail_alone_in_a_real_installed_distribution(broken_fixture_site):
    env = {key: value for key, value in os.environ.items()
           if key not in (plugins.AUTOLOAD_ENV, plugins.DISABLE_ENV)}
    env["PYTHONPATH"] = os.pathsep.join([str(broken_fixture_site), str(ROOT)])
    done = subprocess.run([sys.executable, "-c", ISOLATION_SCRIPT], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)

    names = {"fixture_ok", "broken_import", "broken_contract"}
    assert report["before"] == {name: ["not loaded", None] for name in names}
    assert not report["imported"]

    assert report["gets"]["fixture_ok"] == {"step": ["x", "h"]}
    failed_import = report["gets"]["broken_import"]
    assert failed_import["cause"] == "ImportError"
    for part in ("distribution tinygrad-rnn-broken-fixture 0.0.1",
                 "'broken_import = tinygrad_rnn_broken_fixture.fails_on_import:Cell'",
                 "failed to import: ImportError: tinygrad_rnn_broken_fixture needs"):
        assert part in failed_import["error"]
    broken_contract = report["gets"]["broken_contract"]
    assert "tinygrad-rnn-broken-fixture" in broken_contract["error"]
    assert "breaks the cell contract: missing callable 'step'" in broken_contract["error"]

    after = report["after"]
    assert after["fixture_ok"] == ["ok", None]
    assert after["broken_import"] == ["broken", failed_import["error"]]
    assert after["broken_contract"] == ["broken", broken_contract["error"]]
