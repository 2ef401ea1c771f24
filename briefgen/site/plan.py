"""The site plan: which pages and assets a build writes, and how each one renders.

A plan maps each page's source path to a named page job (:class:`HomeJob`,
:class:`IndexJob`, :class:`EntityJob`, …) that knows its title, its body, its search
text and its change key, and holds the assets as bytes. It knows nothing of MkDocs:
the core build (:mod:`briefgen.build.core`) asks it for pages, any adapter writes them.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property, partial
from importlib import resources
from pathlib import Path

from briefgen import layout
from briefgen.build.memory import collector_paused
from briefgen.check.link import Graph
from briefgen.check.pipeline import CheckResult, LoadCache, check
from briefgen.model import KINDS, BriefBook
from briefgen.pdf.jobs import book_url
from briefgen.site import history, pictures, views
from briefgen.site.editions import PUBLIC, Edition, books_for, redact, withholds
from briefgen.site.history import Change
from briefgen.site.render import Renderer

MAPS_FOLDER = layout.MAPS


class LazyViews:
    """The page models of a plan, made on first use and then kept.

    Planning needs only the graph: which pages there are, their titles, the assets. The
    page models are wanted where bodies are rendered — and when a worker process renders
    them (:mod:`briefgen.build.prerender`) and no PDF is made, the building process never
    makes them at all.
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

    def made(self) -> bool:
        """Whether the page models exist already."""
        return "all" in self.__dict__

    def entity(self, entity_id: str) -> views.EntityPage:
        return self._entities[entity_id]

    def source(self, source_id: str) -> views.SourcePage:
        return self._sources[source_id]

    def index(self, kind: str) -> views.IndexPage:
        return self._indexes[kind]


@dataclass(frozen=True, eq=False)
class Context:
    """What every page of one plan is made from."""

    graph: Graph
    models: LazyViews
    renderer: Renderer
    books: tuple[tuple[str, str], ...]
    """(title, URL) of the briefing books the home page lists."""
    specs: Mapping[str, pictures.MapSpec | None]
    """The small map of each place and exercise page."""
    directory_urls: bool

    @cached_property
    def ref(self) -> Callable[[str], views.Ref]:
        return partial(views.ref, self.graph, directory_urls=self.directory_urls)

    @staticmethod
    def link(base: str) -> pictures.Linker:
        """Links from a picture on a page whose path to the site root is ``base``."""
        return lambda r: f"{base}{r.url}" if r.url else None

    def entity_pictures(self, page: views.EntityPage, base: str) -> list[pictures.Picture]:
        """The pictures an entity page shows: a small map for places and exercises, relationships for the rest."""
        link = self.link(base)
        out: list[pictures.Picture | None] = []
        spec = self.specs.get(page.id)
        if spec is not None:
            out.append(pictures.small_map(spec, f"{base}{MAPS_FOLDER}/{spec.layer_key}.svg", link))
        if page.kind in ("exercise", "mechanism", "actor"):
            ids = [page.id]
            if page.kind == "actor":
                ids += [backlink.source for backlink in self.graph.backlinks.get(page.id, ())]
            out.append(pictures.relationships(self.graph, self.ref, link, ids=ids,
                                              title=f"Relationships: {page.title}", width=pictures.NARROW))
        return [p for p in out if p is not None]


@dataclass(frozen=True, eq=False)
class PageJob(ABC):
    """One page to write: its title, its body, its search text and what its body is made from."""

    ctx: Context = field(repr=False)

    @property
    @abstractmethod
    def title(self) -> str: ...

    @abstractmethod
    def body(self, base: str) -> str:
        """The page's HTML body, for a page whose path to the site root is ``base``."""

    def search(self) -> str | None:
        """A lighter body for the search index (the page's words without its markup); None: the body itself."""
        return None

    @abstractmethod
    def key(self) -> object:
        """What the body is made from: where two plans give a page equal keys (and titles), its body is the same.
        The live preview re-renders only the pages whose key changed; a key is cheaper to make than the body.
        Pictures in a key are drawn for an empty base (a page's base is fixed by its place in the site)."""


