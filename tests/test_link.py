"""Tests of the link stage through ``briefgen.check.pipeline.check``: references, quotes and sources across files.

Each test writes a small content folder: one source (``bulletin``) with its archived
text, one valid actor (``aldoria``) citing it, and whatever files the test is about.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from benchmarks import hint as hint_benchmark
from briefgen.check import quotes
from briefgen.check.link import link
from briefgen.check.load import parse
from briefgen.check.pipeline import check
from briefgen.check.quotes import closest_passage
from briefgen.check.validate import Partial, Record, validate
from briefgen.diagnostics import with_article
from briefgen.model import KIND_BY_NAME

TEXT = """THE BULLETIN

Aldoria and Brevia will hold an exercise in the spring.

The Aldorian Navy will send two ships and a tug.
"""

SOURCE = """\
name: Bulletin
title: The Bulletin
type: news-report
publisher: unknown
author: unknown
date: 2019-03-14
reliability: C
"""

ALDORIA = """\
name: Aldoria
type: state
mentions:
  - source: bulletin
    quote: Aldoria and Brevia will hold an exercise
    credibility: 2
"""


def citation(quote: str = "The Aldorian Navy will send two ships", source: str = "bulletin", indent: int = 2) -> str:
    pad = " " * indent
    return f"{pad}- source: {source}\n{pad}  quote: {quote}\n{pad}  credibility: 2\n"


def lines(tmp_path: Path, files: dict[str, str | bytes]) -> list[str]:
    """Check a content folder holding the base files and ``files``; its diagnostics as printed."""
    content = tmp_path / "content"
    base: dict[str, str | bytes] = {
        "sources/bulletin.yaml": SOURCE,
        "sources/bulletin.txt": TEXT,
        "actors/aldoria.yaml": ALDORIA,
    }
    for name, body in {**base, **files}.items():
        path = content / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(body, bytes):
            path.write_bytes(body)
        else:
            path.write_text(body, encoding="utf-8")
    result = check(content)
    prefix = f"{content}/"
    return [d.format().removeprefix(prefix) for d in result.diagnostics]


# --- the valid parts of a file that failed validation are still checked ---------------------


def test_base_folder_is_clean(tmp_path: Path) -> None:
    assert lines(tmp_path, {}) == []


def test_references_in_a_valid_claim_of_an_invalid_file_are_resolved(tmp_path: Path) -> None:
    exercise = (
        "name: Drill\nsummry: misspelt key\nmentions:\n"
        + citation()
        + "claims:\n  - property: participant\n    value: aldorai\n    sources:\n"
        + citation(source="bulletn", indent=6)
    )
    assert lines(tmp_path, {"exercises/drill.yaml": exercise}) == [
        "exercises/drill.yaml:2:1: error: unknown key 'summry' (hint: did you mean 'summary'?)",
        "exercises/drill.yaml:9:12: error: claims[0].value: no actor with id 'aldorai' (hint: did you mean 'aldoria'?)",
        "exercises/drill.yaml:11:17: error: claims[0].sources[0].source: no source with id 'bulletn'"
        " (hint: did you mean 'bulletin'?)",
    ]


def test_citations_of_an_invalid_claim_are_checked(tmp_path: Path) -> None:
    exercise = (
        "name: Drill\nmentions:\n"
        + citation()
        + "claims:\n  - property: participants\n    value: aldoria\n    sources:\n"
        + citation(quote="The Aldorian Navy will send three ships", indent=6)
    )
    found = lines(tmp_path, {"exercises/drill.yaml": exercise})
    assert [line.split(": error: ")[1].split(" (hint")[0] for line in found] == [
        "claims[0].property: unknown property 'participants' for an exercise",
        "claims[0].sources[0].quote: quote not found verbatim in the archived text of 'bulletin'",
    ]


def test_quote_is_checked_when_only_other_keys_of_its_citation_are_wrong(tmp_path: Path) -> None:
    actor = "name: Navy\ntype: armed-force\nmentions:\n" + citation(quote="The Aldorian Navy will sail").replace(
        "credibility: 2", "credibility: 9"
    )
    assert lines(tmp_path, {"actors/navy.yaml": actor}) == [
        "actors/navy.yaml:5:12: error: mentions[0].quote: quote not found verbatim in the archived text of 'bulletin'"
        " (hint: closest passage: The Aldorian Navy will send…)",
        "actors/navy.yaml:6:18: error: mentions[0].credibility: must be at most 6, got 9",
    ]


def test_parent_and_country_of_an_invalid_file_are_resolved(tmp_path: Path) -> None:
    place = "name: Port\ntype: harbour\nparent: nowhere\ncountry: brevia\nmentions:\n" + citation()
    found = lines(tmp_path, {"places/port.yaml": place})
    assert found[1:] == [
        "places/port.yaml:3:9: error: parent: no place with id 'nowhere'",
        "places/port.yaml:4:10: error: country: no actor with id 'brevia'",
    ]
    assert found[0].startswith("places/port.yaml:2:7: error: type: 'harbour' is not one of")


def test_partials_never_enter_the_graph(tmp_path: Path) -> None:
    navy, problems = parse("name: Navy\ntype: navy\nparent: aldoria\nmentions:\n" + citation(), "navy.yaml")
    aldoria, _ = parse(ALDORIA, "aldoria.yaml")
    assert navy is not None and aldoria is not None and problems == []
    actor = KIND_BY_NAME["actor"]
    partial, problems = validate(navy, "navy", actor)
    record, _ = validate(aldoria, "aldoria", actor)
    assert isinstance(partial, Partial) and problems
    assert isinstance(record, Record)
    assert [loc for loc, _ in partial.fragments] == [(), ("mentions", 0)]
    graph, found = link({"aldoria": record}, {}, [partial])
    assert set(graph.entities) == {"aldoria"}
    assert [(d.path, d.message) for d in found] == [  # the partial's mention is checked all the same
        ("aldoria.yaml", "mentions[0].source: no source with id 'bulletin'"),
        ("navy.yaml", "mentions[0].source: no source with id 'bulletin'"),
    ]
    assert graph.links == ()


# --- no knock-on errors ------------------------------------------------------------------


def test_reference_to_a_file_that_failed_validation_is_not_dangling(tmp_path: Path) -> None:
    navy = "name: Navy\ntype: navy\nparent: aldoria\nmentions:\n" + citation()
    fleet = "name: Fleet\ntype: unit\nparent: navy\nmentions:\n" + citation()
    found = lines(tmp_path, {"actors/navy.yaml": navy, "actors/fleet.yaml": fleet})
    assert [line.split(": error: ")[1] for line in found] == [
        "type: 'navy' is not one of: state, armed-force, unit, ministry, organisation, other",
    ]


def test_reference_to_a_file_that_failed_to_load_is_not_dangling(tmp_path: Path) -> None:
    navy = b"name: Caf\xe9\ntype: armed-force\n"
    fleet = "name: Fleet\ntype: unit\nparent: navy\nmentions:\n" + citation()
    found = lines(tmp_path, {"actors/navy.yaml": navy, "actors/fleet.yaml": fleet})
    assert found == ["actors/navy.yaml:1:10: error: file is not valid UTF-8 (byte 0xe9) (hint: save it as UTF-8)"]


def test_reference_to_a_broken_file_of_the_wrong_kind_is_still_reported(tmp_path: Path) -> None:
    port = "name: Port\ntype: harbour\nmentions:\n" + citation()
    fleet = "name: Fleet\ntype: unit\nparent: port\nmentions:\n" + citation()
    found = lines(tmp_path, {"places/port.yaml": port, "actors/fleet.yaml": fleet})
    assert "actors/fleet.yaml:3:9: error: parent: 'port' is a place, but this needs an actor" in found


def test_file_with_a_taken_id_is_still_checked(tmp_path: Path) -> None:
    place = "name: Aldoria\ntype: region\ncountry: brevia\nmentions:\n" + citation()
    assert lines(tmp_path, {"places/aldoria.yaml": place}) == [
        "places/aldoria.yaml:1:1: error: id 'aldoria' is already used by "
        f"{tmp_path}/content/actors/aldoria.yaml (hint: ids are unique across all kinds; rename one file)",
        "places/aldoria.yaml:3:10: error: country: no actor with id 'brevia'",
    ]


def test_self_parent_is_reported_once(tmp_path: Path) -> None:
    navy = "name: Navy\ntype: armed-force\nparent: navy\nmentions:\n" + citation()
    assert lines(tmp_path, {"actors/navy.yaml": navy}) == [
        "actors/navy.yaml:3:9: error: parent: an entity cannot refer to itself",
    ]


# --- "never cited" is only said when it is sure --------------------------------------------


UNCITED = "sources/gazette.yaml", SOURCE.replace("The Bulletin", "The Gazette")


def test_uncited_source_is_reported(tmp_path: Path) -> None:
    assert lines(tmp_path, dict([UNCITED, ("sources/gazette.txt", "Nothing here.\n")])) == [
        "sources/gazette.yaml:1:1: warning: source 'gazette' is never cited (hint: cite it from a claim or remove it)",
    ]


def test_no_uncited_warning_when_a_file_failed_to_load(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = dict([UNCITED, ("sources/gazette.txt", "Nothing here.\n")])
    files["actors/navy.yaml"] = "name: a\nname: b\n"
    assert lines(tmp_path, files) == [
        "actors/navy.yaml:2:1: error: duplicate key 'name'; first at line 1"
        " (hint: each key may appear once; remove one of them)",
    ]


def test_citation_in_an_invalid_file_counts_even_when_it_is_invalid(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = dict([UNCITED, ("sources/gazette.txt", "Nothing here.\n")])
    files["actors/navy.yaml"] = "name: Navy\ntype: armed-force\nmentions:\n  - source: gazette\n    quote: ''\n"
    found = lines(tmp_path, files)
    assert found and not any("never cited" in line for line in found)


# --- did you mean an id ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("Aldoria", " (hint: did you mean 'aldoria'?)"),
        ("ALDORIA", " (hint: did you mean 'aldoria'?)"),
        ("NO", ""),
    ],
)
def test_reference_that_is_not_an_id_suggests_one(tmp_path: Path, value: str, hint: str) -> None:
    place = f"name: Port\ntype: city\ncountry: {value}\nmentions:\n" + citation()
    assert lines(tmp_path, {"places/port.yaml": place}) == [
        f"places/port.yaml:3:10: error: country: '{value}' is not an id: ids are lowercase letters, digits and"
        f" single hyphens{hint}",
    ]


def test_id_suggestion_is_only_among_the_right_kind(tmp_path: Path) -> None:
    place = "name: Port\ntype: city\nparent: Aldoria\nmentions:\n" + citation()
    assert lines(tmp_path, {"places/port.yaml": place})[0].endswith("single hyphens")


# --- wording -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("noun", "expected"),
    [("actor", "an actor"), ("exercise", "an exercise"), ("place", "a place"), ("place or actor", "a place or actor")],
)
def test_with_article(noun: str, expected: str) -> None:
    assert with_article(noun) == expected


def test_closest_passage_stays_in_one_paragraph() -> None:
    text = "Alpha beta gamma.\n\nDelta epsilon zeta eta theta iota kappa.\n"
    assert closest_passage(text, "gamma. Delta epsilon zeta omega") == "Delta epsilon zeta eta theta…"
    assert closest_passage(text, "gamma. Delta nothing") is None  # the only shared run crosses paragraphs


def test_closest_passage_is_aligned_with_the_quote() -> None:
    text = "One two three four five six seven eight nine ten."
    assert closest_passage(text, "four five sux seven") == "…four five six seven…"
    assert closest_passage(text, "One two three four five six seven eight nine tan.") == text


@pytest.mark.parametrize(
    "quote", ["Alpha beta", "beta gamma delta", "beta\ngamma", "delta epsilon", "zeta", "epsilon zeta"])
def test_quote_found_by_the_check_is_the_one_highlighted_whatever_the_whitespace(quote: str) -> None:
    text = "  Alpha\t beta\n\ngamma\xa0delta \u2003epsilon\u2028zeta  \nzeta\r\n"
    spans = quotes.find(text, quote)
    assert len(spans) == quotes.count(text, quote) >= 1
    assert [quotes.normalise(text[a:b]) for a, b in spans] == [quotes.normalise(quote)] * len(spans)
    assert not text[spans[0][0]].isspace() and not text[spans[0][1] - 1].isspace()


# --- quotes: word boundaries ----------------------------------------------------------------

OBSERVERS = "The mission sent unarmed observers. Observers’ reports: “We don’t know.” (Tidewater 2019)"


@pytest.mark.parametrize("quote", ["armed observers", "The mission sent unarmed observer", "Tidewater 201",
                                   "idewater 2019", "n’t know", "Observer"])
def test_quote_that_starts_or_ends_inside_a_word_does_not_stand(quote: str) -> None:
    assert quotes.count(OBSERVERS, quote) == 0
    assert quotes.find(OBSERVERS, quote) == []


@pytest.mark.parametrize("quote", ["unarmed observers", "observers.", "“We don’t know.”", "“We", "know.",
                                   ".” (Tidewater", "Observers’", "Observers", "(Tidewater 2019)", "2019", "’ reports"])
def test_quote_may_begin_or_end_with_punctuation_next_to_a_word(quote: str) -> None:
    assert quotes.count(OBSERVERS, quote) == 1
    (start, end), = quotes.find(OBSERVERS, quote)
    assert OBSERVERS[start:end] == quote


def test_prefix_and_suffix_are_whole_words_too() -> None:
    text = "two patrol boats and one patrol boat; four patrol boats"
    assert quotes.count(text, "patrol boats") == 2
    assert quotes.count(text, "patrol boats", prefix="two") == 1
    assert quotes.count(text, "patrol boats", prefix="wo") == 0
    assert quotes.count(text, "patrol boats", prefix="; four") == 1
    assert quotes.count(text, "patrol boats", prefix="oat; four") == 0
    assert quotes.count(text, "patrol boats", suffix="and one") == 1
    assert quotes.count(text, "patrol boats", suffix="and on") == 0
    assert quotes.find(text, "patrol boats", suffix="and one") == [(4, 16)]


def test_quote_inside_a_word_is_reported_with_the_words_it_stands_in(tmp_path: Path) -> None:
    actor = "name: Navy\ntype: armed-force\nmentions:\n" + citation(quote="Aldorian Navy will send two ship")
    assert lines(tmp_path, {"actors/navy.yaml": actor}) == [
        "actors/navy.yaml:5:12: error: mentions[0].quote: quote stands in the archived text of 'bulletin' only as"
        " part of longer words (hint: the text has 'Aldorian Navy will send two ships'; quote whole words)"
    ]


# --- quotes: Unicode ------------------------------------------------------------------------

NFC = "Le ministère a déclaré : « Ça suffit. » Ångström"
NFD = unicodedata.normalize("NFD", NFC)


@pytest.mark.parametrize(("text", "quote"), [(NFC, NFD), (NFD, NFC), (NFD, NFD)], ids=["nfd-quote", "nfd-text", "both"])
@pytest.mark.parametrize("words", ["ministère a déclaré", "déclaré", "Ça suffit.", "Ångström"])
def test_quote_matches_under_nfc_and_is_highlighted_at_its_original_offsets(text: str, quote: str, words: str) -> None:
    quote = unicodedata.normalize("NFC" if quote is NFC else "NFD", words)
    assert quotes.count(text, quote) == 1
    (start, end), = quotes.find(text, quote)
    assert unicodedata.normalize("NFC", text[start:end]) == unicodedata.normalize("NFC", words)


def test_nfd_text_is_highlighted_with_its_combining_marks() -> None:
    text = "Cafe\u0301 au lait, cafe\u0301"
    assert quotes.find(text, "Café") == [(0, 5)]  # the acute accent, after the e, belongs to the passage
    assert quotes.find(text, "café") == [(15, 20)]
    assert quotes.count(text, "Cafe") == 0  # the e with its accent is not an e


@pytest.mark.parametrize("word", [
    "Ångström",  # A + ring: one cluster, shorter in NFC
    "\u212bngstro\u0308m",  # ANGSTROM SIGN: NFC makes it U+00C5
    "\u1100\u1161\u11a8",  # Hangul jamo: one syllable in NFC
    "\u0958\u0301",  # DEVANAGARI LETTER QA: NFC decomposes it, longer
    "a\u0301\u0327b",  # two marks NFC reorders and composes in part
    "x\u0344y",  # COMBINING GREEK DIALYTIKA TONOS: two marks in NFC
])
def test_every_word_of_a_text_that_nfc_changes_is_found_where_it_stands(word: str) -> None:
    text = f"before {word} after\n{word}{word} {word}."
    norm = quotes.normalise(word)
    assert quotes.normalise(text).split() == [unicodedata.normalize("NFC", w) for w in text.split()]
    spans = quotes.find(text, norm)
    assert [quotes.normalise(text[a:b]) for a, b in spans] == [norm, norm]
    assert [text[a:b] for a, b in spans] == [word, word]


def test_no_break_spaces_count_as_whitespace() -> None:
    text = "on 20\u00a0May, 400\u202fpersonnel and 3\u2007ships"
    assert quotes.count(text, "on 20 May, 400 personnel and 3 ships") == 1
    assert quotes.count("on 20 May", "on 20\u00a0May") == 1


@pytest.mark.parametrize(("text", "quote", "hint"), [
    ("We don’t know.", "We don't know.",
     "differs at 'don’t': the text has U+2019 RIGHT SINGLE QUOTATION MARK where the quote has U+0027 APOSTROPHE"),
    ("He said “no” twice.", 'He said "no" twice.',
     "differs at '“no”': the text has U+201C LEFT DOUBLE QUOTATION MARK where the quote has U+0022 QUOTATION MARK;"
     " 1 more place differs"),
    ("on 20–23 May", "on 20-23 May",
     "differs at '20–23': the text has U+2013 EN DASH where the quote has U+002D HYPHEN-MINUS"),
    ("a well-known drill", "a well‑known drill",
     "differs at 'well-known': the text has U+002D HYPHEN-MINUS where the quote has U+2011 NON-BREAKING HYPHEN"),
    ("and so on… Then", "and so on... Then",
     "differs at 'on…': the text has U+2026 HORIZONTAL ELLIPSIS where the quote has 3 × U+002E FULL STOP"),
    ("the coun\u00adtry’s navy", "the country’s navy",
     "differs at 'coun<U+00AD>try’s': the text has U+00AD SOFT HYPHEN where the quote has nothing"),
    ("the country navy", "the coun\u200btry navy",
     "differs at 'country': the text has nothing where the quote has U+200B ZERO WIDTH SPACE"),
    ("Port of Vostrava", "Port оf Vostrava",
     "differs at 'of': the text has U+006F LATIN SMALL LETTER O where the quote has U+043E CYRILLIC SMALL LETTER O"),
])
def test_a_passage_that_looks_the_same_is_told_apart_by_the_character_that_differs(
        text: str, quote: str, hint: str) -> None:
    assert quotes.count(text, quote) == 0
    difference = quotes.lookalike(text, quote)
    assert difference is not None
    assert difference.describe() == hint


def test_lookalike_hint_is_given_by_the_check(tmp_path: Path) -> None:
    files = {"sources/bulletin.txt": TEXT.replace("a tug", "a ‘tug’"),
             "actors/navy.yaml": "name: Navy\ntype: armed-force\nmentions:\n" + citation(
                 quote="\"two ships and a 'tug'\"")}
    assert lines(tmp_path, files) == [
        "actors/navy.yaml:5:12: error: mentions[0].quote: quote not found verbatim in the archived text of"
        " 'bulletin' (hint: closest passage differs at '‘tug’.': the text has U+2018 LEFT SINGLE QUOTATION MARK"
        " where the quote has U+0027 APOSTROPHE; 1 more place differs)"
    ]


def test_a_passage_that_differs_in_a_letter_is_no_lookalike() -> None:
    assert quotes.lookalike("We don’t know.", "We won't know.") is None


# --- quotes: the closest passage in a long text ---------------------------------------------


def test_closest_passage_is_found_for_long_quotes_in_a_long_text(tmp_path: Path) -> None:
    found = hint_benchmark.write_project(tmp_path, megabytes=1.0, count=20, length=120)
    diagnostics = check(tmp_path / "content").diagnostics
    assert len(diagnostics) == len(found) == 20
    for quote, diagnostic in zip(found, diagnostics, strict=True):
        assert diagnostic.message.endswith("quote not found verbatim in the archived text of 'long-report'")
        words = quote.passage.split()
        if quote.kind in ("one-word", "every-fourth"):
            assert diagnostic.hint is not None and diagnostic.hint.startswith("closest passage: ")
            assert " ".join(words[3:-3]) in diagnostic.hint  # the passage it was made from, give or take a word
        elif quote.kind == "apostrophe":
            assert diagnostic.hint is not None
            assert diagnostic.hint.startswith("closest passage differs at 'don’t")
            assert "the text has U+2019 RIGHT SINGLE QUOTATION MARK where the quote has U+0027 APOSTROPHE" \
                in diagnostic.hint


def test_closest_passage_finds_a_quote_with_a_word_dropped_or_added() -> None:
    text = ("Filler words stand here first.\n\n" + "Noise noise noise. " * 50 + "\n\n"
            "The Aldorian Navy will send two patrol boats and a supply ship to the drill this spring.\n")
    assert closest_passage(text, "The Aldorian Navy will send patrol boats and a supply ship to the drill") \
        == "The Aldorian Navy will send two patrol boats and a supply ship to the drill…"
    assert closest_passage(text, "Navy will send two new patrol boats and a supply ship to the drill this spring.") \
        == "…Navy will send two patrol boats and a supply ship to the drill this spring."
