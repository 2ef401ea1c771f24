"""Many sources, one truth: source metadata, provenance, republication rights, translations, discontinuous quotes.

The fixture ``tests/fixtures/multisource/`` (its own mkdocs.yml, with PDF briefs and a book) is a
fictional world in which one wire story (the Meridian Press Agency's) is relayed by the Daily
Lantern, reprinted from it by the Harbour Echo and cited ``via`` the agency by the Evening
Courier, whose last paragraph relays the Aldoria Observer (``from_quote``); the Brevia Vestnik is
in Russian, its quotes translated; the Daily Lantern and the Vestnik may be quoted but not
republished (``republish: quotes``); two citations quote several passages in order.

Golden pages of its build are ``tests/golden/multisource/<page>.html``; after a deliberate change,
``BRIEFGEN_REGEN=1 .venv/bin/pytest tests/test_sources.py -k golden`` rewrites them (review the diff).

Republication: every sentence of a ``quotes`` source's text that no citation quotes is a canary,
and the scanner of ``tests/test_editions.py`` reads every byte of the build (pages, search index,
graph.json, sitemap, every PDF's text, streams and attachments) for it. It fails closed: the
unquoted sentences of a ``full`` source, scanned the same way, are found.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import os
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from pages import article
from projects import FIXTURES, TESTS, graph_of, run, tool
from pydantic import ValidationError
from pypdf import PdfReader
from scanner import Scanner
from test_site import assert_marks_show_their_grades, citation_marks, parse

from briefgen.check import quotes
from briefgen.check.link import Graph
from briefgen.check.pipeline import check
from briefgen.check.provenance import Provenance
from briefgen.model import Citation, Source, passages
from briefgen.site import views
from briefgen.site.editions import PUBLIC, redact

FIXTURE = FIXTURES / "multisource"
GOLDEN = TESTS / "golden" / "multisource"
REGEN = os.environ.get("BRIEFGEN_REGEN") == "1"
TODAY = dt.date(2024, 1, 1)

GOLDEN_PAGES = {
    "exercise-storm-gate-2021": "exercises/storm-gate-2021/index.html",
    "source-daily-lantern": "sources/daily-lantern/index.html",
    "source-brevia-vestnik": "sources/brevia-vestnik/index.html",
    "source-evening-courier": "sources/evening-courier/index.html",
    "source-harbour-echo": "sources/harbour-echo/index.html",
}


@pytest.fixture(scope="module")
def graph() -> Graph:
    return graph_of(FIXTURE / "content")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("multisource") / "project"  # a copy outside git: pages show no history
    shutil.copytree(FIXTURE, project)
    out = project / "site"
    done = run([*tool("briefgen"), "build", "-q", "--strict", "-d", str(out)], cwd=project, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def body(site: Path, page: str) -> str:
    return article((site / page).read_text(encoding="utf-8"))


def claim(graph: Graph, claim_id: str) -> object:
    model = graph.entities["storm-gate-2021"].model
    return next(c for i, c in enumerate(model.claims) if graph.claim_ids[("storm-gate-2021", i)] == claim_id)


# --- quotes of several passages ------------------------------------------------------------------


def test_passages_must_stand_in_order() -> None:
    text = "The fleet sailed at dawn. Later, the ministry said it had gone well."
    assert quotes.count_passages(text, ("The fleet sailed", "the ministry said")) == (1, 2)
    assert quotes.count_passages(text, ("the ministry said", "The fleet sailed")) == (0, 1)
    assert quotes.count_passages(text, ("The fleet sailed", "at night")) == (0, 1)
    ((first, second),) = quotes.find_passages(text, ("fleet", "ministry"))
    assert text[slice(*first)] == "fleet" and text[slice(*second)] == "ministry"


def test_a_list_of_one_passage_is_the_same_quote_as_the_passage() -> None:
    assert quotes.anchor(("a b",)) == quotes.anchor("a b")
    assert quotes.anchor(("a", "b")) != quotes.anchor("a b")
    assert passages("x") == ("x",) and passages(["x", "y"]) == ("x", "y")


def test_context_of_a_quoted_passage_stays_inside_its_sentence(graph: Graph) -> None:
    """A source that may not be republished shows each quoted passage with at most six words each side, never
    past the passage's sentence, and '…' where text is left out."""
    text = "The fleet sailed. Officials declined to say how many ships would sail at all. A ban will hold."
    lantern = replace(graph, texts={**graph.texts, "daily-lantern": text})
    assert lantern.entities["daily-lantern"].model.republish == "quotes"  # type: ignore[attr-defined]

    def shown(quote: str) -> str:
        citation = Citation(source="daily-lantern", quote=quote, credibility=3)
        page = views.source_page(lantern, lantern.entities["daily-lantern"], (), TODAY, cited_by=[citation])
        return " / ".join("".join(part.text for part in paragraph) for paragraph in page.paragraphs)

    assert shown("fleet sailed.") == "The fleet sailed. …"
    assert shown("declined") == "… Officials declined to say how many ships would …"  # six words after, at most
    assert shown("ships") == "… Officials declined to say how many ships would sail at all. …"
    assert shown("ban") == "… A ban will hold."


