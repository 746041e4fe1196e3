"""The docs' own site checks: the internal link check and the unrendered-math detector."""

import importlib.util
import sys
from pathlib import Path

EXT = Path(__file__).resolve().parents[2] / "docs" / "_ext"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, EXT / f"{name}.py")
    module = sys.modules[name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


internal_links = _load("internal_links")
math_rendered = _load("math_rendered")


def test_broken_internal_links_are_listed_and_good_ones_are_not(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "index.html").write_text(
        '<a href="sub/page.html#there">ok</a> <a href="sub/page.html#nowhere">bad anchor</a>'
        '<a href="missing.html">bad file</a> <a href="https://example.org/x">external</a>'
        '<a class="viewcode-back" href="missing.html">viewcode</a> <a href="#top">self</a>'
        '<p id="top"></p>')
    (tmp_path / "sub" / "page.html").write_text(
        '<h1 id="there">x</h1><a href="../index.html">up</a>')
    assert sorted(internal_links.broken_links(tmp_path)) == [
        "index.html: missing.html", "index.html: sub/page.html#nowhere"]


def test_raw_tex_outside_rendered_math_and_code_is_counted():
    dom = ('<mjx-container>x</mjx-container><p>\\(a\\) and \\frac{1}{2}</p>'
           '<pre>\\begin{aligned}</pre><script>"\\\\("</script>')
    assert math_rendered.unrendered(dom) == (1, 2)
    assert math_rendered.unrendered("<mjx-container>y</mjx-container><p>fine</p>") == (1, 0)


def test_the_layout_report_names_each_wide_element_and_covered_equation_number():
    report = ('<pre id="layout-report">{&quot;wide&quot;: [&quot;pre: x = 1 (800px in 736px)'
              '&quot;], &quot;overlap&quot;: [&quot;(3.5): a &lt; b&quot;]}</pre>')
    assert math_rendered.layout_problems(report) == [
        "wider than the column: pre: x = 1 (800px in 736px)",
        "equation number on its formula: (3.5): a < b"]
    assert math_rendered.layout_problems('<pre id="layout-report">{"wide": [], "overlap": []}'
                                         '</pre>') == []
    assert math_rendered.layout_problems("<p>no report</p>") == [
        "the layout script did not report (the page did not finish loading)"]
