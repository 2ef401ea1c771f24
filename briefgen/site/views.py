"""Views stage: turn the linked graph into page models that templates only display.

Templates never see the internal model: each page gets plain, frozen view objects
whose text is already composed (sentences, dates as people write them, grades), with
links as structured parts so that escaping stays the template engine's job.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import pairwise
from typing import Any

from briefgen import layout
from briefgen.site import agreement
from briefgen.check import dates
from briefgen.site import history
from briefgen.check import provenance
from briefgen.check import quotes
from briefgen.diagnostics import count_noun
from briefgen.site.history import Change
from briefgen.check.link import Graph
from briefgen.model import KIND_BY_NAME, KINDS, Citation, Model, Source, claims_of, passages
from briefgen.check.validate import Record

KIND_TITLES = {"exercise": "Exercises", "mechanism": "Mechanisms", "actor": "Actors", "place": "Places",
               "source": "Sources"}
PROPERTY_TITLES = {
    "status": "Status", "date": "Dates", "duration_days": "Duration", "location": "Location",
    "participant": "Participants", "strength": "Strength", "equipment": "Equipment", "purpose": "Purpose",
    "scenario": "Scenario", "type": "Type", "significance": "Significance", "framework": "Framework",
    "previous": "Series", "member": "Members", "established": "Establishment", "function": "Functions",
    "context": "Context", "borders": "Borders", "coordinates": "Coordinates",
}
SINGLE_VALUED = frozenset({"status", "date", "duration_days", "strength", "established", "coordinates"})
CREDIBILITY = {1: "confirmed", 2: "probably true", 3: "possibly true", 4: "doubtful", 5: "improbable",
               6: "cannot be judged"}
RELIABILITY = {"A": "completely reliable", "B": "usually reliable", "C": "fairly reliable",
               "D": "not usually reliable", "E": "unreliable", "F": "reliability cannot be judged"}
DOUBTFUL_RELIABILITY = frozenset("DEF")
"""Letters of a source that is not usually reliable, unreliable, or whose reliability cannot be judged."""
DOUBTFUL_CREDIBILITY = frozenset({4, 5, 6})
"""Digits of information that is doubtful, improbable, or whose truth cannot be judged."""
DOUBTFUL_TEXT = (f"source {min(DOUBTFUL_RELIABILITY)}–{max(DOUBTFUL_RELIABILITY)} or information "
                 f"{min(DOUBTFUL_CREDIBILITY)}–{max(DOUBTFUL_CREDIBILITY)}")
"""The doubtful grades in a few words, as the briefs' notes on grades say it."""
ACTOR_TYPES = {"state": "State", "armed-force": "Armed force", "unit": "Unit", "ministry": "Ministry",
               "organisation": "Organisation", "other": "Actor"}


def as_of_date() -> dt.date:
    """The build's "as of" date: ``SOURCE_DATE_EPOCH`` when set (reproducible builds), else today (UTC)."""
    return (history.epoch() or dt.datetime.now(dt.UTC)).date()


@lru_cache(maxsize=8)
def _day(today: dt.date) -> str:
    """A day as people write it (every page of a build shows the same "as of" day)."""
    return dates.human(today.isoformat())


def page_path(record: Record[Model]) -> str:
    """Where an entity's page lies in the site, without suffix: ``exercises/<id>`` (its source is that ``.md``)."""
    return f"{record.kind.folder}/{record.id}"


def url_of(record: Record[Model], directory_urls: bool = True) -> str:
    """Site-root-relative URL of an entity's page, as MkDocs' ``use_directory_urls`` makes it."""
    return layout.page_url(page_path(record), directory_urls)


# --- view objects ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ref:
    """A link to an entity page (``url`` is site-root-relative)."""

    id: str
    name: str
    url: str
    kind: str


@dataclass(frozen=True, slots=True)
class Reference:
    """A numbered entry of a page's references: one source passage, graded."""

    number: int
    source: Ref
    quote: str
    grade: str
    grade_text: str
    voice: str | None
    anchor: str
    lang: str = "en"
    """The language of the quote (its source's), for the ``lang`` attribute."""
    translation: str | None = None
    translated_by: str | None = None
    via: str | None = None
    """Whose reporting the passage relays, as the citation says (a name, or the name of a source)."""
    url: str | None = None
    """The source's address, when known."""
    doubtful: bool = False
    """Its grade is doubtful (:func:`doubtful`): the mark beside a statement says so at a glance."""


@dataclass(frozen=True, slots=True)
class Statement:
    """One claim as a sentence: parts (text or Ref), citation numbers, anchor, flags."""

    anchor: str
    parts: tuple[str | Ref, ...]
    citations: tuple[int, ...]
    voice: str | None = None
    note: str | None = None
    property: str = ""
    as_of: str | None = None
    """When the claim held, as people write it (statuses: a history)."""
    assessment: str | None = None
    """The editors' reason for holding this value (Markdown), on the assessed statement only."""
    origins: tuple[str, ...] = ()
    """The names of the independent origins its citations rest on (copies of one report count once)."""
    provenance: str | None = None
    """"1 independent origin: AFP, relayed by …", when a citation carries someone else's reporting."""


