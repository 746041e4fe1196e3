"""Open every built page that has math in headless Chromium and fail if any TeX is left
unrendered: the check that the site's math works offline (MathJax from ``_static``).

    python docs/_ext/math_rendered.py docs/_build/html      (``make docs-browser-check``)

Needs the ``chromium`` program (Debian: ``apt-get install chromium``); the browser is
started with background networking off, and the machine needs no network.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

_RAW_TEX = re.compile(r"\\\(|\\\[|\\begin\{|\\frac")


def unrendered(dom: str) -> tuple[int, int]:
    """(rendered formulas, raw TeX fragments left in the visible text) of a page's DOM."""
    body = re.sub(r"<script.*?</script>", "", dom, flags=re.S)
    rendered = body.count("<mjx-container")
    text = re.sub(r"<mjx-container.*?</mjx-container>", "", body, flags=re.S)
    text = re.sub(r"<(pre|code)[^>]*>.*?</\1>", "", text, flags=re.S)
    return rendered, len(_RAW_TEX.findall(text))


def main(site: str) -> int:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        print("math_rendered: no chromium on PATH; install it (apt-get install chromium)")
        return 2
    failures = checked = 0
    for page in sorted(Path(site).rglob("*.html")):
        if 'class="math' not in page.read_text(encoding="utf-8"):
            continue
        checked += 1
        dom = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--virtual-time-budget=10000", "--dump-dom",
             page.resolve().as_uri()], capture_output=True, text=True, timeout=120).stdout
        rendered, raw = unrendered(dom)
        if raw or not rendered:
            failures += 1
            print(f"{page}: {rendered} formulas rendered, {raw} raw TeX fragments left")
    print(f"math_rendered: {checked} page(s) with math opened, {failures} with unrendered math")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "docs/_build/html"))
