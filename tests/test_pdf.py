"""PDF briefs read back: what they hold, how they are made, what they refuse.

Built from the repository's own content/ and mkdocs.yml, in a temporary copy of the
project (with ``site_url`` set, so briefs link back to the site, and so that the PDF cache,
``<project>/.briefgen-cache/pdf``, is the test's own).
"""

from __future__ import annotations

import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
import yaml
from pypdf import PdfReader

from briefgen.pdf import PdfError, PdfJob, assets_dir, render_all, render_pdf

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
BRIEFGEN = str(Path(sys.executable).with_name("briefgen"))
EPOCH = "1704067200"  # 2024-01-01T00:00:00Z
SITE_URL = "https://briefing.example.org/"
EXERCISE = "tajik-chinese-drill-ishkashim-2016"
BOOK = "tajikistan-china-security-cooperation"
BRIEF_FOLDERS = ("exercises", "mechanisms", "actors", "places")


def env(**extra: str) -> dict[str, str]:
    e = dict(os.environ)
    e.update(SOURCE_DATE_EPOCH=EPOCH, NO_MKDOCS_2_WARNING="1", **extra)
    return e


def briefgen(project: Path, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([BRIEFGEN, *args], cwd=project, env=env(), capture_output=True, text=True,
                          timeout=timeout)


def copy_project(root: Path, *, cache_from: Path | None = None) -> Path:
    """The repository's content/ and mkdocs.yml (with site_url) in ``root``."""
    shutil.copytree(REPO / "content", root / "content")
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
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
    return sorted(p.stem for folder in BRIEF_FOLDERS for p in (REPO / "content" / folder).glob("*.yaml"))


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
        for path in (REPO / "content" / folder).glob("*.yaml"):
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
    data = yaml.safe_load((REPO / "content" / "exercises" / f"{EXERCISE}.yaml").read_text(encoding="utf-8"))
    text = squash("".join(pdf_text(brief)))
    quotes = {c["quote"] for c in _citations(data)}
    assert quotes
    for quote in quotes:
        assert squash(quote) in text, f"endnote quote not verbatim in the brief: {quote!r}"
    grades = {f"F{c['credibility']}" for c in _citations(data)}  # the source is reliability F
    for grade in grades:
        assert grade in text, f"grade {grade} missing"
    assert data["name"].replace(" ", "") in text


def test_brief_metadata(brief: Path) -> None:
    reader = PdfReader(brief)
    meta = reader.metadata
    name = yaml.safe_load((REPO / "content" / "exercises" / f"{EXERCISE}.yaml").read_text(encoding="utf-8"))["name"]
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
    assert uris and all(u.startswith(SITE_URL) for u in uris), uris
    assert f"{SITE_URL}exercises/{EXERCISE}/#date" in uris, "endnotes link to the claim on the site"


def test_brief_is_pdfa_with_its_facts_attached(brief: Path) -> None:
    reader = PdfReader(brief)
    xmp = reader.xmp_metadata.stream.get_data().decode("utf-8")
    assert re.search(r'pdfaid:part(="3"|>3<)', xmp), "XMP does not declare PDF/A part 3"
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


# --- the book ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def book(site: Path) -> Path:
    return site / "pdf" / "books" / f"{BOOK}.pdf"


def _entries() -> list[str]:
    """Titles of the book's entities, from its definition and the fact files."""
    definition = yaml.safe_load((REPO / "content" / "briefs" / f"{BOOK}.yaml").read_text(encoding="utf-8"))
    ids = [p.stem for kind in definition["scope"].get("kinds", ()) for p in
           (REPO / "content" / f"{kind}s").glob("*.yaml")] + list(definition["scope"].get("ids", ()))
    names = []
    for entity_id in dict.fromkeys(ids):
        path = next((REPO / "content").glob(f"*/{entity_id}.yaml"))
        names.append(yaml.safe_load(path.read_text(encoding="utf-8"))["name"])
    return names


def test_book_cover_and_contents_with_page_numbers(book: Path) -> None:
    pages = pdf_text(book)
    assert len(pages) >= 5
    assert squash("Tajikistan–China security cooperation") in squash(pages[0])
    assert "Briefing book" in pages[0] and "TLP:CLEAR" in pages[0]
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
    assert elapsed < 30, f"stopping the brief took {elapsed:.1f} s"
    assert not (tmp_path / "pdf" / "huge-table.pdf").exists()
    assert not list(tmp_path.glob("cache/*.pdf")), "a stopped brief was cached"
