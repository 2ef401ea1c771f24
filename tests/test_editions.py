"""Editions leak test: a public build holds not one byte of what is marked above CLEAR.

The fixture ``tests/fixtures/editions/`` (its own mkdocs.yml and content/) mixes public
material with restricted material; every restricted thing carries a unique canary string
(``CANARY-…``, or ``canary-…`` where it is an id). There is one in every text field of
every content model (the list of fields is generated from briefgen/model.py, so a field
added later fails the test until the fixture plants one), public claims and citations
name withheld entities and sources through every reference field, and the copy of the
project built is a git repository whose commit subject is a canary. The public edition is built with PDFs,
and every byte of the output is scanned: every file's path and bytes, gunzipped files,
parsed JSON (search index, graph), and every PDF read back (page text, metadata,
attachments, outline, named destinations) and also raw, after ``qpdf --qdf`` has
decompressed every stream. Not one canary may turn up.

The scanner fails closed: the ``internal`` (RED) edition of the same fixture is built and
scanned the same way, and every canary must be found there, so a scanner that sees
nothing cannot pass. The ``partners`` (AMBER) edition sits between: AMBER canaries are
found, RED and AMBER+STRICT ones are not.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import typing
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from projects import FIXTURES, commit_all, graph_of, run, tool
from pydantic import BaseModel
from pypdf import PdfReader
from scanner import Scanner

from briefgen.check.link import Graph
from briefgen.check.pipeline import check
from briefgen.check.validate import Record, field_refs
from briefgen.cli import main
from briefgen.model import BOOK_KIND, KINDS, ActorRef, ClaimBase, Strict
from briefgen.site.editions import PUBLIC, Edition, redact, withholds
from briefgen.site.plan import plan

FIXTURE = FIXTURES / "editions"

AMBER_UNIT = "canary-unit-9c1d"
AMBER_BOOK = "canary-book-5b7e"
PUBLIC_BOOK = "public-overview"

COMMIT_SUBJECT = "CANARY-COMMIT-SUBJECT-4a1e"
"""The subject of the commit that adds the fixture to the git repository the project copy is made."""

#: Every canary planted in the fixture (and its git history), with what it marks and the least
#: restricted edition ("partners" = AMBER, "internal" = RED) allowed to show it.
CANARIES: dict[str, tuple[str, str]] = {
    # the AMBER unit, and public material that names it
    "CANARY-ENTITY-NAME-7f3a": ("name of the AMBER unit", "partners"),
    "CANARY-ALIAS-2b8e": ("alias of the AMBER unit", "partners"),
    "CANARY-ABBREV-44c1": ("abbreviation of the AMBER unit", "partners"),
    "CANARY-SUMMARY-5d0c": ("summary of the AMBER unit", "partners"),
    AMBER_UNIT: ("id (file name) of the AMBER unit, also a public exercise's participant", "partners"),
    "CANARY-UNIT-FUNCTION-0e9d": ("claim of the AMBER unit", "partners"),
    "canary-function-claim-e3a0": ("id of the AMBER unit's claim", "partners"),
    "CANARY-FUNCTION-NOTE-7a5c": ("note of the AMBER unit's claim", "partners"),
    "CANARY-FUNCTION-ASSESSMENT-7a5c": ("assessment of the AMBER unit's claim", "partners"),
    "canary-participant-claim-3d1e": ("id of a public participant claim about the AMBER unit", "partners"),
    "CANARY-PARTICIPANT-STRENGTH-5a2b": ("strength of a public participant claim about the AMBER unit",
                                         "partners"),
    "CANARY-DESCRIBED-AS-8c4f": ("'named as' of a public participant claim about the AMBER unit", "partners"),
    "CANARY-PARTICIPANT-NOTE-1e6a": ("note of a public participant claim about the AMBER unit", "partners"),
    "CANARY-PARTICIPANT-ASSESSMENT-1e6a": ("assessment of a public participant claim about the AMBER unit", "partners"),
    "CANARY-PARTICIPANT-VOICE-7b3c": ("voice of a public participant claim about the AMBER unit", "partners"),
    "canary-equipment-claim-0d9b": ("id of public equipment of the AMBER unit", "partners"),
    "CANARY-EQUIPMENT-VALUE-e2c4": ("value of public equipment of the AMBER unit", "partners"),
    "CANARY-EQUIPMENT-NOTE-7f81": ("note of public equipment of the AMBER unit", "partners"),
    "CANARY-EQUIPMENT-ASSESSMENT-7f81": ("assessment of public equipment of the AMBER unit", "partners"),
    "canary-member-claim-7c2d": ("id of a public member claim about the AMBER unit", "partners"),
    "CANARY-MEMBER-NOTE-e49b": ("note of a public member claim about the AMBER unit", "partners"),
    "CANARY-MEMBER-ASSESSMENT-e49b": ("assessment of a public member claim about the AMBER unit", "partners"),
    "CANARY-MEMBER-VOICE-1f5a": ("voice of a public member claim about the AMBER unit", "partners"),
    # the GREEN place, and public material that names it
    "CANARY-GREEN-NAME-c3e8": ("name of the GREEN place", "partners"),
    "CANARY-GREEN-ALIAS-70b2": ("alias of the GREEN place", "partners"),
    "CANARY-GREEN-SUMMARY-e815": ("summary of the GREEN place", "partners"),
    "canary-green-anchorage-a41b": ("id of the GREEN place", "partners"),
    "canary-coordinates-claim-4d2a": ("id of the GREEN place's coordinates", "partners"),
    "CANARY-COORDINATES-NOTE-b9e6": ("note of the GREEN place's coordinates", "partners"),
    "CANARY-COORDINATES-ASSESSMENT-b9e6": ("assessment of the GREEN place's coordinates", "partners"),
    "canary-location-claim-61f0": ("id of a public location claim naming the GREEN place", "partners"),
    "CANARY-LOCATION-NOTE-2a7d": ("note of a public location claim naming the GREEN place", "partners"),
    "CANARY-LOCATION-ASSESSMENT-2a7d": ("assessment of a public location claim naming the GREEN place", "partners"),
    "CANARY-LOCATION-VOICE-c09e": ("voice of a public location claim naming the GREEN place", "partners"),
    "canary-borders-claim-0f3c": ("id of a public borders claim naming the GREEN place", "partners"),
    "CANARY-BORDERS-NOTE-6c1b": ("note of a public borders claim naming the GREEN place", "partners"),
    "CANARY-BORDERS-ASSESSMENT-6c1b": ("assessment of a public borders claim naming the GREEN place", "partners"),
    "canary-established-claim-3a8f": ("id of a public mechanism's founding at the GREEN place", "partners"),
    "CANARY-ESTABLISHED-BY-6d0e": ("founder in a public mechanism's founding at the GREEN place", "partners"),
    "CANARY-ESTABLISHED-NOTE-b1c7": ("note of a public mechanism's founding at the GREEN place", "partners"),
    "CANARY-ESTABLISHED-ASSESSMENT-b1c7": ("assessment of a public founding at the GREEN place", "partners"),
    # the AMBER state: the country of a public place
    "canary-state-8e5a": ("id of the AMBER state, a public place's country", "partners"),
    "CANARY-STATE-NAME-2b7f": ("name of the AMBER state", "partners"),
    "CANARY-STATE-SUMMARY-9d04": ("summary of the AMBER state", "partners"),
    # the AMBER exercise: the forerunner of a public one
    "canary-drill-6d4b": ("id of the AMBER exercise, a public exercise's forerunner", "partners"),
    "CANARY-EXERCISE-NAME-1a9f": ("name of the AMBER exercise", "partners"),
    "CANARY-EXERCISE-ALIAS-77e0": ("alias of the AMBER exercise", "partners"),
    "CANARY-EXERCISE-SUMMARY-c6b1": ("summary of the AMBER exercise", "partners"),
    "canary-status-claim-2f4c": ("id of the AMBER exercise's status", "partners"),
    "CANARY-STATUS-NOTE-0b8e": ("note of the AMBER exercise's status", "partners"),
    "CANARY-STATUS-ASSESSMENT-0b8e": ("assessment of the AMBER exercise's status", "partners"),
    "canary-date-claim-9e1d": ("id of the AMBER exercise's date", "partners"),
    "CANARY-DATE-NOTE-4c7a": ("note of the AMBER exercise's date", "partners"),
    "CANARY-DATE-ASSESSMENT-4c7a": ("assessment of the AMBER exercise's date", "partners"),
    "canary-duration-claim-6a3b": ("id of the AMBER exercise's duration", "partners"),
    "CANARY-DURATION-NOTE-d5f9": ("note of the AMBER exercise's duration", "partners"),
    "CANARY-DURATION-ASSESSMENT-d5f9": ("assessment of the AMBER exercise's duration", "partners"),
    "canary-strength-claim-8b2e": ("id of the AMBER exercise's strength", "partners"),
    "CANARY-STRENGTH-UNIT-31aa": ("unit of the AMBER exercise's strength", "partners"),
    "CANARY-STRENGTH-NOTE-f0c3": ("note of the AMBER exercise's strength", "partners"),
    "CANARY-STRENGTH-ASSESSMENT-f0c3": ("assessment of the AMBER exercise's strength", "partners"),
    "canary-text-claim-5e6d": ("id of the AMBER exercise's purpose", "partners"),
    "CANARY-TEXT-VALUE-a8b0": ("value of the AMBER exercise's purpose", "partners"),
    "CANARY-TEXT-NOTE-2d1f": ("note of the AMBER exercise's purpose", "partners"),
    "CANARY-TEXT-ASSESSMENT-2d1f": ("assessment of the AMBER exercise's purpose", "partners"),
    "canary-previous-claim-a3e7": ("id of a public claim that the AMBER exercise came before", "partners"),
    "CANARY-PREVIOUS-NOTE-58c2": ("note of a public claim that the AMBER exercise came before", "partners"),
    "CANARY-PREVIOUS-ASSESSMENT-58c2": ("assessment of a public claim that the AMBER exercise came before", "partners"),
    # the AMBER mechanism: the framework of a public exercise
    "canary-pact-2e8f": ("id of the AMBER mechanism, a public exercise's framework", "partners"),
    "CANARY-MECHANISM-NAME-5b3d": ("name of the AMBER mechanism", "partners"),
    "CANARY-MECHANISM-SUMMARY-0e7c": ("summary of the AMBER mechanism", "partners"),
    "canary-pact-member-claim-9a4e": ("id of the AMBER mechanism's member claim", "partners"),
    "CANARY-PACT-MEMBER-NOTE-c2f8": ("note of the AMBER mechanism's member claim", "partners"),
    "CANARY-PACT-MEMBER-ASSESSMENT-c2f8": ("assessment of the AMBER mechanism's member claim", "partners"),
    "canary-pact-established-claim-d7b0": ("id of the AMBER mechanism's founding", "partners"),
    "CANARY-PACT-FOUNDER-4e9a": ("founder of the AMBER mechanism", "partners"),
    "CANARY-PACT-ESTABLISHED-NOTE-81d3": ("note of the AMBER mechanism's founding", "partners"),
    "CANARY-PACT-ESTABLISHED-ASSESSMENT-81d3": ("assessment of the AMBER mechanism's founding", "partners"),
    "canary-framework-claim-4b6a": ("id of a public claim naming the AMBER mechanism", "partners"),
    "CANARY-FRAMEWORK-NOTE-93d5": ("note of a public claim naming the AMBER mechanism", "partners"),
    "CANARY-FRAMEWORK-ASSESSMENT-93d5": ("assessment of a public claim naming the AMBER mechanism", "partners"),
    # claims and citations marked on public entities
    "CANARY-AMBER-CLAIM-4e1f": ("AMBER claim on the public exercise", "partners"),
    "CANARY-ONLY-AMBER-CITED-9d2c": ("public claim whose only citation is AMBER", "partners"),
    "CANARY-STRICT-CLAIM-b7a3": ("AMBER+STRICT claim on the public exercise", "internal"),
    "CANARY-PARTIAL-NOTE-b4d6": ("note of a public claim that keeps one of its three citations", "internal"),
    "CANARY-PARTIAL-ASSESSMENT-b4d6": ("assessment of a public claim keeping one of three citations", "internal"),
    # the AMBER book
    "CANARY-BOOK-TITLE-2d9f": ("title of the AMBER briefing book", "partners"),
    "CANARY-BOOK-SUBTITLE-8f61": ("subtitle of the AMBER briefing book", "partners"),
    AMBER_BOOK: ("id of the AMBER briefing book", "partners"),
    # the RED source, and citations of it
    "canary-red-source-3f9e": ("id of the RED source", "internal"),
    "CANARY-SOURCE-NAME-6a2d": ("name of the RED source", "internal"),
    "CANARY-SOURCE-TITLE-0b5c": ("title of the RED source", "internal"),
    "CANARY-SOURCE-PUBLISHER-71d0": ("publisher of the RED source", "internal"),
    "CANARY-SOURCE-AUTHOR-3c5e": ("author of the RED source", "internal"),
    "CANARY-SOURCE-RELIABILITY-NOTE-5e2a": ("why the RED source is graded so", "internal"),
    "CANARY-SOURCE-NOTES-e5f2": ("notes of the RED source", "internal"),
    "CANARY-ARCHIVED-TEXT-9e4a": ("archived text of the RED source", "internal"),
    "CANARY-RED-QUOTE-8a6b": ("quote of the AMBER citation from the RED source", "internal"),
    "CANARY-VOICE-1c7d": ("voice of the AMBER citation from the RED source", "internal"),
    "CANARY-CITED-QUOTE-6e2d": ("quote of a public citation from the RED source", "internal"),
    "CANARY-PREFIX-4f0a": ("prefix of a public citation from the RED source", "internal"),
    "CANARY-SUFFIX-9b7c": ("suffix of a public citation from the RED source", "internal"),
    "CANARY-CITED-VOICE-05ab": ("voice of a public citation from the RED source", "internal"),
    "CANARY-MENTION-QUOTE-d81c": ("quote of a public mention from the RED source", "internal"),
    "CANARY-TRANSLATION-5c3e": ("translation of a public citation from the RED source", "internal"),
    "CANARY-TRANSLATOR-a27d": ("translator of a public citation from the RED source", "internal"),
    "CANARY-VIA-NAME-0f6b": ("whom a public citation from the RED source relays", "internal"),
    "CANARY-SOURCE-URL-3b1f": ("address of the RED source", "internal"),
    "CANARY-ARCHIVE-URL-8d2e": ("archived copy of the RED source", "internal"),
    "CANARY-ORIGIN-NAME-6f4a": ("name of the original the RED source relays", "internal"),
    "CANARY-ORIGIN-PUBLISHER-2c9b": ("publisher of the original the RED source relays", "internal"),
    "CANARY-ORIGIN-URL-7e1d": ("address of the original the RED source relays", "internal"),
    "CANARY-FROM-QUOTE-4a8c": ("where the RED source's relayed part starts", "internal"),
    # git history: anything withheld hides every commit subject
    COMMIT_SUBJECT: ("subject of a commit, shown only by an edition that withholds nothing", "internal"),
}
AMBER_CANARIES = {c for c, (_, edition) in CANARIES.items() if edition == "partners"}
RED_CANARIES = set(CANARIES) - AMBER_CANARIES
ABOUT = {c: what for c, (what, _) in CANARIES.items()}


def build(project: Path, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run([*tool("briefgen"), "build", "-q", "-f", "mkdocs.yml", "-d", str(out), *args], cwd=project,
               timeout=180)


# --- builds ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the fixture project (builds write a PDF cache beside mkdocs.yml)."""
    root = tmp_path_factory.mktemp("editions") / "project"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns(".briefgen-cache", "site"))
    commit_all(root, f"Add the edition fixture ({COMMIT_SUBJECT})")
    return root


