"""Search stage: index the written site, after every page is on disk.

Two back ends read the same marks in the pages (:meth:`briefgen.render.Renderer.page`):
only what lies inside ``data-pagefind-body`` is indexed (entity, source and grades pages;
not the lists, the timeline, the edition's marking or the navigation), nothing inside
``data-pagefind-ignore`` (pictures: their SVG labels are not words of the page), and a
``data-pagefind-weight`` makes a heading count more (an entity's name weighs most, so the
page named by a query ranks first).

* ``pagefind`` — Pagefind (the ``pagefind[bin]`` package) writes a chunked index into
  ``pagefind/``; a query fetches only the chunks of its words. Its ES modules and
  WebAssembly need a web server.
* ``offline`` — for a copy opened from ``file://``: briefgen writes its own index as
  classic scripts (``assets/search/*.js``) that assign to a global, one per two-letter
  word prefix and one per 256 pages, which ``assets/search.js`` loads on demand with
  ``<script>`` elements — the one way a page opened from a file can read other files.

:func:`index` is the one hook: ``briefgen build`` and ``mkdocs build`` call it through the
plugin's ``on_post_build``. Knows nothing of MkDocs.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import time
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path
from typing import Literal

from briefgen import layout

Backend = Literal["pagefind", "offline"]
BACKENDS: tuple[Backend, ...] = ("pagefind", "offline")

PAGEFIND_FOLDER = layout.SEARCH
OFFLINE_FOLDER = f"{layout.ASSETS}/search"
SCRIPT = f"{layout.ASSETS}/search.js"
PAGES_PER_CHUNK = 256
"""Pages per file of titles and excerpts in the offline index."""
EXCERPT = 180
"""Characters of a page's text shown under its title in the offline results."""

#: Pagefind's default weights of headings (body text weighs 1).
HEADING_WEIGHTS = {"h1": 7.0, "h2": 6.0, "h3": 5.0, "h4": 4.0, "h5": 3.0, "h6": 2.0}
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                  "wbr"})
SKIPPED = frozenset({"script", "style", "template", "noscript"})


class SearchError(Exception):
    """Indexing failed; the message says why."""


@dataclass(frozen=True)
class SearchReport:
    backend: Backend
    pages: int
    files: int
    bytes: int
    seconds: float


def script(backend: Backend) -> bytes:
    """``assets/search.js``: the search box and its back end (the one this build indexes for)."""
    text = resources.files("briefgen").joinpath("assets/search.js").read_text(encoding="utf-8")
    marker = 'var BACKEND = "pagefind";'
    assert marker in text, "assets/search.js lost its back-end line"
    return text.replace(marker, f"var BACKEND = {json.dumps(backend)};", 1).encode()


def index(site_dir: Path, backend: Backend) -> SearchReport:
    """Index the pages written under ``site_dir`` with ``backend``; replaces an earlier index of it."""
    started = time.perf_counter()
    if backend == "pagefind":
        pages = _pagefind(site_dir)
        folder = site_dir / PAGEFIND_FOLDER
    else:
        pages = _offline(site_dir)
        folder = site_dir / OFFLINE_FOLDER
    files = [p for p in folder.rglob("*") if p.is_file()]
    return SearchReport(backend, pages, len(files), sum(p.stat().st_size for p in files),
                        time.perf_counter() - started)


# --- Pagefind ---------------------------------------------------------------------------------------


def pagefind_executable() -> Path:
    """The Pagefind binary of the ``pagefind_bin`` package (installed with ``pagefind[bin]``)."""
    try:
        import pagefind_bin
    except ImportError:
        raise SearchError("Pagefind is not installed: pip install 'pagefind[bin]'") from None
    try:
        return Path(pagefind_bin.get_executable())
    except FileNotFoundError as exc:
        raise SearchError(f"Pagefind's binary is missing: {exc}") from None


_INDEXED = re.compile(r"Indexed (\d+) pages?")