@dataclass(frozen=True, eq=False)
class HomeJob(PageJob):
    @property
    def title(self) -> str:
        return "Home"

    def body(self, base: str) -> str:
        return self.ctx.renderer.home(self.ctx.models.all.home, base, list(self.ctx.books))

    def key(self) -> object:
        return self.ctx.models.all.home, self.ctx.books


@dataclass(frozen=True, eq=False)
class TimelineJob(PageJob):
    @property
    def title(self) -> str:
        return "Timeline"

    def body(self, base: str) -> str:
        v, link = self.ctx.models.all, self.ctx.link(base)
        picture = pictures.responsive(pictures.timeline(v.timeline, link),
                                      pictures.timeline(v.timeline, link, width=pictures.NARROW))
        return self.ctx.renderer.timeline(v.timeline, v.as_of, base, picture)

    def key(self) -> object:
        return self.ctx.models.all.timeline, self.ctx.models.all.as_of


@dataclass(frozen=True, eq=False)
class MapJob(PageJob):
    name = "Map"
    intro = ("The states involved, shaded, around the country where most places lie; borders the sources name are "
             "drawn in orange. Places are dots where a source gives coordinates.")

    def draw(self, base: str, narrow: bool = False) -> pictures.Picture | None:
        """The picture, at the page's full width or narrow (for small screens)."""
        link = self.ctx.link(base)
        if narrow:
            return pictures.site_map(self.ctx.graph, self.ctx.ref, link, width=pictures.NARROW)
        return pictures.site_map(self.ctx.graph, self.ctx.ref, link)

    def body(self, base: str) -> str:
        picture = pictures.responsive(self.draw(base), self.draw(base, narrow=True))
        return self.ctx.renderer.picture(self.title, self.intro, picture, base)

    @property
    def title(self) -> str:
        return self.name

    def key(self) -> object:
        return self.draw("")


@dataclass(frozen=True, eq=False)
class RelationshipsJob(MapJob):
    name = "Relationships"
    intro = ("Exercises and mechanisms joined to their participants, members and frameworks; forces are shown under "
             "the states they belong to.")

    def draw(self, base: str, narrow: bool = False) -> pictures.Picture | None:
        link = self.ctx.link(base)
        if narrow:
            return pictures.relationships(self.ctx.graph, self.ctx.ref, link, width=pictures.NARROW)
        return pictures.relationships(self.ctx.graph, self.ctx.ref, link)


@dataclass(frozen=True, eq=False)
class GradesJob(PageJob):
    @property
    def title(self) -> str:
        return "Grades and conventions"

    def body(self, base: str) -> str:
        return self.ctx.renderer.grades(base, self.ctx.models.all.sources)

    def key(self) -> object:
        return tuple((s.id, s.name, s.url, s.reliability, s.reliability_note) for s in self.ctx.models.all.sources)


@dataclass(frozen=True, eq=False)
class IndexJob(PageJob):
    kind: str = ""

    @property
    def title(self) -> str:
        return views.KIND_TITLES[self.kind]

    def body(self, base: str) -> str:
        return self.ctx.renderer.index(self.ctx.models.index(self.kind), base)

    def key(self) -> object:
        return self.ctx.models.index(self.kind)


@dataclass(frozen=True, eq=False)
class EntityJob(PageJob):
    id: str = ""
    name: str = ""

    @property
    def title(self) -> str:
        return self.name

    def body(self, base: str) -> str:
        page = self.ctx.models.entity(self.id)
        return self.ctx.renderer.entity(page, base, self.ctx.entity_pictures(page, base))

    def search(self) -> str | None:
        return self.ctx.renderer.render("search_entity.html", "", page=self.ctx.models.entity(self.id))

    def key(self) -> object:
        page = self.ctx.models.entity(self.id)
        return page, self.ctx.entity_pictures(page, "")


@dataclass(frozen=True, eq=False)
class SourceJob(EntityJob):
    def body(self, base: str) -> str:
        return self.ctx.renderer.source(self.ctx.models.source(self.id), base)

    def search(self) -> str | None:
        return self.ctx.renderer.render("search_source.html", "", page=self.ctx.models.source(self.id))

    def key(self) -> object:
        return self.ctx.models.source(self.id)