@pytest.fixture(scope="module")
def sites(project: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The public, partners and internal editions, each built with PDFs."""
    out = tmp_path_factory.mktemp("editions-out")
    built = {}
    for edition in ("public", "partners", "internal"):
        site = out / edition / "site"
        done = build(project, site, "--edition", edition)
        assert done.returncode == 0, f"{edition} build failed:\n{done.stdout}{done.stderr}"
        built[edition] = site
    return built


@pytest.fixture(scope="module")
def scans(sites: dict[str, Path]) -> dict[str, Scanner]:
    return {edition: Scanner(CANARIES, ABOUT).tree(site) for edition, site in sites.items()}


# --- the fixture plants a canary in every free-text field -----------------------------------------

#: Text fields whose syntax admits no canary.
def _subclasses(cls: type) -> list[type]:
    return [sub for direct in cls.__subclasses__() for sub in (direct, *_subclasses(direct))]


CLAIM_MODELS = [c for c in _subclasses(ClaimBase) if "property" in c.model_fields]
NO_CANARY: dict[str, str] = {
    "DateClaim.value": "an EDTF date",
    "EstablishedClaim.value": "an EDTF date",
    "Source.date": "an EDTF date or 'unknown'",
    "BriefBook.as_of": "an EDTF day",
    "Source.language": "a language tag",
    "Source.retrieved": "an EDTF day",
    "DerivedFrom.date": "an EDTF date",
    "Alias.lang": "a language tag",
    **{f"{claim.__name__}.as_of": "an EDTF date" for claim in CLAIM_MODELS},
}
_CANARY_TEXT = re.compile(r"CANARY-[A-Z0-9]+(?:-[A-Z0-9]+)*-[0-9a-f]{4}|canary-[a-z0-9]+(?:-[a-z0-9]+)*-[0-9a-f]{4}")


def content_models() -> list[type[BaseModel]]:
    """Every model a content file holds, found by walking the field types of each kind's model."""
    found: list[type[BaseModel]] = []

    def visit(annotation: Any) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if annotation not in found:
                found.append(annotation)
                for info in annotation.model_fields.values():
                    visit(info.annotation)
            return
        for arg in typing.get_args(annotation):
            visit(arg)

    for kind in (*KINDS, BOOK_KIND):
        visit(kind.model)
    return found


def _holds_str(annotation: Any) -> bool:
    if annotation is str:
        return True
    if typing.get_origin(annotation) is typing.Literal:
        return False
    return any(_holds_str(a) for a in typing.get_args(annotation))


def text_fields(cls: type[BaseModel]) -> list[str]:
    """Fields of ``cls`` that hold words (a str, or a list of them), other than references and those in NO_CANARY."""
    return [name for name, info in cls.model_fields.items()
            if _holds_str(info.annotation) and not field_refs(info) and f"{cls.__name__}.{name}" not in NO_CANARY]


def ref_fields(cls: type[BaseModel]) -> list[str]:
    return [name for name, info in cls.model_fields.items() if field_refs(info)]


def _has_canary(value: Any) -> bool:
    return any(_has_canary(v) for v in value) if isinstance(value, list) else "canary" in str(value).lower()


@pytest.fixture(scope="module")
def planted() -> tuple[list[tuple[BaseModel, bool]], set[str]]:
    """Every model instance of the fixture (each with whether it and all around it are CLEAR), and the ids of
    the entities the public edition withholds."""
    result = check(FIXTURE / "content")
    assert result.graph is not None
    found: list[tuple[BaseModel, bool]] = []

    def walk(model: BaseModel, public: bool) -> None:
        public = public and PUBLIC.allows(getattr(model, "marking", None))
        found.append((model, public))
        for name in type(model).model_fields:
            value = getattr(model, name)
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, BaseModel):
                    walk(item, public)

    for record in result.graph.entities.values():
        walk(record.model, True)
    for _, book in result.books:
        walk(book, PUBLIC.allows(book.edition))
    withheld = {i for i, r in result.graph.entities.items() if not PUBLIC.allows(getattr(r.model, "marking", None))}
    return found, withheld