@dataclass(frozen=True, slots=True)
class Section:
    """Statements about one property, in the order a reader sees them (the assessed one first).

    ``conflict``: some of the values cannot all be true (see :mod:`briefgen.site.agreement`);
    ``resolution``: ``assessed`` when the editors hold one value, ``unresolved`` when they
    disagree and none is held, ``agree`` or ``single`` otherwise; ``history``: a status
    reported at different times, oldest first, the last one current.
    """

    title: str
    property: str
    statements: tuple[Statement, ...]
    conflict: bool = False
    resolution: str = "single"
    history: bool = False


@dataclass(frozen=True, slots=True)
class Fact:
    """A row of the at-a-glance box: values, each with its own citations, and how they relate."""

    label: str
    items: tuple[tuple[tuple[str | Ref, ...], tuple[int, ...]], ...]
    separator: str = ", "
    unresolved: bool = False
    """The sources disagree and the editors hold none of the values."""


@dataclass(frozen=True, slots=True)
class EntityPage:
    """Everything an entity page shows."""

    id: str
    kind: str
    kind_title: str
    url: str
    title: str
    aliases: tuple[str, ...]
    summary: str | None
    type_label: str
    glance: tuple[Fact, ...]
    sections: tuple[Section, ...]
    mentions: tuple[int, ...]
    references: tuple[Reference, ...]
    related: tuple[tuple[str, tuple[tuple[Ref, str], ...]], ...]
    flags: tuple[str, ...]
    as_of: str
    json_ld: dict[str, Any] | None = None
    last_changed: str | None = None
    """The day its fact file last changed in git, as people write it (None without git)."""
    history: tuple[Change, ...] = ()
    """The commits that changed its fact file, newest first (empty without git)."""


@dataclass(frozen=True, slots=True)
class CitingClaim:
    """A claim that cites a source, as listed on the source page."""

    entity: Ref
    anchor: str
    text: tuple[str | Ref, ...]
    quote_anchor: str


@dataclass(frozen=True, slots=True)
class TextPart:
    """A run of archived text; ``marks`` are the quote anchors covering it, ``ids`` those starting here."""

    text: str
    marks: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SourcePage:
    """Everything a source page shows: metadata, grade, citing claims, highlighted text."""

    id: str
    url: str
    title: str
    name: str
    title_supplied: bool
    meta: tuple[tuple[str, str], ...]
    links: tuple[tuple[str, str, str], ...]
    """(label, address, what to show) of the document's addresses: where published, an archived copy."""
    derived: tuple[tuple[str, Ref | None, str | None], ...]
    """What it reprints, relays or translates: a sentence, the source of the corpus (or None), its address."""
    lang: str
    republish: str
    """``full``: the whole archived text is shown; ``quotes``: only the quoted passages, with a little context."""
    reliability: str
    reliability_text: str
    reliability_note: str | None
    notes: str | None
    citing: tuple[CitingClaim, ...]
    paragraphs: tuple[tuple[TextPart, ...], ...]
    as_of: str
    last_changed: str | None = None
    """The day its fact file or archived text last changed in git (None without git)."""
    history: tuple[Change, ...] = ()
    """The commits that changed its fact file or archived text, newest first."""


@dataclass(frozen=True, slots=True)
class Row:
    """A row of an index table."""

    entity: Ref
    cells: tuple[tuple[str | Ref, ...], ...]


@dataclass(frozen=True, slots=True)
class IndexPage:
    """The table of every entity of one kind."""

    kind: str
    title: str
    url: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """A dated statement on the timeline."""

    sort_key: tuple[dt.date, dt.date]
    when: str
    fuzzy: bool
    entity: Ref
    what: str
    anchor: str
    status: str | None
    alternatives: tuple[str, ...] = ()
    """Other dates reported for the same event, as people write them."""
    alternative_spans: tuple[tuple[dt.date, dt.date], ...] = ()
    """The first and last day each of the ``alternatives`` may mean, in the same order (for the timeline picture)."""


@dataclass(frozen=True, slots=True)
class HomePage:
    """The front page: coverage, counts, latest and upcoming exercises."""

    counts: tuple[tuple[str, str, int], ...]
    claims: int
    latest: tuple[TimelineEntry, ...]
    upcoming: tuple[TimelineEntry, ...]
    unconfirmed: tuple[TimelineEntry, ...]
    """Planned for a date that has passed, with no later report that they took place."""
    sources: tuple[Ref, ...]
    as_of: str


@dataclass(frozen=True)
class SiteViews:
    """All page models of one build."""

    home: HomePage
    indexes: tuple[IndexPage, ...]
    entities: tuple[EntityPage, ...]
    sources: tuple[SourcePage, ...]
    timeline: tuple[TimelineEntry, ...]
    as_of: str


# --- building ---------------------------------------------------------------------------------


WITHHELD_REF = Ref("", "an entity not in this edition", "", "withheld")


def ref(graph: Graph, entity_id: str, directory_urls: bool = True) -> Ref:
    """A link to an entity, or plain text naming nothing when it is not in this edition (redaction leaves no
    reference to a withheld entity: this is a last line of defence)."""
    record = graph.entities.get(entity_id)
    if record is None:
        return WITHHELD_REF
    return Ref(record.id, record.model.name, url_of(record, directory_urls), record.kind.name)


def grade(source: Source, citation: Citation) -> str:
    """Admiralty grade of a citation: source reliability and information credibility, e.g. ``F3``."""
    return f"{source.reliability}{citation.credibility}"


def doubtful(source: Source, citation: Citation) -> bool:
    """Whether a citation's grade is doubtful: a source graded D–F or information graded 4–6 (the grades page's
    scale: from "not usually reliable" and "doubtful" on)."""
    return source.reliability in DOUBTFUL_RELIABILITY or citation.credibility in DOUBTFUL_CREDIBILITY


