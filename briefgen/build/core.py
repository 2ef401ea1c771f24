"""The build: one object that `briefgen build`, `briefgen pdf`, the MkDocs adapter and the live preview share.

A :class:`Build` is made from :class:`Settings` (read from mkdocs.yml by the adapter, or
given as plain arguments) and carries one build through its stages::

    plan()            check the content, plan the site (site.plan): the one current plan
    start_pages(...)  page bodies rendered ahead in a worker, in the order they will be asked for
    body(uri, base)   a page's body: from the worker, or rendered here
    pages_written()   the worker stopped, the collector given back its frozen objects
    index_search()    the search index of the written pages
    publish()         the PDF briefs and books of the plan

It knows nothing of MkDocs: what it needs of a host (where pages go, which files are the
project's own) is given as plain values. Problems it finds are :class:`BuildError`\\ s
whose lines are briefgen's one-line diagnostics.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import jinja2

from briefgen import layout
from briefgen.build import memory, output, prerender
from briefgen.check.pipeline import CheckResult, LoadCache, owned
from briefgen.diagnostics import did_you_mean, visible
from briefgen.pdf.jobs import PDF_FOLDER, PdfSettings, book_jobs, jobs, render
from briefgen.pdf.parts import BOOK_PART_SIZE
from briefgen.pdf.render import PdfError, PdfReport
from briefgen.site import offline, search
from briefgen.site.editions import LEVELS, PUBLIC, Edition
from briefgen.site.plan import SECTIONS, Site, plan
from briefgen.site.render import anchor_ids, count_noun, template_error
from briefgen.site.search import Backend

STYLESHEET = f"{layout.ASSETS}/briefgen.css"


class BuildError(Exception):
    """The build cannot go on: ``lines`` are the one-line problems to report, the message what it means."""

    def __init__(self, message: str, lines: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.lines = tuple(lines)


@dataclass(frozen=True)
class Settings:
    """What one build is: where the project's parts are, which edition it is for, and what it writes."""

    project: Path
    content: Path
    templates: Path
    site_dir: Path
    edition: Edition = PUBLIC
    site_url: str | None = None
    pdf: bool = True
    """Render PDF briefs into ``site/pdf/`` after the pages (entity pages then link to them)."""
    pdf_workers: int | None = None
    """Worker processes for PDFs; None: every core."""
    pdf_cache: bool = True
    book_part_size: int | None = BOOK_PART_SIZE
    """A book of more entries is rendered in parts of this many (memory stays bounded)."""
    search: bool = True
    """A search box on every page, over an index of the written pages (:mod:`briefgen.site.search`)."""
    offline: bool = False
    """Links and search that work opened from files (:mod:`briefgen.site.offline`)."""
    directory_urls: bool = True
    language: str = "en"
    """The language of the pages (the theme's), as the search index reads them."""
    strict: bool = False
    """Warnings count as errors."""

    @classmethod
    def from_options(cls, project: Path, options: Mapping[str, Any], **given: Any) -> Settings:
        """Settings from the options of mkdocs.yml's ``plugins: - briefgen:`` (every key present, as the adapter
        validated them) and ``given`` values (site_dir, site_url, directory_urls, …)."""
        name, editions = str(options["edition"]), options["editions"]
        return cls(project=project, content=project / options["content"], templates=project / options["templates"],
                   edition=edition(name, editions, options["default_marking"]), pdf=options["pdf"],
                   pdf_workers=options["pdf_workers"], search=options["search"], offline=options["offline"],
                   **given)

    @property
    def search_backend(self) -> Backend:
        """Which index this build writes: Pagefind's, or for the offline edition briefgen's own."""
        return "offline" if self.offline else "pagefind"

    @property
    def stylesheets(self) -> tuple[str, ...]:
        """Site-root paths of the stylesheets every page links to."""
        return (STYLESHEET,)

    @property
    def scripts(self) -> tuple[str, ...]:
        """Site-root paths of the scripts every page loads."""
        return (search.SCRIPT,) if self.search else ()