def _pagefind(site_dir: Path) -> int:
    """Pagefind's index of the site, written beside it and then put in place of the last one (renames only):
    a reader of the live preview never sees half an index, nor files of an older one."""
    target = site_dir / PAGEFIND_FOLDER
    fresh = site_dir / f".{PAGEFIND_FOLDER}-new"
    old = site_dir / f".{PAGEFIND_FOLDER}-old"
    for leftover in (fresh, old):
        shutil.rmtree(leftover, ignore_errors=True)
    command = [str(pagefind_executable()), "--site", str(site_dir), "--output-path", str(fresh.resolve())]
    done = subprocess.run(command, capture_output=True, text=True, timeout=3600, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        shutil.rmtree(fresh, ignore_errors=True)
        detail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise SearchError(f"Pagefind failed (exit {done.returncode}): " + " | ".join(detail))
    if target.exists():
        target.rename(old)
    fresh.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    found = _INDEXED.search(done.stdout)
    return int(found[1]) if found else 0


# --- the offline index ------------------------------------------------------------------------------


@dataclass
class PageText:
    """What a page gives the index: its title, its words with their weights, an excerpt."""

    url: str
    title: str = ""
    aliases: list[str] = field(default_factory=list)
    """Other names (``data-pagefind-meta="aliases:…"``, separated by ``; ``)."""
    words: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    text: list[str] = field(default_factory=list)


WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Lower case without diacritics (``Ürümqi`` → ``urumqi``), as ``assets/search.js`` folds a query."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def words(text: str) -> list[str]:
    return WORD.findall(fold(text))


class _Done(Exception):
    """The body element has closed: the rest of the page is not read."""


_IGNORED_FIGURE = re.compile(r"<figure\b[^>]*\bdata-pagefind-ignore\b.*?</figure>", re.S)
"""A picture marked ignored, cut out before parsing (most of a page's markup is its SVG; figures do not nest)."""


class _Reader(HTMLParser):
    """Reads the ``data-pagefind-body`` element of one page, honouring ignore and weight marks."""

    def __init__(self, page: PageText) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.depth = 0  # inside the body: open elements (0 = not in it)
        self.stack: list[tuple[float | None, bool, bool]] = []  # (weight, ignored, title) per open element
        self.done = False
        self.in_title = False
        self.title: list[str] = []

    def _weight(self) -> float:
        for weight, _, _ in reversed(self.stack):
            if weight is not None:
                return weight
        return 1.0

    def _ignored(self) -> bool:
        return any(ignored for _, ignored, _ in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        a = dict(attrs)
        if self.depth == 0:
            if "data-pagefind-body" in a:
                self.depth = 1
                self.stack = [(None, False, False)]
            return
        if tag in VOID:
            return
        meta = a.get("data-pagefind-meta") or ""
        if meta.startswith("aliases:"):
            self.page.aliases += [n for n in meta.removeprefix("aliases:").split("; ") if n]
        weight = a.get("data-pagefind-weight")
        w = float(weight) if weight else HEADING_WEIGHTS.get(tag)
        title = tag == "h1" and not self.page.title and not self.in_title
        self.stack.append((w, "data-pagefind-ignore" in a or tag in SKIPPED, title))
        self.in_title = self.in_title or title
        self.depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass  # <path/>, <br/>: no text

    def handle_endtag(self, tag: str) -> None:
        if self.depth == 0 or self.done or tag in VOID:
            return
        _, _, title = self.stack.pop()
        if title:
            self.in_title = False
            self.page.title = " ".join("".join(self.title).split())
        self.depth -= 1
        if self.depth == 0:
            self.done = True
            raise _Done

    def handle_data(self, data: str) -> None:
        if self.depth == 0 or self.done or self._ignored():
            return
        if self.in_title:
            self.title.append(data)
        weight = self._weight()
        for word in words(data):
            self.page.words[word].append(weight)
        self.page.text.append(data)


def read_page(html: str, url: str) -> PageText | None:
    """The indexed text of one page, or None if it has no ``data-pagefind-body`` (it is not indexed)."""
    start = html.find("data-pagefind-body")
    if start < 0:
        return None
    start = html.rfind("<", 0, start)
    page = PageText(url)
    reader = _Reader(page)
    try:
        reader.feed(_IGNORED_FIGURE.sub("", html[start:]))
        reader.close()
    except _Done:
        pass
    if not page.title:
        page.title = url
    return page


def score(weights: list[float]) -> int:
    """A word's score on a page: its heaviest occurrence first, then (saturating) how often it occurs."""
    return round(10 * (4 * max(weights) + math.log2(1 + sum(weights))))


def shard_key(word: str) -> str:
    """The file of the offline index that holds ``word``: its first two characters, as hex code points."""
    return "".join(f"{ord(c):04x}" for c in word[:2])


def _html_files(site_dir: Path) -> Iterator[tuple[str, Path]]:
    for path in sorted(site_dir.rglob("*.html")):
        rel = path.relative_to(site_dir).as_posix()
        if not rel.startswith((f"{layout.ASSETS}/", f"{PAGEFIND_FOLDER}/")):
            yield rel, path


def _offline(site_dir: Path) -> int:
    out = site_dir / OFFLINE_FOLDER
    if out.exists():
        for old in out.glob("*.js"):
            old.unlink()
    out.mkdir(parents=True, exist_ok=True)
    shards: dict[str, dict[str, list[list[int]]]] = defaultdict(dict)
    pages: list[list[str | list[str]]] = []  # address, title, excerpt, other names
    for rel, path in _html_files(site_dir):
        page = read_page(path.read_text(encoding="utf-8"), rel)
        if page is None:
            continue
        number = len(pages)
        text = " ".join(" ".join(page.text).split())
        excerpt = text.removeprefix(page.title).strip()
        pages.append([rel, page.title, excerpt[:EXCERPT] + ("…" if len(excerpt) > EXCERPT else ""), page.aliases])
        for word, weights in page.words.items():
            shards[shard_key(word)].setdefault(word, []).append([number, score(weights)])
    for key, entries in shards.items():
        _write_script(out / f"t-{key}.js", f"t-{key}", dict(sorted(entries.items())))
    for chunk in range(0, len(pages), PAGES_PER_CHUNK):
        _write_script(out / f"p-{chunk // PAGES_PER_CHUNK}.js", f"p-{chunk // PAGES_PER_CHUNK}",
                      pages[chunk:chunk + PAGES_PER_CHUNK])
    return len(pages)


def _write_script(path: Path, name: str, data: object) -> None:
    """A classic script handing ``data`` to the page's search (``</`` never closes anything: it is JSON in JS)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    path.write_text(f"briefgenSearch.add({json.dumps(name)},{text});\n", encoding="utf-8")