# --- source metadata -----------------------------------------------------------------------------------


SOURCE = {"name": "X", "title": "X", "type": "news-report", "publisher": "unknown", "author": "unknown",
          "date": "unknown", "reliability": "F"}


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd", "ftp://example.org/x", "//example.org",
                                 "example.org/page", "https://", "https://exa mple.org/",
                                 'https://example.org/"><script>alert(1)</script>'])
def test_only_http_and_https_addresses_are_accepted(url: str) -> None:
    for key in ("url", "archive_url"):
        with pytest.raises(ValidationError, match="is not an http or https address"):
            Source.model_validate({**SOURCE, key: url})


def test_existing_sources_stay_valid_and_default_to_quotes_only() -> None:
    source = Source.model_validate(SOURCE)
    assert source.republish == "quotes" and source.derived_from == [] and source.url is None
    assert Source.model_validate({**SOURCE, "url": "HTTPS://example.org/a?b=c#d"}).url
    assert Source.model_validate({**SOURCE, "url": "https://пример.example/новости/2021"}).url  # an IRI


# --- provenance ------------------------------------------------------------------------------------


def test_one_wire_story_in_three_outlets_is_one_independent_origin(graph: Graph) -> None:
    backing = Provenance(graph).corroboration(claim(graph, "strength").sources)  # type: ignore[attr-defined]
    assert [(o.name, relays) for o, relays in backing.origins] == [
        ("Meridian Press Agency", ("daily-lantern", "harbour-echo", "evening-courier"))]
    assert backing.sentence() == ("1 independent origin: Meridian Press Agency, relayed by Daily Lantern, "
                                  "Harbour Echo and Evening Courier")


def test_a_derived_part_starts_at_its_passage(graph: Graph) -> None:
    provenance = Provenance(graph)
    own, relayed = claim(graph, "status"), claim(graph, "scenario")
    assert provenance.of(own.sources[0]).source == "evening-courier"  # type: ignore[attr-defined]
    assert provenance.of(relayed.sources[0]).source == "aldoria-observer"  # type: ignore[attr-defined]
    location = provenance.corroboration(claim(graph, "location").sources)  # type: ignore[attr-defined]
    assert location.sentence() == "1 independent origin: Aldoria Observer, relayed by Evening Courier"


def test_independent_reports_are_counted_apart(graph: Graph) -> None:
    backing = Provenance(graph).corroboration(claim(graph, "date").sources)  # type: ignore[attr-defined]
    assert backing.count == 2 and not backing.relayed
    assert backing.sentence() == "2 independent origins: Brevia Vestnik; Aldoria Observer"


def test_a_via_naming_a_source_follows_it(graph: Graph) -> None:
    citation = Citation(source="harbour-echo", quote="x", credibility=3, via="daily-lantern")
    assert Provenance(graph).of(citation).name == "Meridian Press Agency"