def test_fixture_has_a_canary_in_every_text_field_of_every_model(planted) -> None:  # type: ignore[no-untyped-def]
    """Generated from the models: a text field added to model.py fails here until the fixture plants a canary in it."""
    instances, _ = planted
    models = content_models()
    assert {"Citation", "Alias", "BookScope", "ParticipantClaim", "EstablishedClaim"} <= {m.__name__ for m in models}
    missing = [f"{cls.__name__}.{name}" for cls in models for name in text_fields(cls)
               if not any(_has_canary(getattr(m, name)) for m, _ in instances if type(m) is cls)]
    assert not missing, f"no canary planted in: {missing}"
    every = {f"{cls.__name__}.{name}" for cls in models for name, info in cls.model_fields.items()
             if _holds_str(info.annotation)}
    assert set(NO_CANARY) <= every, f"stale NO_CANARY entries: {sorted(set(NO_CANARY) - every)}"


#: Models that redaction rewrites rather than withholds when they name something withheld: a source's
#: ``derived_from`` then names "a source not in this edition" (its copies still count as one origin), and
#: keeps only its relation and ``from_quote``, words of the public source's own text.
REWRITTEN = {"DerivedFrom"}


def test_fixture_has_public_material_about_something_withheld_for_every_reference_field(planted) -> None:  # type: ignore[no-untyped-def]
    """For each reference field, public material that names a withheld entity through it: for a claim or a
    citation, one that would be kept but for that reference, with a canary in each of its text fields."""
    instances, withheld = planted
    entity_models = {k.model for k in KINDS}
    missing = []
    for cls in content_models():
        for name in ref_fields(cls):
            def names_withheld(m: BaseModel, name: str = name) -> bool:
                value = getattr(m, name)
                return any(v in withheld for v in (value if isinstance(value, list) else [value]))

            found = [m for m, public in instances if type(m) is cls and public and names_withheld(m)]
            if cls not in entity_models and cls.__name__ not in REWRITTEN:
                found = [m for m in found if all(_has_canary(getattr(m, t)) for t in text_fields(cls))]
            if issubclass(cls, ClaimBase):
                found = [m for m in found if any(PUBLIC.allows(c.marking) and c.source not in withheld
                                                 for c in m.sources)]
            if not found:
                missing.append(f"{cls.__name__}.{name}")
    assert not missing, f"no public material names a withheld entity through: {missing}"


