"""The site's layout: the names of the pages and folders every build has, beside the entity pages.

Entity pages live at ``<kind folder>/<id>/`` and briefs at ``pdf/<id>.pdf``; the pages and
files below live beside them. An entity whose id were one of these names would take the
place of that page (an actor ``index`` would be ``actors/index.html``, the list of actors),
so the check refuses those ids: :data:`RESERVED` is made from the same names the site plan
(:func:`briefgen.site.plan.plan`) writes its pages under, and a test holds a real build to it.
"""

from __future__ import annotations

import os

HOME = "index"
"""The home page, and the list page of each kind folder."""
TIMELINE = "timeline"
MAP = "map"
RELATIONSHIPS = "relationships"
GRADES = "grades"
PAGES = (HOME, TIMELINE, MAP, RELATIONSHIPS, GRADES)
"""Pages at the site's root (``<name>.md``; ``index`` also in every kind folder)."""

ASSETS = "assets"
MAPS = f"{ASSETS}/maps"
PDF = "pdf"
GRAPH = "graph.json"
SEARCH = "pagefind"
"""Pagefind's index of the site (the offline edition's own index lives under ``assets/search/``)."""
FILES = (ASSETS, PDF, GRAPH, SEARCH)
"""Folders and files briefgen writes at the site's root."""

HOST = ("search", "sitemap.xml", "sitemap.xml.gz", "404.html")
"""What MkDocs (its search plugin, its sitemap, its theme's not-found page) writes at the site's root."""

ID_MAX = 100
"""The longest id: an id is a file name three times over (fact file, page folder, PDF brief)."""


def page_url(path: str, directory_urls: bool = True) -> str:
    """The site-root-relative URL of the page made from ``<path>.md``, as MkDocs writes it.

    ``exercises/x`` is ``exercises/x/`` with ``use_directory_urls`` (MkDocs' default) and
    ``exercises/x.html`` without; an ``index`` page is its folder (``exercises/``, or ``""`` for
    the home page) or ``…/index.html``.
    """
    folder, _, name = path.rpartition("/")
    prefix = f"{folder}/" if folder else ""
    if name == HOME:
        return prefix if directory_urls else f"{prefix}{HOME}.html"
    return f"{prefix}{name}/" if directory_urls else f"{prefix}{name}.html"


def page_file(path: str, directory_urls: bool = True) -> str:
    """The file the page made from ``<path>.md`` is written to: its URL (:func:`page_url`), with ``index.html``
    where the URL is a folder."""
    url = page_url(path, directory_urls)
    return f"{url}index.html" if not url or url.endswith("/") else url


def _stem(name: str) -> str:
    while True:
        stem, suffix = os.path.splitext(name)
        if not suffix:
            return stem
        name = stem


RESERVED = frozenset(_stem(name) for name in (*PAGES, *FILES, *HOST))
"""Names no id may have: each is a page or file every site has."""