# --- the build: pages ------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(GOLDEN_PAGES))
def test_golden_page(name: str, site: Path) -> None:
    shown = body(site, GOLDEN_PAGES[name]) + "\n"
    golden = GOLDEN / f"{name}.html"
    if REGEN:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(shown, encoding="utf-8")
    assert golden.is_file(), f"{golden} missing: run with BRIEFGEN_REGEN=1 and review it"
    expected = golden.read_text(encoding="utf-8")
    if shown != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), shown.splitlines(True), f"golden/{name}",
                                            GOLDEN_PAGES[name]))
        pytest.fail(f"{name}: the page differs from its golden file (BRIEFGEN_REGEN=1 rewrites it):\n{diff}")


@pytest.mark.slow
def test_page_says_how_many_independent_origins(site: Path) -> None:
    page = body(site, "exercises/storm-gate-2021/index.html")
    assert ("(1 independent origin: Meridian Press Agency, relayed by Daily Lantern, Harbour Echo and Evening "
            "Courier)") in page
    assert "relaying <bdi>Meridian Press Agency</bdi>" in page


@pytest.mark.slow
def test_translated_quote_shows_original_with_its_language_and_the_translation(site: Path) -> None:
    page = body(site, "exercises/storm-gate-2021/index.html")
    assert '<q lang="ru">с 7 по 11 июня 2021 года</q>' in page
    assert "translated by <bdi>the editors</bdi>: <q>from 7 to 11 June 2021</q>" in page
    assert '<div class="bg-archived bg-excerpts" lang="ru">' in body(site, "sources/brevia-vestnik/index.html")


@pytest.mark.slow
def test_discontinuous_quote_is_joined_and_each_passage_highlighted(site: Path) -> None:
    page = body(site, "exercises/storm-gate-2021/index.html")
    assert "<q>troops from Aldoria … the Aldorian defence ministry said</q>" in page
    source = body(site, "sources/daily-lantern/index.html")
    anchor = quotes.anchor(("troops from Aldoria", "the Aldorian defence ministry said"))
    assert f'id="{anchor}"' in source and f'id="{anchor}-2"' in source
    assert f'<a href="../../sources/daily-lantern/#{anchor}">' in page


@pytest.mark.slow
def test_source_page_links_its_addresses_and_says_how_its_date_is_known(site: Path) -> None:
    page = body(site, "sources/daily-lantern/index.html")
    assert '<a href="https://lantern.example/news/2021/06/02/storm-gate" rel="external noopener">' in page
    assert "2 Jun 2021 (from its dateline)" in page and "<td>3 Jun 2021</td>" in page
    assert "Relays: Meridian Press Agency (MPA), 1 Jun 2021" in page
    echo = body(site, "sources/harbour-echo/index.html")
    assert 'Reprints: <a class="bg-ref bg-source" href="../../sources/daily-lantern/">' in echo


@pytest.mark.slow
def test_graph_export_counts_origins(site: Path) -> None:
    data = json.loads((site / "graph.json").read_text(encoding="utf-8"))
    claims = {c["id"]: c for c in data["entities"]["storm-gate-2021"]["claims"]}
    assert claims["strength"]["independent_origins"] == [
        {"name": "Meridian Press Agency", "relayed_by": ["daily-lantern", "harbour-echo", "evening-courier"]}]
    assert len(claims["date"]["independent_origins"]) == 2
    assert data["entities"]["daily-lantern"]["republish"] == "quotes"


