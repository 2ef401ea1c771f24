"""Reading a built page: the body briefgen rendered inside Material's ``<article>``, and a small element tree."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

ARTICLE_OPEN = re.compile(r'<article\b[^>]*\bclass="md-content__inner md-typeset"[^>]*>')
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                  "wbr"})


def article(html: str) -> str:
    """The page body briefgen rendered: what Material places inside its content ``<article>``."""
    opens = ARTICLE_OPEN.findall(html)
    assert len(opens) == 1, f"expected one Material content <article>, found {len(opens)}"
    start = ARTICLE_OPEN.search(html).end()  # type: ignore[union-attr]
    end = html.find("</article>", start)
    assert end > start, "unclosed content <article>"
    return html[start:end].strip()


@dataclass(eq=False)
class Element:
    """A parsed HTML element: tag, attributes, children (elements and text)."""

    tag: str
    attrs: dict[str, str | None]
    parent: Element | None = None
    children: list[Element | str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self):  # type: ignore[no-untyped-def]
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.iter()

    def find_all(self, tag: str, **attrs: str) -> list[Element]:
        """Descendants with this tag whose attributes contain the given values (``class_`` for class)."""
        wanted = {k.rstrip("_"): v for k, v in attrs.items()}
        found = []
        for el in self.iter():
            if el.tag != tag and tag != "*":
                continue
            if all(v in (el.attrs.get(k) or "").split() if k == "class" else el.attrs.get(k) == v
                   for k, v in wanted.items()):
                found.append(el)
        return found

    def by_id(self) -> dict[str, Element]:
        return {el.attrs["id"]: el for el in self.iter() if el.attrs.get("id")}  # type: ignore[misc]


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs), self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Element(tag, dict(attrs), self.current))

    def handle_endtag(self, tag: str) -> None:
        node: Element | None = self.current
        while node is not None and node is not self.root and node.tag != tag:
            node = node.parent
        if node is not None and node is not self.root:
            self.current = node.parent  # type: ignore[assignment]

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse(html: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def ancestry(element: Element, depth: int = 5) -> str:
    """Where an element sits, e.g. ``span < a.md-nav__link < li.md-nav__item`` (for messages)."""
    names = []
    node: Element | None = element.parent
    while node is not None and node.tag != "#document" and len(names) < depth:
        first_class = (node.attrs.get("class") or "").split()[:1]
        names.append(node.tag + "".join(f".{c}" for c in first_class))
        node = node.parent
    return " < ".join(names) or "document"
