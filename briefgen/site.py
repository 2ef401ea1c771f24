"""The site plan: which pages and assets a build writes, and how each one renders.

This is what any renderer adapter (the MkDocs plugin today) asks for: a mapping of
source paths to page jobs, and assets as bytes. It knows nothing of MkDocs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property, partial
from importlib import resources
from pathlib import Path

from briefgen import history, layout, pictures, views
from briefgen.editions import PUBLIC, Edition, books_for, redact, withholds
from briefgen.history import Change
from briefgen.link import Graph
from briefgen.memory import collector_paused
from briefgen.model import KINDS, BriefBook
from briefgen.project import CheckResult, LoadCache, check
from briefgen.publish import book_url
from briefgen.render import Renderer


@dataclass(frozen=True, slots=True)
class PageJob:
    """One page to write: its title and how to render its body given the path to the site root."""

    title: str
    render: Callable[[str], str]
    search: Callable[[], str] | None = None
    """A lighter body for the search index (its words without the page's markup), if the page has one."""
    key: Callable[[], object] = lambda: None
    """What the body is made from: where two plans give a page equal keys (and titles), its body is the same.
    The live preview re-renders only the pages whose key changed; it is cheaper to make than the body."""


@dataclass(frozen=True)
class Site:
    """Every page and asset of a build, and what the PDF stage needs."""

    pages: dict[str, PageJob]
    assets: dict[str, bytes]
    lazy_views: LazyViews
    graph: Graph
    renderer: Renderer
    books: tuple[tuple[str, BriefBook], ...] = ()
    edition: Edition = PUBLIC
    _keys: dict[str, object] = field(default_factory=dict, compare=False, repr=False)

    @property
    def views(self) -> views.SiteViews:
        """Every page model (made on first use)."""
        return self.lazy_views.all

    def sections(self) -> tuple[tuple[str, str], ...]:
        """(title, page) of the site's sections, in the order a reader meets them: the home page, the list of
        each kind, the timeline, map, relationships and grades (what a nav shows; never an entity page)."""
        return SECTIONS

    def render(self, src_uri: str, base: str) -> str:
        """HTML body of the page at ``src_uri``."""
        return self.pages[src_uri].render(base)

    def key(self, src_uri: str) -> object:
        """The page's key (:attr:`PageJob.key`), made once."""
        if src_uri not in self._keys:
            self._keys[src_uri] = self.pages[src_uri].key()
        return self._keys[src_uri]

    def keys(self) -> None:
        """Make every page's key now (while the plan that made them is at hand)."""
        for src_uri in self.pages:
            self.key(src_uri)

    def changed_since(self, previous: Site) -> tuple[str, ...] | None:
        """The pages whose body differs from ``previous``'s, or None when the two sites differ in which pages
        they have (or in edition): then nothing of the previous site can be kept."""
        if self.pages.keys() != previous.pages.keys() or self.edition != previous.edition:
            return None
        return tuple(uri for uri, job in self.pages.items()
                     if job.title != previous.pages[uri].title or self.key(uri) != previous.key(uri))

    def bodies(self, src_uri: str, base: str) -> tuple[str, str | None]:
        """HTML body of the page at ``src_uri``, and what the search index should read instead of it (None:
        the page itself)."""
        job = self.pages[src_uri]
        return job.render(base), job.search() if job.search else None


class LazyViews:
    """The page models of a plan, made on first use and then kept.

    Planning needs only the graph: which pages there are, their titles, the assets. The
    page models are wanted where bodies are rendered — and when a worker process renders
    them (:mod:`briefgen.prerender`), the building process never makes them at all.
    """

    def __init__(self, graph: Graph, history: Mapping[str, Sequence[Change]], directory_urls: bool = True) -> None:
        self.graph = graph
        self.history = history
        self.directory_urls = directory_urls

    @cached_property
    def all(self) -> views.SiteViews:
        return views.build(self.graph, history=self.history, directory_urls=self.directory_urls)

    @cached_property
    def _entities(self) -> dict[str, views.EntityPage]:
        return {p.id: p for p in self.all.entities}

    @cached_property
    def _sources(self) -> dict[str, views.SourcePage]:
        return {p.id: p for p in self.all.sources}

    @cached_property
    def _indexes(self) -> dict[str, views.IndexPage]:
        return {p.kind: p for p in self.all.indexes}

    def entity(self, entity_id: str) -> views.EntityPage:
        return self._entities[entity_id]

    def source(self, source_id: str) -> views.SourcePage:
        return self._sources[source_id]

    def index(self, kind: str) -> views.IndexPage:
        return self._indexes[kind]


def _linker(base: str) -> pictures.Linker:
    return lambda r: f"{base}{r.url}" if r.url else None


MAPS_FOLDER = layout.MAPS

SECTIONS = (
    ("Home", f"{layout.HOME}.md"),
    *((views.KIND_TITLES[k.name], f"{k.folder}/{layout.HOME}.md") for k in KINDS),
    ("Timeline", f"{layout.TIMELINE}.md"),
    ("Map", f"{layout.MAP}.md"),
    ("Relationships", f"{layout.RELATIONSHIPS}.md"),
    ("Grades", f"{layout.GRADES}.md"),
)
"""The sections of every site, as :meth:`Site.sections` gives them."""


def entity_pictures(graph: Graph, page: views.EntityPage, base: str,
                    spec: pictures.MapSpec | None = None, directory_urls: bool = True) -> list[pictures.Picture]:
    """The pictures an entity page shows: a small map for places and exercises, relationships for the rest."""
    ref = partial(views.ref, graph, directory_urls=directory_urls)
    link = _linker(base)
    out: list[pictures.Picture | None] = []
    if spec is not None:
        out.append(pictures.small_map(spec, f"{base}{MAPS_FOLDER}/{spec.layer_key}.svg", link))
    if page.kind in ("exercise", "mechanism"):
        out.append(pictures.relationships(graph, ref, link, ids=[page.id], title=f"Relationships: {page.title}",
                                          width=pictures.NARROW))
    elif page.kind == "actor":
        ids = [page.id, *(link_.source for link_ in graph.backlinks.get(page.id, ()))]
        out.append(pictures.relationships(graph, ref, link, ids=ids, title=f"Relationships: {page.title}",
                                          width=pictures.NARROW))
    return [p for p in out if p is not None]


def plan(content: Path, project: Path, *, pdf: bool = False, edition: Edition = PUBLIC,
         templates: Path | None = None, cache: LoadCache | None = None,
         directory_urls: bool = True) -> tuple[Site | None, CheckResult]:
    """Check content and, when it is clean, plan the site of one edition (nothing is written here).

    The graph is redacted to the edition before any view is made. With ``pdf``, entity
    pages link to their PDF briefs (which the PDF stage writes). ``cache``: see :func:`check`.
    ``directory_urls``: every link briefgen writes follows MkDocs' ``use_directory_urls``.
    """
    with collector_paused():
        return _plan(content, project, pdf=pdf, edition=edition, templates=templates, cache=cache,
                     directory_urls=directory_urls)


def _plan(content: Path, project: Path, *, pdf: bool, edition: Edition, templates: Path | None,
          cache: LoadCache | None, directory_urls: bool) -> tuple[Site | None, CheckResult]:
    result = check(content, cache)
    if not result.ok or result.graph is None:
        return None, result
    graph = redact(result.graph, edition)
    changes = history.by_entity(content, ((r.id, r.kind.name, r.kind.folder) for r in graph.entities.values()))
    in_edition = books_for(result.books, edition)
    if withholds(result.graph, graph, result.books, edition):
        # commit subjects are free text that may speak of anything withheld, of any kind: dates and hashes only
        changes = {i: tuple(replace(c, subject="") for c in cs) for i, cs in changes.items()}
    v = LazyViews(graph, changes, directory_urls)
    ref = partial(views.ref, graph, directory_urls=directory_urls)
    r = Renderer(templates if templates is not None else project / "templates", pdf=pdf, marking=edition.marking,
                 directory_urls=directory_urls)
    books = [(d.title, book_url(i)) for i, d in in_edition] if pdf else []
    # Pages, titles and assets come from the graph; the page models (views) only when a body or a key is made.
    # Each page's key holds what its body is made from, with the pictures drawn for an empty base path
    # (the base is fixed by the page's place in the site).
    pages: dict[str, PageJob] = {
        f"{layout.HOME}.md": PageJob("Home", lambda base: r.home(v.all.home, base, books),
                                     key=lambda: (v.all.home, books)),
        f"{layout.TIMELINE}.md": PageJob("Timeline", lambda base: r.timeline(
            v.all.timeline, v.all.as_of, base, pictures.responsive(
                pictures.timeline(v.all.timeline, _linker(base)),
                pictures.timeline(v.all.timeline, _linker(base), width=pictures.NARROW))),
            key=lambda: (v.all.timeline, v.all.as_of)),
        f"{layout.MAP}.md": PageJob("Map", lambda base: r.picture(
            "Map", "The states involved, shaded, around the country where most places lie; borders the sources "
            "name are drawn in orange. Places are dots where a source gives coordinates.",
            pictures.responsive(pictures.site_map(graph, ref, _linker(base)),
                                pictures.site_map(graph, ref, _linker(base), width=pictures.NARROW)), base),
            key=lambda: pictures.site_map(graph, ref, _linker(""))),
        f"{layout.RELATIONSHIPS}.md": PageJob("Relationships", lambda base: r.picture(
            "Relationships", "Exercises and mechanisms joined to their participants, members and frameworks; "
            "forces are shown under the states they belong to.",
            pictures.responsive(pictures.relationships(graph, ref, _linker(base)),
                                pictures.relationships(graph, ref, _linker(base), width=pictures.NARROW)), base),
            key=lambda: pictures.relationships(graph, ref, _linker(""))),
        f"{layout.GRADES}.md": PageJob(
            "Grades and conventions", lambda base: r.grades(base, v.all.sources),
            key=lambda: tuple((s.id, s.name, s.url, s.reliability, s.reliability_note) for s in v.all.sources)),
    }
    for kind in KINDS:
        pages[f"{kind.folder}/{layout.HOME}.md"] = PageJob(views.KIND_TITLES[kind.name],
                                                   lambda base, k=kind.name: r.index(v.index(k), base),
                                                   key=lambda k=kind.name: v.index(k))
    entities = sorted((e for e in graph.entities.values() if e.kind.name != "source"), key=lambda e: e.id)
    names = pictures.state_names(graph)  # once for every small map
    specs = {e.id: pictures.entity_map_spec(graph, e.id, ref, names) for e in entities
             if e.kind.name in ("place", "exercise")}
    for e in entities:
        pages[f"{views.page_path(e)}.md"] = PageJob(
            e.model.name,  # type: ignore[attr-defined]
            lambda base, i=e.id: r.entity(v.entity(i), base, entity_pictures(graph, v.entity(i), base, specs.get(i),
                                                                             directory_urls)),
            lambda i=e.id: r.render("search_entity.html", "", page=v.entity(i)),
            key=lambda i=e.id: (v.entity(i), entity_pictures(graph, v.entity(i), "", specs.get(i), directory_urls)))
    for e in graph.of_kind("source"):
        pages[f"{views.page_path(e)}.md"] = PageJob(
            e.model.name,  # type: ignore[attr-defined]
            lambda base, i=e.id: r.source(v.source(i), base),
            lambda i=e.id: r.render("search_source.html", "", page=v.source(i)),
            key=lambda i=e.id: v.source(i))
    css = resources.files("briefgen").joinpath("assets/briefgen.css").read_bytes()
    export = views.export(graph, directory_urls)
    assets = {
        f"{layout.ASSETS}/briefgen.css": css,
        layout.GRAPH: (json.dumps(export, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n").encode(),
    }
    for spec in specs.values():  # one base-layer file per distinct map, however many pages show it
        if spec is not None:
            assets[f"{MAPS_FOLDER}/{spec.layer_key}.svg"] = pictures.base_layer(
                spec.focus, spec.highlight, spec.width, spec.margin)
    return Site(pages, assets, v, graph, r, in_edition, edition), result