# --- the build: PDFs read back ------------------------------------------------------------------------


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.slow
def test_brief_shows_original_translation_and_origins(site: Path) -> None:
    reader = PdfReader(site / "pdf" / "storm-gate-2021.pdf")
    text = squash(" ".join(page.extract_text() or "" for page in reader.pages))
    assert "с 7 по 11 июня 2021 года" in text and "from 7 to 11 June 2021" in text
    assert "translated by the editors" in text
    assert "1 independent origin: Meridian Press Agency" in text
    assert "troops from Aldoria … the Aldorian defence ministry said" in text
    uris = [str(a.get_object()["/A"]["/URI"]) for page in reader.pages for a in page.get("/Annots") or []
            if a.get_object().get("/A", {}).get("/S") == "/URI"]
    assert "https://lantern.example/news/2021/06/02/storm-gate" in uris
    attached = set(reader.attachments)
    assert "sources/evening-courier.txt" in attached and "sources/aldoria-observer.txt" in attached
    assert "sources/daily-lantern.txt" not in attached and "sources/brevia-vestnik.txt" not in attached
    assert "sources/daily-lantern.yaml" in attached


@pytest.mark.slow
def test_every_mark_citing_a_source_graded_d_is_doubtful(site: Path) -> None:
    """The Harbour Echo is graded D (not usually reliable): each mark citing it, and no mark citing only sources
    graded A–C with information 1–3, looks doubtful, on the page and in the brief and the book."""
    page = parse(body(site, "exercises/storm-gate-2021/index.html"))
    assert assert_marks_show_their_grades(page) == {True, False}
    sources = {int(li.attrs["id"].removeprefix("ref-")): li.find_all("a")[0].attrs["href"]
               for li in page.find_all("ol", class_="bg-references")[0].find_all("li")}
    doubtful = {n for n, _, sup in citation_marks(page) if "bg-cite-doubtful" in sup.attrs["class"].split()}
    echo = {n for n, href in sources.items() if "/harbour-echo/" in href}
    assert echo and doubtful == echo, (doubtful, echo)
    for pdf in ("storm-gate-2021.pdf", "books/storm-gate-book.pdf"):
        reader = PdfReader(site / "pdf" / pdf)
        text = squash(" ".join(p.extract_text() or "" for p in reader.pages))
        words = [str(a.get_object().get("/Contents") or "") for p in reader.pages for a in p.get("/Annots") or []]
        said = {int(m[1]) for w in words if (m := re.fullmatch(r"Endnote (\d+), doubtful grade D3: .+", w))}
        assert said and said <= echo, f"{pdf}: the doubtful marks' links say {said}"
        for n in echo:
            assert re.search(rf"{n} D3\b", text), f"{pdf}: no mark '{n} D3'"


@pytest.mark.slow
def test_book_counts_facts_resting_on_one_origin(site: Path) -> None:
    reader = PdfReader(site / "pdf" / "books" / "storm-gate-book.pdf")
    text = squash(" ".join(page.extract_text() or "" for page in reader.pages))
    single = text[text.index("Facts resting on a single source"):text.index("Endnotes", text.index(
        "Facts resting on a single source"))]
    assert "on one independent origin only" in single
    assert "about 3,000 troops" in single, "three outlets relaying one wire story are one origin"
    assert "7–11 Jun 2021" not in single, "two independent reports are not a single source"
    sources = squash(reader.pages[-1].extract_text())
    assert sources.startswith("Sources")
    assert ("Daily Lantern: The Daily Lantern, “Aldoria and Brevia to stage Storm Gate drill”, news report, "
            "2 Jun 2021 (from its dateline), in en; relays: Meridian Press Agency (MPA), 1 Jun 2021; "
            "retrieved 3 Jun 2021. https://lantern.example/news/2021/06/02/storm-gate") in sources
    assert "Harbour Echo: Harbour Echo, “Storm Gate 2021 coming to Kesten Bay”, news report, Jun 2021 (from its " \
           "address), in en; reprints: Daily Lantern" in sources


# --- republication: a text that may only be quoted is nowhere whole -------------------------------------


_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)", re.M)


