"""Brief views: what a PDF brief (one entity) or a briefing book (several) shows.

Built from the same page models as the site, so a brief and its page never disagree;
endnotes link to the claim's anchor on the site when a site URL is known.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from briefgen.check.link import Graph
from briefgen.model import BriefBook
from briefgen.site import views


@dataclass(frozen=True, slots=True)
class Endnote:
    """A reference of a brief, with the site URL of the first claim that cites it."""

    ref: views.Reference
    link: str | None


@dataclass(frozen=True, slots=True)
class Brief:
    """A one-entity brief."""

    id: str
    page: views.EntityPage
    marking: str
    timeline: tuple[views.TimelineEntry, ...]
    endnotes: tuple[Endnote, ...]
    site_link: str | None
    keywords: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SourceCount:
    """How many citations of one source type and grade a book rests on."""

    type: str
    grade: str
    citations: int


@dataclass(frozen=True, slots=True)
class Book:
    """A briefing book: several briefs with a cover, contents, timeline and source summary."""

    id: str
    title: str
    subtitle: str | None
    marking: str
    as_of: str
    briefs: tuple[Brief, ...]
    timeline: tuple[views.TimelineEntry, ...]
    source_counts: tuple[SourceCount, ...]
    single_source: tuple[tuple[views.Ref, views.Statement], ...]
    sources: tuple[views.Ref, ...]
    source_list: tuple[views.SourceEntry, ...] = ()
    """Every source the book cites, described (publisher, title, date and how it is known, address, copies)."""


def _site_url(site_url: str | None, path: str, anchor: str | None = None) -> str | None:
    if not site_url:
        return None
    return site_url.rstrip("/") + "/" + path + (f"#{anchor}" if anchor else "")


def brief(graph: Graph, page: views.EntityPage, timeline: tuple[views.TimelineEntry, ...],
          site_url: str | None, marking: str = "CLEAR") -> Brief:
    """The brief of one entity page."""
    first_use: dict[int, str] = {}
    for section in page.sections:
        for statement in section.statements:
            for number in statement.citations:
                first_use.setdefault(number, statement.anchor)
    endnotes = tuple(Endnote(r, _site_url(site_url, page.url, first_use.get(r.number))) for r in page.references)
    related_ids = {page.id} | {ref.id for _, items in page.related for ref, _ in items}
    entries = tuple(e for e in timeline if e.entity.id in related_ids)
    keywords = (page.kind_title.rstrip("s").lower(), *page.aliases,
                *(ref.name for _, items in page.related for ref, _ in items if ref.kind in ("place", "actor")))
    return Brief(page.id, page, marking, entries, endnotes, _site_url(site_url, page.url),
                 tuple(dict.fromkeys(keywords)))


def source_summary(graph: Graph, briefs: tuple[Brief, ...]) -> tuple[tuple[SourceCount, ...],
                                                                     tuple[tuple[views.Ref, views.Statement], ...]]:
    """Citations by source type and grade, and the statements that rest on a single independent origin."""
    counts: Counter[tuple[str, str]] = Counter()
    single: list[tuple[views.Ref, views.Statement]] = []
    for b in briefs:
        refs = {r.number: r for r in b.page.references}
        for r in b.page.references:
            kind = graph.source(r.source.id).type
            counts[(kind, r.grade)] += 1
        for section in b.page.sections:
            for statement in section.statements:
                # copies are not corroboration: count independent origins, not the sources that relay them
                origins = len(statement.origins) if statement.origins else len(
                    {refs[n].source.id for n in statement.citations})
                if origins == 1:
                    single.append((views.Ref(b.page.id, b.page.title, b.page.url, b.page.kind), statement))
    summary = tuple(SourceCount(t.replace("-", " "), g, n) for (t, g), n in sorted(counts.items()))
    return summary, tuple(single)


def book(graph: Graph, site: views.SiteViews, book_id: str, definition: BriefBook, site_url: str | None) -> Book:
    """The model of a briefing book: its entities in scope order, timeline and source summary."""
    pages = {p.id: p for p in site.entities}
    order: list[str] = []
    for kind in definition.scope.kinds:
        order += [p.id for p in sorted(site.entities, key=lambda p: (p.title.lower(), p.id)) if p.kind == kind]
    order += list(definition.scope.ids)
    ids = list(dict.fromkeys(i for i in order if i in pages))
    briefs = tuple(brief(graph, pages[i], site.timeline, site_url,
                         definition.edition) for i in ids)
    chosen = set(ids)
    counts, single = source_summary(graph, briefs)
    sources = sorted({r.source for b in briefs for r in b.page.references}, key=lambda r: r.name)
    as_of = views.dates.human(definition.as_of) if definition.as_of else site.as_of
    return Book(book_id, definition.title, definition.subtitle, definition.edition, as_of, briefs,
                tuple(e for e in site.timeline if e.entity.id in chosen), counts, single, tuple(sources),
                tuple(views.source_entry(graph, s.id) for s in sources))


#: How much of each tail chapter a part holds, per entry of ``part_size``: the endnotes of 2·P
#: entries, the single-source statements of 2·P entities or 20·P timeline rows are about as
#: long as the longest run of P entries, the exercises (measured on the 2,000-entity benchmark
#: corpus's book: 0.4–0.55 MB of HTML, 100–150 pages each).
TAIL_SHARE = {"timeline": 20, "summary": 2, "endnotes": 2}


@dataclass(frozen=True, slots=True)
class BookPart:
    """A stretch of a book that is laid out as one document when the book is rendered in parts.

    ``kind`` is one of ``front`` (cover and contents), ``pictures``, ``entries``, ``timeline``,
    ``summary``, ``endnotes`` or ``sources`` (the source list that ends a book); ``items`` are
    the entries (``Brief``), timeline rows or single-source statements it shows; ``first`` is
    false for a chapter's continuation, which starts on a page of its own without its heading.
    """

    kind: str
    items: tuple[Any, ...] = ()
    first: bool = True


def book_parts(b: Book, pictures: bool, part_size: int | None = None) -> tuple[BookPart, ...]:
    """The parts of a book in order: all of it in one of each kind, or cut every ``part_size`` entries."""
    single = b.single_source
    if not part_size or len(b.briefs) <= part_size:
        return (BookPart("front"), *((BookPart("pictures"),) if pictures else ()), BookPart("entries", b.briefs),
                BookPart("timeline", b.timeline), BookPart("summary", single), BookPart("endnotes", b.briefs),
                BookPart("sources"))

    def chunks(kind: str, items: tuple[Any, ...], size: int) -> list[BookPart]:
        cut = [items[i:i + size] for i in range(0, len(items), size)] or [()]
        return [BookPart(kind, c, i == 0) for i, c in enumerate(cut)]

    # single-source statements are cut between entities, as the endnotes are
    by_entity = [tuple(group) for _, group in groupby(single, key=lambda pair: pair[0].id)]
    summary = [BookPart("summary", tuple(s for group in part.items for s in group), part.first)
               for part in chunks("summary", tuple(by_entity), TAIL_SHARE["summary"] * part_size)]
    return (BookPart("front"), *((BookPart("pictures"),) if pictures else ()),
            *chunks("entries", b.briefs, part_size),
            *chunks("timeline", b.timeline, TAIL_SHARE["timeline"] * part_size),
            *summary, *chunks("endnotes", b.briefs, TAIL_SHARE["endnotes"] * part_size), BookPart("sources"))