def edition(name: str, editions: Mapping[str, Any], default: str) -> Edition:
    """The edition ``name`` of a project's ``editions`` (audience → highest TLP marking)."""
    if name not in editions:
        hint = did_you_mean(name, editions)
        raise BuildError(f"unknown edition '{name}'; editions: {', '.join(editions)}" + (f" ({hint})" if hint else ""))
    marking = str(editions[name])
    if marking not in LEVELS or default not in LEVELS:
        bad = marking if marking not in LEVELS else default
        raise BuildError(f"edition '{name}' has marking '{bad}', which is not a TLP 2.0 marking ({', '.join(LEVELS)})")
    return Edition(name, marking, default)  # type: ignore[arg-type]  # checked against LEVELS just above


@dataclass(frozen=True)
class Update:
    """What an edit changed in the plan (:meth:`Build.replan`)."""

    pages: tuple[str, ...]
    """The pages whose body changed."""
    retitled: frozenset[str]
    """Of those, the pages whose title changed."""
    assets: Mapping[str, bytes]
    """The assets whose bytes changed."""


Signature = dict[str, tuple[int, int]]


def signature(paths: Iterable[Path], ignore: Callable[[str], bool] | None = None) -> Signature:
    """(mtime in ns, size) of every file under ``paths`` (files or folders), by path; files inside a folder
    for which ``ignore`` says so are left out. Whether anything changed since it was taken."""
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


