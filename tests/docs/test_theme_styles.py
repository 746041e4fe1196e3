"""The site's corrections to the theme's styles (``docs/_static``), and why they are needed."""

import re
import runpy
import sys
from pathlib import Path

import furo

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _settings() -> dict:
    """conf.py's settings (running it puts docs/_ext on sys.path: that is undone)."""
    saved = list(sys.path)
    try:
        return runpy.run_path(str(DOCS / "conf.py"))
    finally:
        sys.path[:] = saved


CONF = _settings()


def stylesheet(name: str) -> str:
    """The text of ``name`` in the first of conf.py's static folders that holds it."""
    for folder in CONF["html_static_path"]:
        path = DOCS / folder / name
        if path.is_file():
            return path.read_text()
    raise AssertionError(f"{name} (in html_css_files) is in none of {CONF['html_static_path']}")


def test_every_stylesheet_conf_py_adds_is_a_static_file():
    assert CONF["html_css_files"]
    for name in CONF["html_css_files"]:
        stylesheet(name)


def test_a_code_captions_number_keeps_a_gap_in_the_themes_flex_row():
    """The theme lays out a code caption as a flex row, which drops the space Sphinx writes
    after "Listing 3.1"; one of our stylesheets gives the number a right margin instead. If
    the theme's rule changes, the margin may double a space that is back: look again."""
    theme = (Path(furo.__file__).parent / "theme/furo/static/styles/furo.css").read_text()
    assert re.search(r"\.code-block-caption\{[^}]*display:flex", theme)
    ours = "".join(stylesheet(name) for name in CONF["html_css_files"])
    rule = re.search(r"\.code-block-caption\s*>\s*\.caption-number\s*\{([^}]*)\}", ours)
    assert rule, "no rule for .code-block-caption > .caption-number"
    margin = re.search(r"margin-right:\s*([\d.]+)em", rule.group(1))
    assert margin and 0 < float(margin.group(1)) <= 1
