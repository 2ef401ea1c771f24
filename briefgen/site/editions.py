"""Editions: one build for one audience, holding nothing marked above it (TLP 2.0).

Markings sit on entities, claims, citations, sources and briefing books; anything
unmarked takes the configured default. ``redact`` runs between the link and views
stages and returns a new graph in which everything above the edition's marking is
gone, so no later stage — pages, search index, sitemap, JSON export, PDFs and their
metadata and attachments — can show it.

What is withheld goes whole, every field of it, and so does everything about it:

- an entity or source above the marking, with its archived text;
- a claim or citation above the marking;
- a citation of a withheld source (its quote, prefix, suffix and voice with it), or one that
  relays (``via``) a withheld source;
- a claim left with no citation;
- a claim that refers to a withheld entity (a participant, member, location,
  framework, series, border, the owner of equipment, the place of founding): its
  strength, "named as", note and citations speak of that entity, so none of it stays;
- of a claim that keeps only some of its citations, its optional free text (note,
  strength, "named as", founder): it may have been read in the citation withheld;
- an entity's own reference to a withheld entity (``parent``, ``country``): the field
  is left out, as if it had never been written;
- a source's ``derived_from`` naming a withheld source: it names "a source not in this
  edition" instead, so that copies of one original still count as one origin.

No reference to a withheld entity survives, so not even its id does.
"""

from __future__ import annotations

import types
import typing
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel

from briefgen.check.link import Graph, Link, _ref_fields, iter_refs
from briefgen.check.load import Document
from briefgen.model import BriefBook, Citation, ClaimBase, DerivedFrom, Marking, Model, Prose, Source
from briefgen.check.validate import Record

LEVELS: tuple[str, ...] = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")


def rank(marking: str) -> int:
    """Position of a TLP marking in ascending order of restriction."""
    return LEVELS.index(marking)


@dataclass(frozen=True, slots=True)
class Edition:
    """An audience: its name (``public``), its marking, and the marking of unmarked material."""

    name: str
    marking: Marking
    default: Marking = "CLEAR"

    def allows(self, marking: str | None) -> bool:
        return rank(marking or self.default) <= rank(self.marking)


PUBLIC = Edition("public", "CLEAR")


def _refers_outside(model: BaseModel, keep: set[str]) -> bool:
    """Whether any reference in ``model`` (or in a model inside it) names an entity not in ``keep``."""
    return any(target not in keep for _, target, _ in iter_refs(model))


