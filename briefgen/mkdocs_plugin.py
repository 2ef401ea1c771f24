"""MkDocs adapter: a thin plugin over briefgen's core (check → views → render).

MkDocs supplies the theme, navigation, search and live preview; briefgen supplies
every page. Content errors abort the build with the same ``path:line:col`` lines as
``briefgen check``; warnings go through MkDocs' logger, so ``--strict`` fails on them.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import jinja2
from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc
from mkdocs.utils import nest_paths

from briefgen import memory, offline, output, prerender, search
from briefgen.diagnostics import Severity, did_you_mean, visible
from briefgen.editions import LEVELS, Edition
from briefgen.mkdocs_preview import Preview, meta_title
from briefgen.output import Keep
from briefgen.pdf import PdfError
from briefgen.project import CheckResult, LoadCache, owned
from briefgen.publish import PDF_FOLDER, PdfSettings, book_jobs, jobs, render
from briefgen.render import Heading, anchor_ids, headings, template_error
from briefgen.site import Site, plan

log = get_plugin_logger(__name__)


class BriefgenConfig(Config):
    """Options under ``plugins: - briefgen:`` in mkdocs.yml."""

    content = c.Type(str, default="content")
    templates = c.Type(str, default="templates")
    pdf = c.Type(bool, default=True)
    """Render PDF briefs into ``site/pdf/`` after the pages (``on_post_build``)."""
    pdf_workers = c.Optional(c.Type(int))
    """Worker processes for PDFs; default: every core."""
    edition = c.Type(str, default="public")
    """The audience this build is for: a key of ``editions``."""
    editions = c.Type(dict, default={"public": "CLEAR"})
    """Audiences and the highest TLP marking each may see."""
    default_marking = c.Choice(LEVELS, default="CLEAR")
    """The marking of anything unmarked."""
    search = c.Type(bool, default=True)
    """A search box on every page, over an index of the written pages (``on_post_build``, :mod:`briefgen.search`)."""
    offline = c.Type(bool, default=False)
    """The offline edition: every link to a folder names its ``index.html`` and search uses briefgen's own index
    of classic scripts, so that the site works opened from files (``briefgen build --offline``)."""


def _base(file: File) -> str:
    """The path from a page to the site root (``../../`` for ``exercises/x/``; empty for the home page)."""
    url = "" if file.url in (".", "./") else file.url  # as Page.url has it
    return "../" * url.count("/")


def _nav_titles(items: Any) -> Iterator[tuple[str, str]]:
    """(page, title) for every page that ``nav:`` in mkdocs.yml names with a title."""
    for item in items if isinstance(items, list) else [items]:
        if isinstance(item, dict):
            for title, value in item.items():
                if isinstance(value, str):
                    yield value, title
                else:
                    yield from _nav_titles(value)


def _toc_tokens(found: tuple[Heading, ...]) -> list[dict[str, Any]]:
    """Headings as the tokens of Python-Markdown's ``toc`` extension (what MkDocs' ``get_toc`` reads): each
    heading under the nearest heading before it of a higher level."""
    root: list[dict[str, Any]] = []
    open_: list[dict[str, Any]] = []
    for h in found:
        token = {"level": h.level, "id": h.id, "name": h.title, "children": []}
        while open_ and open_[-1]["level"] >= h.level:
            open_.pop()
        (open_[-1]["children"] if open_ else root).append(token)
        open_.append(token)
    return root


class GeneratedPage(Page):
    """A page whose body briefgen renders: MkDocs has no Markdown to convert for it.

    MkDocs would otherwise set up a Markdown converter with every extension for each page
    (a fifth of a second at 2,000 pages) to convert an empty string. Its table of contents
    is made from the headings of its body when the body is made (``on_page_context``), before
    the theme shows it.
    """

    def __init__(self, title: str | None, file: File, config: MkDocsConfig,
                 anchors: Callable[[], set[str]] | None = None) -> None:
        self._anchors = anchors
        self._anchor_ids: set[str] | None = None
        super().__init__(title, file, config)

    @property  # type: ignore[override]
    def present_anchor_ids(self) -> set[str] | None:
        """The ids of the body, made when MkDocs first asks (to check a link to an anchor of this page)."""
        if self._anchor_ids is None and self._anchors is not None:
            self._anchor_ids = self._anchors()
        return self._anchor_ids

    @present_anchor_ids.setter
    def present_anchor_ids(self, value: set[str] | None) -> None:
        self._anchor_ids = value

    def render(self, config: MkDocsConfig, files: Files) -> None:
        self.content = ""
        self.toc = get_toc([])
        self._title_from_render = None
        self.links_to_anchors = {}


class BriefgenPlugin(BasePlugin[BriefgenConfig]):
    """Generates every page of the briefing site from the fact base."""

    def __init__(self) -> None:
        self.site: Site | None = None
        self.project = Path.cwd()
        self._full_content: str | None = None
        self.serving = False
        self.dirty = False
        self._built: dict[str, Any] = {}
        self.preview: Preview | None = None
        self.loads: LoadCache | None = None
        self._directory_urls = True
        self._prerendered: prerender.Prerenderer | None = None
        self._pages: dict[str, File] = {}
        self.rendered_ahead = 0
        """How many page bodies of the last build came from the worker process."""
        self._default_nav: list[Any] | None = None
        """The nav of sections briefgen gave the last build, when mkdocs.yml gives none."""

    def edition(self) -> Edition:
        """The edition configured (``plugins: - briefgen: edition: …``, or ``briefgen build --edition``)."""
        name = self.config.edition
        editions = self.config.editions
        if name not in editions:
            hint = did_you_mean(name, editions)
            raise PluginError(f"briefgen: unknown edition '{name}'; editions: {', '.join(editions)}"
                              + (f" ({hint})" if hint else ""))
        marking = str(editions[name])
        if marking not in LEVELS:
            raise PluginError(f"briefgen: edition '{name}' has marking '{marking}', which is not a TLP 2.0 "
                              f"marking ({', '.join(LEVELS)})")
        return Edition(name, marking, self.config.default_marking)  # type: ignore[arg-type]

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self.project = Path(config.config_file_path).parent if config.config_file_path else Path.cwd()
        self.edition()  # fail early on a misconfigured edition
        if config.nav is not None and config.nav is not self._default_nav:
            self._default_nav = None  # the user's own nav (a config used again keeps the nav given here)
        if config.nav is self._default_nav:
            config.nav = None
        # entity pages are reached through index pages, not the nav: it must stay small at any size
        config.validation.nav.omitted_files = logging.DEBUG
        if "assets/briefgen.css" not in config.extra_css:
            config.extra_css.append("assets/briefgen.css")
        if self.config.search and search.SCRIPT not in map(str, config.extra_javascript):
            config.extra_javascript.append(search.SCRIPT)
        return config

    def search_backend(self) -> search.Backend:
        """Which index this build writes: Pagefind's, or for the offline edition briefgen's own."""
        return "offline" if self.config.offline else "pagefind"

    def on_pre_build(self, config: MkDocsConfig) -> None:
        self._claim(Path(config.site_dir), check=not (self.serving or self.dirty))
        self._directory_urls = config.use_directory_urls
        site, result = self._plan()
        errors = self._report(result)
        if site is None:
            raise PluginError(f"briefgen: {errors} error{'s' if errors != 1 else ''} in {self.config.content}; "
                              "nothing was built")
        self._pages = {uri: File.generated(config, uri, content="") for uri in site.pages}
        self.rendered_ahead = 0
        if not self.serving and prerender.usable():
            # a second process renders the bodies ahead (making the page models first), in the order
            # MkDocs will build the pages: the order of on_files below; a page out of that order is rendered here
            self._prerendered = prerender.Prerenderer(
                [(uri, _base(f)) for uri, f in self._pages.items()],
                site.bodies)

    @staticmethod
    def _claim(site_dir: Path, *, check: bool) -> None:
        """Mark site_dir as a site briefgen built; with ``check``, first refuse one that MkDocs' clean (next,
        after every on_pre_build: it deletes every entry but the hidden ones) would empty and that no
        briefgen build made. A preview and a dirty build are not cleaned."""
        try:
            if check:
                output.check(site_dir, Keep(hidden=True), option="site_dir")
            site_dir.mkdir(parents=True, exist_ok=True)
            output.mark(site_dir)
        except output.Refused as exc:
            raise PluginError(str(exc)) from None
        except OSError as exc:
            raise PluginError(output.io_error(site_dir, "write", exc)) from None

    def _plan(self) -> tuple[Site | None, CheckResult]:
        """Plan the site (None when content has errors); pages render from this plan from now on."""
        content = Path(output.shown(self.project / self.config.content))
        # the plan lives until the build ends: the collector need not walk it while pages render
        with memory.collector_paused(then_freeze=True):
            site, result = plan(content, self.project, pdf=self.config.pdf, edition=self.edition(),
                                templates=self.project / self.config.templates, cache=self.loads,
                                directory_urls=self._directory_urls)
        self.site = site
        return site, result

    @staticmethod
    def _report(result: CheckResult) -> int:
        """Log what the check found (warnings through MkDocs, so that ``--strict`` fails on them); the errors."""
        for d in result.diagnostics:
            (log.error if d.severity is Severity.ERROR else log.warning)(d.format())
        return result.errors

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        assert self.site is not None
        content = Path(os.path.abspath(self.project / self.config.content))  # as MkDocs makes abs_src_path
        # the fact files themselves are never published as they are; every other file (theme assets, the
        # user's own pages, images, stylesheets, a .nav.yml) is MkDocs' as usual
        kept = Files([f for f in files if not self._fact_file(f, content)])
        self._refuse_collisions(kept, config)
        if config.nav is None and "awesome-nav" not in config.plugins:
            # MkDocs' nav of every page would list every entity on every page (quadratic in the corpus)
            users = [f.src_uri for f in kept.documentation_pages()]
            config.nav = self._default_nav = [*({t: uri} for t, uri in self.site.sections()), *nest_paths(users)]
        titles = dict(_nav_titles(config.nav or []))
        for src_uri, file in self._pages.items():
            # becomes file.page, and MkDocs uses it as it is: give it the title the nav gives it, as MkDocs would
            GeneratedPage(titles.get(src_uri), file, config, partial(self._anchors, file))
            kept.append(file)
        for src_uri, data in self.site.assets.items():
            kept.append(File.generated(config, src_uri, content=data))
        if self.config.search:
            kept.append(File.generated(config, search.SCRIPT, content=search.script(self.search_backend())))
        self._built = {"files": kept}
        return kept

    @staticmethod
    def _fact_file(file: File, content: Path) -> bool:
        """Whether the file is one of the content folder's fact files (or archived texts)."""
        if file.abs_src_path is None:
            return False
        path = Path(file.abs_src_path)
        return path.is_relative_to(content) and owned(path.relative_to(content).as_posix())

    def _refuse_collisions(self, files: Files, config: MkDocsConfig) -> None:
        """Fail the build when a file of the user's would take the place of a page or file briefgen writes."""
        assert self.site is not None
        taken = {f.dest_uri: f"the page {uri}" for uri, f in self._pages.items()}
        taken |= {File.generated(config, uri, content=b"").dest_uri: f"the file {uri}" for uri in self.site.assets}
        clashes = []
        for f in files:
            what = taken.get(f.dest_uri)
            if what is None and self.config.pdf and f.dest_uri.startswith(f"{PDF_FOLDER}/"):
                what = f"the folder {PDF_FOLDER}/ of PDF briefs"
            if what is not None and f.abs_src_path is not None:
                clashes.append(f"{output.shown(Path(f.abs_src_path))}:1:1: error: it would be written to {f.dest_uri}, "
                               f"in place of {what} that briefgen generates (hint: rename or move it)")
        for line in clashes:
            log.error(line)
        if clashes:
            raise PluginError(f"briefgen: {len(clashes)} file{'s' if len(clashes) != 1 else ''} in "
                              f"{config.docs_dir} would take the place of briefgen's; nothing was built")

    def on_nav(self, nav: Navigation, config: MkDocsConfig, files: Files) -> Navigation:
        self._built["nav"] = nav
        return nav

    def on_env(self, env: jinja2.Environment, config: MkDocsConfig, files: Files) -> jinja2.Environment:
        self._built["env"] = env
        return env

    def on_page_markdown(self, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        if self.site and page.file.src_uri in self.site.pages:
            page.meta["title"] = meta_title(self.site.pages[page.file.src_uri].title)
            return ""
        return markdown

    def on_page_content(self, html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        # MkDocs renders every page's content before it writes any; briefgen's bodies are made
        # one at a time in on_page_context instead, so that 20,000 of them never sit in memory together
        if self.site and page.file.src_uri in self.site.pages:
            return ""
        return html

    def _bodies(self, page: Page) -> tuple[str, str | None]:
        assert self.site is not None
        try:
            return self.site.bodies(page.file.src_uri, _base(page.file))
        except jinja2.TemplateError as exc:
            raise PluginError(f"briefgen: {template_error(exc)}") from None

    def _anchors(self, file: File) -> set[str]:
        """The ids of a generated page's body, for MkDocs to check the anchors of links to it from the
        project's own pages (made only for the pages those link to with an anchor)."""
        assert self.site is not None
        try:
            return anchor_ids(self.site.render(file.src_uri, _base(file)))
        except jinja2.TemplateError as exc:
            raise PluginError(f"briefgen: {template_error(exc)}") from None

    def on_post_page(self, output: str, page: Page, config: MkDocsConfig) -> str:
        if self.site and page.file.src_uri in self.site.pages:
            page.content = ""  # written: let it go
        return offline.explicit_index_links(output) if self.config.offline else output

    def on_post_template(self, output_content: str, template_name: str, config: MkDocsConfig) -> str:
        # the theme's 404.html links to the home page and the nav too
        return offline.explicit_index_links(output_content) if self.config.offline else output_content

    def index_search(self, site_dir: Path) -> None:
        """Index the pages written under ``site_dir`` for search (when it is on)."""
        if not self.config.search:
            return
        try:
            report = search.index(site_dir, self.search_backend())
        except search.SearchError as exc:
            raise PluginError(f"briefgen: search: {exc}") from None
        log.info(f"search: {report.pages} pages indexed ({report.backend}), {report.files} files, "
                 f"{report.bytes / 1e6:.1f} MB, {report.seconds:.2f} s")

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # the live preview shows pages at once; PDFs are made by `build`/`briefgen pdf`
        self.serving = command == "serve"
        self.dirty = dirty
        # while serving, each rebuild reads again only the fact files that changed
        self.loads = LoadCache() if self.serving else None

    def _stop_prerendering(self) -> None:
        if self._prerendered is not None:
            self.rendered_ahead = self._prerendered.next
            log.debug(f"briefgen: {self.rendered_ahead} of {len(self._pages)} page bodies were rendered ahead")
            self._prerendered.close()
            self._prerendered = None

    def on_post_build(self, config: MkDocsConfig) -> None:
        self._stop_prerendering()
        memory.thaw()
        if self.site is not None:
            self.index_search(Path(config.site_dir))  # every page is written now
        if self.serving and self.site is not None:
            self.preview = self._preview(config)
        if not (self.site and self.config.pdf) or self.serving:
            return
        settings = PdfSettings(self.project, self.project / self.config.content, site_url=config.site_url,
                               edition=self.site.edition, workers=self.config.pdf_workers,
                               templates=self.project / self.config.templates,
                               directory_urls=config.use_directory_urls)
        try:
            job_list = jobs(self.site.graph, self.site.views, settings, self.site.renderer)
            job_list += book_jobs(self.site.graph, self.site.views, self.site.books, settings, self.site.renderer)
        except jinja2.TemplateError as exc:
            raise PluginError(f"briefgen: {template_error(exc)}") from None
        try:
            report = render(job_list, Path(config.site_dir) / PDF_FOLDER, settings)
        except PdfError as exc:
            for line in str(exc).splitlines():
                log.error(visible(line))
            raise PluginError("briefgen: PDF briefs failed; nothing was published") from None
        log.info(f"PDF briefs: {len(report.rendered)} rendered, {len(report.cached)} from cache, "
                 f"{report.seconds:.2f} s on {report.workers} worker{'s' if report.workers != 1 else ''}")

    def on_build_error(self, error: Exception) -> None:
        self._stop_prerendering()
        memory.thaw()
        self.preview = None

    def _preview(self, config: MkDocsConfig) -> Preview:
        """What the live preview needs to update this build's output in place."""
        assert self.site is not None
        # the docs folder too: an edit to the project's own page is MkDocs' to rebuild (fact files left out)
        watched = [self.project / self.config.templates, Path(config.docs_dir), *(Path(p) for p in config.watch)]
        prefix = os.path.join(os.path.abspath(self.project / self.config.content), "")

        def fact_file(path: str) -> bool:
            return path.startswith(prefix) and owned(path[len(prefix):].replace(os.sep, "/"))

        if config.config_file_path:
            watched.append(Path(config.config_file_path))
        if config.theme.custom_dir:
            watched.append(Path(config.theme.custom_dir))

        def replan() -> Site | None:
            site, result = self._plan()
            if site is None or (config.strict and result.warnings):
                return None  # the full build reports it
            self._report(result)
            return site

        return Preview(config, self._built["files"], self._built["nav"], self._built["env"], self.site,
                       tuple(p for p in watched if p.exists()), replan, fact_file,
                       lambda: self.index_search(Path(config.site_dir)))

    @event_priority(100)  # before the search plugin reads the page
    def _search_body(self, context: Any, page: Page, config: MkDocsConfig, nav: Any) -> Any:
        if not (self.site and page.file.src_uri in self.site.pages):
            return context
        ahead = self._prerendered.take(page.file.src_uri) if self._prerendered is not None else None
        full, body = ahead if ahead is not None else self._bodies(page)
        page.toc = get_toc(_toc_tokens(headings(full)))  # the theme's "on this page", the search's sections
        if body is None:
            page.content = full
        else:
            self._full_content = full
            page.content = body
        return context

    @event_priority(-100)  # after it: the page shows its full body again
    def _full_body(self, context: Any, page: Page, config: MkDocsConfig, nav: Any) -> Any:
        if self._full_content is not None:
            page.content = self._full_content
            self._full_content = None
        return context

    on_page_context = CombinedEvent(_search_body, _full_body)

    def on_serve(self, server: Any, config: MkDocsConfig, builder: Any) -> Any:
        for folder in (self.project / self.config.content, self.project / self.config.templates):
            if folder.is_dir():
                server.watch(str(folder))
        full = server.builder

        def rebuild(*args: Any, **kwargs: Any) -> None:
            """Update the served site in place when the edit allows it; otherwise MkDocs' full rebuild."""
            preview, self.preview = self.preview, None  # a failed or full rebuild makes a new one
            try:
                if preview is not None and not args and not kwargs and preview.update():
                    self.preview = preview
                    return
            except Exception as exc:  # the full rebuild reports what is wrong
                log.debug(f"briefgen: preview update failed ({exc!r}); rebuilding in full")
            if preview is not None:
                preview.wait()  # the full build indexes the site itself: not two indexers at once
            full(*args, **kwargs)

        server.builder = rebuild
        return server
