"""Sphinx configuration. ``make docs`` builds with warnings as errors (a broken reference
is a warning), runs every teaching script and checks every internal link of the built site
(``_ext/internal_links.py``); ``make doctest`` runs every example in these pages and in the
docstrings they include.

Nothing here reaches the network: MathJax is served from the built site's own ``_static``
(``sphinx-mathjax-offline``), and intersphinx is not used."""

import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE / "_ext"))

project = "tinygrad_rnn"
author = "the tinygrad_rnn developers"
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "sphinx_copybutton",
    "sphinx_gallery.gen_gallery",
    "kernel_lines",
    "generated_source",
    "internal_links",
    "source_notes",
    "matplotlib.sphinxext.plot_directive",
]
plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
# One PNG per figure, at the dpi ``tinygrad_rnn.tasks.plots.show_png`` assumes (the task pages
# show their run folders' PNGs pixel for pixel); the default formats would draw each twice more.
plot_formats = [("png", 100)]
exclude_patterns = ["_build", "teaching/README.rst", "auto_teaching/sg_execution_times.rst"]
html_theme = "furo"
html_title = "tinygrad_rnn"
# Our few corrections to the theme's styles (each rule says what it fixes).
html_static_path = ["_static"]
html_css_files = ["captions.css"]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
napoleon_google_docstring = True
# Equations are numbered per chapter section, (2.3) for the third of section 2, so that a
# derivation's numbers never look like a cell's own equation numbers (1)-(7).
numfig = True
math_numfig = True
numfig_secnum_depth = 1
math_eqref_format = "({number})"

# Every page's doctests share this set-up.
doctest_global_setup = """
import numpy as np
import tinygrad_rnn as tg
"""

copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True

# The teaching path: numbered scripts run at build time; a script that raises (each asserts
# its own result) fails the build.
sphinx_gallery_conf = {
    "examples_dirs": ["teaching"],
    "gallery_dirs": ["auto_teaching"],
    "filename_pattern": r"/\d\d_",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_memory": False,
    "only_warn_on_example_error": False,
    "abort_on_example_error": False,
    "matplotlib_animations": False,
    "min_reported_time": 1,
    "write_computation_times": False,
    # Only what a script prints is shown, not the repr of a block's last expression (a
    # matplotlib call's return value would appear as "Text(...)").
    "capture_repr": (),
}