def _is_free_text(annotation: Any, metadata: Iterable[Any] = ()) -> bool:
    """Whether a field's type is words (marked ``Prose`` in the model), not an id, tag or date."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        arms = [a for a in typing.get_args(annotation) if a is not type(None)]
        return len(arms) == 1 and _is_free_text(arms[0], metadata)
    if typing.get_origin(annotation) is typing.Annotated:
        base, *extra = typing.get_args(annotation)
        return _is_free_text(base, [*metadata, *extra])
    return annotation is str and any(isinstance(m, Prose) for m in metadata)


@cache
def _optional_text(cls: type[BaseModel]) -> tuple[str, ...]:
    """Fields of ``cls`` holding optional free text (note, strength, described_as, by, …): words that default to
    nothing, so the claim still reads without them."""
    return tuple(name for name, info in cls.model_fields.items()
                 if not info.is_required() and info.default is None and _is_free_text(info.annotation, info.metadata))


def _claim(claim: ClaimBase, edition: Edition, keep: set[str], hidden: set[str]) -> ClaimBase | None:
    """The claim as the edition shows it, or None when it is withheld with all it says."""
    if not edition.allows(claim.marking):
        return None
    sources = [c for c in claim.sources if _citation_kept(c, edition, keep, hidden)]
    if not sources:
        return None
    if len(sources) == len(claim.sources):
        return None if _refers_outside(claim, keep) else claim
    update: dict[str, Any] = {"sources": sources}
    update.update(dict.fromkeys(_optional_text(type(claim))))
    trimmed = claim.model_copy(update=update)
    return None if _refers_outside(trimmed, keep) else trimmed


def _citation_kept(citation: Citation, edition: Edition, keep: set[str], hidden: set[str]) -> bool:
    """Whether a citation stays: not above the edition, naming nothing withheld (``via`` may name a source)."""
    return edition.allows(citation.marking) and not _refers_outside(citation, keep) and citation.via not in hidden


WITHHELD_ORIGIN = "a source not in this edition"


def _derivations(model: Source, keep: set[str]) -> Source:
    """A source whose ``derived_from`` names a withheld source: the derivation stays (so that its copies still
    count as one origin), but says only that its original is not in this edition."""
    if not any(d.source is not None and d.source not in keep for d in model.derived_from):
        return model
    derived = [d if d.source is None or d.source in keep else DerivedFrom(
        name=WITHHELD_ORIGIN, relation=d.relation, from_quote=d.from_quote) for d in model.derived_from]
    return model.model_copy(update={"derived_from": derived})


def _own_refs(model: BaseModel, keep: set[str]) -> BaseModel:
    """``model`` without its own reference fields that name an entity not in ``keep`` (lists lose the items)."""
    update: dict[str, Any] = {}
    for name, ref in _ref_fields(type(model)):
        value = getattr(model, name)
        if ref is None or value is None:
            continue
        if isinstance(value, list):
            if any(v not in keep for v in value):
                update[name] = [v for v in value if v in keep]
        elif value not in keep:
            if type(model).model_fields[name].is_required():
                raise TypeError(f"{type(model).__name__}.{name} is a required reference: redact cannot leave it out")
            update[name] = None
    return model.model_copy(update=update) if update else model


def redact(graph: Graph, edition: Edition) -> Graph:
    """The part of ``graph`` the edition's audience may see."""
    keep = {i for i, r in graph.entities.items() if edition.allows(getattr(r.model, "marking", None))}
    hidden = set(graph.entities) - keep
    entities: dict[str, Record[Model]] = {}
    claim_ids: dict[tuple[str, int], str] = {}
    kept_anchors: set[tuple[str, str]] = set()
    for entity_id in sorted(keep):
        record = graph.entities[entity_id]
        model: Any = record.model
        update: dict[str, Any] = {}
        if hasattr(model, "claims"):
            claims: list[ClaimBase] = []
            for index, original in enumerate(model.claims):
                claim = _claim(original, edition, keep, hidden)
                if claim is None:
                    continue
                anchor = graph.claim_ids[(entity_id, index)]
                claim_ids[(entity_id, len(claims))] = anchor
                kept_anchors.add((entity_id, anchor))
                claims.append(claim)
            if claims != list(model.claims):
                update["claims"] = claims
        if hasattr(model, "mentions"):
            mentions = [c for c in model.mentions if _citation_kept(c, edition, keep, hidden)]
            if mentions != list(model.mentions):
                update["mentions"] = mentions
        if update:
            model = model.model_copy(update=update)
        model = _own_refs(model, keep)
        if isinstance(model, Source):
            model = _derivations(model, keep)
        # the raw document holds everything in the file: keep it only when nothing was withheld
        doc = record.doc if model is record.model else Document(record.path, {})
        entities[entity_id] = Record(record.id, record.kind, record.path, doc, model)
    links = tuple(
        link for link in graph.links
        if link.source in keep and link.target in keep
        and (link.claim is None or (link.source, link.claim) in kept_anchors)
    )
    backlinks: dict[str, list[Link]] = defaultdict(list)
    for link in links:
        backlinks[link.target].append(link)
    texts = {i: t for i, t in graph.texts.items() if i in keep}
    return Graph(entities, texts, claim_ids, links, {k: tuple(v) for k, v in backlinks.items()})


def books_for(definitions: Iterable[tuple[str, BriefBook]], edition: Edition) -> tuple[tuple[str, BriefBook], ...]:
    """The briefing books made for this edition's audience or a wider one."""
    return tuple((i, d) for i, d in definitions if edition.allows(d.edition))


def withholds(original: Graph, redacted: Graph, definitions: Iterable[tuple[str, BriefBook]],
              edition: Edition) -> bool:
    """Whether the edition leaves out anything at all: an entity, a source or its text, a claim, a citation,
    a reference, or a briefing book.

    Anything that speaks of the whole content — commit subjects — is shown only when this is False.
    """
    definitions = tuple(definitions)
    return (
        original.entities.keys() != redacted.entities.keys()
        or any(redacted.entities[i].model is not r.model for i, r in original.entities.items())
        or original.texts.keys() != redacted.texts.keys()
        or books_for(definitions, edition) != definitions
    )