def test_canaries_are_the_ones_planted(planted) -> None:  # type: ignore[no-untyped-def]
    """CANARIES lists every canary in the fixture's files (and no other), every withheld id is one, and no
    canary holds another (which would make one hit count for two)."""
    _, withheld = planted
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted((FIXTURE / "content").rglob("*")) if p.is_file())
    names = [p.stem for p in (FIXTURE / "content").rglob("*.yaml")]
    in_fixture = set(_CANARY_TEXT.findall(text)) | {n for n in names if n.startswith("canary-")}
    assert in_fixture == set(CANARIES) - {COMMIT_SUBJECT}, sorted(in_fixture ^ (set(CANARIES) - {COMMIT_SUBJECT}))
    assert withheld <= set(CANARIES), sorted(withheld - set(CANARIES))
    nested = [(a, b) for a in CANARIES for b in CANARIES if a != b and a.lower() in b.lower()]
    assert not nested, nested


# --- the leak test --------------------------------------------------------------------------------


def test_fixture_checks_clean(project: Path) -> None:
    """The fixture itself is valid: what follows tests redaction, not diagnostics."""
    result = CliRunner().invoke(main, ["check", "--strict", str(project / "content")])
    assert result.exit_code == 0, result.output


@pytest.mark.slow
def test_scanner_covers_every_kind_of_output(sites: dict[str, Path], scans: dict[str, Scanner]) -> None:
    public = sites["public"]
    for name in ("pagefind/pagefind-entry.json", "sitemap.xml", "sitemap.xml.gz", "graph.json", "index.html",
                 f"pdf/books/{PUBLIC_BOOK}.pdf", "pdf/tidewater-2019.pdf"):
        assert (public / name).is_file(), f"public build has no {name}"
    assert scans["public"].pdfs >= 6, "the scanner read too few PDFs"


