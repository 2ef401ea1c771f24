"""PDF briefs read back: what they hold, how they are made, what they refuse.

Built from the first corpus as frozen for tests (``tests/fixtures/corpus``: an editor's change
to content/ changes no test), in a temporary copy of the project (with ``site_url`` set, so
briefs link back to the site, and so that the PDF cache, ``<project>/.briefgen-cache/pdf``,
is the test's own).
"""

from __future__ import annotations

import http.server
import itertools
import os
import re
import shutil
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
import yaml
from projects import CORPUS, EPOCH, FIXTURES, run, tool
from pypdf import PdfReader

from briefgen.check.pipeline import check
from briefgen.pdf.render import PdfError, PdfJob, assets_dir, render_all, render_pdf
from briefgen.site import views

pytestmark = pytest.mark.slow  # the corpus built with every brief and the book, books in parts, renders

SITE_URL = "https://briefing.example.org/"
EXERCISE = "tajik-chinese-drill-ishkashim-2016"
BOOK = "tajikistan-china-security-cooperation"
BRIEF_FOLDERS = ("exercises", "mechanisms", "actors", "places")


def briefgen(project: Path, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return run([*tool("briefgen"), *args], cwd=project, timeout=timeout)


def copy_project(root: Path, *, cache_from: Path | None = None) -> Path:
    """The frozen first corpus's content/ and mkdocs.yml (with site_url) in ``root``."""
    shutil.copytree(CORPUS / "content", root / "content")
    config = (CORPUS / "mkdocs.yml").read_text(encoding="utf-8")
    config = re.sub(r"(?m)^site_url:.*\n", "", config)
    (root / "mkdocs.yml").write_text(f"site_url: {SITE_URL}\n{config}", encoding="utf-8")
    if cache_from is not None and (cache_from / ".briefgen-cache").is_dir():
        shutil.copytree(cache_from / ".briefgen-cache", root / ".briefgen-cache")
    return root


def squash(text: str) -> str:
    """Text without any whitespace, for comparing across line breaks."""
    return re.sub(r"\s+", "", text)


def pdf_text(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(path).pages]


REPORT = re.compile(r"PDF briefs: (\d+) rendered, (\d+) from cache")


def counts(done: subprocess.CompletedProcess[str]) -> tuple[int, int]:
    found = REPORT.search(done.stdout + done.stderr)
    assert found, f"no 'PDF briefs: N rendered, M from cache' line:\n{done.stdout}{done.stderr}"
    return int(found[1]), int(found[2])


def brief_ids() -> list[str]:
    return sorted(p.stem for folder in BRIEF_FOLDERS for p in (CORPUS / "content" / folder).glob("*.yaml"))


# --- the repository's site, built once -----------------------------------------------------------------


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_project(tmp_path_factory.mktemp("pdf") / "project")


@pytest.fixture(scope="module")
def site(project: Path) -> Path:
    out = project.parent / "out" / "site"
    done = briefgen(project, "build", "-q", "-d", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def test_every_brief_and_the_book_exist_and_are_linked(site: Path) -> None:
    ids = brief_ids()
    assert EXERCISE in ids and len(ids) >= 10
    missing = [i for i in ids if not (site / "pdf" / f"{i}.pdf").is_file()]
    assert not missing, f"no PDF brief for {missing}"
    assert (site / "pdf" / "books" / f"{BOOK}.pdf").is_file()
    for folder in BRIEF_FOLDERS:
        for path in (CORPUS / "content" / folder).glob("*.yaml"):
            html = (site / folder / path.stem / "index.html").read_text(encoding="utf-8")
            assert "Download PDF brief" in html, f"{folder}/{path.stem}: no PDF link"
            assert f'href="../../pdf/{path.stem}.pdf"' in html, f"{folder}/{path.stem}: wrong PDF link"
    assert f'href="pdf/books/{BOOK}.pdf"' in (site / "index.html").read_text(encoding="utf-8")


# --- one brief, read back --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def brief(site: Path) -> Path:
    return site / "pdf" / f"{EXERCISE}.pdf"


def test_brief_pages_carry_marking_and_page_numbers(brief: Path) -> None:
    pages = pdf_text(brief)
    assert 1 <= len(pages) <= 3, f"{len(pages)} pages"
    for number, text in enumerate(pages, start=1):
        assert "TLP:CLEAR" in text, f"page {number} lacks TLP:CLEAR"
        assert f"Page {number} of {len(pages)}" in text, f"page {number} lacks 'Page {number} of {len(pages)}'"
        assert "\ufffd" not in text, f"page {number} has U+FFFD (a glyph without a character)"


def _citations(data: dict) -> Iterator[dict]:
    yield from data.get("mentions", ())
    for claim in data.get("claims", ()):
        yield from claim["sources"]


def test_brief_quotes_stand_verbatim_with_their_grades(brief: Path) -> None:
    data = yaml.safe_load((CORPUS / "content" / "exercises" / f"{EXERCISE}.yaml").read_text(encoding="utf-8"))
    text = squash("".join(pdf_text(brief)))
    quotes = {c["quote"] for c in _citations(data)}
    assert quotes
    for quote in quotes:
        assert squash(quote) in text, f"endnote quote not verbatim in the brief: {quote!r}"
    def reliability(source: str) -> str:
        return yaml.safe_load((CORPUS / "content" / "sources" / f"{source}.yaml").read_text(encoding="utf-8"))[
            "reliability"]

    # as the editors grade them: the source's letter from its file, the digit from the citation
    grades = {f"{reliability(c['source'])}{c['credibility']}" for c in _citations(data)}
    for grade in grades:
        assert grade in text, f"grade {grade} missing"
    assert data["name"].replace(" ", "") in text


def test_brief_marks_show_the_grade_beside_the_number(brief: Path) -> None:
    """Each key fact reads "value n G" with the grades of its references, and the marks of doubtful grades (source
    D–F or information 4–6) are described as doubtful to a screen reader; the others are not."""
    result = check(CORPUS / "content")
    assert result.graph is not None
    page = views.entity_page(result.graph, result.graph.entities[EXERCISE], views.dt.date(2024, 1, 1))
    grades = {r.number: r.grade for r in page.references}
    text = squash("".join(pdf_text(brief)))
    for fact in page.glance:
        for parts, numbers in fact.items:
            words = "".join(p if isinstance(p, str) else p.name for p in parts)
            marks = ",".join(f"{n}{grades[n]}" for n in numbers)
            assert squash(words + marks) in text, f"{fact.label}: no {words!r} with {marks!r} beside it"
    described = {int(m[1]): bool(m[2]) for a in _links(PdfReader(brief))
                 if (m := re.fullmatch(r"Endnote (\d+), (doubtful )?grade [A-F][1-6]: .+", str(a.get("/Contents"))))}
    doubtful = {n for n, g in grades.items() if g[0] in "DEF" or g[1] in "456"}  # the grades page's scale
    assert doubtful and set(grades) - doubtful, "the brief has doubtful and other grades"
    assert {n for n, d in described.items() if d} == doubtful
    assert {n for n, d in described.items() if not d} <= set(grades) - doubtful


def test_brief_metadata(brief: Path) -> None:
    reader = PdfReader(brief)
    meta = reader.metadata
    name = yaml.safe_load((CORPUS / "content" / "exercises" / f"{EXERCISE}.yaml").read_text(encoding="utf-8"))["name"]
    assert meta.title == name
    assert meta.subject and "TLP:CLEAR" in meta.subject and name in meta.subject
    assert meta.get("/Keywords"), "no keywords"
    assert meta.creator and meta.creator.startswith("briefgen")
    assert reader.trailer["/Root"].get("/Lang") == "en"
    assert meta.get("/CreationDate") == "D:20240101000000Z", "dates must come from SOURCE_DATE_EPOCH"


def test_brief_outline_and_links(brief: Path) -> None:
    reader = PdfReader(brief)
    titles: list[str] = []

    def walk(items: list) -> None:
        for item in items:
            walk(item) if isinstance(item, list) else titles.append(str(item.title))

    walk(reader.outline)
    assert len(titles) >= 2 and "Sources" in titles, titles
    internal, uris = 0, []
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/Subtype") != "/Link":
                continue
            action = annot.get("/A")
            action = action.get_object() if action is not None else {}
            if annot.get("/Dest") is not None or action.get("/S") == "/GoTo":
                internal += 1
            if action.get("/S") == "/URI":
                uris.append(str(action["/URI"]))
    assert internal >= 3, "citation numbers should link to their endnotes"
    addresses = {source.get(key) for path in (CORPUS / "content" / "sources").glob("*.yaml")
                 for source in [yaml.safe_load(path.read_text(encoding="utf-8"))] for key in ("url", "archive_url")}
    # links go to the site, or to a cited source's own address (its url or archived copy)
    assert uris and all(u.startswith(SITE_URL) or u in addresses for u in uris), uris
    assert f"{SITE_URL}exercises/{EXERCISE}/#date" in uris, "endnotes link to the claim on the site"


def test_brief_is_pdfa_with_its_facts_attached(brief: Path) -> None:
    reader = PdfReader(brief)
    xmp = reader.xmp_metadata.stream.get_data().decode("utf-8")
    assert re.search(r'pdfaid:part(="3"|>3<)', xmp), "XMP does not declare PDF/A part 3"
    assert re.search(r'pdfaid:conformance(="A"|>A<)', xmp), "XMP does not declare level A (tagged)"
    attachments = reader.attachments
    name = f"exercises/{EXERCISE}.yaml"
    assert name in attachments, sorted(attachments)
    facts = yaml.safe_load(attachments[name][0])
    assert facts["name"].startswith("Tajik–Chinese") and facts["claims"]
    # the archived text rides along only where the site may republish it whole
    source = yaml.safe_load(attachments["sources/joint-drills-report.yaml"][0])
    assert ("sources/joint-drills-report.txt" in attachments) == (source.get("republish") == "full")


def test_brief_passes_qpdf_check_and_embeds_every_font(brief: Path) -> None:
    done = subprocess.run(["qpdf", "--check", str(brief)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    fonts = subprocess.run(["pdffonts", str(brief)], capture_output=True, text=True, timeout=60, check=True)
    rows = fonts.stdout.splitlines()[2:]
    assert rows, "no fonts listed"
    for row in rows:
        emb = row.split()[-5]  # columns: name type encoding emb sub uni object ID
        assert emb == "yes", f"font not embedded: {row}"


# --- tagged for screen readers ----------------------------------------------------------------------------


# --- a title too long for the footer ---------------------------------------------------------------------

MULTISOURCE = FIXTURES / "multisource"
LONG_TITLE = ("Storm Gate 2021, the joint naval, air and coastal-defence exercise of the Republic of Aldoria and the "
              "Kingdom of Brevia in Kesten Bay and its approaches, with its rescue of a stranded passenger ferry, as "
              "reported by many outlets in two languages")
MM = 72 / 25.4
FOOTER = 20 * MM
"""The bottom margin of print.css's pages, where the footer stands."""
UNPRINTABLE = 4 * MM
"""What a printer may not reach at each edge of the sheet: the footer keeps clear of it."""
_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')

Box = tuple[float, float, float, float]


def _pages_of_words(path: Path) -> list[tuple[float, float, list[tuple[Box, str]]]]:
    """Each page's size and words with their boxes (x0, y0, x1, y1 from the top left), as poppler reads them."""
    xml = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [(float(w), float(h), [(tuple(map(float, box)), t) for *box, t in _WORD.findall(body)])  # type: ignore[misc]
            for w, h, body in _PAGE.findall(xml)]


def _union(boxes: list[Box]) -> Box:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _apart(a: Box, b: Box, gap: float) -> bool:
    return a[2] + gap <= b[0] or b[2] + gap <= a[0] or a[3] + gap <= b[1] or b[3] + gap <= a[1]


@pytest.fixture(scope="module")
def long_titled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The many-sources world with its exercise and its book titled in 245 characters: their PDFs."""
    project = tmp_path_factory.mktemp("long-title") / "project"
    shutil.copytree(MULTISOURCE, project)
    for path, key in (("exercises/storm-gate-2021.yaml", "name"), ("briefs/storm-gate-book.yaml", "title")):
        file = project / "content" / path
        text = file.read_text(encoding="utf-8")
        renamed = re.sub(rf"(?m)^{key}: .*$", f"{key}: {LONG_TITLE}", text, count=1)
        assert renamed != text
        file.write_text(renamed, encoding="utf-8")
    done = briefgen(project, "pdf", "-o", str(project / "pdf"))
    assert done.returncode == 0, done.stdout + done.stderr
    return {"brief": project / "pdf" / "storm-gate-2021.pdf", "book": project / "pdf" / "books" / "storm-gate-book.pdf"}


@pytest.mark.parametrize("kind", ["brief", "book"])
def test_a_long_title_never_runs_into_the_footer_marking(long_titled: dict[str, Path], kind: str) -> None:
    """On every page the running title, the marking and the page number stand apart in the footer, all within
    the bottom margin and clear of the sheet's unprintable edge; the title is shown, shortened if need be."""
    pages = _pages_of_words(long_titled[kind])
    assert len(pages) >= 2
    problems = []
    titled = 0
    for number, (width, height, words) in enumerate(pages, start=1):
        footer = [(box, text) for box, text in words if box[1] >= height - FOOTER]
        texts = [text for _, text in footer]
        marking = [box for box, text in footer if text == "TLP:CLEAR"]
        assert len(marking) == 1, f"page {number}: the footer's marking {texts}"
        at = next(i for i in range(len(texts)) if texts[i:i + 4] == ["Page", str(number), "of", str(len(pages))])
        numbering = [box for box, _ in footer[at:at + 4]]
        title = [(box, text) for i, (box, text) in enumerate(footer)
                 if text != "TLP:CLEAR" and not at <= i < at + 4]
        boxes = {"marking": marking[0], "page number": _union(numbering)}
        if title:
            shown = squash("".join(text for _, text in title))  # words broken at a hyphen join again
            ours = squash(LONG_TITLE).startswith(shown.removesuffix("…"))
            assert ours or kind == "book", f"page {number}: the footer shows {shown!r}"
            titled += ours
            boxes["title"] = _union([box for box, _ in title])
        for name, box in boxes.items():
            inside = (box[0] >= UNPRINTABLE and box[2] <= width - UNPRINTABLE and box[1] >= height - FOOTER
                      and box[3] <= height - UNPRINTABLE)
            if not inside:
                problems.append(f"page {number}: the {name} {box} leaves the footer of a {width}×{height} page")
        for (a, box_a), (b, box_b) in itertools.combinations(boxes.items(), 2):
            if not _apart(box_a, box_b, 3):
                problems.append(f"page {number}: the {a} {box_a} runs into the {b} {box_b}")
    assert problems == [], "\n".join(problems)
    assert titled, "no page's footer shows the long title"


def _struct(reader: PdfReader) -> list[dict]:
    """Every structure element of the PDF's tree, depth first (each a pypdf dictionary)."""
    out: list[dict] = []
    stack = [reader.trailer["/Root"]["/StructTreeRoot"].get_object()]
    while stack:
        element = stack.pop()
        if element.get("/S"):
            out.append(element)
        kids = element.get("/K")
        kids = kids if isinstance(kids, list) else [kids]
        for kid in reversed(kids):
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if isinstance(kid, dict) and kid.get("/Type") != "/OBJR":
                stack.append(kid)
    return out


def _links(reader: PdfReader) -> list[dict]:
    return [a.get_object() for page in reader.pages for a in page.get("/Annots") or []
            if a.get_object().get("/Subtype") == "/Link"]


@pytest.fixture(scope="module", params=["brief", "book"])
def tagged(request: pytest.FixtureRequest, brief: Path, book: Path) -> Path:
    return {"brief": brief, "book": book}[request.param]


def test_pdfs_are_tagged_with_language_headings_and_tables(tagged: Path) -> None:
    reader = PdfReader(tagged)
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root, "no structure tree: the PDF is untagged"
    assert bool(root["/MarkInfo"]["/Marked"]), "/MarkInfo /Marked is not true"
    assert root.get("/Lang") == "en"
    elements = _struct(reader)
    roles = [str(e["/S"]) for e in elements]
    assert roles[0] == "/Document"
    titles: list[str] = []

    def walk(items: list) -> None:
        for item in items:
            walk(item) if isinstance(item, list) else titles.append(str(item.title))

    walk(reader.outline)
    headings = [r for r in roles if re.fullmatch(r"/H[1-6]", r)]
    assert roles.count("/H1") == 1, "one title per brief or book"
    assert len(headings) >= len(titles), f"{len(headings)} headings tagged for {len(titles)} outline entries"
    levels = [int(r[2]) for r in headings]
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), f"a heading level is skipped: {levels}"
    tables = [e for e in elements if e["/S"] == "/Table"]
    assert tables, "the key facts and the timeline are tables"
    headers = [e for e in elements if e["/S"] == "/TH"]
    assert headers and all(e["/A"].get("/Scope") in ("/Row", "/Column") for e in headers), "a header without scope"
    assert {"/L", "/LI", "/Link", "/P"} <= set(roles)


def test_pdf_links_are_described(tagged: Path) -> None:
    links = _links(PdfReader(tagged))
    assert links
    for annot in links:
        words = str(annot.get("/Contents") or "")
        assert words.strip(), f"a link without /Contents: {annot}"
        assert not words.startswith("#") and "n-" not in words.split(), f"the description is the target: {words!r}"
        assert "/StructParent" in annot, "a link annotation outside the structure tree"
    endnotes = [str(a["/Contents"]) for a in links if a.get("/Dest") is not None]
    # a citation mark is described by its number and grade, a doubtful one as such
    marks = [w for w in endnotes if re.match(r"Endnote \d", w)]
    assert marks and all(re.fullmatch(r"Endnote \d+, (doubtful )?grade [A-F][1-6]: .+", w) for w in marks), marks


def test_book_figures_carry_the_text_descriptions_of_the_site(book: Path) -> None:
    figures = [e for e in _struct(PdfReader(book)) if e["/S"] == "/Figure"]
    alts = [str(e.get("/Alt") or "") for e in figures]
    assert len(figures) == 3, "the timeline, the map and the relationship graph"
    assert all(alts), "a figure without alternative text"
    # the picture's title, then the same description the site shows under "Text description"
    assert [a.split(". ", 1)[0] for a in alts] == ["Timeline of this book", "Locator map", "Relationships"]
    assert alts[0].split(". ", 1)[1].startswith("Timeline. ") and "Map of " in alts[1]


def test_book_pictures_print_whole_names(book: Path) -> None:
    """The printed timeline and relationship graph wrap long names rather than cut them with "…"."""
    pages = pdf_text(book)
    pictures = next(i for i, text in enumerate(pages) if "Timeline, map and relationships" in text and i > 1)
    shown = " ".join(pages[pictures:pictures + 2])
    assert "Timeline of this book" in shown and "Relationships" in shown
    assert "…" not in shown, "a name in the book's pictures is cut short"


def test_pdfs_pass_the_pdfua_checker(tagged: Path) -> None:
    """The machine-checkable subset of PDF/UA-1 (the pdfua package): no error, and only the expected warning."""
    from pdfua import Severity, validate

    report = validate(str(tagged))
    # briefgen declares PDF/A-3a, not PDF/UA (unverified without veraPDF): the one warning is that declaration
    found = [f"{f.rule_id} {f.severity.name}: {f.message}" for f in report.findings
             if f.severity is not Severity.INFO and f.rule_id != "UA-28-004"]
    assert found == [], "\n".join(found)


# --- the book ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def book(site: Path) -> Path:
    return site / "pdf" / "books" / f"{BOOK}.pdf"


def _entries() -> list[str]:
    """Titles of the book's entities, from its definition and the fact files."""
    definition = yaml.safe_load((CORPUS / "content" / "briefs" / f"{BOOK}.yaml").read_text(encoding="utf-8"))
    ids = [p.stem for kind in definition["scope"].get("kinds", ()) for p in
           (CORPUS / "content" / f"{kind}s").glob("*.yaml")] + list(definition["scope"].get("ids", ()))
    names = []
    for entity_id in dict.fromkeys(ids):
        path = next((CORPUS / "content").glob(f"*/{entity_id}.yaml"))
        names.append(yaml.safe_load(path.read_text(encoding="utf-8"))["name"])
    return names


def _contents(pages: list[str]) -> list[tuple[str, int]]:
    """The contents' (title, page number) lines, each checked against the page it names."""
    contents = pages[1]
    assert "Contents" in contents
    entries = []
    for line in contents.splitlines():
        found = re.match(r"^(.*?)\s*\.{3,}\s*(\d+)$", line.strip())
        if found:
            entries.append((found[1], int(found[2])))
    titles = [t for t, _ in entries]
    for name in _entries():
        assert name in titles, f"contents lack {name!r}: {titles}"
    for title in ("Timeline", "Source summary", "Endnotes"):
        assert title in titles, f"contents lack {title!r}"
    for title, number in entries:
        assert 1 <= number <= len(pages), f"{title!r} → page {number} of {len(pages)}"
        assert squash(title) in squash(pages[number - 1]), f"{title!r} is not on page {number}"
    numbers = [n for _, n in entries]
    assert numbers == sorted(numbers), f"contents are not in page order: {entries}"
    return entries


def test_book_cover_and_contents_with_page_numbers(book: Path) -> None:
    pages = pdf_text(book)
    assert len(pages) >= 5
    assert squash("Tajikistan–China security cooperation") in squash(pages[0])
    assert "Briefing book" in pages[0] and "TLP:CLEAR" in pages[0]
    _contents(pages)


def test_book_sections_and_outline(book: Path) -> None:
    reader = PdfReader(book)
    text = "\n".join(pdf_text(book))
    for heading in ("Timeline", "Source summary", "Endnotes", "Facts resting on a single source"):
        assert heading in text, f"book lacks {heading!r}"
    titles: list[str] = []

    def walk(items: list) -> None:
        for item in items:
            walk(item) if isinstance(item, list) else titles.append(str(item.title))

    walk(reader.outline)
    for name in _entries():
        assert name in titles, f"no outline entry for {name!r}"
    assert {"Contents", "Timeline", "Source summary", "Endnotes"} <= set(titles)
    for number, page in enumerate(pdf_text(book), start=1):
        assert "TLP:CLEAR" in page and f"Page {number} of {len(reader.pages)}" in page


# --- a book in parts ---------------------------------------------------------------------------------
# A book of more entries than the part size is laid out one part at a time and joined; forced
# here with a part size of 4 entries (cuts between entries only, where the one-document book
# begins a page anyway) and of 1 (which also cuts the endnotes and the single-source list, each
# continuation beginning a page of its own).


@pytest.fixture(scope="module")
def book_in_parts(project: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[int, tuple[PdfJob, Path]]:
    from briefgen.pdf.jobs import PdfSettings, book_jobs
    from briefgen.site.editions import PUBLIC
    from briefgen.site.plan import plan

    out = tmp_path_factory.mktemp("parts")
    made = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        site, _ = plan(project / "content", project, pdf=True, edition=PUBLIC, templates=project / "templates")
        assert site is not None
        for size in (4, 1):
            settings = PdfSettings(project, project / "content", site_url=SITE_URL, book_part_size=size)
            (job,) = book_jobs(site.graph, site.views, site.books, settings, site.renderer, [BOOK])
            render_all([job], out / str(size), cache_dir=None, allowed=[assets_dir()],
                       created="2024-01-01T00:00:00Z", workers=1)
            made[size] = (job, out / str(size) / job.name)
    return made


def _outline(path: Path) -> list[tuple[int, str, int]]:
    """(depth, title, page index) of every outline item."""
    reader = PdfReader(path)
    items: list[tuple[int, str, int]] = []

    def walk(nodes: list, depth: int) -> None:
        for node in nodes:
            if isinstance(node, list):
                walk(node, depth + 1)
            else:
                items.append((depth, str(node.title), reader.get_destination_page_number(node)))

    walk(reader.outline, 0)
    return items


def _internal_links(path: Path) -> list[tuple[int, str, int | None]]:
    """(page index, destination name, page index of the destination or None) of every internal link."""
    reader = PdfReader(path)
    dests = reader.named_destinations
    links = []
    for number, page in enumerate(reader.pages):
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/Subtype") == "/Link" and annot.get("/Dest") is not None:
                name = str(annot["/Dest"])
                target = reader.get_destination_page_number(dests[name]) if name in dests else None
                links.append((number, name, target))
    return sorted(links)


def _body_lines(pages: list[str]) -> list[str]:
    """The text's lines without what depends on page breaks.

    No running header and footer, no page numbers in the contents, and no list markers
    (pypdf reads a page's bullets and numbers apart from their items).
    """
    return [re.sub(r"\.{3,}\s*\d+$", "", line) for text in pages for line in text.splitlines()
            if line.strip() != "TLP:CLEAR" and not re.search(r"Page \d+ of \d+$", line)
            and not re.fullmatch(r"\s*(•|\d+\.)\s*", line)]


def test_book_is_cut_into_parts_of_the_part_size(book_in_parts: dict[int, tuple[PdfJob, Path]]) -> None:
    entries = len(_entries())
    assert 4 < entries <= 8, "the fixture book no longer fits the cuts below"
    job, _ = book_in_parts[4]
    assert not job.html
    # front, pictures, the entries four by four, timeline, summary, endnotes (up to 8 entries each), sources
    assert len(job.parts) == 2 + (entries + 3) // 4 + 4
    job, _ = book_in_parts[1]
    entry_parts = [part.count('<section class="entry">') for part in job.parts]
    assert sum(entry_parts) == entries and max(entry_parts) == 1, "one entry a part, each once"
    continued = [re.search(r'<section class="chapter continued" data-title="([^"]+)"', part) for part in job.parts]
    assert {m[1] for m in continued if m} == {"Source summary", "Endnotes"}, "the long chapters are cut"


def test_book_in_parts_is_the_one_document_book(book: Path, book_in_parts: dict[int, tuple[PdfJob, Path]]) -> None:
    _, parted = book_in_parts[4]
    one, split = PdfReader(book), PdfReader(parted)
    assert pdf_text(parted) == pdf_text(book), "text or page numbers differ from the book in one document"
    assert _contents(pdf_text(parted)) == _contents(pdf_text(book))
    assert _outline(parted) == _outline(book)
    links = _internal_links(parted)
    assert links == _internal_links(book)
    assert all(target is not None for _, _, target in links), "a link leads nowhere"
    for key in ("/Title", "/Subject", "/Keywords", "/Author", "/Creator", "/Producer", "/CreationDate", "/ModDate"):
        assert split.metadata.get(key) == one.metadata.get(key), key
    assert split.trailer["/Root"].get("/Lang") == "en"
    assert sorted(split.attachments) == sorted(one.attachments)
    xmp = split.xmp_metadata.stream.get_data().decode("utf-8")
    assert re.search(r'pdfaid:part(="3"|>3<)', xmp), "XMP does not declare PDF/A part 3"
    done = subprocess.run(["qpdf", "--check", str(parted)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_book_cut_inside_chapters_numbers_and_links_across_parts(
        book: Path, book_in_parts: dict[int, tuple[PdfJob, Path]]) -> None:
    _, parted = book_in_parts[1]
    pages = pdf_text(parted)
    assert len(pages) > len(pdf_text(book)), "the continued chapters should begin pages of their own"
    for number, text in enumerate(pages, start=1):
        assert "TLP:CLEAR" in text and f"Page {number} of {len(pages)}" in text, f"page {number}: {text[-80:]!r}"
    assert _body_lines(pages) == _body_lines(pdf_text(book)), "the text differs from the book in one document"
    contents = dict(_contents(pages))

    links = _internal_links(parted)
    assert all(target is not None for _, _, target in links), "a link leads nowhere"
    entries_end = contents["Timeline"] - 1
    summary, endnotes = contents["Source summary"] - 1, contents["Endnotes"] - 1
    cites = [(page, target) for page, name, target in links if re.search(r"-n-\d+$", name)]
    assert cites and all(target >= endnotes for _, target in cites), "citations lead to the endnotes"
    statements = [(page, target) for page, name, target in links if summary <= page < endnotes
                  and not name.startswith("e-")]
    assert statements and all(1 < target < entries_end for _, target in statements), \
        "the single-source list leads to the statements"
    from_contents = {target for page, _, target in links if page == 1}
    assert {n - 1 for n in contents.values()} <= from_contents, "the contents link to the pages they name"

    outline = _outline(parted)
    depth_one = [title for depth, title, _ in outline if depth == 0]
    assert depth_one == [title for depth, title, _ in _outline(book) if depth == 0]
    titles = [t for _, t, _ in outline]
    after_endnotes = outline[titles.index("Endnotes") + 1:titles.index("Sources") if "Sources" in titles else None]
    names = set(_entries())
    assert [t for _, t, _ in after_endnotes] == [t for d, t, _ in outline if d == 0 and t in names], \
        "the endnotes' headings, in the entries' order"
    assert all(depth == 1 for depth, _, _ in after_endnotes), "endnote headings nest under Endnotes across parts"


def test_book_in_parts_renders_byte_identical(book_in_parts: dict[int, tuple[PdfJob, Path]], tmp_path: Path) -> None:
    job, first = book_in_parts[1]
    render_all([job], tmp_path, cache_dir=None, allowed=[assets_dir()], created="2024-01-01T00:00:00Z", workers=1)
    assert (tmp_path / job.name).read_bytes() == first.read_bytes(), "a book in parts is not reproducible"


# --- the fetcher ---------------------------------------------------------------------------------------


class _Probe(http.server.BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Probe.requests.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def probe() -> Iterator[str]:
    """A local HTTP server that records every request: a fetch that was refused never reaches it."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Probe)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


_PRINT_CSS = (Path(str(assets_dir())) / "print.css").read_text(encoding="utf-8")
_EXTENDS = '{% extends "default/brief.html" %}\n{% block body %}{{ super() }}BODY{% endblock %}\n'
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><image href="URL" width="20" height="20"/></svg>'

#: case → (template file, its text, the URL it must be refused)
FETCH_CASES = {
    "css-file": ("print.css", _PRINT_CSS + "\nbody { background-image: url(file:///etc/passwd); }\n",
                 "file:///etc/passwd"),
    "css-metadata-service": ("print.css",
                             _PRINT_CSS + "\nh1 { background-image: url(http://169.254.169.254/latest); }\n",
                             "http://169.254.169.254/latest"),
    "html-img-file": ("brief.html", _EXTENDS.replace("BODY", '<img src="file:///etc/passwd" alt="x">'),
                      "file:///etc/passwd"),
    "svg-image-file": ("brief.html", _EXTENDS.replace("BODY", SVG.replace("URL", "file:///etc/passwd")),
                       "file:///etc/passwd"),
}


@pytest.mark.parametrize("case", sorted(FETCH_CASES))
def test_fetcher_refuses_and_names_brief_and_url(case: str, tmp_path: Path) -> None:
    name, text, url = FETCH_CASES[case]
    project = copy_project(tmp_path / "project")
    (project / "templates").mkdir()
    (project / "templates" / name).write_text(text, encoding="utf-8")
    out = tmp_path / "pdf"
    done = briefgen(project, "pdf", EXERCISE, "-o", str(out), "--no-cache")
    said = done.stdout + done.stderr
    assert done.returncode == 1, f"exit {done.returncode}: the refused {url} did not fail the brief:\n{said}"
    assert f"{EXERCISE}.pdf: refused to fetch {url}" in said, said
    assert "Traceback" not in said
    assert not (out / f"{EXERCISE}.pdf").exists()


def test_refused_fetch_fails_the_build_and_publishes_nothing(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    (project / "templates").mkdir()
    (project / "templates" / "print.css").write_text(FETCH_CASES["css-file"][1], encoding="utf-8")
    site = tmp_path / "out" / "site"
    done = briefgen(project, "build", "-q", "-d", str(site))
    said = done.stdout + done.stderr
    assert done.returncode == 1, said
    assert f"{EXERCISE}.pdf: refused to fetch file:///etc/passwd" in said
    assert f"books/{BOOK}.pdf: refused to fetch file:///etc/passwd" in said
    assert not site.exists()


PROBE_CASES = {
    "css-background": ("<p>x</p>", "p { background: url(PROBE/css.png) }"),
    "css-import": ("<p>x</p>", "@import url(PROBE/import.css);"),
    "style-element": ("<style>p { background: url(PROBE/style.png) }</style><p>x</p>", ""),
    "img": ('<img src="PROBE/img.png" alt="">', ""),
    "object": ('<object data="PROBE/object.png"></object>', ""),
    "attachment-link": ('<a rel="attachment" href="PROBE/attachment.txt">a</a>', ""),
    "base-href": ('<base href="PROBE/"><img src="relative.png" alt="">', ""),
    "svg-image": (SVG.replace("URL", "PROBE/svg.png"), ""),
    "dotdot-out-of-assets": (f'<img src="{assets_dir().as_uri()}/../../../../../../../etc/passwd" alt="">', ""),
}


@pytest.mark.parametrize("case", sorted(PROBE_CASES))
def test_fetcher_never_reaches_the_network(case: str, probe: str) -> None:
    """Each reference is refused before any request (the probe server sees none) and stops the render."""
    body, css = (part.replace("PROBE", probe) for part in PROBE_CASES[case])
    job = PdfJob(f"probe-{case}.pdf", f"<!DOCTYPE html><html lang=en><body>{body}</body></html>", css)
    before = len(_Probe.requests)
    with pytest.raises(PdfError, match=rf"^probe-{case}\.pdf: refused to fetch "):
        render_pdf(job, [assets_dir()], "2024-01-01T00:00:00Z")
    assert _Probe.requests[before:] == [], "a request reached the network"


# --- the cache -------------------------------------------------------------------------------------------


def _outputs(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*.pdf"))}


def test_cache_renders_exactly_what_changed(project: Path, site: Path, tmp_path: Path) -> None:
    work = copy_project(tmp_path / "project", cache_from=project)  # warm: the build filled the cache
    total = len(brief_ids()) + 1

    done = briefgen(work, "pdf", "-o", str(tmp_path / "first"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert counts(done) == (0, total), "an unchanged project should come wholly from the cache"
    first = _outputs(tmp_path / "first")
    assert len(first) == total

    path = work / "content" / "exercises" / f"{EXERCISE}.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count("value: 2016-10-20/2016-10-23") == 1
    path.write_text(text.replace("value: 2016-10-20/2016-10-23", "value: 2016-10-21/2016-10-23"), encoding="utf-8")

    done = briefgen(work, "pdf", "-o", str(tmp_path / "cached"))
    assert done.returncode == 0, done.stdout + done.stderr
    rendered, cached = counts(done)
    second = _outputs(tmp_path / "cached")
    done = briefgen(work, "pdf", "--no-cache", "-o", str(tmp_path / "full"))
    assert done.returncode == 0, done.stdout + done.stderr
    full = _outputs(tmp_path / "full")

    # what should have been rendered again: every brief whose PDF differs when all are rendered afresh
    expected = {name for name in full if full[name] != first[name]}
    redone = {name for name in second if second[name] != first[name]}
    assert second == full, "a brief from the cache differs from a fresh render: the cache served a stale brief"
    assert redone == expected
    assert rendered == len(expected) and rendered + cached == total
    assert {f"{EXERCISE}.pdf", f"books/{BOOK}.pdf"} <= expected
    assert len(expected) <= total // 2, f"one changed date re-rendered {sorted(expected)}"
    texts = {name: "".join(pdf_text(tmp_path / "full" / name)) for name in full}
    shows = {name for name, text in texts.items() if "21–23 Oct 2016" in text}
    assert f"{EXERCISE}.pdf" in shows
    assert shows <= expected, f"briefs showing the new date but not rendered again: {sorted(shows - expected)}"
    unrelated = sorted(n for n in expected if "Tajik–Chinese anti-terror drill" not in texts[n])
    assert not unrelated, f"briefs that do not show the exercise were rendered again: {unrelated}"

    os.utime(path, (time.time() + 60, time.time() + 60))  # touched, not changed
    done = briefgen(work, "pdf", "-o", str(tmp_path / "touched"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert counts(done) == (0, total)


def test_no_cache_renders_are_byte_identical(project: Path, tmp_path: Path) -> None:
    runs = []
    for name in ("a", "b"):
        out = tmp_path / name / "somewhere" / "pdf"
        done = briefgen(project, "pdf", EXERCISE, BOOK, "--no-cache", "-o", str(out))
        assert done.returncode == 0, done.stdout + done.stderr
        assert counts(done) == (2, 0)
        runs.append(_outputs(out))
    assert set(runs[0]) == {f"{EXERCISE}.pdf", f"books/{BOOK}.pdf"}
    different = sorted(n for n in runs[0] if runs[0][n] != runs[1][n])
    assert not different, f"not reproducible: {different}"


# --- limits ----------------------------------------------------------------------------------------------


def _huge_table() -> PdfJob:
    rows = "".join(f"<tr><td>{i}</td><td>row {i} of a table far too long for a brief</td></tr>" for i in range(50_000))
    return PdfJob("huge-table.pdf", f"<!DOCTYPE html><html lang=en><body><table>{rows}</table></body></html>", "")


@pytest.mark.parametrize("limit", [{"timeout": 1.0}, {"memory_mb": 200}], ids=["timeout", "memory"])
def test_runaway_brief_is_stopped_with_a_clean_error(limit: dict, tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(PdfError) as caught:
        render_all([_huge_table()], tmp_path / "pdf", cache_dir=tmp_path / "cache", allowed=[assets_dir()],
                   created="2024-01-01T00:00:00Z", workers=1, **limit)
    elapsed = time.monotonic() - started
    message = str(caught.value)
    assert message.startswith("huge-table.pdf: "), message
    assert "Traceback" not in message
    # not a speed budget: unstopped, this brief renders for many minutes; stopped, it ends well within this
    # even on a machine busy with other work
    assert elapsed < 120, f"stopping the brief took {elapsed:.1f} s"
    assert not (tmp_path / "pdf" / "huge-table.pdf").exists()
    assert not list(tmp_path.glob("cache/*.pdf")), "a stopped brief was cached"


def test_book_in_parts_is_tagged_as_the_one_document_book(book: Path,
                                                          book_in_parts: dict[int, tuple[PdfJob, Path]]) -> None:
    """Every part's structure joins the book's: the same headings, tables, figures and links as in one
    document, and every page's marked content found through the one parent tree."""
    def kinds(reader: PdfReader) -> Counter:
        return Counter(str(e["/S"]) for e in _struct(reader))

    whole = kinds(PdfReader(book))
    for size in (4, 1):
        reader = PdfReader(book_in_parts[size][1])
        found = kinds(reader)
        for tag in ("/H1", "/H2", "/H3", "/Table", "/Figure", "/Link", "/L"):
            assert found[tag] == whole[tag], f"parts of {size}: {tag} {found[tag]} in the tree, {whole[tag]} in one"
        tree = reader.trailer["/Root"]["/StructTreeRoot"].get_object()
        nums = tree["/ParentTree"].get_object()["/Nums"]
        keys = [int(nums[i]) for i in range(0, len(nums), 2)]
        assert len(keys) == len(set(keys)), "a parent-tree key stands twice"
        marked = [int(page["/StructParents"]) for page in reader.pages if "/StructParents" in page]
        assert set(marked) <= set(keys), "a page's marked content is outside the structure tree"
        unmarked = sum("/StructParents" not in page for page in PdfReader(book).pages)
        assert len(reader.pages) - len(marked) == unmarked, "a page of a part lost its marked content"
