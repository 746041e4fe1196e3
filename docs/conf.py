"""Sphinx configuration. ``make docs`` builds with warnings as errors; ``make doctest`` runs
every example in these pages and in the docstrings they include."""

project = "tinygrad_rnn"
author = "the tinygrad_rnn developers"
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "sphinx.ext.mathjax",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "matplotlib.sphinxext.plot_directive",
]
plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
exclude_patterns = ["_build"]
html_theme = "alabaster"
autodoc_member_order = "bysource"
autodoc_typehints = "description"
napoleon_google_docstring = True
doctest_global_setup = "import numpy as np\nimport tinygrad_rnn as tg"
nitpicky = False
