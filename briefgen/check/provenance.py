"""Provenance: where a cited passage really comes from, and how many independent origins a claim rests on.

A source may reprint, relay or translate another (``derived_from``: a source of the corpus,
or a named original that is not archived), as a whole or from one passage of its text on
(``from_quote``); a single citation may say its passage relays someone's reporting (``via``).
A passage's **origin** is found by following these links, transitively, to a source that
derives from nothing (or to a named original). Copies are not corroboration: a claim backed
by three reports that relay one wire story rests on one independent origin.

The checks here run in the link stage, beside the quote check; the origins are worked out
for the views (pages, PDFs, the JSON export), from the graph an edition shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from briefgen.check import dates, quotes
from briefgen.check.link import Graph, iter_citations
from briefgen.check.validate import Record
from briefgen.diagnostics import Diagnostic, count_noun, dotted, error, warning
from briefgen.model import Citation, DerivedFrom, Model, Source, passages

RELATIONS = {"reprint": "reprints", "relay": "relays", "translation": "translates"}


# --- checks ---------------------------------------------------------------------------------


def check(records: Mapping[str, Record[Model]], texts: Mapping[str, str]) -> list[Diagnostic]:
    """Problems of provenance and translation: every one, in file order."""
    problems: list[Diagnostic] = []
    for record in records.values():
        model = record.model
        if isinstance(model, Source):
            problems.extend(_check_derived(record, model, records, texts))
        for loc, citation in iter_citations(model):
            problems.extend(_check_translation(record, loc, citation, records))
    return problems


def _check_derived(record: Record[Model], model: Source, records: Mapping[str, Record[Model]],
                   texts: Mapping[str, str]) -> Iterator[Diagnostic]:
    if model.date_known is not None and model.date == "unknown":
        yield error(record.path, *record.doc.mark(("date_known",)),
                    "date_known: says how a date is known, but the date is unknown",
                    "write the date, or remove date_known")
    for i, derived in enumerate(model.derived_from):
        loc = ("derived_from", i)
        if (derived.source is None) == (derived.name is None):
            yield error(record.path, *record.doc.mark(loc),
                        f"{dotted(loc)}: give either source (the id of a source archived here) or name (an original "
                        "that is not), not both or neither")
        elif derived.source is not None and (derived.publisher or derived.url or derived.date):
            yield error(record.path, *record.doc.mark((*loc, "source")),
                        f"{dotted((*loc, 'source'))}: publisher, url and date describe a named original; "
                        f"they belong in the fact file of '{derived.source}'")
        if derived.part is not None and derived.date is None:
            yield error(record.path, *record.doc.mark((*loc, "part")),
                        f"{dotted((*loc, 'part'))}: '{derived.part}' is part of a date, but the original has no date",
                        "add its date (e.g. date: 2016-10 with part: late), or remove part")
        text = texts.get(record.id)
        if derived.from_quote is not None and text is not None and quotes.count(text, derived.from_quote) != 1:
            found = quotes.count(text, derived.from_quote)
            how = "is not found verbatim in" if not found else f"occurs {found} times in"
            yield error(record.path, *record.doc.mark((*loc, "from_quote")),
                        f"{dotted((*loc, 'from_quote'))}: the passage {how} this source's archived text",
                        "copy the first words of the derived part from the .txt file, enough to stand once")
    loop = _loop(record.id, records)
    if loop and record.id == min(loop):
        yield error(record.path, *record.doc.mark(("derived_from",)),
                    f"derived_from: the chain loops ({' → '.join([*loop, loop[0]])})",
                    "a source cannot derive, at any remove, from itself")


def _loop(start: str, records: Mapping[str, Record[Model]]) -> list[str] | None:
    """The loop of ``derived_from`` links through ``start``, if there is one (following every link)."""
    path: list[str] = []

    def visit(current: str) -> list[str] | None:
        if current == start and path:
            return list(path)
        if current in path:
            return None
        record = records.get(current)
        if record is None or not isinstance(record.model, Source):
            return None
        path.append(current)
        for derived in record.model.derived_from:
            if derived.source is not None:
                found = visit(derived.source)
                if found:
                    return found
        path.pop()
        return None

    return visit(start)


def _check_translation(record: Record[Model], loc: tuple[Any, ...], citation: Any,
                       records: Mapping[str, Record[Model]]) -> Iterator[Diagnostic]:
    if not isinstance(citation, Citation):
        return
    if citation.translation is not None and citation.translated_by is None:
        yield error(record.path, *record.doc.mark((*loc, "translation")),
                    f"{dotted((*loc, 'translation'))}: a translation needs translated_by (who translated it)",
                    "e.g. translated_by: the editors")
    if citation.translated_by is not None and citation.translation is None:
        yield error(record.path, *record.doc.mark((*loc, "translated_by")),
                    f"{dotted((*loc, 'translated_by'))}: translated_by without a translation")
    source = records.get(citation.source)
    if source is not None and isinstance(source.model, Source) and citation.translation is None:
        language = source.model.language
        if language != "en" and not language.startswith("en-"):
            yield warning(record.path, *record.doc.mark((*loc, "quote")),
                          f"{dotted((*loc, 'quote'))}: '{citation.source}' is in '{language}'; "
                          "the quote has no translation",
                          "add translation (in English) and translated_by")


# --- origins --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a passage comes from: a source of the corpus (``source`` is its id) or a named original."""

    key: str
    name: str
    source: str | None = None


