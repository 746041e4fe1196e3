"""Open every built page in headless Chromium at 1280 px and fail on what a reader would
find broken: TeX left unrendered (the site's math must work offline, MathJax from
``_static``), and anything wider than the content column, that is, an equation, code block,
program output, table or image whose content hides behind a scroll bar or runs past the
column's right edge, or an equation number drawn over its formula.

    python docs/_ext/math_rendered.py docs/_build/html      (``make docs-browser-check``)

Needs the ``chromium`` program (Debian: ``apt-get install chromium``); the browser is
started with background networking off, and the machine needs no network. To measure, a
copy of each page with a small script appended is opened beside it and removed after; the
script writes what it measured into the page, which Chromium prints (``--dump-dom``).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

_RAW_TEX = re.compile(r"\\\(|\\\[|\\begin\{|\\frac")
WIDTH = 1280
# Pages with no prose of their own: indexes, search, and viewcode's source listings.
_SKIPPED = re.compile(r"^(_modules/|genindex|py-modindex|search)")
_REPORT = re.compile(r'<pre id="layout-report">(.*?)</pre>', re.S)

# Runs once MathJax has typeset the page. "wide" lists every element of the main column
# that is wider than it lets a reader see: its content is scrolled (scrollWidth >
# clientWidth) or it ends right of the column; "overlap" lists equation numbers that sit on
# their formula.
_MEASURE = """
<script>
window.addEventListener("load", () => {
  const report = () => {
    const column = document.querySelector("article") || document.body;
    const right = column.getBoundingClientRect().right;
    const found = {wide: [], overlap: []};
    const label = (el) => (el.textContent || el.getAttribute("src") || "").trim()
      .replace(/\\s+/g, " ").slice(0, 70);
    const selectors = "div.math, mjx-container[display=true], pre, div.table-wrapper, img";
    for (const el of column.querySelectorAll(selectors)) {
      const box = el.getBoundingClientRect();
      if (box.width === 0) continue;
      if (el.scrollWidth > el.clientWidth + 1 || box.right > right + 1) {
        found.wide.push(`${el.tagName.toLowerCase()}: ${label(el)}`
          + ` (${el.scrollWidth}px in ${Math.min(el.clientWidth, right - box.left)}px)`);
      }
    }
    for (const math of column.querySelectorAll("div.math")) {
      const number = math.querySelector(".eqno"), formula = math.querySelector("mjx-math");
      if (!number || !formula) continue;
      const a = number.getBoundingClientRect(), b = formula.getBoundingClientRect();
      if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) {
        found.overlap.push(`${number.textContent.trim()}: ${label(math)}`);
      }
    }
    const out = document.createElement("pre");
    out.id = "layout-report";
    out.textContent = JSON.stringify(found);
    document.body.appendChild(out);
  };
  const typeset = window.MathJax && MathJax.startup && MathJax.startup.promise;
  (typeset || Promise.resolve()).then(report);
});
</script>
"""


def unrendered(dom: str) -> tuple[int, int]:
    """(rendered formulas, raw TeX fragments left in the visible text) of a page's DOM."""
    body = re.sub(r"<script.*?</script>", "", dom, flags=re.S)
    rendered = body.count("<mjx-container")
    text = re.sub(r"<mjx-container.*?</mjx-container>", "", body, flags=re.S)
    text = re.sub(r"<(pre|code)[^>]*>.*?</\1>", "", text, flags=re.S)
    return rendered, len(_RAW_TEX.findall(text))


def layout_problems(dom: str) -> list[str]:
    """What the measuring script reported for a page: one line per element too wide for
    the column and per equation number drawn over its formula (no report: one line)."""
    match = _REPORT.search(dom)
    if match is None:
        return ["the layout script did not report (the page did not finish loading)"]
    found = json.loads(match.group(1).replace("&quot;", '"').replace("&lt;", "<")
                       .replace("&gt;", ">").replace("&amp;", "&"))
    return ([f"wider than the column: {item}" for item in found["wide"]]
            + [f"equation number on its formula: {item}" for item in found["overlap"]])


def open_page(browser: str, page: Path) -> str:
    """The DOM of ``page`` after its scripts ran, with the measuring script appended."""
    text = page.read_text(encoding="utf-8")
    probe = page.with_name(f".layout-check-{page.name}")
    probe.write_text(text.replace("</body>", _MEASURE + "</body>"), encoding="utf-8")
    try:
        return subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--disable-background-networking", f"--window-size={WIDTH},1000",
             "--virtual-time-budget=10000", "--dump-dom", probe.resolve().as_uri()],
            capture_output=True, text=True, timeout=120).stdout
    finally:
        probe.unlink()


def main(site: str) -> int:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        print("math_rendered: no chromium on PATH; install it (apt-get install chromium)")
        return 2
    root = Path(site)
    failures = checked = 0
    for page in sorted(root.rglob("*.html")):
        if _SKIPPED.match(page.relative_to(root).as_posix()):
            continue
        checked += 1
        dom = open_page(browser, page)
        problems = layout_problems(dom)
        if 'class="math' in page.read_text(encoding="utf-8"):
            rendered, raw = unrendered(_REPORT.sub("", dom))
            if raw or not rendered:
                problems.append(f"{rendered} formulas rendered, {raw} raw TeX fragments left")
        if problems:
            failures += 1
            print(f"{page}:\n  " + "\n  ".join(problems))
    print(f"math_rendered: {checked} page(s) opened at {WIDTH} px, {failures} with unrendered "
          "math or content wider than the column")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "docs/_build/html"))