def unquoted_sentences(graph: Graph, source_id: str) -> set[str]:
    """The sentences (of four words or more) of a source's text that no citation or derivation quotes, other than
    its title (which its fact file repeats: metadata, shown everywhere the source is named)."""
    text = graph.texts[source_id]
    spans: list[tuple[int, int]] = []
    for record in graph.entities.values():
        model = record.model
        citations = [*getattr(model, "mentions", ()), *(c for cl in getattr(model, "claims", ()) for c in cl.sources)]
        for citation in citations:
            if citation.source == source_id:
                for chain in quotes.find_passages(text, passages(citation.quote), citation.prefix, citation.suffix):
                    spans.extend(chain)
    for derived in graph.entities[source_id].model.derived_from:  # type: ignore[attr-defined]
        if derived.from_quote:
            spans.extend(quotes.find(text, derived.from_quote))
    out = set()
    for found in _SENTENCE.finditer(text):
        start, end = found.span()
        sentence = " ".join(found[0].split())
        title = graph.entities[source_id].model.title  # type: ignore[attr-defined]
        if len(sentence.split()) >= 4 and sentence != title and not any(a < end and start < b for a, b in spans):
            out.add(sentence)
    return out


@pytest.mark.slow
def test_unquoted_sentences_of_a_text_that_may_not_be_republished_appear_in_no_output(graph: Graph,
                                                                                       site: Path) -> None:
    withheld = {s for i in ("daily-lantern", "brevia-vestnik") for s in unquoted_sentences(graph, i)}
    assert "Officials declined to say how many ships would sail." in withheld
    assert "Погода в заливе в эти дни, по прогнозу, будет тёплой и ясной." in withheld
    scan = Scanner(withheld).tree(site)
    assert scan.pdfs >= 5 and (site / "search/search_index.json").is_file() and (site / "sitemap.xml").is_file()
    leaks = "\n".join(f"{c!r} in {w}" for c, where in sorted(scan.hits.items()) for w in sorted(where))
    assert not leaks, f"text that may only be quoted is shown:\n{leaks}"


@pytest.mark.slow
def test_the_scanner_finds_unquoted_sentences_of_a_text_that_may_be_republished(graph: Graph, site: Path) -> None:
    shown = unquoted_sentences(graph, "aldoria-observer")
    assert "Brevian marines are to land on the northern shore of the bay." in shown
    scan = Scanner(shown).tree(site)
    where = scan.hits["Brevian marines are to land on the northern shore of the bay."]
    assert "sources/aldoria-observer/index.html" in where
    assert any("search_index.json" in w for w in where), where
    assert any("attachment sources/aldoria-observer.txt" in w for w in where), where


# --- editions ------------------------------------------------------------------------------------------


def test_a_derivation_from_a_withheld_source_names_no_withheld_source() -> None:
    result = check(FIXTURES / "editions" / "content")
    assert result.graph is not None
    public = redact(result.graph, PUBLIC)
    (derived,) = public.entities["coastal-gazette"].model.derived_from  # type: ignore[attr-defined]
    assert derived.source is None and derived.name == "a source not in this edition"
    assert derived.relation == "reprint" and derived.from_quote  # still a copy: its passages count as one origin
    copied = Citation(source="coastal-gazette", quote="binds the coastal services of the region", credibility=2)
    assert Provenance(public).of(copied).name == "a source not in this edition"


def test_a_citation_that_relays_a_withheld_source_is_withheld(graph: Graph) -> None:
    restricted = graph.entities["aldoria-observer"]
    marked = dict(graph.entities, **{"aldoria-observer": replace(
        restricted, model=restricted.model.model_copy(update={"marking": "RED"}))})
    model = graph.entities["storm-gate-2021"].model
    citation = Citation(source="evening-courier", quote="Storm Gate 2021", credibility=2, via="aldoria-observer")
    mentions = [*model.mentions, citation]  # type: ignore[attr-defined]
    marked["storm-gate-2021"] = replace(graph.entities["storm-gate-2021"],
                                        model=model.model_copy(update={"mentions": mentions}))
    public = redact(replace(graph, entities=marked), PUBLIC)
    kept = public.entities["storm-gate-2021"].model.mentions  # type: ignore[attr-defined]
    assert citation not in kept and len(kept) == len(model.mentions)  # type: ignore[attr-defined]
