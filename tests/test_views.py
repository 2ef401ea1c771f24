"""Views: what one build shares between its pages changes no page, and quoted spans are marked exactly."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from projects import CORPUS, FIXTURES, graph_of

from briefgen.check import quotes
from briefgen.check.link import Graph, iter_citations
from briefgen.model import Citation, passages
from briefgen.site import views

TODAY = dt.date(2024, 6, 1)
SOURCE = "harbour-bulletin"
"""A source of the valid fixture that the site may republish in full: its page shows the whole text."""


@pytest.fixture(scope="module")
def graph() -> Graph:
    return graph_of(CORPUS / "content")


def test_pages_of_a_build_equal_pages_made_one_by_one(graph: Graph) -> None:
    built = views.build(graph, TODAY)
    records = sorted(graph.entities.values(), key=lambda r: r.id)
    alone = tuple(views.entity_page(graph, r, TODAY) for r in records if r.kind.name != "source")
    assert built.entities == alone
    assert all(p.references for p in built.entities if p.kind == "exercise")
    for page in built.sources:  # each cited in the order of the build: the entities' by id
        cited_by = [c for r in records for _, c in iter_citations(r.model) if c.source == page.id]
        assert page == views.source_page(graph, graph.entities[page.id], page.citing, TODAY, cited_by)
    assert any(part.marks for page in built.sources for paragraph in page.paragraphs for part in paragraph)


# --- the text of a source page: paragraphs, and the passages its citations quote ------------------------


@pytest.fixture(scope="module")
def valid() -> Graph:
    graph = graph_of(FIXTURES / "valid" / "content")
    assert graph.entities[SOURCE].model.republish == "full"  # type: ignore[attr-defined]
    return graph


Part = tuple[str, str, str]
"""A run of the text as shown: its words, the quotes marking it, the quotes starting there (letters, ``A B``)."""


def shown(graph: Graph, text: str, *cited: str | tuple[str, ...]) -> list[list[Part]]:
    """The paragraphs of the page of a source whose archived text is ``text``, cited for each quote in
    ``cited`` in turn; the quotes are named A, B, … in that order (the second passage of A is A-2)."""
    graph = replace(graph, texts={**graph.texts, SOURCE: text})
    citations = [Citation(source=SOURCE, quote=list(q) if isinstance(q, tuple) else q, credibility=2)
                 for q in cited]
    names: dict[str, str] = {}
    for letter, citation in zip("ABCDE", citations, strict=False):
        anchor = quotes.anchor(passages(citation.quote))
        names.setdefault(anchor, letter)
        for number in range(2, len(passages(citation.quote)) + 1):
            names.setdefault(f"{anchor}-{number}", f"{letter}-{number}")
    page = views.source_page(graph, graph.entities[SOURCE], (), TODAY, cited_by=citations)
    return [[(part.text, " ".join(names[m] for m in part.marks), " ".join(names[i] for i in part.ids))
             for part in paragraph] for paragraph in page.paragraphs]


def test_blank_lines_part_paragraphs_and_a_line_break_inside_one_is_a_space(valid: Graph) -> None:
    assert shown(valid, "First line\nsame paragraph.\n\n \t\nSecond paragraph.") == [
        [("First line same paragraph.", "", "")],
        [("Second paragraph.", "", "")],
    ]


def test_a_text_without_blank_lines_has_a_paragraph_per_line(valid: Graph) -> None:
    assert shown(valid, "One.\nTwo.") == [[("One.", "", "")], [("Two.", "", "")]]


def test_a_quoted_passage_is_marked_and_starts_where_it_starts(valid: Graph) -> None:
    assert shown(valid, "The fleet sailed at dawn.", "sailed at") == [
        [("The fleet ", "", ""), ("sailed at", "A", "A"), (" dawn.", "", "")],
    ]


def test_overlapping_quotes_mark_their_common_run_with_both(valid: Graph) -> None:
    assert shown(valid, "The fleet sailed at dawn from the bay.", "fleet sailed at dawn", "at dawn from the bay") == [
        [("The ", "", ""), ("fleet sailed ", "A", "A"), ("at dawn", "A B", "B"), (" from the bay", "B", ""),
         (".", "", "")],
    ]


def test_a_quote_inside_another_marks_its_run_with_both(valid: Graph) -> None:
    assert shown(valid, "The fleet sailed at dawn from the bay.", "sailed at dawn from", "at dawn") == [
        [("The fleet ", "", ""), ("sailed ", "A", "A"), ("at dawn", "A B", "B"), (" from", "A", ""),
         (" the bay.", "", "")],
    ]


def test_a_quote_over_a_paragraph_break_marks_both_paragraphs_and_starts_once(valid: Graph) -> None:
    assert shown(valid, "It ended.\n\nThen it began.", "ended. Then") == [
        [("It ", "", ""), ("ended.", "A", "A")],
        [("Then", "A", ""), (" it began.", "", "")],
    ]


def test_each_passage_of_a_quote_of_several_has_its_own_anchor(valid: Graph) -> None:
    assert shown(valid, "The fleet sailed from the bay.", ("fleet", "bay")) == [
        [("The ", "", ""), ("fleet", "A", "A"), (" sailed from the ", "", ""), ("bay", "A-2", "A-2"), (".", "", "")],
    ]


def test_the_same_passage_cited_twice_is_marked_once(valid: Graph) -> None:
    assert shown(valid, "The fleet sailed.", "fleet", "fleet") == [
        [("The ", "", ""), ("fleet", "A", "A"), (" sailed.", "", "")],
    ]