class _Shared:
    """What the pages of one build share, made once: links to entities, and each passage's quote and anchor.

    One citation is numbered on its entity's page, listed on its source's page and
    highlighted in the source's text; many name the same passage.
    """

    def __init__(self, graph: Graph, directory_urls: bool = True) -> None:
        self.graph = graph
        self.directory_urls = directory_urls
        self.refs: dict[str, Ref] = {}
        self.passages: dict[tuple[tuple[str, ...], str | None, str | None], tuple[str, str]] = {}
        self.provenance = provenance.Provenance(graph)

    def ref(self, entity_id: str) -> Ref:
        found = self.refs.get(entity_id)
        if found is None:
            found = self.refs[entity_id] = ref(self.graph, entity_id, self.directory_urls)
        return found

    def passage(self, citation: Citation) -> tuple[str, str]:
        """The citation's quote normalised, and the anchor of its passage on the source page."""
        key = (passages(citation.quote), citation.prefix, citation.suffix)
        found = self.passages.get(key)
        if found is None:
            shown = " … ".join(quotes.normalise(p) for p in key[0])
            found = self.passages[key] = (shown, quotes.anchor(*key))
        return found


class _References:
    """Numbers a page's citations in order of first use; equal citations share a number."""

    def __init__(self, graph: Graph, shared: _Shared | None = None) -> None:
        self.graph = graph
        self.shared = shared or _Shared(graph)
        self.items: dict[tuple[Any, ...], Reference] = {}

    def number(self, citation: Citation) -> int:
        quote, anchor = self.shared.passage(citation)
        key = (citation.source, quote, citation.prefix, citation.suffix, citation.credibility, citation.voice,
               citation.translation, citation.translated_by, citation.via)
        found = self.items.get(key)
        if found:
            return found.number
        source = self.graph.source(citation.source)
        via = citation.via
        if via and via in self.graph.entities:
            via = self.shared.ref(via).name
        item = Reference(
            number=len(self.items) + 1,
            source=self.shared.ref(citation.source),
            quote=quote,
            grade=grade(source, citation),
            grade_text=f"{RELIABILITY[source.reliability]}; {CREDIBILITY[citation.credibility]}",
            voice=citation.voice,
            anchor=anchor,
            lang=source.language,
            translation=citation.translation,
            translated_by=citation.translated_by,
            via=via,
            url=source.url,
            doubtful=doubtful(source, citation),
        )
        self.items[key] = item
        return item.number

    def all(self) -> tuple[Reference, ...]:
        return tuple(self.items.values())


def date_text(claim: Any) -> str:
    """A date claim's value as people write it, with what was inferred said plainly."""
    text = dates.human(claim.value, claim.part)
    if getattr(claim, "inferred", None):
        text += f" ({claim.inferred} inferred)"
    return text


def sentence(graph: Graph, claim: Any) -> tuple[str | Ref, ...]:
    """The claim's value as the parts of a short sentence."""
    return _sentence(claim, lambda entity_id: ref(graph, entity_id))


def _sentence(claim: Any, ref_of: Callable[[str], Ref]) -> tuple[str | Ref, ...]:
    p = claim.property
    if p in ("location", "framework", "previous", "member", "borders"):
        parts: list[str | Ref] = [ref_of(claim.value)]
        if p == "previous":
            parts = ["Follows ", parts[0], " in a series"]
        return tuple(parts)
    if p == "participant":
        parts = [ref_of(claim.value)]
        if claim.strength:
            parts.append(f" — {claim.strength}")
        if claim.described_as:
            parts.append(f" (named as “{claim.described_as}”)")
        return tuple(parts)
    if p == "date":
        return (date_text(claim),)
    if p == "established":
        parts = [f"Established {date_text(claim)}"]
        if claim.place:
            parts += [" in ", ref_of(claim.place)]
        if claim.by:
            parts.append(f" by {claim.by}")
        return tuple(parts)
    if p == "strength":
        return (strength_text(claim),)
    if p == "duration_days":
        return (count_noun(claim.value, "day"),)
    if p == "equipment":
        return (claim.value, " of ", ref_of(claim.of)) if claim.of else (claim.value,)
    if p == "coordinates":
        return (f"{claim.value.lat:.4f}, {claim.value.lon:.4f}",)
    return (str(claim.value),)


BOUND_WORDS = {"exact": "", "about": "about ", "at-least": "at least ", "at-most": "at most ",
               "nearly": "nearly ", "over": "over "}


def strength_text(claim: Any) -> str:
    """A number as the source put it: "at least 10,000 troops", "800 to 1,000 personnel"."""
    if claim.to is not None:
        return f"{claim.value:,} to {claim.to:,} {claim.unit}"
    return f"{BOUND_WORDS[claim.bounding]}{claim.value:,} {claim.unit}"


def _plain(parts: Sequence[str | Ref]) -> str:
    return "".join(p.name if isinstance(p, Ref) else p for p in parts)


def within(graph: Graph) -> agreement.Within:
    """Whether one place lies in another, by the ``parent`` chain the briefing gives."""
    def inside(place: str | None, region: str) -> bool:
        seen: set[str] = set()
        while place and place not in seen:
            if place == region:
                return True
            seen.add(place)
            record = graph.entities.get(place)
            place = getattr(record.model, "parent", None) if record is not None else None
        return False
    return inside