@dataclass(frozen=True, slots=True)
class Corroboration:
    """The independent origins of a claim's citations, each with the sources that relay it."""

    origins: tuple[tuple[Origin, tuple[str, ...]], ...]
    """Each origin, with the ids of the cited sources that carry it without being it."""
    names: Mapping[str, str] = field(default_factory=dict)
    """Names of the cited sources, by id."""

    @property
    def count(self) -> int:
        return len(self.origins)

    @property
    def relayed(self) -> bool:
        """Whether any citation carries a passage from somewhere else (then the page says so)."""
        return any(relays for _, relays in self.origins)

    def sentence(self) -> str:
        """``1 independent origin: AFP, relayed by Daily Star and Evening Post``."""
        def joined(items: list[str]) -> str:
            return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]

        parts = []
        for origin, relays in self.origins:
            names = [self.names.get(r, r) for r in relays]
            parts.append((origin.name, joined(names) if names else ""))
        n = len(parts)
        head = count_noun(n, "independent origin")
        if n == 1:
            name, by = parts[0]
            return f"{head}: {name}" + (f", relayed by {by}" if by else "")
        return f"{head}: " + "; ".join(f"{name} (relayed by {by})" if by else name for name, by in parts)


class Provenance:
    """Origins of the passages cited in one graph (worked out once per passage)."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._starts: dict[tuple[Any, ...], int | None] = {}
        self._derived_at: dict[tuple[str, int], int | None] = {}

    def _source(self, source_id: str) -> Source | None:
        record = self.graph.entities.get(source_id)
        return record.model if record is not None and isinstance(record.model, Source) else None

    def _start(self, citation: Citation) -> int | None:
        """Where the citation's (first) passage starts in its source's text."""
        key = (citation.source, passages(citation.quote), citation.prefix, citation.suffix)
        if key not in self._starts:
            text = self.graph.texts.get(citation.source)
            found = quotes.find_passages(text, key[1], citation.prefix, citation.suffix) if text else []
            self._starts[key] = found[0][0][0] if found else None
        return self._starts[key]

    def _derived_start(self, source_id: str, index: int, derived: DerivedFrom) -> int | None:
        key = (source_id, index)
        if key not in self._derived_at:
            text = self.graph.texts.get(source_id)
            found = quotes.find(text, derived.from_quote) if text and derived.from_quote else []
            self._derived_at[key] = found[0][0] if found else None
        return self._derived_at[key]

    def derivation(self, source_id: str, start: int | None) -> DerivedFrom | None:
        """What the passage of ``source_id`` starting at ``start`` is derived from (None: the source's own).

        A derivation ``from_quote`` on covers what starts at or after that passage; with ``start``
        unknown (a source reached through another), only whole-text derivations count.
        """
        model = self._source(source_id)
        if model is None:
            return None
        for index, derived in enumerate(model.derived_from):
            if derived.from_quote is None:
                return derived
            begins = self._derived_start(source_id, index, derived)
            if start is not None and begins is not None and start >= begins:
                return derived
        return None

    def of_source(self, source_id: str, start: int | None = None, seen: frozenset[str] = frozenset()) -> Origin:
        """The origin of a passage of a source (the whole text when ``start`` is None), followed transitively."""
        model = self._source(source_id)
        own = Origin(f"source:{source_id}", model.name if model else source_id, source_id)
        derived = self.derivation(source_id, start)
        if derived is None or source_id in seen:
            return own
        if derived.source is not None:
            if self._source(derived.source) is None:
                return own
            return self.of_source(derived.source, None, seen | {source_id})
        name = derived.name or ""
        return Origin(f"name:{name.casefold()}", name)

    def of(self, citation: Citation) -> Origin:
        """The origin of a cited passage: what it relays (``via``), else what its source derives it from."""
        if citation.via:
            if self._source(citation.via) is not None:
                return self.of_source(citation.via, None, frozenset({citation.source}))
            return Origin(f"name:{citation.via.casefold()}", citation.via)
        model = self._source(citation.source)
        partly = model is not None and any(d.from_quote for d in model.derived_from)
        return self.of_source(citation.source, self._start(citation) if partly else None)  # find only where needed

    def corroboration(self, citations: Iterable[Citation]) -> Corroboration:
        """The independent origins of a claim's citations, in order of first citation."""
        groups: dict[str, tuple[Origin, list[str]]] = {}
        names: dict[str, str] = {}
        for citation in citations:
            origin = self.of(citation)
            model = self._source(citation.source)
            names[citation.source] = model.name if model else citation.source
            _, relays = groups.setdefault(origin.key, (origin, []))
            if citation.source != origin.source and citation.source not in relays:
                relays.append(citation.source)
        return Corroboration(tuple((o, tuple(r)) for o, r in groups.values()), names)


def describe(derived: DerivedFrom) -> str:
    """A derivation as words: ``Reprints, from “China has…” on: Eurasianet, late Oct 2016`` (for a source of the
    corpus, without its name: the page links it)."""
    what = RELATIONS[derived.relation].capitalize()
    part = f", from “{derived.from_quote}” on" if derived.from_quote else ""
    if derived.source is not None:
        return f"{what}{part}"
    name = derived.name or ""
    if derived.publisher:
        name = derived.publisher if name in derived.publisher else f"{name} ({derived.publisher})"
    return f"{what}{part}: {name}" + (f", {dates.human(derived.date, derived.part)}" if derived.date else "")
