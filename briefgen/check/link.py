"""Link stage: join validated entities into one graph and check it as a whole.

Every reference must resolve to an entity of the right kind, every quote must stand
verbatim (whitespace aside) in its source's archived text, every source must be cited,
and parent chains must not loop. Backlinks are filled here, before anything renders.

The valid parts of files that failed validation (:class:`~briefgen.check.validate.Partial`)
are checked too, so that one run shows every problem, but they never enter the graph;
a reference to such a file, or to one that failed to load, is not reported as dangling.
"""

from __future__ import annotations

import re
import typing
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pydantic import BaseModel

from briefgen.check import quotes
from briefgen.check.load import Document
from briefgen.check.validate import Partial, Record, field_refs
from briefgen.diagnostics import Diagnostic, did_you_mean, dotted, error, warning, with_article
from briefgen.model import ClaimBase, Model, Quoting, RefTo, Source, claims_of, passages

Loc = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Link:
    """An edge of the graph: ``source`` refers to ``target`` through ``via`` (a property or field)."""

    source: str
    target: str
    via: str
    claim: str | None = None


@dataclass(frozen=True)
class Graph:
    """All entities, their archived source texts, claim anchors and backlinks."""

    entities: Mapping[str, Record[Model]]
    texts: Mapping[str, str]
    claim_ids: Mapping[tuple[str, int], str]
    links: tuple[Link, ...]
    backlinks: Mapping[str, tuple[Link, ...]] = field(default_factory=dict)
    outgoing: Mapping[str, tuple[Link, ...]] = field(default_factory=dict, compare=False)
    """Links by their source entity; filled from ``links`` when not given."""

    def __post_init__(self) -> None:
        if self.links and not self.outgoing:
            by_source: dict[str, list[Link]] = defaultdict(list)
            for link_ in self.links:
                by_source[link_.source].append(link_)
            object.__setattr__(self, "outgoing", {k: tuple(v) for k, v in by_source.items()})

    def of_kind(self, kind: str) -> list[Record[Model]]:
        """Entities of one kind, in id order."""
        return sorted((r for r in self.entities.values() if r.kind.name == kind), key=lambda r: r.id)

    def source(self, source_id: str) -> Source:
        """The source of that id (every citation names one: the link stage checked)."""
        model = self.entities[source_id].model
        if not isinstance(model, Source):
            raise TypeError(f"'{source_id}' is {model.__class__.__name__.lower()}, not a source")
        return model


@cache
def _ref_fields(cls: type[BaseModel]) -> tuple[tuple[str, RefTo | None], ...]:
    """Fields of a model that hold references (with their RefTo) or nested models (None)."""
    out: list[tuple[str, RefTo | None]] = []
    for name, info in cls.model_fields.items():
        refs = field_refs(info)
        if refs:
            out.append((name, refs[0]))
        elif _holds_models(info.annotation):
            out.append((name, None))
    return tuple(out)


def _holds_models(annotation: Any) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    return any(_holds_models(a) for a in typing.get_args(annotation))


def iter_refs(model: BaseModel, loc: Loc = ()) -> Iterator[tuple[Loc, str, RefTo]]:
    """Every reference in a model, with its location in the data."""
    for name, ref in _ref_fields(type(model)):
        value = getattr(model, name)
        if value is None:
            continue
        if ref is not None:
            if isinstance(value, list):
                for i, item in enumerate(value):
                    yield (*loc, name, i), item, ref
            else:
                yield (*loc, name), value, ref
        elif isinstance(value, BaseModel):
            yield from iter_refs(value, (*loc, name))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from iter_refs(item, (*loc, name, i))


def iter_citations(model: BaseModel, loc: Loc = ()) -> Iterator[tuple[Loc, Quoting]]:
    """Every citation in a model (an entity's mentions and claims' sources, a claim's sources, or itself)."""
    if isinstance(model, Quoting):
        yield loc, model
        return
    for i, citation in enumerate(getattr(model, "mentions", ())):
        yield (*loc, "mentions", i), citation
    for c, claim in enumerate(getattr(model, "claims", ())):
        for s, citation in enumerate(claim.sources):
            yield (*loc, "claims", c, "sources", s), citation
    if isinstance(model, ClaimBase):
        for s, citation in enumerate(model.sources):
            yield (*loc, "sources", s), citation


def claim_anchor(entity_id: str, index: int, claim: ClaimBase) -> str:
    """A claim's anchor: its own id, or one derived from its property and value."""
    if claim.id:
        return claim.id
    value = getattr(claim, "value", "")
    words = re.findall(r"[a-z0-9]+", str(value).lower())[:4]
    return "-".join([claim.property, *words]) if words else f"{claim.property}-{index + 1}"


