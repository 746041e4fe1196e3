"""After an HTML build, check every internal link of the site: each relative ``href`` must
name a built file, and each ``#anchor`` an ``id`` in that file (viewcode's links back from
source listings excepted). A broken one stops the
build with an error listing them all. External links (with a scheme) are not followed: the
site must build with no network."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sphinx.errors import ExtensionError

_LINK = re.compile(r'<a\s([^>]*)>')
_HREF = re.compile(r'\bhref="([^"]*)"')
_ID = re.compile(r'\bid="([^"]*)"')


def broken_links(outdir: Path) -> list[str]:
    """``page: href`` for every internal link under ``outdir`` whose target is missing."""
    pages = {path.resolve(): path.read_text(encoding="utf-8") for path in outdir.rglob("*.html")}
    ids = {}
    broken = []
    for page, text in pages.items():
        for href in _hrefs(text):
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith("mailto:"):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(outdir.resolve())}: {href}")
                continue
            if parts.fragment and target.suffix == ".html":
                if target not in ids:
                    ids[target] = set(_ID.findall(pages.get(target) or target.read_text("utf-8")))
                if unquote(parts.fragment) not in ids[target]:
                    broken.append(f"{page.relative_to(outdir.resolve())}: {href}")
    return broken


def _hrefs(text: str):
    """The targets of a page's links, less viewcode's "[docs]" links back from a source
    listing (viewcode points those at the module an object is defined in, even when the
    API page documents it under the name it is re-exported as)."""
    for attributes in _LINK.findall(text):
        href = _HREF.search(attributes)
        if href and "viewcode-back" not in attributes:
            yield unescape(href.group(1))


def check(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    broken = broken_links(Path(app.outdir))
    if broken:
        raise ExtensionError("internal links with no target:\n  " + "\n  ".join(broken))


def setup(app):
    app.connect("build-finished", check)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
