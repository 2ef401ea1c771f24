"""Publish stage: plan the PDF briefs of a build and render them.

Used by the MkDocs plugin (``on_post_build``) and by ``briefgen pdf``. Knows nothing of MkDocs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from importlib import resources
from pathlib import Path

import yaml

from briefgen import __version__, layout
from briefgen.check.link import Graph
from briefgen.model import BriefBook
from briefgen.pdf import brief
from briefgen.pdf.parts import BOOK_PART_SIZE
from briefgen.pdf.render import Attachment, PdfJob, PdfReport, render_all
from briefgen.site import pictures, views
from briefgen.site.editions import PUBLIC, Edition, rank, redact
from briefgen.site.render import Renderer

PDF_FOLDER = layout.PDF
CACHE_FOLDER = ".briefgen-cache/pdf"
BRIEF_KINDS = ("exercise", "mechanism", "actor", "place")


@dataclass(frozen=True)
class PdfSettings:
    """Where and how PDFs are made."""

    project: Path
    content: Path
    site_url: str | None = None
    edition: Edition = PUBLIC
    templates: Path | None = None
    workers: int | None = None
    cache: bool = True
    progress: bool | None = None
    directory_urls: bool = True
    """MkDocs' ``use_directory_urls``: the links from a PDF to the site follow it."""
    book_part_size: int | None = BOOK_PART_SIZE  # a book of more entries is rendered in parts


def print_css(templates: Path) -> str:
    """The print stylesheet: ``print.css`` in the project's templates folder if present, else briefgen's."""
    override = templates / "print.css"
    if override.is_file():
        return override.read_text(encoding="utf-8")
    return resources.files("briefgen").joinpath("assets/print.css").read_text(encoding="utf-8")


def pdf_url(entity_id: str) -> str:
    """Site-root-relative URL of an entity's brief."""
    return f"{PDF_FOLDER}/{entity_id}.pdf"


def _attachments(graph: Graph, ids: Iterable[str]) -> tuple[Attachment, ...]:
    """The facts (and archived texts) a brief was built from, as this edition holds them.

    Each fact file is written out again from the (redacted) model rather than copied, so
    that nothing the edition withholds — not even a YAML comment — rides along. An archived
    text rides along only where the site may republish it whole (``republish: full``).
    """
    out: list[Attachment] = []
    for entity_id in sorted(set(ids)):
        record = graph.entities[entity_id]
        data = record.model.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
        out.append(Attachment(f"{record.kind.folder}/{entity_id}.yaml", text.encode(),
                              f"briefgen fact file: {record.kind.name} {entity_id}"))
        if record.kind.name == "source" and entity_id in graph.texts and graph.source(entity_id).republish == "full":
            out.append(Attachment(f"sources/{entity_id}.txt", graph.texts[entity_id].encode(),
                                  f"archived text of source {entity_id}"))
    return tuple(out)


def _created(as_of: dt.date) -> str:
    return f"{as_of.isoformat()}T00:00:00Z"


def jobs(graph: Graph, site: views.SiteViews, settings: PdfSettings, renderer: Renderer,
         only: Iterable[str] = ()) -> list[PdfJob]:
    """One job per entity brief (of ``only`` ids when given)."""
    wanted = set(only)
    css = print_css(settings.templates or settings.project / "templates")
    created = _created(views.as_of_date())
    out = []
    for page in site.entities:
        if page.kind not in BRIEF_KINDS or (wanted and page.id not in wanted):
            continue
        b = brief.brief(graph, page, site.timeline, settings.site_url, settings.edition.marking)
        html = renderer.render("brief.html", "", b=b, version=__version__, created=created)
        cited = {r.source.id for r in page.references}
        out.append(PdfJob(pdf_url(page.id).removeprefix(f"{PDF_FOLDER}/"), html, css,
                          _attachments(graph, {page.id, *cited})))
    return out


def book_url(book_id: str) -> str:
    """Site-root-relative URL of a briefing book."""
    return f"{PDF_FOLDER}/books/{book_id}.pdf"


def book_jobs(graph: Graph, site: views.SiteViews, books: Iterable[tuple[str, BriefBook]], settings: PdfSettings,
              renderer: Renderer, only: Iterable[str] = ()) -> list[PdfJob]:
    """One job per briefing book (of ``only`` ids when given)."""
    wanted = set(only)
    css = print_css(settings.templates or settings.project / "templates")
    created = _created(views.as_of_date())
    out = []
    for book_id, definition in books:
        if wanted and book_id not in wanted:
            continue
        if rank(definition.edition) > rank(settings.edition.marking):
            continue  # a book for a wider-cleared audience is not part of this edition
        book_graph, book_site = graph, site
        if definition.edition != settings.edition.marking:
            audience = Edition(definition.edition.lower(), definition.edition, settings.edition.default)
            book_graph = redact(graph, audience)
            book_site = views.build(book_graph, directory_urls=settings.directory_urls)
        b = brief.book(book_graph, book_site, book_id, definition, settings.site_url)
        keywords = sorted({k for entry in b.briefs for k in entry.keywords})
        ids = [entry.id for entry in b.briefs]
        ref = partial(views.ref, book_graph, directory_urls=settings.directory_urls)

        def link(r: views.Ref) -> str | None:
            return f"{settings.site_url.rstrip('/')}/{r.url}" if settings.site_url and r.url else None

        figures = [p for p in (pictures.timeline(b.timeline, link, title="Timeline of this book"),
                               pictures.site_map(book_graph, ref, link, ids),
                               pictures.relationships(book_graph, ref, link, ids)) if p is not None]
        parts = brief.book_parts(b, bool(figures), settings.book_part_size)
        render_part = partial(renderer.render, "book.html", "", book=b, keywords=keywords, version=__version__,
                              created=created, figures=figures)
        # a book of one part of each kind is one document; a longer one, one document per part
        split = len(parts) > len({p.kind for p in parts})
        html = "" if split else render_part(parts=parts)
        part_html = tuple(render_part(parts=(p,)) for p in parts) if split else ()
        attached = {entry.id for entry in b.briefs} | {s.id for s in b.sources}
        shown = definition.model_dump(mode="json", exclude_none=True)
        shown["scope"]["ids"] = [i for i in definition.scope.ids if i in book_graph.entities]  # nothing withheld
        definition_text = yaml.safe_dump(shown, allow_unicode=True, sort_keys=False)
        attachments = (*_attachments(book_graph, attached),
                       Attachment(f"briefs/{book_id}.yaml", definition_text.encode(),
                                  f"briefgen book definition {book_id}"))
        out.append(PdfJob(book_url(book_id).removeprefix(f"{PDF_FOLDER}/"), html, css, attachments,
                          parts=part_html))
    return out


def render(job_list: list[PdfJob], out_dir: Path, settings: PdfSettings) -> PdfReport:
    """Render jobs into ``out_dir`` (the site's ``pdf/`` folder)."""
    cache = settings.project / CACHE_FOLDER if settings.cache else None
    allowed = [p for p in (Path(str(resources.files("briefgen").joinpath("assets"))),
                           settings.templates or settings.project / "templates") if p.is_dir()]
    return render_all(job_list, out_dir, cache_dir=cache, allowed=allowed,
                      created=_created(views.as_of_date()), workers=settings.workers, progress=settings.progress)
