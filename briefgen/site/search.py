"""Search stage: index the written site, after every page is on disk.

Two back ends read the same marks in the pages (:meth:`briefgen.site.render.Renderer.page`):
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

import base64
import contextlib
import io
import json
import math
import re
import shutil
import subprocess
import threading
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
    _swap(fresh, target)
    found = _INDEXED.search(done.stdout)
    return int(found[1]) if found else 0


ANSWER_WITHIN = 600.0
"""Seconds Pagefind may take to answer (the whole index is one answer: seconds even at 20,000 pages)."""


class PagefindFeed:
    """Pagefind's index made while the pages are written: each page is sent to a Pagefind service process
    (``pagefind --service``) as soon as its body is made, and indexed there on another core.

    A page is sent as its body alone — what lies inside ``data-pagefind-body`` is all Pagefind reads of
    a page, once any page has it — in a small document of the page's language, with the pictures that
    Pagefind ignores cut out: a fraction of the bytes of the page the theme writes, for the same index.
    The service's protocol is its documented one (base64 JSON messages, each ended by a comma); a thread
    reads its answers, so that a full pipe never stops either side.
    """

    def __init__(self, language: str = "en") -> None:
        self.language = language
        self.sent = 0
        self.indexed = 0
        self.errors: list[str] = []
        self._ids = 0
        self._index_id: int | None = None
        self._lock = threading.Condition()
        self._answers: dict[int, dict[str, object]] = {}
        try:
            self.process = subprocess.Popen([str(pagefind_executable()), "--service"], stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError as exc:
            raise SearchError(f"Pagefind could not start: {exc}") from None
        self._reader = threading.Thread(target=self._read, name="briefgen-pagefind", daemon=True)
        self._reader.start()
        answer = self._wait(self._send({"type": "NewIndex", "config": {}}))
        self._index_id = int(answer["index_id"])  # type: ignore[call-overload]  # a number, by the protocol

    def _send(self, payload: dict[str, object]) -> int:
        self._ids += 1
        message = json.dumps({"message_id": self._ids, "payload": payload}).encode()
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(base64.b64encode(message) + b",")
        except OSError as exc:
            raise SearchError(f"Pagefind stopped: {exc}") from None
        return self._ids

    def _read(self) -> None:
        stdout = self.process.stdout
        assert isinstance(stdout, io.BufferedReader)
        parts: list[bytes] = []  # of the message being read (the index itself comes as one of megabytes)
        for chunk in iter(lambda: stdout.read1(1 << 16), b""):
            *ended, rest = chunk.split(b",")
            for piece in ended:
                self._answer(b"".join([*parts, piece]))
                parts = []
            parts.append(rest)
        with self._lock:
            self._answers[-1] = {"type": "Error", "message": "Pagefind stopped"}
            self._lock.notify_all()

    def _answer(self, raw: bytes) -> None:
        try:
            answer = json.loads(base64.b64decode(raw))
            payload = answer.get("payload", {}) if isinstance(answer, dict) else {}
        except ValueError:  # not a message: read on, so that Pagefind is never stopped by a full pipe
            answer, payload = {}, {"type": "Error", "message": f"unreadable answer {raw[:60]!r}"}
        with self._lock:
            if payload.get("type") == "IndexedFile":
                self.indexed += 1
            elif payload.get("type") == "Error":
                self.errors.append(str(payload.get("message", "error")))
            if answer.get("message_id") is not None:
                self._answers[answer["message_id"]] = payload
            self._lock.notify_all()

    def _wait(self, message_id: int) -> dict[str, object]:
        assert self.process.stdin is not None
        self.process.stdin.flush()
        with self._lock:
            if not self._lock.wait_for(lambda: message_id in self._answers or -1 in self._answers, ANSWER_WITHIN):
                raise SearchError(f"Pagefind did not answer within {ANSWER_WITHIN:.0f} s")
            answer = self._answers.get(message_id, self._answers.get(-1, {}))
        if answer.get("type") == "Error":
            raise SearchError(f"Pagefind failed: {answer.get('message')}")
        return answer

    def add(self, path: str, body: str, *, whole: bool = False) -> None:
        """Index a page (its path in the site, e.g. ``exercises/x/index.html``) from its body, or from the
        ``whole`` page as it is written."""
        if "data-pagefind-body" not in body:
            return  # never indexed: another page has the mark
        document = body if whole else (f'<!doctype html><html lang="{self.language}"><head></head><body>'
                                       f'{_IGNORED_FIGURE.sub("", body)}</body></html>')
        self._send({"type": "AddFile", "index_id": self._index_id, "file_path": path, "url": None,
                    "file_contents": document})
        self.sent += 1

    def finish(self, site_dir: Path) -> SearchReport:
        """Write the index into ``site_dir`` (in place of an earlier one) and stop the service."""
        started = time.perf_counter()
        try:
            # the files come in the answer and are written here: Pagefind answers a WriteFiles before its
            # files are all written, and would stop writing them when it is closed
            answer = self._wait(self._send({"type": "GetFiles", "index_id": self._index_id}))
            if self.errors:
                raise SearchError(f"Pagefind failed: {self.errors[0]}")
            fresh = site_dir / f".{PAGEFIND_FOLDER}-new"
            shutil.rmtree(fresh, ignore_errors=True)
            for file in answer.get("files", ()):  # type: ignore[attr-defined]  # a list, by the protocol
                path = fresh / file["path"]
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(base64.b64decode(file["content"]))
            _swap(fresh, site_dir / PAGEFIND_FOLDER)
        finally:
            self.close()
        files = [p for p in (site_dir / PAGEFIND_FOLDER).rglob("*") if p.is_file()]
        return SearchReport("pagefind", self.indexed, len(files), sum(p.stat().st_size for p in files),
                            time.perf_counter() - started)

    def close(self) -> None:
        """Stop the service (what it was sent is not written)."""
        if self.process.stdin is not None and not self.process.stdin.closed:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reader.join(timeout=10)


def _swap(fresh: Path, target: Path) -> None:
    """Put the folder ``fresh`` in place of ``target`` by renames: a reader never sees half an index."""
    old = target.with_name(f".{target.name}-old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    fresh.rename(target)
    shutil.rmtree(old, ignore_errors=True)


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
