"""Markdown: the one parser every Markdown field goes through, when it is checked and when it is rendered.

CommonMark with raw HTML shown as text and only http, https and mailto links. The site
loads nothing from third parties, so an image is never an ``<img>``: the check refuses
images of remote addresses (:func:`images`, :func:`remote`), and the renderer writes any image
as a plain link (or, where the address is one it drops, such as ``javascript:``, as text).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

SAFE_SCHEMES = ("http://", "https://", "mailto:")


def _image_as_link(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env) or str(token.attrGet("src"))
    return f'<a href="{escapeHtml(str(token.attrGet("src")))}">{escapeHtml(alt)}</a>'


def remote(src: str) -> bool:
    """Whether an address names a host (``https://host/…``, ``ftp://…``, protocol-relative ``//host/…``)."""
    return bool(re.match(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*:)?[\\/]{2}", src))


def parser() -> MarkdownIt:
    """A CommonMark renderer that shows raw HTML as text, drops links to other schemes and writes
    images as links to them."""
    md = _SafeLinks("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.add_render_rule("image", _image_as_link)
    return md


class _SafeLinks(MarkdownIt):
    """Links only to the schemes in :data:`SAFE_SCHEMES` (markdown-it asks ``validateLink`` of each)."""

    def validateLink(self, url: str) -> bool:
        return url.strip().lower().startswith(SAFE_SCHEMES)


class _AllLinks(MarkdownIt):
    """Takes every address as a link, to find the images a text names."""

    def validateLink(self, url: str) -> bool:
        return True


@cache
def _finder() -> MarkdownIt:
    return _AllLinks("commonmark", {"html": False})


def images(text: str) -> Iterator[str]:
    """The address of every image the text holds (inline ``![x](url)`` or by reference ``![x][ref]``),
    whatever its address (the renderer would drop some as links, but an editor meant an image)."""
    if "![" not in text:  # every image, inline or by reference, starts so: most text is not parsed at all
        return
    for token in _finder().parse(text):
        for child in token.children or ():
            if child.type == "image":
                yield str(child.attrGet("src"))
