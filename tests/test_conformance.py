"""The conformance kit over every cell plugin the registry finds: adding a cell adds no test.

A cell that is found but fails to load, or fails a check, fails here (never skips). A cell
class may list extra option sets to certify in ``conformance_options`` (a sequence of
dicts, e.g. ``({}, {"proj_size": 2})``); the default is ``({},)``.
"""

import pytest

from tinygrad_rnn import plugins
from tinygrad_rnn.testing.cells import check_cell

# Installed cells, each as distribution:name so that two distributions of one name both run.
CELLS = [f"{info.distribution}:{info.name}" for info in plugins.available("cell")
         if info.status != "disabled" and info.distribution != plugins.IN_PROCESS]


@pytest.mark.parametrize("name", CELLS, ids=[name.rpartition(":")[2] for name in CELLS])
def test_cell_plugin_passes_the_conformance_kit(name):
    cell = plugins.get(name, kind="cell")   # a broken plugin raises PluginError: a failure
    for options in getattr(cell, "conformance_options", ({},)):
        check_cell(name, options=dict(options))