def source_date(graph: Graph) -> Callable[[str], str | None]:
    """The publication date of a source in the graph (None when unknown or not in this edition)."""
    def of(source_id: str) -> str | None:
        record = graph.entities.get(source_id)
        value = getattr(record.model, "date", None) if record is not None else None
        return value if value and value != "unknown" else None
    return of


def current_status(graph: Graph, claims: Sequence[Any]) -> str | None:
    """The status that holds now: the latest reported (``as_of``), or None when none or several disagree."""
    statuses = [c for c in claims if c.property == "status"]
    now = {statuses[i].value for i in agreement.current(statuses, source_date(graph))}
    return now.pop() if len(now) == 1 else None


def lead_date(graph: Graph, claims: Sequence[Any], prop: str = "date") -> tuple[Any | None, tuple[Any, ...]]:
    """The date claim that leads (assessed, or the most precise of agreeing ones) and the values reported that
    disagree with it (all of them, and no lead, when the disagreement is unresolved)."""
    dated = [c for c in claims if c.property == prop]
    if not dated:
        return None, ()
    nested = within(graph)
    outcome = agreement.resolve(dated, nested)
    lead = dated[outcome.lead] if outcome.lead is not None else None
    others = tuple(dated[i] for i in outcome.order if dated[i] is not lead
                   and (lead is None or not agreement.compatible(dated[i], lead, nested)))
    return lead, others


def _flags(graph: Graph, claims: Sequence[Any], today: dt.date) -> list[str]:
    flags: list[str] = []
    if current_status(graph, claims) == "planned":
        lead, others = lead_date(graph, claims)
        considered = [c for c in (lead, *others) if c is not None]
        open_ended = any(dates.ends(c.value)[1] is None for c in considered)
        if considered and not open_ended and max(dates.span(c.value).end for c in considered) < today:
            when = " or ".join(date_text(c) for c in considered)
            flags.append(f"Unconfirmed: planned for {when}, a date that has passed; no source in this "
                         f"briefing reports that it took place (as of {_day(today)}).")
    return flags


def entity_page(graph: Graph, record: Record[Model], today: dt.date, shared: _Shared | None = None) -> EntityPage:
    """Build the page model of one (non-source) entity (``shared``: what the build's pages share)."""
    model: Any = record.model
    shared = shared or _Shared(graph)
    refs = _References(graph, shared)
    mentions = tuple(sorted({refs.number(c) for c in model.mentions}))
    claims = list(model.claims)
    of_source, nested = source_date(graph), within(graph)
    by_property: dict[str, list[int]] = defaultdict(list)
    for index, claim in enumerate(claims):
        by_property[claim.property].append(index)

    def statement(index: int, *, when: bool = False) -> Statement:
        claim = claims[index]
        voices = {c.voice for c in claim.sources}
        held = agreement.as_of(claim, of_source) if when else None
        backing = shared.provenance.corroboration(claim.sources)
        return Statement(
            anchor=graph.claim_ids[(record.id, index)],
            parts=_sentence(claim, shared.ref),
            citations=tuple(dict.fromkeys(refs.number(c) for c in claim.sources)),
            voice=voices.pop() if len(voices) == 1 else None,
            note=claim.note,
            property=claim.property,
            as_of=dates.human(held) if held else None,
            assessment=claim.assessment,
            origins=tuple(o.name for o, _ in backing.origins),
            provenance=backing.sentence() if backing.relayed else None,
        )

    sections = []
    for prop in PROPERTY_TITLES:
        indexes = by_property.get(prop)
        if not indexes:
            continue
        group = [claims[i] for i in indexes]
        if prop == "status" and len({c.value for c in group}) > 1:
            order = agreement.history(group, of_source)
            now = agreement.current(group, of_source)
            conflict = agreement.disagree([group[i] for i in now])
            statements = tuple(statement(indexes[i], when=True) for i, _ in order)
            sections.append(Section(PROPERTY_TITLES[prop], prop, statements, conflict=conflict,
                                    resolution="unresolved" if conflict else "agree", history=True))
            continue
        if prop not in SINGLE_VALUED:
            sections.append(Section(PROPERTY_TITLES[prop], prop, tuple(statement(i) for i in indexes)))
            continue
        outcome = agreement.resolve(group, nested)
        conflict = agreement.disagree(group, nested)
        sections.append(Section(PROPERTY_TITLES[prop], prop, tuple(statement(indexes[i]) for i in outcome.order),
                                conflict=conflict, resolution=outcome.resolution))

    glance: list[Fact] = []
    type_label = KIND_BY_NAME[record.kind.name].name.capitalize()
    if record.kind.name == "actor":
        type_label = ACTOR_TYPES[model.type]
        if model.parent:
            glance.append(Fact("Part of", (((shared.ref(model.parent),), ()),)))
    if record.kind.name == "place":
        type_label = model.type.capitalize()
        if model.parent:
            glance.append(Fact("In", (((shared.ref(model.parent),), ()),)))
        if model.country:
            glance.append(Fact("Country", (((shared.ref(model.country),), ()),)))
    for section in sections:
        if section.property in ("status", "date", "location", "participant", "strength", "framework", "member",
                                "established", "duration_days"):
            glance.append(_glance(section))

    related = _related(graph, record, shared.ref)
    flags = _flags(graph, claims, today)
    json_ld = _event_json_ld(graph, record) if record.kind.name == "exercise" else None
    aliases = tuple(a.name for a in model.aliases)
    return EntityPage(
        id=record.id, kind=record.kind.name, kind_title=KIND_TITLES[record.kind.name],
        url=url_of(record, shared.directory_urls),
        title=model.name, aliases=aliases, summary=model.summary, type_label=type_label, glance=tuple(glance),
        sections=tuple(sections), mentions=mentions, references=refs.all(), related=related,
        flags=tuple(flags), as_of=_day(today), json_ld=json_ld,
    )


