"""Live preview for ``mkdocs serve``: after an edit, rewrite only the pages it changed.

MkDocs' serve loop rebuilds the whole site on every change: at 2,000 entities, 7–16 s
before an edited fact shows. Instead, after a full build the preview keeps what MkDocs
made (config, files, navigation, theme environment) and, on the next change, plans the
site again (check, views) and compares each page's key with the last plan's
(:meth:`briefgen.build.core.Build.replan`). Only the pages whose key changed go through
the theme and are written; their search entries are replaced and the search index is
written again; changed assets are written. Anything else — a page added or removed, a
page in the navigation retitled (every page shows the navigation), errors in content (or
warnings under ``--strict``), a change to ``mkdocs.yml``, the templates or another watched
path, a plugin the preview does not know — falls back to MkDocs' full rebuild, so the
preview never shows less than a full build would.

briefgen's own search index (:mod:`briefgen.site.search`) is made again after an update in a
thread of its own, so that the edited page shows at once and search catches up a moment
later (a second or two at 2,000 entities); MkDocs' search plugin, where a site keeps it,
has its entries replaced in place.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mkdocs import utils
from mkdocs.commands.build import _build_page
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import get_plugin_logger
from mkdocs.structure.files import Files, InclusionLevel
from mkdocs.structure.nav import Navigation

from briefgen.build import memory
from briefgen.build.core import Build, Update, signature
from briefgen.mkdocs.pages import meta_title
from briefgen.site.render import count_noun

if TYPE_CHECKING:
    import jinja2

log = get_plugin_logger(__name__)

KNOWN_PLUGINS = frozenset({"briefgen", "search", "material/search"})
"""Plugins whose per-page work the preview knows how to redo for some pages only."""

def _search_plugin(config: MkDocsConfig) -> Any:
    """The build's search plugin (Material's or MkDocs'), or None."""
    return config.plugins.get("material/search") or config.plugins.get("search")


def _search_entries(config: MkDocsConfig) -> list[dict[str, Any]] | None:
    """The search plugin's list of index entries (MkDocs' or Material's), or None if there is no such plugin."""
    index = getattr(_search_plugin(config), "search_index", None)
    # MkDocs' SearchIndex keeps its entries in the private _entries and has no public way to drop a page's
    # entries (Material's calls them entries): the preview replaces an edited page's entries there
    for name in ("entries", "_entries"):
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
    build: Build
    """The core build, whose current plan is what is served."""

    def __post_init__(self) -> None:
        self.indexing: threading.Thread | None = None
        self._lock = threading.Lock()
        self._running = False  # a thread is indexing (or about to)
        self._again = False  # pages were written since its pass began
        self.watched = self._watched()
        self.stamp = signature(self.watched, self.build.fact_file)

    def _watched(self) -> tuple[Path, ...]:
        """Paths whose change needs a full rebuild: mkdocs.yml, templates, the theme's folder, the docs folder
        (an edit to the project's own page is MkDocs' to rebuild; fact files are left out), ``watch:``."""
        s, config = self.build.settings, self.config
        paths = [s.templates, Path(config.docs_dir), *(Path(p) for p in config.watch)]
        paths += [Path(p) for p in (config.config_file_path, config.theme.custom_dir) if p]
        return tuple(p for p in paths if p.exists())

    @staticmethod
    def serve(plugin: Any, server: Any) -> Any:
        """Make ``mkdocs serve`` watch the content and templates, and update in place when an edit allows it
        (``plugin.preview``, made by each full build); otherwise MkDocs' full rebuild runs."""
        settings = plugin.build.settings
        for folder in (settings.content, settings.templates):
            if folder.is_dir():
                server.watch(str(folder))
        full = server.builder  # LiveReloadServer's rebuild callback: public, and the only way in to its loop

        def rebuild(*args: Any, **kwargs: Any) -> None:
            preview, plugin.preview = plugin.preview, None  # a failed or full rebuild makes a new one
            try:
                if preview is not None and not args and not kwargs and preview.update():
                    plugin.preview = preview
                    return
            except Exception as exc:  # the full rebuild reports what is wrong
                log.debug(f"preview update failed ({exc!r}); rebuilding in full")
            if preview is not None:
                preview.wait()  # the full build indexes the site itself: not two indexers at once
            full(*args, **kwargs)

        server.builder = rebuild
        return server

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
                self.build.index_search()
            except Exception as exc:  # the next full build reports it
                log.warning(f"search index not updated: {exc}")

    def update(self) -> bool:
        """Bring the served site up to date with the content; False when only a full rebuild can."""
        started = time.perf_counter()
        if not self.supported() or signature(self.watched, self.build.fact_file) != self.stamp:
            return False
        try:
            update = self.build.replan(declines=self._retitles_nav)
            if update is None:
                return False  # the full build reports what is wrong, as it always does
            assert self.build.result is not None
            for d in self.build.result.diagnostics:
                log.warning(d.format())
            self._write_pages(update.pages)
            for uri, data in update.assets.items():
                utils.write_file(data, os.path.join(self.config.site_dir, uri))
            if update.pages:
                self._index_later()
        finally:
            memory.thaw()
        log.info(f"preview updated {count_noun(len(update.pages), 'page')} and "
                 f"{count_noun(len(update.assets), 'asset')} in {time.perf_counter() - started:.2f} s")
        return True

    def _retitles_nav(self, update: Update) -> bool:
        """Whether a page listed in the navigation changed its title: every page shows the navigation."""
        return any(p.file.src_uri in update.retitled for p in self.nav.pages)

    def _write_pages(self, changed: tuple[str, ...]) -> None:
        if not changed:
            return
        site = self.build.require_plan()
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
            # MkDocs has no public call that builds one page: _build_page runs the page events and the theme
            _build_page(page, self.config, doc_files, self.nav, self.env)
        if entries is not None:
            _search_plugin(self.config).on_post_build(config=self.config)
