"""Link stage: join validated entities into one graph and check it as a whole.

Every reference must resolve to an entity of the right kind, every quote must stand
verbatim (whitespace aside) in its source's archived text, every source must be cited,
and parent chains must not loop. Backlinks are filled here, before anything renders.
"""

from __future__ import annotations

import re
import types
import typing
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pydantic import BaseModel

from briefgen import quotes
from briefgen.diagnostics import Diagnostic, did_you_mean, error, warning
from briefgen.model import Citation, ClaimBase, RefTo, Source
from briefgen.validate import Record, dotted

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

    entities: Mapping[str, Record]
    texts: Mapping[str, str]
    claim_ids: Mapping[tuple[str, int], str]
    links: tuple[Link, ...]
    backlinks: Mapping[str, tuple[Link, ...]] = field(default_factory=dict)

    def of_kind(self, kind: str) -> list[Record]:
        """Entities of one kind, in id order."""
        return sorted((r for r in self.entities.values() if r.kind.name == kind), key=lambda r: r.id)


@cache
def _ref_fields(cls: type[BaseModel]) -> tuple[tuple[str, RefTo | None], ...]:
    """Fields of a model that hold references (with their RefTo) or nested models (None)."""
    out: list[tuple[str, RefTo | None]] = []
    for name, info in cls.model_fields.items():
        refs = [m for m in info.metadata if isinstance(m, RefTo)] + _refs_in(info.annotation)
        if refs:
            out.append((name, refs[0]))
        elif _holds_models(info.annotation):
            out.append((name, None))
    return tuple(out)


def _refs_in(annotation: Any) -> list[RefTo]:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return [m for m in args[1:] if isinstance(m, RefTo)] + _refs_in(args[0])
    if origin in (typing.Union, types.UnionType, list):
        return [r for a in args for r in _refs_in(a)]
    return []


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


def iter_citations(model: BaseModel) -> Iterator[tuple[Loc, Citation]]:
    """Every citation of an entity: its mentions and each claim's sources."""
    for i, citation in enumerate(getattr(model, "mentions", ())):
        yield ("mentions", i), citation
    for c, claim in enumerate(getattr(model, "claims", ())):
        for s, citation in enumerate(claim.sources):
            yield ("claims", c, "sources", s), citation


def claim_anchor(entity_id: str, index: int, claim: ClaimBase) -> str:
    """A claim's anchor: its own id, or one derived from its property and value."""
    if claim.id:
        return claim.id
    value = getattr(claim, "value", "")
    words = re.findall(r"[a-z0-9]+", str(value).lower())[:4]
    return "-".join([claim.property, *words]) if words else f"{claim.property}-{index + 1}"  # type: ignore[attr-defined]


def link(records: Mapping[str, Record], texts: Mapping[str, str]) -> tuple[Graph, list[Diagnostic]]:
    """Resolve references, check quotes and sources, and fill backlinks."""
    problems: list[Diagnostic] = []
    links: list[Link] = []
    cited: set[str] = set()
    claim_ids: dict[tuple[str, int], str] = {}
    ids_by_kind: dict[str, list[str]] = defaultdict(list)
    for record in records.values():
        ids_by_kind[record.kind.name].append(record.id)

    for record in records.values():
        doc, model = record.doc, record.model
        claims = getattr(model, "claims", ())
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

        for loc, target, ref in iter_refs(model):
            line, col = doc.mark(loc)
            found = records.get(target)
            if found is None:
                candidates = [i for k in ref.kinds for i in ids_by_kind.get(k, ())]
                problems.append(
                    error(
                        record.path,
                        line,
                        col,
                        f"{dotted(loc)}: no {' or '.join(ref.kinds)} with id '{target}'",
                        did_you_mean(target, candidates),
                    )
                )
                continue
            if found.kind.name not in ref.kinds:
                problems.append(
                    error(
                        record.path,
                        line,
                        col,
                        f"{dotted(loc)}: '{target}' is a {found.kind.name}, but this needs a {' or '.join(ref.kinds)}",
                    )
                )
                continue
            if target == record.id:
                problems.append(error(record.path, line, col, f"{dotted(loc)}: an entity cannot refer to itself"))
                continue
            claim = claim_ids.get((record.id, loc[1])) if loc[0] == "claims" else None
            if ref.kinds != ("source",):
                links.append(Link(record.id, target, _via(model, loc), claim))

        for loc, citation in iter_citations(model):
            text = texts.get(citation.source)
            if citation.source in records:
                cited.add(citation.source)
            if text is None:
                continue  # a missing source or archived text is reported elsewhere
            problem = _check_quote(text, citation)
            if problem:
                line, col = doc.mark((*loc, "quote"))
                message, hint, severe = problem
                make = error if severe else warning
                problems.append(make(record.path, line, col, f"{dotted((*loc, 'quote'))}: {message}", hint))

    problems.extend(_cycles(records))
    for record in records.values():
        if isinstance(record.model, Source) and record.id not in cited:
            problems.append(
                warning(record.path, 1, 1, f"source '{record.id}' is never cited", "cite it from a claim or remove it")
            )

    backlinks: dict[str, list[Link]] = defaultdict(list)
    for item in links:
        backlinks[item.target].append(item)
    graph = Graph(dict(records), dict(texts), claim_ids, tuple(links), {k: tuple(v) for k, v in backlinks.items()})
    return graph, problems


def _via(model: BaseModel, loc: Loc) -> str:
    if loc[0] == "claims":
        claim = model.claims[loc[1]]  # type: ignore[attr-defined]
        return claim.property
    return str(loc[0])


def _check_quote(text: str, citation: Citation) -> tuple[str, str | None, bool] | None:
    """Why a quote does not stand in its source text (message, hint, is-error), or None."""
    spans = quotes.find(text, citation.quote)
    if not spans:
        near = _nearest_words(quotes.normalise(text), quotes.normalise(citation.quote))
        return (f"quote not found verbatim in the archived text of '{citation.source}'",
                f"closest passage: \"{near}\"" if near else None, True)
    if citation.prefix or citation.suffix:
        spans = quotes.find(text, citation.quote, citation.prefix, citation.suffix)
        if not spans:
            return (f"quote found in '{citation.source}', but not with the given prefix/suffix", None, True)
    if len(spans) > 1:
        return (f"quote occurs {len(spans)} times in '{citation.source}'", "add a prefix or suffix to pick one", False)
    return None


def _nearest_words(text: str, quote: str) -> str | None:
    """The passage of the text sharing the longest run of words with the quote (for the hint)."""
    words = quote.split(" ")
    best = ""
    for size in range(min(len(words), 6), 1, -1):
        for i in range(len(words) - size + 1):
            run = " ".join(words[i : i + size])
            at = text.find(run)
            if at >= 0:
                start = max(0, text.rfind(" ", 0, max(0, at - 20)) + 1)
                end = text.find(" ", at + len(run) + 40)
                best = text[start : end if end > 0 else len(text)]
                return best
    return None


def _cycles(records: Mapping[str, Record]) -> Iterator[Diagnostic]:
    for record in records.values():
        seen = [record.id]
        current = record
        while True:
            parent = getattr(current.model, "parent", None)
            if parent is None or parent not in records:
                break
            if parent in seen:
                if parent == record.id:
                    line, col = record.doc.mark(("parent",))
                    chain = " → ".join([*seen, parent])
                    yield error(record.path, line, col, f"parent: the chain loops ({chain})")
                break
            seen.append(parent)
            current = records[parent]
