"""Views: what one build shares between its pages changes no page, and quoted spans are marked exactly."""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

import pytest

from briefgen.check.link import Graph
from briefgen.check.pipeline import check
from briefgen.site import views

REPO = Path(__file__).resolve().parents[1]
TODAY = dt.date(2024, 6, 1)


@pytest.fixture(scope="module")
def graph() -> Graph:
    result = check(REPO / "content")
    assert result.graph is not None
    return result.graph


def test_pages_of_a_build_equal_pages_made_one_by_one(graph: Graph) -> None:
    built = views.build(graph, TODAY)
    records = sorted(graph.entities.values(), key=lambda r: r.id)
    alone = tuple(views.entity_page(graph, r, TODAY) for r in records if r.kind.name != "source")
    assert built.entities == alone
    assert all(p.references for p in built.entities if p.kind == "exercise")
    for page in built.sources:
        cited_by = [c for r in records for c in views._citations(r) if c.source == page.id]
        assert page == views.source_page(graph, graph.entities[page.id], page.citing, TODAY, cited_by)
    assert any(part.marks for page in built.sources for paragraph in page.paragraphs for part in paragraph)


def _scanned(text: str, spans: dict[tuple[int, int], list[str]]) -> tuple[tuple[views.TextPart, ...], ...]:
    """The marks of every run found by testing each run against every span: slow, but plainly right."""
    cuts = {0, len(text)}
    for start, end in spans:
        cuts.update((start, end))
    breaks = [m.span() for m in re.finditer(r"\n[ \t]*\n\s*", text)] if re.search(r"\n[ \t]*\n", text) \
        else [m.span() for m in re.finditer(r"\n", text)]
    for start, end in breaks:
        cuts.update((start, end))
    is_break = dict(breaks)
    starts: dict[int, list[str]] = defaultdict(list)
    for (start, _end), ids in spans.items():
        starts[start].extend(ids)
    paragraphs: list[list[views.TextPart]] = [[]]
    for a, b in pairwise(sorted(cuts)):
        if is_break.get(a) == b:
            if paragraphs[-1]:
                paragraphs.append([])
            continue
        marks = tuple(i for (s, e), ids in spans.items() if s <= a and b <= e for i in ids)
        paragraphs[-1].append(views.TextPart(text[a:b].replace("\n", " "), tuple(dict.fromkeys(marks)),
                                             tuple(dict.fromkeys(starts.get(a, ())))))
    return tuple(tuple(p) for p in paragraphs if p)


@pytest.mark.parametrize("seed", range(300))
def test_overlapping_quotes_are_marked_as_a_scan_of_every_span_marks_them(seed: int) -> None:
    rng = random.Random(seed)
    words = [rng.choice(["word", "a", "longer-word", "\n", "\n\n", " \n \n ", "x"]) for _ in range(rng.randint(0, 60))]
    text = " ".join(words)
    spans: dict[tuple[int, int], list[str]] = defaultdict(list)
    for _ in range(rng.randint(0, 12)):
        start = rng.randint(0, len(text))
        end = min(len(text), start + rng.randint(1, 40)) if rng.random() < 0.9 else start  # some empty
        for anchor in rng.sample(["q-a", "q-b", "q-c", "q-d", "q-e"], rng.randint(1, 2)):
            if anchor not in spans[(start, end)]:
                spans[(start, end)].append(anchor)
    assert views._text_parts(text, spans) == _scanned(text, spans)