def link(
    records: Mapping[str, Record[Model]],
    texts: Mapping[str, str],
    partials: Sequence[Partial] = (),
    unreadable: Mapping[str, str] | None = None,
) -> tuple[Graph, list[Diagnostic]]:
    """Resolve references, check quotes and sources, and fill backlinks.

    ``partials`` are the valid parts of files that failed validation; ``unreadable``
    maps the id of each fact file that failed to load to its kind's name.
    """
    unreadable = unreadable or {}
    problems: list[Diagnostic] = []
    links: list[Link] = []
    cited: set[str] = set()
    claim_ids: dict[tuple[str, int], str] = {}
    broken: dict[str, set[str]] = defaultdict(set)  # ids of files that exist but are not in the graph
    for partial in partials:
        broken[partial.id].add(partial.kind.name)
    for entity_id, kind in unreadable.items():
        broken[entity_id].add(kind)
    ids_by_kind: dict[str, set[str]] = defaultdict(set)
    for record in records.values():
        ids_by_kind[record.kind.name].add(record.id)
    for entity_id, kinds in broken.items():
        for kind in kinds:
            ids_by_kind[kind].add(entity_id)
    resolver = _Resolver(records, broken, ids_by_kind)

    for record in records.values():
        doc, model = record.doc, record.model
        claims = claims_of(model)
        anchors: dict[str, int] = {}
        for index, claim in enumerate(claims):
            anchor = claim_anchor(record.id, index, claim)
            if anchor in anchors:
                if claim.id:
                    line, col = doc.mark(("claims", index, "id"))
                    problems.append(
                        error(
                            record.path,
                            line,
                            col,
                            f"claims[{index}].id: '{anchor}' is already the id of claims[{anchors[anchor]}]",
                        )
                    )
                    continue
                anchor = f"{anchor}-{index + 1}"
            anchors[anchor] = index
            claim_ids[(record.id, index)] = anchor

        problems.extend(_check_assessments(record.path, doc, claims))

        for loc, target, ref in iter_refs(model):
            problem = resolver.check(record.id, record.path, doc, loc, target, ref)
            if problem is not None:
                problems.append(problem)
            elif target in records and ref.kinds != ("source",):
                at = claim_index(loc)
                in_claim = claim_ids.get((record.id, at)) if at is not None else None
                links.append(Link(record.id, target, _via(model, loc), in_claim))
        problems.extend(_check_citations(record.path, doc, iter_citations(model), texts, cited))

    for partial in partials:
        for loc, fragment in partial.fragments:
            for ref_loc, target, ref in iter_refs(fragment, loc):
                problem = resolver.check(partial.id, partial.path, partial.doc, ref_loc, target, ref)
                if problem is not None:
                    problems.append(problem)
            problems.extend(_check_citations(partial.path, partial.doc, iter_citations(fragment, loc), texts, cited))
        cited.update(_raw_sources(partial.doc.data))

    problems.extend(_cycles(records))
    if not unreadable:  # a file that did not load may cite any source: no warning can be sure
        for record in records.values():
            if isinstance(record.model, Source) and record.id not in cited:
                problems.append(
                    warning(
                        record.path, 1, 1, f"source '{record.id}' is never cited", "cite it from a claim or remove it"
                    )
                )

    backlinks: dict[str, list[Link]] = defaultdict(list)
    for item in links:
        backlinks[item.target].append(item)
    graph = Graph(dict(records), dict(texts), claim_ids, tuple(links), {k: tuple(v) for k, v in backlinks.items()})
    return graph, problems


def _check_assessments(path: str, doc: Document, claims: Sequence[Any]) -> list[Diagnostic]:
    """The briefing holds at most one value of a property: a second ``assessment`` is an error."""
    problems = []
    held: dict[str, int] = {}
    for index, claim in enumerate(claims):
        if not getattr(claim, "assessment", None):
            continue
        if claim.property in held:
            line, col = doc.mark(("claims", index, "assessment"))
            problems.append(error(path, line, col,
                                  f"claims[{index}].assessment: claims[{held[claim.property]}] already holds the "
                                  f"briefing's value of '{claim.property}'",
                                  "assess one value of a property; say in its assessment why the others are "
                                  "less likely"))
        else:
            held[claim.property] = index
    return problems


@dataclass(frozen=True)
class _Resolver:
    """Resolves references against the graph's entities and the files that did not make it in."""

    records: Mapping[str, Record[Model]]
    broken: Mapping[str, set[str]]
    ids_by_kind: Mapping[str, set[str]]

    def check(self, owner: str, path: str, doc: Document, loc: Loc, target: str, ref: RefTo) -> Diagnostic | None:
        """Why a reference does not resolve, or None (also when its target's file exists but is broken)."""
        found = self.records.get(target)
        kinds = {found.kind.name} if found is not None else self.broken.get(target, set())
        needs = " or ".join(ref.kinds)
        if not kinds:
            candidates = sorted(i for k in ref.kinds for i in self.ids_by_kind.get(k, ()))
            hint = did_you_mean(target, candidates)
            return error(path, *doc.mark(loc), f"{dotted(loc)}: no {needs} with id '{target}'", hint)
        if not kinds & set(ref.kinds):
            kind = min(kinds)
            message = f"{dotted(loc)}: '{target}' is {with_article(kind)}, but this needs {with_article(needs)}"
            return error(path, *doc.mark(loc), message)
        if target == owner:
            return error(path, *doc.mark(loc), f"{dotted(loc)}: an entity cannot refer to itself")
        return None  # positions are looked up only for a problem: a clean file's are never worked out


