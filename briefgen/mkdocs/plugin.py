"""MkDocs adapter: MkDocs' build events translated into briefgen's core build (:mod:`briefgen.build.core`).

MkDocs supplies the theme, navigation and serve loop; the core build supplies every page,
asset, search index and PDF. Content errors abort the build with the same ``path:line:col``
lines as ``briefgen check``; warnings go through MkDocs' logger, so ``--strict`` fails on them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.utils import nest_paths

from briefgen.build.core import Build, BuildError
from briefgen.check.pipeline import CheckResult
from briefgen.diagnostics import Severity
from briefgen.mkdocs import pages
from briefgen.mkdocs.options import BriefgenConfig, settings
from briefgen.mkdocs.preview import Preview

log = get_plugin_logger(__name__)


class BriefgenPlugin(BasePlugin[BriefgenConfig]):
    """Generates every page of the briefing site from the fact base."""

    def __init__(self) -> None:
        self.overrides: dict[str, Any] = {}
        """Options given on briefgen's command line (edition, pdf, offline), over mkdocs.yml's."""
        self.build: Build  # made by on_config, the first event of a build
        self.preview: Preview | None = None
        self.serving = self.dirty = False
        self._default_nav: list[Any] | None = None  # the nav of sections given when mkdocs.yml has none
        self._files: dict[str, File] = {}
        self._full: str | None = None
        self._built: dict[str, Any] = {}  # what the preview needs of this build: files, nav, theme environment

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.serving, self.dirty = command == "serve", dirty  # the preview shows pages at once, with no PDFs

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        with _errors():
            given = settings(config, {**self.config, **self.overrides})
        if getattr(self, "build", None) is None or self.build.settings != given:  # one build follows every edit
            self.build = Build(given, serving=self.serving)  # while serving (unless mkdocs.yml changes)
        if config.nav is not None and config.nav is not self._default_nav:
            self._default_nav = None  # the user's own nav (a config used again keeps the nav given here)
        if config.nav is self._default_nav:
            config.nav = None
        config.validation.nav.omitted_files = logging.DEBUG  # entity pages are reached from index pages
        config.extra_css.extend(p for p in given.stylesheets if p not in config.extra_css)
        config.extra_javascript.extend(p for p in given.scripts if p not in map(str, config.extra_javascript))
        return config

    def on_pre_build(self, config: MkDocsConfig) -> None:
        build = self.build
        with _errors():
            build.claim(Path(config.site_dir), check=not (self.serving or self.dirty))
            _report(build.plan())
            site = build.require_plan()
        self._files = {uri: File.generated(config, uri, content="") for uri in site.pages}
        # bodies are rendered ahead in the order MkDocs builds the pages: the order of on_files below
        build.start_pages([(uri, pages.base(f)) for uri, f in self._files.items()])

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        build = self.build
        # fact files are never published as they are; every other file is MkDocs' as usual
        kept = Files([f for f in files if f.abs_src_path is None or not build.fact_file(f.abs_src_path)])
        with _errors():
            build.refuse_collisions(((f.dest_uri, f.abs_src_path) for f in kept if f.abs_src_path), config.docs_dir)
        if config.nav is None and "awesome-nav" not in config.plugins:  # MkDocs' nav would list every entity
            users = [f.src_uri for f in kept.documentation_pages()]
            config.nav = self._default_nav = [*({t: u} for t, u in build.sections()), *nest_paths(users)]
        titles = dict(pages.nav_titles(config.nav or []))
        for uri, file in self._files.items():  # becomes file.page, titled as the nav titles it
            pages.GeneratedPage(titles.get(uri), file, config, partial(self._anchors, file))
            kept.append(file)
        for uri, data in build.assets().items():
            kept.append(File.generated(config, uri, content=data))
        self._built = {"files": kept}
        return kept

    def _anchors(self, file: File) -> set[str]:
        with _errors():
            return self.build.anchors(file.src_uri, pages.base(file))

    def _ours(self, page: Page) -> bool:
        return page.file.src_uri in self._files

    def on_page_markdown(self, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        if self._ours(page):
            page.meta["title"] = pages.meta_title(self.build.require_plan().pages[page.file.src_uri].title)
            return ""
        return markdown

    def on_page_content(self, html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        # MkDocs renders every page's content before it writes any; briefgen's bodies are made one at a
        # time in on_page_context instead, so that 20,000 of them never sit in memory together
        return "" if self._ours(page) else html

    @event_priority(100)  # before a search plugin reads the page, which then reads the search text
    def _search_body(self, context: Any, page: Page, config: MkDocsConfig, nav: Any) -> Any:
        if self._ours(page):
            with _errors():
                full, words = self.build.body(page.file.src_uri, pages.base(page.file))
            page.toc = pages.toc(full)  # the theme's "on this page"
            page.content, self._full = (full, None) if words is None else (words, full)
        return context

    @event_priority(-100)  # after it: the page shows its full body again
    def _full_body(self, context: Any, page: Page, config: MkDocsConfig, nav: Any) -> Any:
        if self._full is not None:
            page.content, self._full = self._full, None
        return context

    on_page_context = CombinedEvent(_search_body, _full_body)

    def on_post_page(self, output: str, page: Page, config: MkDocsConfig) -> str:
        if self._ours(page):
            page.content = ""  # written: let it go
        return self.build.finish_html(output, page.file.dest_uri)

    def on_post_template(self, output_content: str, template_name: str, config: MkDocsConfig) -> str:
        return self.build.finish_html(output_content)  # the theme's 404.html links to pages too

    def on_nav(self, nav: Any, config: MkDocsConfig, files: Files) -> Any:
        self._built["nav"] = nav
        return nav

    def on_env(self, env: Any, config: MkDocsConfig, files: Files) -> Any:
        self._built["env"] = env
        return env

    def on_post_build(self, config: MkDocsConfig) -> None:
        build = self.build
        build.pages_written()
        with _errors():
            if indexed := build.index_search():  # every page is written now
                log.info(indexed)
            if build.settings.pdf and not self.serving:
                log.info(build.publish())
        if self.serving:
            self.preview = Preview(config, self._built["files"], self._built["nav"], self._built["env"], build)

    def on_build_error(self, error: Exception) -> None:
        if getattr(self, "build", None) is not None:
            self.build.close()
        self.preview = None

    def on_serve(self, server: Any, config: MkDocsConfig, builder: Any) -> Any:
        return Preview.serve(self, server)


@contextmanager
def _errors() -> Iterator[None]:
    """A problem of the core build as MkDocs reports a plugin's: its lines logged, then the build aborted."""
    try:
        yield
    except BuildError as exc:
        for line in exc.lines:
            log.error(line)
        raise PluginError(f"briefgen: {exc}") from None


def _report(result: CheckResult) -> None:
    """Log what the check found: errors, and warnings through MkDocs (so that ``--strict`` fails on them)."""
    for d in result.diagnostics:
        (log.error if d.severity is Severity.ERROR else log.warning)(d.format())
