"""Live preview for ``mkdocs serve``: after an edit, rewrite only the pages it changed.

MkDocs' serve loop rebuilds the whole site on every change: at 2,000 entities, 7–16 s
before an edited fact shows. Instead, after a full build the preview keeps what MkDocs
made (config, files, navigation, theme environment) and, on the next change, plans the
site again (check, views) and compares each page's key with the last plan's
(:meth:`briefgen.site.Site.changed_since`). Only the pages whose key changed go through
the theme and are written; their search entries are replaced and the search index is
written again; changed assets are written. Anything else — a page added or removed, a
page in the navigation retitled (every page shows the navigation), errors in content (or
warnings under ``--strict``), a change to ``mkdocs.yml``, the templates or another watched
path, a plugin the preview does not know — falls back to MkDocs' full rebuild, so the
preview never shows less than a full build would.

briefgen's own search index (:mod:`briefgen.search`) is made again after an update in a
thread of its own, so that the edited page shows at once and search catches up a moment
later (a second or two at 2,000 entities); MkDocs' search plugin, where a site keeps it,
has its entries replaced in place.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import escape
from mkdocs import utils
from mkdocs.commands.build import _build_page
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files, InclusionLevel
from mkdocs.structure.nav import Navigation

from briefgen import memory
from briefgen.site import Site

if TYPE_CHECKING:
    import jinja2

log = logging.getLogger("mkdocs.plugins.briefgen")

KNOWN_PLUGINS = frozenset({"briefgen", "search", "material/search"})
"""Plugins whose per-page work the preview knows how to redo for some pages only."""

Signature = dict[str, tuple[int, int]]


def signature(paths: Iterable[Path], ignore: Callable[[str], bool] | None = None) -> Signature:
    """(mtime in ns, size) of every file under ``paths`` (files or folders), by path; files inside a folder
    for which ``ignore`` says so are left out."""
    found: Signature = {}
    for path in paths:
        if path.is_file():
            st = path.stat()
            found[str(path)] = (st.st_mtime_ns, st.st_size)
            continue
        for folder, _, names in os.walk(path):
            for name in names:
                file = os.path.join(folder, name)
                if ignore is not None and ignore(file):
                    continue
                try:
                    st = os.stat(file)
                except OSError:
                    continue
                found[file] = (st.st_mtime_ns, st.st_size)
    return found


def meta_title(title: str) -> str:
    """A page's title as the theme gets it: themes print titles as HTML (nav, header, <title>), so escaped text."""
    return str(escape(title))


def _search_plugin(config: MkDocsConfig) -> Any:
    """The build's search plugin (Material's or MkDocs'), or None."""
    return config.plugins.get("material/search") or config.plugins.get("search")


def _search_entries(config: MkDocsConfig) -> list[dict[str, Any]] | None:
    """The search plugin's list of index entries (MkDocs' or Material's), or None if there is no such plugin."""
    index = getattr(_search_plugin(config), "search_index", None)
    for name in ("entries", "_entries"):  # Material's SearchIndex, MkDocs' SearchIndex
        entries = getattr(index, name, None)
        if isinstance(entries, list):
            return entries
    return None


@dataclass
class Preview:
    """What the last full build left, and how to update its output in place."""

    config: MkDocsConfig
    files: Files
    nav: Navigation
    env: jinja2.Environment
    site: Site
    watched: tuple[Path, ...]
    """Paths outside the content folder whose change needs a full rebuild (mkdocs.yml, templates, …)."""
    replan: Callable[[], Site | None]
    """Plans the site again as the full build did, reports what the check found, and makes the new plan the
    one pages render from; None when only a full build can go on (errors, or warnings under ``--strict``)."""
    fact_file: Callable[[str], bool] | None = None
    """Whether a file under a watched folder is one of briefgen's fact files (whose edits the preview takes);
    any other file there (the project's own pages, images, stylesheets) needs a full rebuild."""
    reindex: Callable[[], None] = lambda: None
    """Makes briefgen's search index of the written pages again (run in a thread after an update)."""

    def __post_init__(self) -> None:
        self.indexing: threading.Thread | None = None
        self._lock = threading.Lock()
        self._running = False  # a thread is indexing (or about to)
        self._again = False  # pages were written since its pass began
        self.stamp = signature(self.watched, self.fact_file)
        self.site.keys()  # the keys of the site being served, made now rather than on the first edit

    def supported(self) -> bool:
        """Whether every plugin of this build is one whose work the preview can redo page by page."""
        return set(self.config.plugins) <= KNOWN_PLUGINS and (
            _search_plugin(self.config) is None or _search_entries(self.config) is not None)

    def wait(self) -> None:
        """Wait until the search index holds every page written so far."""
        while True:
            with self._lock:
                thread = self.indexing if self._running else None
            if thread is None:
                return
            thread.join()

    def _index_later(self) -> None:
        """Index again in a thread; pages written while it runs are indexed in one more pass after it."""
        with self._lock:
            self._again = True
            if self._running:
                return
            self._running = True
            self.indexing = threading.Thread(target=self._index, name="briefgen-search-index", daemon=True)
            self.indexing.start()

    def _index(self) -> None:
        while True:
            with self._lock:
                if not self._again:
                    self._running = False
                    return
                self._again = False
            try:
                self.reindex()
            except Exception as exc:  # the next full build reports it
                log.warning(f"briefgen: search index not updated: {exc}")

    def update(self) -> bool:
        """Bring the served site up to date with the content; False when only a full rebuild can."""
        started = time.perf_counter()
        if not self.supported() or signature(self.watched, self.fact_file) != self.stamp:
            return False
        try:
            site = self.replan()
            changed = site.changed_since(self.site) if site is not None else None
            if site is None or changed is None or self._retitles_nav(site, changed):
                return False  # the full build reports what is wrong, as it always does
            self._write_pages(site, changed)
            assets = self._write_assets(site)
            self.site = site
            if changed:
                self._index_later()
        finally:
            memory.thaw()
        log.info(f"briefgen: preview updated {len(changed)} page{'s' if len(changed) != 1 else ''} "
                 f"and {assets} asset{'s' if assets != 1 else ''} in {time.perf_counter() - started:.2f} s")
        return True

    def _retitles_nav(self, site: Site, changed: tuple[str, ...]) -> bool:
        """Whether a page listed in the navigation changed its title: every page shows the navigation."""
        in_nav = {p.file.src_uri for p in self.nav.pages}
        return any(uri in in_nav and site.pages[uri].title != self.site.pages[uri].title for uri in changed)

    def _write_pages(self, site: Site, changed: tuple[str, ...]) -> None:
        if not changed:
            return
        entries = _search_entries(self.config)
        pages = []
        for uri in changed:
            file = self.files.get_file_from_path(uri)
            assert file is not None and file.page is not None
            pages.append(file.page)
        # a search entry's location is its page's URL as Page.url has it ("" for the home page), then "#section"
        urls = {page.url for page in pages}
        if entries is not None:
            entries[:] = [e for e in entries if str(e.get("location", "")).partition("#")[0] not in urls]
        doc_files = self.files.documentation_pages(inclusion=InclusionLevel.is_in_serve)
        for page in pages:
            page.meta["title"] = meta_title(site.pages[page.file.src_uri].title)
            _build_page(page, self.config, doc_files, self.nav, self.env)
        if entries is not None:
            _search_plugin(self.config).on_post_build(config=self.config)

    def _write_assets(self, site: Site) -> int:
        written = 0
        for uri, data in site.assets.items():
            if self.site.assets.get(uri) != data:
                utils.write_file(data, os.path.join(self.config.site_dir, uri))
                written += 1
        return written