def _glance(section: Section) -> Fact:
    """The at-a-glance row of a section: what holds now, what leads, or every value when unresolved."""
    def item(s: Statement) -> tuple[tuple[str | Ref, ...], tuple[int, ...]]:
        return tuple(p for p in s.parts if section.property != "participant" or isinstance(p, Ref)), s.citations

    statements = section.statements
    if section.history and section.resolution != "unresolved":
        latest = statements[-1]
        earlier = [s for s in statements[:-1] if _plain(s.parts) != _plain(latest.parts)]
        parts, numbers = item(latest)
        if earlier:
            parts = (*parts, " (earlier: " + ", ".join(
                f"{_plain(s.parts)}{f' as of {s.as_of}' if s.as_of else ''}" for s in earlier) + ")")
        return Fact(section.title, ((parts, numbers),))
    if section.resolution == "assessed" and section.conflict:
        lead, *others = statements
        parts, numbers = item(lead)
        items = [((*parts, " (assessed)"), numbers)]
        items += [((*item(s)[0], " (also reported)"), s.citations) for s in others]
        return Fact(section.title, tuple(items), "; ")
    if section.conflict:
        return Fact(section.title, tuple(item(s) for s in statements), " / ", unresolved=True)
    if section.resolution in ("agree", "assessed") and section.property in SINGLE_VALUED:
        return Fact(section.title, (item(statements[0]),))
    return Fact(section.title, tuple(item(s) for s in statements))


def _related(graph: Graph, record: Record[Model],
             ref_of: Callable[[str], Ref]) -> tuple[tuple[str, tuple[tuple[Ref, str], ...]], ...]:
    """Entities linked to or from this one, grouped by kind, each with how they relate."""
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    outgoing = graph.outgoing.get(record.id, ())
    for link in outgoing:
        found[graph.entities[link.target].kind.name][link.target].add(link.via)
    for link in graph.backlinks.get(record.id, ()):
        found[graph.entities[link.source].kind.name][link.source].add(f"names this: {link.via}")
    groups = []
    for kind in KINDS:
        if kind.name in found:
            items = tuple((ref_of(i), ", ".join(sorted(v))) for i, v in sorted(found[kind.name].items()))
            groups.append((KIND_TITLES[kind.name], items))
    return tuple(groups)


def _event_json_ld(graph: Graph, record: Record[Model]) -> dict[str, Any]:
    """schema.org Event for an exercise page, from the values the briefing holds.

    Its dates come from the leading date claim (assessed, or the most precise of agreeing ones): both
    ends from one claim, none when the sources disagree unresolved; its status is the current one.
    """
    model: Any = record.model
    data: dict[str, Any] = {"@context": "https://schema.org", "@type": "Event", "name": model.name,
                            "identifier": record.id}
    lead, _ = lead_date(graph, model.claims)
    if lead is not None:
        first, last = dates.ends(lead.value)  # an open end is left out, not written as ".."
        if first is not None:
            data["startDate"] = dates.iso(first)
        if last is not None and last != first:
            data["endDate"] = dates.iso(last)
    status = current_status(graph, model.claims)
    if status is not None:
        data["eventStatus"] = {"cancelled": "https://schema.org/EventCancelled"}.get(
            status, "https://schema.org/EventScheduled")
    for prop, key, kind in (("location", "location", "Place"), ("participant", "attendee", "Organization")):
        names = dict.fromkeys(graph.entities[c.value].model.name for c in model.claims
                              if c.property == prop and c.value in graph.entities)
        if names:
            data[key] = [{"@type": kind, "name": name} for name in names]
    return data


