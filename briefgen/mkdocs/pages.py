"""briefgen's pages as MkDocs pages: titles, tables of contents and anchors MkDocs can read."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from markupsafe import escape
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import TableOfContents, get_toc

from briefgen.site.render import Heading, headings


def base(file: File) -> str:
    """The path from a page to the site root (``../../`` for ``exercises/x/``; empty for the home page)."""
    url = "" if file.url in (".", "./") else file.url  # as Page.url has it
    return "../" * url.count("/")


def meta_title(title: str) -> str:
    """A page's title as the theme gets it: themes print titles as HTML (nav, header, <title>), so escaped text."""
    return str(escape(title))


def nav_titles(items: Any) -> Iterator[tuple[str, str]]:
    """(page, title) for every page that ``nav:`` in mkdocs.yml names with a title."""
    for item in items if isinstance(items, list) else [items]:
        if isinstance(item, dict):
            for title, value in item.items():
                if isinstance(value, str):
                    yield value, title
                else:
                    yield from nav_titles(value)


def toc(html: str) -> TableOfContents:
    """The table of contents of a body, as MkDocs' ``get_toc`` makes it from Python-Markdown's ``toc`` tokens:
    each heading under the nearest heading before it of a higher level."""
    root: list[dict[str, Any]] = []
    open_: list[dict[str, Any]] = []
    for h in headings(html):
        token = _token(h)
        while open_ and open_[-1]["level"] >= h.level:
            open_.pop()
        (open_[-1]["children"] if open_ else root).append(token)
        open_.append(token)
    return get_toc(root)  # type: ignore[arg-type]  # its token type is private to MkDocs


def _token(h: Heading) -> dict[str, Any]:
    return {"level": h.level, "id": h.id, "name": h.title, "children": []}


class GeneratedPage(Page):
    """A page whose body briefgen renders: MkDocs has no Markdown to convert for it.

    MkDocs would otherwise set up a Markdown converter with every extension for each page
    (a fifth of a second at 2,000 pages) to convert an empty string. Its table of contents
    is made from the headings of its body when the body is made, before the theme shows it.
    """

    def __init__(self, title: str | None, file: File, config: MkDocsConfig, anchors: Callable[[], set[str]]) -> None:
        self._anchors = anchors
        self._anchor_ids: set[str] | None = None
        super().__init__(title, file, config)

    # MkDocs sets and reads this attribute; a property makes it only when asked (to check a link to an anchor)
    @property
    def present_anchor_ids(self) -> set[str] | None:
        if self._anchor_ids is None:
            self._anchor_ids = self._anchors()
        return self._anchor_ids

    @present_anchor_ids.setter
    def present_anchor_ids(self, value: set[str] | None) -> None:
        self._anchor_ids = value

    def render(self, config: MkDocsConfig, files: Files) -> None:
        # Page.render converts Markdown and sets these four; _title_from_render is read by Page.title
        self.content = ""
        self.toc = get_toc([])
        self._title_from_render = None
        self.links_to_anchors = {}