@pytest.mark.slow
def test_public_edition_leaks_no_canary(scans: dict[str, Scanner]) -> None:
    leaks = scans["public"].report()
    assert not leaks, f"restricted material in the public edition:\n{leaks}"


@pytest.mark.slow
def test_internal_edition_shows_every_canary(scans: dict[str, Scanner]) -> None:
    """Fail closed: the same scanner finds every canary where it is allowed (so it does see)."""
    missing = sorted(set(CANARIES) - set(scans["internal"].hits))
    assert not missing, f"the scanner did not find these in the RED edition: {missing}"


@pytest.mark.slow
def test_internal_edition_canaries_are_found_in_pdfs_too(scans: dict[str, Scanner]) -> None:
    """The PDF reading half of the scanner works on its own (text, attachments, metadata)."""
    hits = scans["internal"].hits
    assert any(" page " in w for w in hits["CANARY-ENTITY-NAME-7f3a"]), hits["CANARY-ENTITY-NAME-7f3a"]
    assert any("attachment" in w for w in hits["CANARY-ARCHIVED-TEXT-9e4a"]), hits["CANARY-ARCHIVED-TEXT-9e4a"]
    assert any("metadata /Title" in w for w in hits["CANARY-BOOK-TITLE-2d9f"]), hits["CANARY-BOOK-TITLE-2d9f"]
    # attachments are compressed streams: only the qpdf pass reads them raw
    summary = hits["CANARY-SUMMARY-5d0c"]
    assert f"pdf/{AMBER_UNIT}.pdf (all streams decompressed)" in summary, summary


@pytest.mark.slow
def test_partners_edition_shows_amber_and_hides_red(scans: dict[str, Scanner]) -> None:
    hits = scans["partners"].hits
    leaks = scans["partners"].report(RED_CANARIES & set(hits))
    assert not leaks, f"RED or AMBER+STRICT material in the AMBER edition:\n{leaks}"
    missing = sorted(AMBER_CANARIES - set(hits))
    assert not missing, f"AMBER material missing from the AMBER edition: {missing}"


# --- what the public edition shows instead --------------------------------------------------------


def _pages(site: Path) -> list[Path]:
    # 404.html is the theme's own page, not one of briefgen's
    return sorted(site.rglob("index.html"))


@pytest.mark.slow
def test_every_public_page_shows_tlp_clear(sites: dict[str, Path]) -> None:
    pages = _pages(sites["public"])
    assert len(pages) >= 10
    unmarked = [p.relative_to(sites["public"]).as_posix() for p in pages
                if "TLP:CLEAR" not in p.read_text(encoding="utf-8")]
    assert not unmarked, f"pages without TLP:CLEAR: {unmarked}"
    for edition, marking in (("partners", "TLP:AMBER"), ("internal", "TLP:RED")):
        for page in _pages(sites[edition]):
            assert marking in page.read_text(encoding="utf-8"), f"{edition}: {page} lacks {marking}"