def _text_parts(text: str, spans: dict[tuple[int, int], list[str]]) -> tuple[tuple[TextPart, ...], ...]:
    """Split archived text into paragraphs of parts, marking quoted spans (which may overlap)."""
    cuts = {0, len(text)}
    for start, end in spans:
        cuts.update((start, end))
    breaks = [m.span() for m in re.finditer(r"\n[ \t]*\n\s*", text)] if re.search(r"\n[ \t]*\n", text) \
        else [m.span() for m in re.finditer(r"\n", text)]
    for start, end in breaks:
        cuts.update((start, end))
    is_break = {start: end for start, end in breaks}
    points = sorted(cuts)
    starts: dict[int, list[str]] = defaultdict(list)
    # every span's ends are cuts, so a run lies inside a span exactly when the span is open where the run starts:
    # sweep the cuts, closing and opening spans (numbered in order, the order of their marks) where they end and start
    events: dict[int, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for number, ((start, end), ids) in enumerate(spans.items()):
        starts[start].extend(ids)
        if start < end:
            events[end][0].append(number)
            events[start][1].append(number)
    span_ids = list(spans.values())
    start_ids = {at: tuple(dict.fromkeys(ids)) for at, ids in starts.items()}
    open_: set[int] = set()
    marks: tuple[str, ...] = ()
    paragraphs: list[list[TextPart]] = [[]]
    for a, b in pairwise(points):
        if a in events:
            closing, opening = events[a]
            open_.difference_update(closing)
            open_.update(opening)
            marks = tuple(dict.fromkeys(i for n in sorted(open_) for i in span_ids[n]))
        if is_break.get(a) == b:
            if paragraphs[-1]:
                paragraphs.append([])
            continue
        paragraphs[-1].append(TextPart(text[a:b].replace("\n", " "), marks, start_ids.get(a, ())))
    return tuple(tuple(p) for p in paragraphs if p)


DATE_KNOWN = {"text": "stated in the text", "dateline": "from its dateline", "address": "from its address",
              "inferred": "inferred"}
CONTEXT_WORDS = 6
"""Words shown on each side of a quoted passage of a text that may not be republished (within its sentence)."""
_SENTENCE_END = re.compile(r"[.!?…][\"”’»)\]]*(?=\s)|\n[ \t]*\n")
_ENDS_SENTENCE = re.compile(r"[.!?…][\"”’»)\]]*$")


def _window(text: str, start: int, end: int) -> tuple[int, int]:
    """A passage with a little context: at most :data:`CONTEXT_WORDS` words each side, never past its sentence."""
    floor = max(0, start - 1000)  # six words lie well within this: a long text is not scanned from its start
    for found in _SENTENCE_END.finditer(text, floor, start):
        floor = found.end()
    ceiling = min(len(text), end + 1000)
    if _ENDS_SENTENCE.search(text, max(0, end - 8), end):
        ceiling = end  # the quote ends its sentence: no words of the next one
    elif (stop := _SENTENCE_END.search(text, end, ceiling)) is not None:
        ceiling = stop.end() if not stop.group().startswith("\n") else stop.start()
    before = [m.start() for m in re.finditer(r"\S+", text[floor:start])][-CONTEXT_WORDS:]
    after = [m.end() for m in re.finditer(r"\S+", text[end:ceiling])][:CONTEXT_WORDS]
    return (floor + before[0] if before else start), (end + after[-1] if after else end)


def _excerpts(text: str, spans: dict[tuple[int, int], list[str]]) -> tuple[tuple[TextPart, ...], ...]:
    """Only the quoted passages of a text, each with a little context, one paragraph per passage.

    Nothing else of the text is kept: a sentence no citation quotes appears nowhere.
    """
    windows: list[list[int]] = []
    for start, end in sorted(_window(text, a, b) for a, b in spans):
        if windows and start <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], end)
        else:
            windows.append([start, end])
    out: list[tuple[TextPart, ...]] = []
    for start, end in windows:
        inside = {(a - start, b - start): ids for (a, b), ids in spans.items() if start <= a and b <= end}
        window = re.sub(r"[\n\r]", " ", text[start:end])  # one paragraph, the same length
        parts = [part for paragraph in _text_parts(window, inside) for part in paragraph]
        if quotes.normalise(text[:start]):
            parts.insert(0, TextPart("… "))
        if quotes.normalise(text[end:]):
            parts.append(TextPart(" …"))
        out.append(tuple(parts))
    return tuple(out)


def source_page(graph: Graph, record: Record[Model], citing: Sequence[CitingClaim], today: dt.date,
                cited_by: Sequence[Citation] | None = None, shared: _Shared | None = None) -> SourcePage:
    """Build the page model of a source (``cited_by``: every citation of it, when already gathered).

    A source the site may not republish (``republish: quotes``) shows only its quoted passages.
    """
    model = graph.source(record.id)
    shared = shared or _Shared(graph)
    text = graph.texts.get(record.id, "")
    spans: dict[tuple[int, int], list[str]] = defaultdict(list)
    if cited_by is None:
        cited_by = [c for other in graph.entities.values() for c in _citations(other) if c.source == record.id]
    seen: set[tuple[tuple[str, ...], str | None, str | None]] = set()
    for citation in cited_by:
        key = (passages(citation.quote), citation.prefix, citation.suffix)
        if key in seen:  # the same passage again: marked already
            continue
        seen.add(key)
        anchor = shared.passage(citation)[1]
        for chain in quotes.find_passages(text, *key)[:1]:
            for number, span in enumerate(chain):  # later passages of one quote: their own anchors
                mark = anchor if number == 0 else f"{anchor}-{number + 1}"
                if mark not in spans[span]:
                    spans[span].append(mark)
    derived = []
    for number, origin in enumerate(model.derived_from, start=1):
        if origin.from_quote:
            for span in quotes.find(text, origin.from_quote)[:1]:
                spans[span].append(f"derived-{number}")
        derived.append((provenance.describe(origin), shared.ref(origin.source) if origin.source else None,
                        origin.url))
    date = "not stated" if model.date == "unknown" else dates.human(model.date)
    if model.date_known and model.date != "unknown":
        date += f" ({DATE_KNOWN[model.date_known]})"
    meta = [("Type", model.type.replace("-", " ")), ("Publisher", _known(model.publisher)),
            ("Author", _known(model.author)), ("Date", date), ("Language", model.language)]
    if model.retrieved:
        meta.append(("Retrieved", dates.human(model.retrieved)))
    meta.append(("Text shown", "in full" if model.republish == "full" else "quoted passages only"))
    meta.append(("Handling", f"TLP:{model.marking or 'CLEAR'}"))
    links = tuple((label, url, url) for label, url in (("Address", model.url), ("Archived copy", model.archive_url))
                  if url)
    paragraphs = _text_parts(text, spans) if model.republish == "full" else _excerpts(text, spans)
    return SourcePage(
        id=record.id, url=url_of(record, shared.directory_urls), title=model.title, name=model.name,
        title_supplied=model.title_supplied,
        meta=tuple(meta), links=links, derived=tuple(derived), lang=model.language, republish=model.republish,
        reliability=model.reliability, reliability_text=RELIABILITY[model.reliability],
        reliability_note=model.reliability_note,
        notes=model.notes, citing=tuple(citing), paragraphs=paragraphs, as_of=_day(today),
    )


