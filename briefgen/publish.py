"""Publish stage: plan the PDF briefs of a build and render them.

Used by the MkDocs plugin (``on_post_build``) and by ``briefgen pdf``. Knows nothing of MkDocs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from briefgen import __version__, brief, views
from briefgen.link import Graph
from briefgen.model import BriefBook
from briefgen.pdf import Attachment, PdfJob, PdfReport, render_all
from briefgen.render import Renderer

PDF_FOLDER = "pdf"
CACHE_FOLDER = ".briefgen-cache/pdf"
BRIEF_KINDS = ("exercise", "mechanism", "actor", "place")


@dataclass(frozen=True)
class PdfSettings:
    """Where and how PDFs are made."""

    project: Path
    content: Path
    site_url: str | None = None
    workers: int | None = None
    cache: bool = True
    progress: bool | None = None


def print_css(project: Path) -> str:
    """The print stylesheet: the project's ``templates/print.css`` if present, else briefgen's."""
    override = project / "templates" / "print.css"
    if override.is_file():
        return override.read_text(encoding="utf-8")
    return resources.files("briefgen").joinpath("assets/print.css").read_text(encoding="utf-8")


def pdf_url(entity_id: str) -> str:
    """Site-root-relative URL of an entity's brief."""
    return f"{PDF_FOLDER}/{entity_id}.pdf"


def _attachments(graph: Graph, content: Path, ids: Iterable[str]) -> tuple[Attachment, ...]:
    """The fact files (and archived texts) a brief was built from."""
    out: list[Attachment] = []
    for entity_id in sorted(set(ids)):
        record = graph.entities[entity_id]
        path = content / record.kind.folder / f"{entity_id}.yaml"
        out.append(Attachment(f"{record.kind.folder}/{entity_id}.yaml", path.read_bytes(),
                              f"briefgen fact file: {record.kind.name} {entity_id}"))
        if record.kind.name == "source" and entity_id in graph.texts:
            out.append(Attachment(f"sources/{entity_id}.txt", graph.texts[entity_id].encode(),
                                  f"archived text of source {entity_id}"))
    return tuple(out)


def _created(as_of: dt.date) -> str:
    return f"{as_of.isoformat()}T00:00:00Z"


def jobs(graph: Graph, site: views.SiteViews, settings: PdfSettings, renderer: Renderer,
         only: Iterable[str] = ()) -> list[PdfJob]:
    """One job per entity brief (of ``only`` ids when given)."""
    wanted = set(only)
    css = print_css(settings.project)
    created = _created(views.as_of_date())
    out = []
    for page in site.entities:
        if page.kind not in BRIEF_KINDS or (wanted and page.id not in wanted):
            continue
        marking = getattr(graph.entities[page.id].model, "marking", None) or "CLEAR"
        b = brief.brief(graph, page, site.timeline, settings.site_url, marking)
        html = renderer.render("brief.html", "", b=b, version=__version__, created=created)
        cited = {r.source.id for r in page.references}
        out.append(PdfJob(pdf_url(page.id).removeprefix(f"{PDF_FOLDER}/"), html, css,
                          _attachments(graph, settings.content, {page.id, *cited})))
    return out


def book_url(book_id: str) -> str:
    """Site-root-relative URL of a briefing book."""
    return f"{PDF_FOLDER}/books/{book_id}.pdf"


def book_jobs(graph: Graph, site: views.SiteViews, books: Iterable[tuple[str, BriefBook]], settings: PdfSettings,
              renderer: Renderer, only: Iterable[str] = ()) -> list[PdfJob]:
    """One job per briefing book (of ``only`` ids when given)."""
    wanted = set(only)
    css = print_css(settings.project)
    created = _created(views.as_of_date())
    out = []
    for book_id, definition in books:
        if wanted and book_id not in wanted:
            continue
        b = brief.book(graph, site, book_id, definition, settings.site_url)
        keywords = sorted({k for entry in b.briefs for k in entry.keywords})
        html = renderer.render("book.html", "", book=b, keywords=keywords, version=__version__, created=created)
        ids = {entry.id for entry in b.briefs} | {s.id for s in b.sources}
        attachments = (*_attachments(graph, settings.content, ids),
                       Attachment(f"briefs/{book_id}.yaml",
                                  (settings.content / "briefs" / f"{book_id}.yaml").read_bytes(),
                                  f"briefgen book definition {book_id}"))
        out.append(PdfJob(book_url(book_id).removeprefix(f"{PDF_FOLDER}/"), html, css, attachments))
    return out


def render(job_list: list[PdfJob], out_dir: Path, settings: PdfSettings) -> PdfReport:
    """Render jobs into ``out_dir`` (the site's ``pdf/`` folder)."""
    cache = settings.project / CACHE_FOLDER if settings.cache else None
    allowed = [p for p in (Path(str(resources.files("briefgen").joinpath("assets"))),
                           settings.project / "templates") if p.is_dir()]
    return render_all(job_list, out_dir, cache_dir=cache, allowed=allowed,
                      created=_created(views.as_of_date()), workers=settings.workers, progress=settings.progress)
