"""Editions: one build for one audience, holding nothing marked above it (TLP 2.0).

Markings sit on entities, claims, citations and sources; anything unmarked takes the
configured default. ``redact`` runs between the link and views stages and returns a
new graph in which every entity, claim, citation, source text and link above the
edition's marking is gone, so no later stage — pages, search index, sitemap, JSON
export, PDFs and their metadata — can show it. A reference to an entity that is not
in the edition is blanked (``WITHHELD``), so not even its id survives; the page shows
plain text in its place. A claim whose every citation was removed is dropped.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from briefgen.link import Graph, Link, _ref_fields
from briefgen.load import Document
from briefgen.model import Marking
from briefgen.validate import Record

LEVELS: tuple[str, ...] = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")
WITHHELD = ""
"""What a reference to an entity outside the edition becomes."""


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


def _blank_refs(model: BaseModel, keep: set[str]) -> BaseModel:
    """Blank every direct reference field of ``model`` that points outside ``keep``."""
    update: dict[str, Any] = {}
    for name, ref in _ref_fields(type(model)):
        value = getattr(model, name)
        if ref is None or value is None:
            continue
        if isinstance(value, list):
            kept = [v if v in keep else WITHHELD for v in value]
            if kept != value:
                update[name] = kept
        elif value not in keep:
            update[name] = WITHHELD
    return model.model_copy(update=update) if update else model


def redact(graph: Graph, edition: Edition) -> Graph:
    """The part of ``graph`` the edition's audience may see."""
    keep = {i for i, r in graph.entities.items() if edition.allows(getattr(r.model, "marking", None))}

    def cited(citation: Any) -> bool:
        return citation.source in keep and edition.allows(citation.marking)

    entities: dict[str, Record] = {}
    claim_ids: dict[tuple[str, int], str] = {}
    kept_anchors: set[tuple[str, str]] = set()
    for entity_id in sorted(keep):
        record = graph.entities[entity_id]
        model: Any = record.model
        update: dict[str, Any] = {}
        if hasattr(model, "claims"):
            claims = []
            for index, claim in enumerate(model.claims):
                if not edition.allows(claim.marking):
                    continue
                sources = [c for c in claim.sources if cited(c)]
                if not sources:
                    continue
                if len(sources) != len(claim.sources):
                    claim = claim.model_copy(update={"sources": sources})
                blanked = _blank_refs(claim, keep)
                anchor = graph.claim_ids[(entity_id, index)]
                if blanked is not claim and not claim.id:
                    # the derived anchor spells the withheld entity's id: number it instead
                    anchor = f"{claim.property}-{index + 1}"
                claim = blanked
                claim_ids[(entity_id, len(claims))] = anchor
                kept_anchors.add((entity_id, anchor))
                claims.append(claim)
            if claims != list(model.claims):
                update["claims"] = claims
        if hasattr(model, "mentions"):
            mentions = [c for c in model.mentions if cited(c)]
            if mentions != list(model.mentions):
                update["mentions"] = mentions
        if update:
            model = model.model_copy(update=update)
        model = _blank_refs(model, keep)
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


def changed(original: Graph, redacted: Graph) -> frozenset[str]:
    """Ids of entities whose redacted form differs from their fact file (or that were dropped)."""
    return frozenset(i for i, r in original.entities.items()
                     if i not in redacted.entities or redacted.entities[i].model is not r.model)