@dataclass(frozen=True, slots=True)
class SourceEntry:
    """A source as a brief's source list describes it (after ICD 206): who, what, when, where, and what it copies."""

    source: Ref
    text: str
    url: str | None
    archive_url: str | None


def source_entry(graph: Graph, source_id: str) -> SourceEntry:
    """``The Daily Lantern, “Aldoria and Brevia …”, news report, 2 Jun 2021 (from its dateline), in en; relays …``."""
    model = graph.source(source_id)
    title = f"[{model.title}]" if model.title_supplied else f"“{model.title}”"
    parts = [p for p in (_known(model.publisher) if model.publisher != "unknown" else "publisher not stated",
                         None if model.author == "unknown" else model.author, title,
                         model.type.replace("-", " ")) if p]
    date = "date not stated" if model.date == "unknown" else dates.human(model.date)
    if model.date_known and model.date != "unknown":
        date += f" ({DATE_KNOWN[model.date_known]})"
    parts += [date, f"in {model.language}"]
    text = ", ".join(parts)
    for derived in model.derived_from:
        sentence = provenance.describe(derived)
        if derived.source is not None:
            sentence += f": {ref(graph, derived.source).name}"
        text += f"; {sentence[0].lower()}{sentence[1:]}"
    if model.retrieved:
        text += f"; retrieved {dates.human(model.retrieved)}"
    return SourceEntry(ref(graph, source_id), text, model.url, model.archive_url)


def _known(value: str) -> str:
    return "not stated" if value == "unknown" else value


def _citations(record: Record[Model]) -> list[Citation]:
    model: Any = record.model
    out = list(getattr(model, "mentions", ()))
    for claim in getattr(model, "claims", ()):
        out.extend(claim.sources)
    return out


def _index(graph: Graph, kind: str, ref_of: Callable[[str], Ref], directory_urls: bool = True) -> IndexPage:
    records = sorted(graph.of_kind(kind), key=lambda r: r.model.name.lower())
    rows = []
    columns: tuple[str, ...]
    if kind == "exercise":
        columns = ("Exercise", "Dates", "Status", "Places", "Participants")
        for r in records:
            rows.append(Row(ref_of(r.id), (
                _joined(r, ref_of, "date"), _joined(r, ref_of, "status"), _joined(r, ref_of, "location"),
                _joined(r, ref_of, "participant", refs_only=True))))
    elif kind == "mechanism":
        columns = ("Mechanism", "Established", "Members")
        for r in records:
            rows.append(Row(ref_of(r.id), (_joined(r, ref_of, "established", first_only=True),
                                            _joined(r, ref_of, "member"))))
    elif kind == "actor":
        columns = ("Actor", "Type", "Part of")
        for r in records:
            m: Any = r.model
            rows.append(Row(ref_of(r.id), ((ACTOR_TYPES[m.type],), (ref_of(m.parent),) if m.parent else ())))
    elif kind == "place":
        columns = ("Place", "Type", "In", "Country")
        for r in records:
            m = r.model
            rows.append(Row(ref_of(r.id), ((m.type.capitalize(),), (ref_of(m.parent),) if m.parent else (),
                                            (ref_of(m.country),) if m.country else ())))
    else:
        columns = ("Source", "Type", "Publisher", "Date", "Reliability")
        for r in records:
            m = r.model
            rows.append(Row(ref_of(r.id), ((m.type.replace("-", " "),), (_known(m.publisher),),
                                            ("not stated" if m.date == "unknown" else dates.human(m.date),),
                                            (m.reliability,))))
    return IndexPage(kind, KIND_TITLES[kind], index_url(kind, directory_urls), columns, tuple(rows))


def index_url(kind: str, directory_urls: bool = True) -> str:
    """Site-root-relative URL of the list of one kind."""
    return layout.page_url(f"{KIND_BY_NAME[kind].folder}/{layout.HOME}", directory_urls)


def _joined(record: Record[Model], ref_of: Callable[[str], Ref], prop: str, *, refs_only: bool = False,
            first_only: bool = False) -> tuple[str | Ref, ...]:
    out: list[str | Ref] = []
    for claim in claims_of(record.model):
        if claim.property != prop:
            continue
        parts = _sentence(claim, ref_of)
        if refs_only:
            parts = tuple(p for p in parts if isinstance(p, Ref))
        if out:
            out.append("; ")
        out.extend(parts)
        if first_only:
            break
    return tuple(out)


