"""A link checker over a built site: every internal ``href`` and ``src`` of every page must land.

A link lands when the file it names exists in the site and, when it has a fragment, that
page has an element with that id. A link to a folder (``exercises/``) lands on the folder's
``index.html`` only when the site uses directory URLs: without them (``use_directory_urls:
false``, e.g. a site opened from the disk) a folder link is broken, as it is in a browser
reading ``file://``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

ROOT = "https://site.invalid/"
LINK_ATTRS = frozenset({"href", "src", "xlink:href"})


@dataclass
class _Page(HTMLParser):
    links: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("id", "name") and (name == "id" or tag == "a"):
                self.ids.add(value)
            elif name in LINK_ATTRS and not (tag == "link" and ("rel", "canonical") in attrs):
                self.links.append(value)

    handle_startendtag = handle_starttag


def _read(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


@dataclass(frozen=True)
class Report:
    """What the checker found: how many links it followed, and each one that does not land."""

    checked: int
    broken: tuple[str, ...]
    pages: int


def check_site(site: Path, *, directory_urls: bool, base_path: str = "/") -> Report:
    """Follow every internal link of every HTML page of ``site``; ``base_path`` is where the site is served
    (the path of ``site_url``: absolute links, as in ``404.html``, start with it)."""
    parsed: dict[Path, _Page] = {}

    def page(path: Path) -> _Page:
        if path not in parsed:
            parsed[path] = _read(path)
        return parsed[path]

    broken: list[str] = []
    checked = 0
    htmls = sorted(site.rglob("*.html"))
    for path in htmls:
        rel = path.relative_to(site).as_posix()
        here = ROOT + base_path.lstrip("/") + rel
        for link in page(path).links:
            target = urlsplit(urljoin(here, link))
            if f"{target.scheme}://{target.netloc}/" != ROOT:
                continue  # another site (or mailto:, data:): not ours to check
            checked += 1
            if not target.path.startswith(base_path):
                broken.append(f"{rel}: {link} lies outside the site ({base_path})")
                continue
            file = site / unquote(target.path).removeprefix(base_path)
            if target.path.endswith("/"):
                if not directory_urls:
                    broken.append(f"{rel}: {link} is a folder link in a site without directory URLs")
                    continue
                file = file / "index.html"
            if not file.is_file():
                broken.append(f"{rel}: {link} → {file.relative_to(site).as_posix()} does not exist")
            elif target.fragment and file.suffix == ".html" and unquote(target.fragment) not in page(file).ids:
                broken.append(f"{rel}: {link} → no element with id {target.fragment!r} on that page")
    return Report(checked, tuple(broken), len(htmls))