@dataclass
class Build:
    """One build of one edition; while serving, the builds that follow each edit."""

    settings: Settings
    serving: bool = False
    site: Site | None = None
    """The current plan: None before :meth:`plan`, or when the content has errors."""
    result: CheckResult | None = None
    """What the last check found."""
    written: Site | None = None
    """The plan whose pages were written last: what a host serves."""
    rendered_ahead: int = 0
    """How many page bodies of the last build came from the worker process."""
    _loads: LoadCache | None = None
    _ahead: prerender.Prerenderer | None = None
    _feed: search.PagefindFeed | None = None
    _fed: dict[str, None] = field(default_factory=dict, repr=False)
    """The pages given to Pagefind, in order: an index made again later gives them in the same order."""
    _planned: tuple[object, ...] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.serving:  # each plan reads again only the fact files that changed
            self._loads = LoadCache()

    @property
    def content(self) -> Path:
        """The content folder, as diagnostics name it."""
        return Path(output.shown(self.settings.content))

    def plan(self) -> CheckResult:
        """Check the content and plan the site (:attr:`site`; None when the content has errors).

        While serving, a plan asked for again with the content and templates unchanged is the last one: a bad
        edit is checked once, whether the preview or the full rebuild asks first. (A template added to the
        project's folder takes the place of briefgen's: the renderer must be made again.)
        """
        s = self.settings
        stamp = (signature([s.content, s.templates]), s) if self.serving else None
        if stamp is not None and stamp == self._planned and self.result is not None:
            return self.result
        # the plan lives until the build ends: the collector need not walk it while pages render
        with memory.collector_paused(then_freeze=True):
            self.site, self.result = plan(self.content, s.project, pdf=s.pdf, edition=s.edition,
                                          templates=s.templates, cache=self._loads,
                                          directory_urls=s.directory_urls)
        self._planned = stamp
        return self.result

    def require_plan(self) -> Site:
        """The current plan, planning first if there is none; BuildError when the content has errors."""
        if self.site is None:
            result = self.plan()
            if self.site is None:
                raise BuildError(f"{count_noun(result.errors, 'error')} in {visible(str(self.content))}; "
                                 "nothing was built")
        return self.site

    def sections(self) -> tuple[tuple[str, str], ...]:
        """(title, page) of the site's sections, as a navigation lists them."""
        return SECTIONS

    def fact_file(self, path: str) -> bool:
        """Whether a file (absolute path) is one of the content folder's fact files or archived texts: those are
        never published as they are."""
        prefix = self._content_prefix
        return path.startswith(prefix) and owned(path[len(prefix):].replace(os.sep, "/"))

    def _dest(self, src_uri: str) -> str:
        """The file a page of the plan is written to, from the site's root."""
        return layout.page_file(src_uri.removesuffix(".md"), self.settings.directory_urls)

    @cached_property
    def _content_prefix(self) -> str:
        return os.path.join(os.path.abspath(self.settings.content), "")

    def assets(self) -> dict[str, bytes]:
        """Every file the plan writes besides pages, by site-root path."""
        site = self.require_plan()
        extra = {search.SCRIPT: search.script(self.settings.search_backend)} if self.settings.search else {}
        return {**site.assets, **extra}

    def refuse_collisions(self, files: Iterable[tuple[str, str]], folder: str) -> None:
        """BuildError, with a line for each, when any of the project's own files (site path, source path) in
        ``folder`` would take the place of a page or file briefgen writes."""
        found = self.collisions(files)
        if found:
            raise BuildError(f"{count_noun(len(found), 'file')} in {folder} would take the place of briefgen's; "
                             "nothing was built", found)

    def collisions(self, files: Iterable[tuple[str, str]]) -> list[str]:
        """One line for each of the project's own files (site path, source path) that would take the place of a
        page or file briefgen writes."""
        site = self.require_plan()
        taken = {self._dest(uri): f"the page {uri}" for uri in site.pages}
        taken |= {uri: f"the file {uri}" for uri in self.assets()}
        found = []
        for dest, source in files:
            what = taken.get(dest)
            if what is None and self.settings.pdf and dest.startswith(f"{PDF_FOLDER}/"):
                what = f"the folder {PDF_FOLDER}/ of PDF briefs"
            if what is not None:
                found.append(f"{output.shown(Path(source))}:1:1: error: it would be written to {dest}, "
                             f"in place of {what} that briefgen generates (hint: rename or move it)")
        return found

    def claim(self, site_dir: Path, *, check: bool) -> None:
        """Mark ``site_dir`` as a site briefgen builds; with ``check``, first refuse a folder that no briefgen build
        made and that a clean build (which deletes every entry but the hidden ones) would empty."""
        try:
            if check:
                output.check(site_dir, output.Keep(hidden=True), option="site_dir")
            site_dir.mkdir(parents=True, exist_ok=True)
            output.mark(site_dir)
        except output.Refused as exc:
            raise BuildError(str(exc)) from None
        except OSError as exc:
            raise BuildError(output.io_error(site_dir, "write", exc)) from None

    def start_pages(self, order: Sequence[tuple[str, str]]) -> None:
        """Render the bodies of these pages ((source path, base) in the order they will be asked for) ahead, in a
        worker process, where one can help. With PDFs on, the page models are made here first: the worker
        inherits them and the PDFs use them again, so they are made once per build. Pagefind indexes each
        body as it is made, in a process of its own (:class:`~briefgen.site.search.PagefindFeed`)."""
        site = self.require_plan()
        self.rendered_ahead = 0
        if not self.serving and prerender.usable():
            if self.settings.pdf:
                with memory.collector_paused(then_freeze=True):
                    site.views  # noqa: B018  # made now, before the fork
            self._ahead = prerender.Prerenderer(order, site.bodies)
        if self.settings.search and self.settings.search_backend == "pagefind":  # after the fork: it has a thread
            try:
                self._feed = search.PagefindFeed(self.settings.language)
            except search.SearchError as exc:
                raise BuildError(f"search: {exc}") from None
            self._fed = {}

    def body(self, src_uri: str, base: str) -> tuple[str, str | None]:
        """A page's HTML body and its search text (None: the body itself)."""
        ahead = self._ahead.take(src_uri) if self._ahead is not None else None
        if ahead is None:
            try:
                ahead = self.require_plan().bodies(src_uri, base)
            except jinja2.TemplateError as exc:
                raise BuildError(template_error(exc)) from None
        if self._feed is not None:
            dest = self._dest(src_uri)
            self._fed[dest] = None
            self._send(lambda feed: feed.add(dest, ahead[0]))
        return ahead

    def _send(self, step: Callable[[search.PagefindFeed], None]) -> None:
        assert self._feed is not None
        try:
            step(self._feed)
        except search.SearchError as exc:
            self.close()
            raise BuildError(f"search: {exc}") from None

    def anchors(self, src_uri: str, base: str) -> set[str]:
        """The ids of a page's body (for a host to check links to its anchors)."""
        try:
            return anchor_ids(self.require_plan().pages[src_uri].body(base))
        except jinja2.TemplateError as exc:
            raise BuildError(template_error(exc)) from None

    def finish_html(self, html: str, dest: str | None = None) -> str:
        """A page (at ``dest`` in the site) or theme template as it is published: the offline edition names every
        index.html. A page of the project's own that asks to be searched is indexed as it is."""
        if dest is not None and self._feed is not None and dest not in self._fed:
            self._fed[dest] = None
            self._send(lambda feed: feed.add(dest, html, whole=True))
        return offline.explicit_index_links(html) if self.settings.offline else html

    def pages_written(self) -> None:
        """Every page is written: the worker stops and what the plan froze is given back to the collector.
        While serving, every page's key is made now, for the next edit to compare with."""
        if self._ahead is not None:
            self.rendered_ahead = self._ahead.next
            self._ahead.close()
            self._ahead = None
        memory.thaw()
        self.written = self.site
        if self.serving and self.site is not None:
            self.site.keys()

    def close(self) -> None:
        """The build failed or was stopped: its worker and search service go with it."""
        if self._feed is not None:
            self._feed.close()
            self._feed = None
        self.pages_written()

    def index_search(self) -> str | None:
        """Index the written pages for search (when it is on); what was indexed, as a log line."""
        if not self.settings.search:
            return None
        feed, self._feed = self._feed, None
        try:
            if feed is None and self._fed:  # again, from the pages as written, in the order of the first time
                feed = search.PagefindFeed(self.settings.language)
                for dest in self._fed:
                    path = self.settings.site_dir / dest
                    if path.is_file():
                        feed.add(dest, path.read_text(encoding="utf-8"), whole=True)
            report = feed.finish(self.settings.site_dir) if feed is not None else search.index(
                self.settings.site_dir, self.settings.search_backend)
        except search.SearchError as exc:
            raise BuildError(f"search: {exc}") from None
        return (f"search: {count_noun(report.pages, 'page')} indexed ({report.backend}), "
                f"{count_noun(report.files, 'file')}, {report.bytes / 1e6:.1f} MB, {report.seconds:.2f} s")

    def pdf_settings(self, *, workers: int | None = None, cache: bool | None = None,
                     book_part_size: int | None = None) -> PdfSettings:
        s = self.settings
        return PdfSettings(s.project, s.content, site_url=s.site_url, edition=s.edition,
                           workers=workers or s.pdf_workers, templates=s.templates,
                           cache=s.pdf_cache if cache is None else cache, directory_urls=s.directory_urls,
                           book_part_size=book_part_size or s.book_part_size)

    def known(self) -> set[str]:
        """The ids of everything this edition can make a PDF of: entities with pages, and books."""
        site = self.require_plan()
        return {p.id for p in site.views.entities} | {i for i, _ in site.books}

    def publish(self, out_dir: Path | None = None, only: Iterable[str] = (), **options: Any) -> str:
        """Render the PDF briefs and books of the plan (of ``only`` ids when given) into ``out_dir`` (default: the
        site's ``pdf/`` folder); what was done, as a log line. ``options``: see :meth:`pdf_settings`."""
        site = self.require_plan()
        settings = self.pdf_settings(**options)
        wanted = tuple(only)
        try:
            job_list = jobs(site.graph, site.views, settings, site.renderer, wanted)
            job_list += book_jobs(site.graph, site.views, site.books, settings, site.renderer, wanted)
            report = render(job_list, out_dir or self.settings.site_dir / PDF_FOLDER, settings)
        except jinja2.TemplateError as exc:
            raise BuildError(template_error(exc)) from None
        except PdfError as exc:
            raise BuildError("PDF briefs failed; nothing was published",
                             [visible(line) for line in str(exc).splitlines()]) from None
        return pdf_summary(report)

    def replan(self, declines: Callable[[Update], bool] = lambda update: False) -> Update | None:
        """Plan again after an edit; what changed since the pages written last (:meth:`pages_written`), or None
        when only a full build can go on: errors (warnings too, strictly), pages added or removed, or an update
        that ``declines`` says the host cannot make. An update returned is taken as written."""
        written = self.written
        if written is None:
            return None
        result = self.plan()
        site = self.site
        if site is None or (self.settings.strict and result.warnings):
            return None
        changed = site.changed_since(written)
        if changed is None:
            return None
        retitled = frozenset(u for u in changed if site.pages[u].title != written.pages[u].title)
        assets = {u: data for u, data in site.assets.items() if written.assets.get(u) != data}
        update = Update(changed, retitled, assets)
        if declines(update):
            return None
        self.written = site
        return update


def pdf_summary(report: PdfReport) -> str:
    """What a PDF stage did, as one log line."""
    return (f"PDF briefs: {len(report.rendered)} rendered, {len(report.cached)} from cache, "
            f"{report.seconds:.2f} s on {count_noun(report.workers, 'worker')}")