def timeline(graph: Graph, directory_urls: bool = True) -> tuple[TimelineEntry, ...]:
    """One entry per dated event (an entity's date, a mechanism's founding), in order of its earliest day.

    The entry stands at the leading value (assessed, or the most precise of agreeing ones); when the
    sources disagree unresolved, at the earliest, and the other values are its ``alternatives``.
    """
    entries = []
    for record in graph.entities.values():
        claims = list(getattr(record.model, "claims", ()))
        status = current_status(graph, claims)
        for prop in ("date", "established"):
            dated = [c for c in claims if c.property == prop]
            if not dated:
                continue
            lead, others = lead_date(graph, claims, prop)
            claim = lead if lead is not None else min(dated, key=lambda c: dates.span(c.value).start)
            index = next(i for i, c in enumerate(claims) if c is claim)
            span = dates.span(claim.value)
            what = _plain(sentence(graph, claim)) if prop == "established" else record.model.name
            fuzzy = bool(claim.part or claim.inferred or any(q in claim.value for q in "?~%")
                         or (span.end - span.start).days > 31)
            other = [c for c in (others if lead is not None else dated) if c is not claim]
            spans = tuple((s.start, s.end) for s in (dates.span(c.value) for c in other))
            entries.append(TimelineEntry((span.start, span.end), date_text(claim), fuzzy,
                                         ref(graph, record.id, directory_urls),
                                         what, graph.claim_ids[(record.id, index)], status,
                                         tuple(date_text(c) for c in other), spans))
    return tuple(sorted(entries, key=lambda e: (e.sort_key, e.entity.id, e.anchor)))


def _with_history(page: Any, changes: Sequence[Change]) -> Any:
    """An entity or source page with its git history (unchanged when there is none)."""
    return replace(page, last_changed=changes[0].when, history=tuple(changes)) if changes else page


def build(graph: Graph, today: dt.date | None = None,
          history: Mapping[str, Sequence[Change]] | None = None, directory_urls: bool = True) -> SiteViews:
    """Every page model of the site; ``history`` maps entity ids to their commits (see briefgen.site.history);
    links follow MkDocs' ``use_directory_urls``."""
    today = today or as_of_date()
    history = history or {}
    shared = _Shared(graph, directory_urls)
    records = sorted(graph.entities.values(), key=lambda r: r.id)
    pages = [_with_history(entity_page(graph, r, today, shared), history.get(r.id, ()))
             for r in records if r.kind.name != "source"]
    citing: dict[str, list[CitingClaim]] = defaultdict(list)
    cited_by: dict[str, list[Citation]] = defaultdict(list)
    for record in records:
        model: Any = record.model
        entity = shared.ref(record.id)
        for citation in _citations(record):
            cited_by[citation.source].append(citation)
        for citation in getattr(model, "mentions", ()):
            citing[citation.source].append(CitingClaim(entity, "", ("named",), shared.passage(citation)[1]))
        for index, claim in enumerate(getattr(model, "claims", ())):
            if not claim.sources:
                continue
            anchor = graph.claim_ids[(record.id, index)]
            said = (f"{PROPERTY_TITLES[claim.property]}: ", *_sentence(claim, shared.ref))
            for citation in claim.sources:
                citing[citation.source].append(CitingClaim(entity, anchor, said, shared.passage(citation)[1]))
    sources = [_with_history(source_page(graph, r, citing[r.id], today, cited_by[r.id], shared),
                             history.get(r.id, ()))
               for r in graph.of_kind("source")]
    line = timeline(graph, directory_urls)
    exercises = [e for e in line if e.entity.kind == "exercise"]
    # upcoming: planned and not yet past; a planned date that has passed is neither (its page says unconfirmed)
    past = [e for e in exercises if e.sort_key[1] < today and e.status not in ("planned", "cancelled")]
    future = [e for e in exercises if e.sort_key[1] >= today and e.status in ("planned", None)]
    unconfirmed = [e for e in exercises if e.sort_key[1] < today and e.status == "planned"]
    counts = tuple((KIND_TITLES[k.name], index_url(k.name, directory_urls), len(graph.of_kind(k.name))) for k in KINDS)
    home = HomePage(
        counts=counts, claims=sum(len(getattr(r.model, "claims", ())) for r in graph.entities.values()),
        latest=tuple(reversed(past[-5:])), upcoming=tuple(future[:5]), unconfirmed=tuple(reversed(unconfirmed[-5:])),
        sources=tuple(shared.ref(r.id) for r in graph.of_kind("source")), as_of=_day(today),
    )
    indexes = tuple(_index(graph, k.name, shared.ref, directory_urls) for k in KINDS)
    return SiteViews(home=home, indexes=indexes, entities=tuple(pages),
                     sources=tuple(sources), timeline=line, as_of=_day(today))


def export(graph: Graph, directory_urls: bool = True) -> dict[str, Any]:
    """The whole graph as JSON-ready data: entities with their claims and citations, and the links (each
    entity's ``url`` as the site writes it)."""
    entities = {}
    origins = provenance.Provenance(graph)
    for record in sorted(graph.entities.values(), key=lambda r: r.id):
        data = record.model.model_dump(mode="json", exclude_none=True)
        for index, claim in enumerate(data.get("claims", ())):
            claim["id"] = graph.claim_ids[(record.id, index)]
            backing = origins.corroboration(claims_of(record.model)[index].sources)
            claim["independent_origins"] = [
                {"name": o.name, **({"source": o.source} if o.source else {}), "relayed_by": list(relays)}
                for o, relays in backing.origins]
        if "url" in data:  # a source's own address: "url" is the entity's page on the site
            data["source_url"] = data.pop("url")
        entities[record.id] = {"kind": record.kind.name, "url": url_of(record, directory_urls), **data}
    return {"format": "briefgen-graph/1", "entities": entities,
            "links": [{"from": link.source, "to": link.target, "via": link.via, "claim": link.claim}
                      for link in graph.links]}