SECTIONS = (
    ("Home", f"{layout.HOME}.md"),
    *((views.KIND_TITLES[k.name], f"{k.folder}/{layout.HOME}.md") for k in KINDS),
    ("Timeline", f"{layout.TIMELINE}.md"),
    ("Map", f"{layout.MAP}.md"),
    ("Relationships", f"{layout.RELATIONSHIPS}.md"),
    ("Grades", f"{layout.GRADES}.md"),
)
"""(title, page) of every site's sections, in the order a reader meets them: the home page, the list of each
kind, the timeline, map, relationships and grades (what a nav shows; never an entity page)."""


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

    def key(self, src_uri: str) -> object:
        """The page's key (:meth:`PageJob.key`), made once."""
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
        return job.body(base), job.search()


def plan(content: Path, project: Path, *, pdf: bool = False, edition: Edition = PUBLIC,
         templates: Path | None = None, cache: LoadCache | None = None,
         directory_urls: bool = True) -> tuple[Site | None, CheckResult]:
    """Check content and, when it is clean, plan the site of one edition (nothing is written here).

    The graph is redacted to the edition before any view is made. With ``pdf``, entity
    pages link to their PDF briefs (which the PDF stage writes). ``cache``: see :func:`check`.
    ``directory_urls``: every link briefgen writes follows MkDocs' ``use_directory_urls``.
    """
    with collector_paused():
        result = check(content, cache)
        if not result.ok or result.graph is None:
            return None, result
        return _plan(result, content, project, pdf=pdf, edition=edition, templates=templates,
                     directory_urls=directory_urls), result


def _plan(result: CheckResult, content: Path, project: Path, *, pdf: bool, edition: Edition,
          templates: Path | None, directory_urls: bool) -> Site:
    assert result.graph is not None
    graph = redact(result.graph, edition)
    changes = history.by_entity(content, ((r.id, r.kind.name, r.kind.folder) for r in graph.entities.values()))
    in_edition = books_for(result.books, edition)
    if withholds(result.graph, graph, result.books, edition):
        # commit subjects are free text that may speak of anything withheld, of any kind: dates and hashes only
        changes = {i: tuple(replace(c, subject="") for c in cs) for i, cs in changes.items()}
    lazy = LazyViews(graph, changes, directory_urls)
    renderer = Renderer(templates if templates is not None else project / "templates", pdf=pdf,
                        marking=edition.marking, directory_urls=directory_urls)
    entities = sorted((e for e in graph.entities.values() if e.kind.name != "source"), key=lambda e: e.id)
    ref = partial(views.ref, graph, directory_urls=directory_urls)
    names = pictures.state_names(graph)  # once for every small map
    specs = {e.id: pictures.entity_map_spec(graph, e.id, ref, names) for e in entities
             if e.kind.name in ("place", "exercise")}
    books = tuple((d.title, book_url(i)) for i, d in in_edition) if pdf else ()
    ctx = Context(graph, lazy, renderer, books, specs, directory_urls)
    pages: dict[str, PageJob] = {
        f"{layout.HOME}.md": HomeJob(ctx),
        f"{layout.TIMELINE}.md": TimelineJob(ctx),
        f"{layout.MAP}.md": MapJob(ctx),
        f"{layout.RELATIONSHIPS}.md": RelationshipsJob(ctx),
        f"{layout.GRADES}.md": GradesJob(ctx),
    }
    for kind in KINDS:
        pages[f"{kind.folder}/{layout.HOME}.md"] = IndexJob(ctx, kind.name)
    for e in entities:
        pages[f"{views.page_path(e)}.md"] = EntityJob(ctx, e.id, e.model.name)
    for e in graph.of_kind("source"):
        pages[f"{views.page_path(e)}.md"] = SourceJob(ctx, e.id, e.model.name)
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
    return Site(pages, assets, lazy, graph, renderer, in_edition, edition)