@pytest.mark.slow
def test_every_public_pdf_page_shows_tlp_clear(sites: dict[str, Path]) -> None:
    pdfs = sorted((sites["public"] / "pdf").rglob("*.pdf"))
    assert pdfs
    for path in pdfs:
        for number, page in enumerate(PdfReader(path).pages, start=1):
            text = page.extract_text() or ""
            assert "TLP:CLEAR" in text, f"{path.name} page {number} lacks TLP:CLEAR"
            assert "TLP:AMBER" not in text and "TLP:RED" not in text


@pytest.mark.slow
def test_claim_about_a_withheld_entity_is_withheld_whole(sites: dict[str, Path]) -> None:
    """A public claim naming the AMBER unit goes with all it says; a public unit's parent field goes too."""
    html = (sites["public"] / "exercises" / "tidewater-2019" / "index.html").read_text(encoding="utf-8")
    assert "an entity not in this edition" not in html and "bg-withheld" not in html
    assert "actors/canary" not in html.lower()
    graph = json.loads((sites["public"] / "graph.json").read_text(encoding="utf-8"))
    participants = [c["value"] for c in graph["entities"]["tidewater-2019"]["claims"] if c["property"] == "participant"]
    assert participants == ["aldoria", "aldorian-navy"]
    squadron = (sites["public"] / "actors" / "third-patrol-squadron" / "index.html").read_text(encoding="utf-8")
    assert "Part of" not in squadron and "parent" not in graph["entities"]["third-patrol-squadron"]
    internal = json.loads((sites["internal"] / "graph.json").read_text(encoding="utf-8"))
    assert AMBER_UNIT in [c["value"] for c in internal["entities"]["tidewater-2019"]["claims"]]
    assert internal["entities"]["third-patrol-squadron"]["parent"] == AMBER_UNIT


def test_redaction_in_the_graph(tmp_path: Path) -> None:
    """What redact leaves of each kind of thing that names something withheld, read from the graph itself."""
    content = tmp_path / "content"
    shutil.copytree(FIXTURE / "content", content)
    drill = content / "exercises" / "tidewater-2019.yaml"
    old = "    strength: two patrol boats\n    sources:\n"
    text = drill.read_text(encoding="utf-8")
    assert text.count(old) == 1, "fixture changed"
    drill.write_text(text.replace(old, (
        "    strength: two patrol boats\n    described_as: the navy\n    note: counted by the gazette\n    sources:\n"
        "      - source: coastal-gazette\n        quote: The Aldorian Navy\n        credibility: 2\n"
        "        marking: AMBER\n")), encoding="utf-8")
    result = check(content)
    assert result.graph is not None, result.diagnostics
    graph = result.graph
    public, partners = redact(graph, PUBLIC), redact(graph, Edition("partners", "AMBER"))

    def claims(g: Graph, entity_id: str, prop: str) -> list[Any]:
        return [c for c in g.entities[entity_id].model.claims if c.property == prop]  # type: ignore[attr-defined]

    # a claim that names a withheld entity goes whole, whatever kind it is
    assert [c.value for c in claims(public, "tidewater-2019", "participant")] == ["aldoria", "aldorian-navy"]
    for entity_id, prop in (("tidewater-2019", "location"), ("tidewater-2019", "equipment"),
                            ("tidewater-2019", "framework"), ("tidewater-2019", "previous"),
                            ("harbour-pact", "member"), ("harbour-pact", "established"), ("vostrava", "borders")):
        kept = claims(public, entity_id, prop)
        assert not any(_has_canary(c.model_dump()) for c in kept), (entity_id, prop, kept)
        assert len(kept) < len(claims(graph, entity_id, prop)), (entity_id, prop)
        assert claims(partners, entity_id, prop) == claims(graph, entity_id, prop), (entity_id, prop)
    # a claim that keeps only some of its citations keeps its value, not its optional free text
    navy = claims(public, "tidewater-2019", "participant")[1]
    assert (navy.value, navy.strength, navy.described_as, navy.note) == ("aldorian-navy", None, None, None)
    assert [c.source for c in navy.sources] == ["coastal-gazette"] and navy.sources[0].marking is None
    assert claims(partners, "tidewater-2019", "participant")[1].described_as == "the navy"
    scenario = claims(public, "tidewater-2019", "scenario")[0]
    assert scenario.value == claims(graph, "tidewater-2019", "scenario")[0].value and scenario.note is None
    # an entity's own reference to a withheld entity is left out; the entity stays
    assert public.entities["third-patrol-squadron"].model.parent is None  # type: ignore[attr-defined]
    quay = public.entities["north-quay"].model
    assert (quay.parent, quay.country) == (None, None)  # type: ignore[attr-defined]
    assert partners.entities["north-quay"].model.country == "canary-state-8e5a"  # type: ignore[attr-defined]
    # no link, backlink or text is left that names a withheld entity
    assert all(link.source in public.entities and link.target in public.entities for link in public.links)
    assert set(public.backlinks) <= set(public.entities) and set(public.texts) <= set(public.entities)
    # an edition of everything holds the very same models
    everything = redact(graph, Edition("internal", "RED"))
    assert all(everything.entities[i].model is r.model for i, r in graph.entities.items())
    assert not withholds(graph, everything, result.books, Edition("internal", "RED"))
    assert withholds(graph, public, result.books, PUBLIC)


