"""The offline edition: a copy of the site that works opened from files (a USB stick, an air-gapped laptop).

Opened from ``file://``, a link to a folder (``../exercises/``) shows the folder's listing, not
its ``index.html``: no web server is there to choose it. The offline edition keeps the site's
layout (every page at ``<path>/index.html``) and names ``index.html`` in every relative link to
a folder — briefgen's own links, MkDocs' navigation and the theme's — as a build with
``use_directory_urls: false`` would. Its search is briefgen's own index of classic scripts
(:mod:`briefgen.site.search`, back end ``offline``), which loads from files too.
"""

from __future__ import annotations

import re

_HREF = re.compile(r'(?P<attr>\bhref=")(?P<path>[^"#?:]*)(?P<rest>[?#][^"]*)?"')
"""A double-quoted href whose path has no scheme (a ``:`` before any ``?`` or ``#`` means one)."""


def _folder(path: str) -> bool:
    if path.startswith("/") or not path:
        return False  # site-absolute (no meaning on a stick), or a link within the page
    return path.endswith("/") or path in (".", "..") or path.endswith(("/.", "/.."))


def index_link(path: str) -> str:
    """``../exercises/`` → ``../exercises/index.html``; ``..`` → ``../index.html``; a file's path as it is."""
    if not _folder(path):
        return path
    return f"{path}index.html" if path.endswith("/") else f"{path}/index.html"


def explicit_index_links(html: str) -> str:
    """Every relative link to a folder in ``html`` names the folder's ``index.html``."""
    return _HREF.sub(lambda m: f'{m["attr"]}{index_link(m["path"])}{m["rest"] or ""}"', html)