def _check_citations(
    path: str, doc: Document, citations: Iterator[tuple[Loc, Any]], texts: Mapping[str, str], cited: set[str]
) -> list[Diagnostic]:
    """Check each citation's quote against its source's text, and add its source to ``cited``."""
    problems: list[Diagnostic] = []
    for loc, citation in citations:
        cited.add(citation.source)
        text = texts.get(citation.source)
        if text is None:
            continue  # a missing source or archived text is reported elsewhere
        problem = _check_quote(text, citation)
        if problem:
            message, hint, severe, at = problem
            where = (*loc, "quote") if at is None else (*loc, "quote", at)
            line, col = doc.mark(where)
            make = error if severe else warning
            problems.append(make(path, line, col, f"{dotted(where)}: {message}", hint))
    return problems


def _raw_sources(data: Any) -> set[str]:
    """Source ids a file's data cites, valid or not (so that no source is wrongly called uncited)."""

    def items(node: Any, key: str) -> list[Any]:
        value = node.get(key) if isinstance(node, dict) else None
        return value if isinstance(value, list) else []

    citations = items(data, "mentions") + [s for claim in items(data, "claims") for s in items(claim, "sources")]
    return {c["source"] for c in citations if isinstance(c, dict) and isinstance(c.get("source"), str)}


def claim_index(loc: Loc) -> int | None:
    """The index of the claim a location in an entity's data lies in (``claims[2].value``: 2), or None."""
    return loc[1] if len(loc) > 1 and loc[0] == "claims" and isinstance(loc[1], int) else None


def _via(model: Model, loc: Loc) -> str:
    """The property (of a claim) or the field a reference at ``loc`` is made through."""
    index = claim_index(loc)
    return claims_of(model)[index].property if index is not None else str(loc[0])


def _check_quote(text: str, citation: Any) -> tuple[str, str | None, bool, int | None] | None:
    """Why a quote does not stand in its source text (message, hint, is-error, which passage of a list), or None."""
    several = not isinstance(citation.quote, str)
    parts = passages(citation.quote)
    found, stood = quotes.count_passages(text, parts)
    if not found:
        for at, passage in enumerate(parts):
            if not quotes.count(text, passage):
                return (*_not_found(text, citation.source, passage), at if several else None)
        return (f"passage {stood + 1} of the quote does not stand after passage {stood} in '{citation.source}'",
                "list the passages in the order of the text", True, stood)
    if citation.prefix or citation.suffix:
        found, _ = quotes.count_passages(text, parts, citation.prefix, citation.suffix)
        if not found:
            return (f"quote found in '{citation.source}', but not with the given prefix/suffix", None, True, None)
    if found > 1:
        return (f"quote occurs {found} times in '{citation.source}'", "add a prefix or suffix to pick one", False,
                None)
    return None


def _not_found(text: str, source: str, quote: str) -> tuple[str, str | None, bool]:
    """The error for a quote that does not stand in its source text, with what stands there instead."""
    words = quotes.part_of_word(text, quote)
    if words is not None:
        return (f"quote stands in the archived text of '{source}' only as part of longer words",
                f"the text has '{words}'; quote whole words", True)
    message = f"quote not found verbatim in the archived text of '{source}'"
    difference = quotes.lookalike(text, quote)
    if difference is not None:
        return message, f"closest passage {difference.describe()}", True
    near = quotes.closest_passage(text, quote)
    return message, f"closest passage: {near}" if near else None, True


def _cycles(records: Mapping[str, Record[Model]]) -> Iterator[Diagnostic]:
    """A parent chain that loops, reported once: in the file with the smallest id of the loop."""
    for record in records.values():
        seen = [record.id]
        current = record
        while True:
            parent = getattr(current.model, "parent", None)
            if parent is None or parent not in records:
                break
            if parent in seen:
                loop = seen[seen.index(parent) :]
                # a loop of one is a self-reference, reported as such
                if parent == record.id and len(loop) > 1 and record.id == min(loop):
                    line, col = record.doc.mark(("parent",))
                    chain = " → ".join([*seen, parent])
                    yield error(record.path, line, col, f"parent: the chain loops ({chain})")
                break
            seen.append(parent)
            current = records[parent]