def test_a_required_reference_cannot_be_left_out() -> None:
    """Redaction leaves out an entity's reference to a withheld entity; a required one would leave an invalid
    model, so redacting a graph holding one is an error (the content models have none: each is optional)."""
    class Pinned(Strict):
        name: str
        anchor: ActorRef

    graph = graph_of(FIXTURE / "content")
    holder = graph.entities["aldoria"]
    pinned = Record("pinned", holder.kind, holder.path, holder.doc, Pinned(name="x", anchor=AMBER_UNIT))
    with_pin = replace(graph, entities={**graph.entities, "pinned": pinned})
    with pytest.raises(TypeError, match=r"Pinned\.anchor is a required reference"):
        redact(with_pin, PUBLIC)
    assert redact(with_pin, Edition("partners", "AMBER")).entities["pinned"].model.anchor == AMBER_UNIT  # type: ignore[attr-defined]


@pytest.mark.slow
def test_withheld_entities_have_no_pages_or_briefs(sites: dict[str, Path]) -> None:
    public = sites["public"]
    assert not (public / "actors" / AMBER_UNIT).exists()
    assert not (public / "pdf" / f"{AMBER_UNIT}.pdf").exists()
    assert not (public / "places" / "canary-green-anchorage-a41b").exists()
    assert not (public / "sources" / "canary-red-source-3f9e").exists()
    internal = sites["internal"]
    assert (internal / "actors" / AMBER_UNIT / "index.html").is_file()
    assert (internal / "pdf" / f"{AMBER_UNIT}.pdf").is_file()


@pytest.mark.slow
def test_claim_resting_only_on_an_amber_citation_is_gone(sites: dict[str, Path]) -> None:
    html = (sites["public"] / "exercises" / "tidewater-2019" / "index.html").read_text(encoding="utf-8")
    assert 'id="p-type"' not in html, "the Type section survives though its only citation was AMBER"
    assert 'id="p-purpose"' not in html and 'id="p-significance"' not in html
    # the claim with a CLEAR and an AMBER citation stays, with the CLEAR one only
    assert 'id="p-scenario"' in html
    assert "raiders arriving by sea" in html
    graph = json.loads((sites["public"] / "graph.json").read_text(encoding="utf-8"))
    scenario = [c for c in graph["entities"]["tidewater-2019"]["claims"] if c["property"] == "scenario"]
    assert [s["source"] for s in scenario[0]["sources"]] == ["coastal-gazette"]
    internal = (sites["internal"] / "exercises" / "tidewater-2019" / "index.html").read_text(encoding="utf-8")
    assert 'id="p-type"' in internal and "CANARY-ONLY-AMBER-CITED-9d2c" in internal


@pytest.mark.slow
def test_books_by_edition(sites: dict[str, Path]) -> None:
    public, partners = sites["public"], sites["partners"]
    assert (public / "pdf" / "books" / f"{PUBLIC_BOOK}.pdf").is_file()
    assert not (public / "pdf" / "books" / f"{AMBER_BOOK}.pdf").exists(), "the AMBER book was built in public"
    home = (public / "index.html").read_text(encoding="utf-8")
    assert f"pdf/books/{PUBLIC_BOOK}.pdf" in home
    assert (partners / "pdf" / "books" / f"{AMBER_BOOK}.pdf").is_file()
    assert f"pdf/books/{AMBER_BOOK}.pdf" in (partners / "index.html").read_text(encoding="utf-8")
    book = PdfReader(partners / "pdf" / "books" / f"{AMBER_BOOK}.pdf")
    assert all("TLP:AMBER" in (p.extract_text() or "") for p in book.pages)


@pytest.mark.slow
def test_public_book_listing_an_amber_id_does_not_leak_it(project: Path, tmp_path: Path) -> None:
    """A CLEAR book whose scope names the AMBER unit: refused by check, or built without any trace of it.

    The book's definition is attached to its PDF, so a scope id copied as written would leak.
    """
    copy = tmp_path / "project"
    shutil.copytree(project, copy, ignore=shutil.ignore_patterns(".briefgen-cache"))
    book = copy / "content" / "briefs" / f"{PUBLIC_BOOK}.yaml"
    book.write_text(book.read_text(encoding="utf-8").replace(
        "  kinds: [exercise, actor, place]\n", f"  kinds: [exercise, actor, place]\n  ids: [{AMBER_UNIT}]\n"),
        encoding="utf-8")
    out = tmp_path / "pdf"
    done = run([*tool("briefgen"), "pdf", PUBLIC_BOOK, "-o", str(out)], cwd=copy)
    if done.returncode != 0:
        assert done.returncode == 1, done.stdout + done.stderr
        assert AMBER_UNIT in done.stdout + done.stderr, "a refusal should name the id"
        return
    scanner = Scanner(CANARIES, ABOUT).tree(out)
    assert scanner.pdfs == 1
    leaks = scanner.report()
    assert not leaks, f"the public book leaks:\n{leaks}"


# --- commit subjects: shown only where nothing is withheld -------------------------------------------

#: One thing of each kind marked AMBER in a copy of the fixture where everything else is CLEAR.
WITHHOLD_ONE: dict[str, tuple[str, str, str]] = {
    "entity": ("actors/canary-unit-9c1d.yaml", "type: unit\n", "type: unit\nmarking: AMBER\n"),
    "claim": ("exercises/tidewater-2019.yaml", "  - property: purpose\n",
              "  - property: purpose\n    marking: AMBER\n"),
    "citation": ("exercises/tidewater-2019.yaml", "        voice: CANARY-VOICE-1c7d\n",
                 "        voice: CANARY-VOICE-1c7d\n        marking: AMBER\n"),
    "source": ("sources/canary-red-source-3f9e.yaml", "reliability: B\n", "reliability: B\nmarking: AMBER\n"),
    "book": ("briefs/canary-book-5b7e.yaml", "edition: CLEAR", "edition: AMBER"),
}


@pytest.mark.parametrize("kind", [None, *WITHHOLD_ONE])
def test_commit_subjects_are_hidden_when_anything_of_any_kind_is_withheld(kind: str | None, tmp_path: Path) -> None:
    """Commit subjects are free text about any file: one withheld entity, claim, citation, source or book hides
    them all (dates and hashes stay); with nothing withheld they are shown."""
    project = tmp_path / "project"
    shutil.copytree(FIXTURE, project, ignore=shutil.ignore_patterns(".briefgen-cache", "site"))
    for path in (project / "content").rglob("*.yaml"):
        text = re.sub(r"^ *marking: .*\n", "", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
        path.write_text(text.replace("edition: AMBER", "edition: CLEAR"), encoding="utf-8")
    if kind is not None:
        name, old, new = WITHHOLD_ONE[kind]
        path = project / "content" / name
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"fixture changed: {old!r} in {name}"
        path.write_text(text.replace(old, new), encoding="utf-8")
    commit_all(project, f"Add the edition fixture ({COMMIT_SUBJECT})")
    site, result = plan(project / "content", project, edition=PUBLIC)
    assert site is not None, result.diagnostics
    shown = "".join(site.pages[uri].body("../../") for uri in site.pages)
    assert "<time" in shown, "the history (dates and hashes) is shown"
    if kind is None:
        assert COMMIT_SUBJECT in shown, "an edition that withholds nothing shows commit subjects"
    else:
        assert COMMIT_SUBJECT not in shown, f"commit subjects shown though a {kind} is withheld"


# --- markings are TLP 2.0 words, exactly ------------------------------------------------------------


MARKING_CASES = {
    "entity-lowercase": ("actors/canary-unit-9c1d.yaml", "\nmarking: AMBER\n", "amber"),
    "entity-tlp-prefix": ("actors/canary-unit-9c1d.yaml", "\nmarking: AMBER\n", "TLP:AMBER"),
    "claim-lowercase": ("exercises/tidewater-2019.yaml", "    marking: AMBER\n    sources:", "amber"),
    "citation-tlp-prefix": ("exercises/tidewater-2019.yaml", "        marking: AMBER\n      - source: canary-red",
                            "TLP:AMBER"),
    "source-tlp-prefix": ("sources/canary-red-source-3f9e.yaml", "marking: RED", "TLP:RED"),
    "source-tlp1-white": ("sources/canary-red-source-3f9e.yaml", "marking: RED", "WHITE"),
    "book-lowercase": ("briefs/canary-book-5b7e.yaml", "edition: AMBER", "amber"),
}


@pytest.mark.parametrize("case", sorted(MARKING_CASES))
def test_unknown_marking_is_an_error(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never read as the lowest marking (which would publish it): one error, exit 1."""
    name, old, value = MARKING_CASES[case]
    new = re.sub(r"(marking|edition): [A-Z+]+", lambda m: f"{m[1]}: {value}", old, count=1)
    content = tmp_path / "content"
    shutil.copytree(FIXTURE / "content", content)
    path = content / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"fixture changed: {old!r} in {name}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "content"])
    errors = [line for line in result.output.splitlines() if ": error: " in line]
    assert result.exit_code == 1, result.output
    assert len(errors) == 1, result.output
    assert errors[0].startswith(f"content/{name}:")
    assert "marking" in errors[0] or "edition" in errors[0]
    assert f"'{value}'" in errors[0], errors[0]


def test_build_refuses_unknown_marking_and_writes_nothing(project: Path, tmp_path: Path) -> None:
    copy = tmp_path / "project"
    shutil.copytree(project, copy, ignore=shutil.ignore_patterns(".briefgen-cache"))
    unit = copy / "content" / "actors" / f"{AMBER_UNIT}.yaml"
    unit.write_text(unit.read_text(encoding="utf-8").replace("marking: AMBER", "marking: amber"), encoding="utf-8")
    site = tmp_path / "out" / "site"
    done = build(copy, site, "--no-pdf")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "marking: 'amber' is not one of" in done.stdout + done.stderr
    assert not site.exists()
    assert not site.parent.exists() or not any(site.parent.iterdir()), "the failed build left files behind"


@pytest.mark.parametrize("editions, edition, needle", [
    ("{public: clear}", "public", "not a TLP 2.0 marking"),
    ("{public: TLP:CLEAR}", "public", "not a TLP 2.0 marking"),
    ("{public: CLEAR}", "secret", "unknown edition 'secret'"),
])
def test_misconfigured_edition_fails_the_build(editions: str, edition: str, needle: str, tmp_path: Path) -> None:
    copy = tmp_path / "project"
    shutil.copytree(FIXTURE, copy, ignore=shutil.ignore_patterns(".briefgen-cache", "site"))
    config = copy / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(re.sub(r"editions: \{[^}]*\}", lambda _: f"editions: {editions}", text), encoding="utf-8")
    site = tmp_path / "out" / "site"
    done = build(copy, site, "--no-pdf", "--edition", edition)
    assert done.returncode != 0, done.stdout + done.stderr
    assert needle in done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert not site.exists()
