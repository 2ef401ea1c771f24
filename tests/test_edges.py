"""Check and build agree: every value ``briefgen check`` accepts at the edge of what it allows is rendered
by every stage, and every value it refuses is refused with a message, never a crash later.

* The date table: each EDTF form briefgen accepts goes through every consumer of a date (the page
  text, the timeline and its picture, the "planned date has passed" flag, schema.org data, the
  brief's HTML); each form it refuses is refused by the check. A grammar of candidate forms holds
  the rule for the whole class: a candidate either fails to parse or passes every consumer.
* A real ``briefgen build --no-pdf`` of a project holding every edge value (each accepted date, a
  season as a book's ``as_of``, a 100-character id, right-to-left names, Markdown that would load
  remote images if it could), and ``briefgen pdf`` of its longest-named entity and its book.
* The reserved ids are the names of what a real build writes beside the entity pages.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import shutil
from pathlib import Path

import pytest
from projects import FIXTURES, briefgen_build, make_project, run, tool
from pypdf import PdfReader

from briefgen.check import dates
from briefgen.check.pipeline import check
from briefgen.layout import ID_MAX, RESERVED
from briefgen.model import KINDS
from briefgen.pdf.jobs import PdfSettings, jobs
from briefgen.site import pictures, views
from briefgen.site.plan import plan
from briefgen.site.render import Renderer, markdown

VALID = FIXTURES / "valid" / "content"
TODAY = dt.date(2024, 1, 1)
QUOTE = "in the waters off Vostrava this spring, port officials said"

ACCEPTED = [
    "2016", "2016-08", "2016-10-20", "2016-02-29", "0001", "0001-01-01", "9999", "9999-12", "9999-12-31",
    "2017?-07", "2016~", "2016%", "2016-08-01?", "2016?-08~-01%",
    "2016-21", "2016-22", "2016-23", "2016-24", "2016-24?", "9999-23", "9998-24",
    "2016-10-20/2016-10-23", "2016-03/2016-05", "2016-21/2016-23", "2015/2016-21", "0001/9999-12-31",
    "../2016", "2016/..", "../2016-05-01", "2016-24/..", "../9999-12-31",
]
REFUSED = [
    "201X", "20XX", "2016-XX", "2016-05-XX", "[2016,2017]", "{2016,2017}", "[..2016]", "2016-25", "2016-33",
    "2016-41", "/2016", "2016/", "/", "../..", "2016-05-01T10:00:00", "2016-05-01 10:00", "-0100", "Y20000",
    "10000", "0000", "9999-24", "2017/2016", "?2016-05", "2016-?05", "2016-21-05", "2016-13", "2016-02-30",
    "2016-1-5", " 2016", "2016/2017/2018", "2016-00", "unknown",
]


def test_the_tables_do_not_overlap() -> None:
    assert not set(ACCEPTED) & set(REFUSED)


@pytest.mark.parametrize("value", REFUSED)
def test_a_form_briefgen_cannot_place_is_refused_with_a_message(value: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"'{value}'") if value.strip() == value else "spaces"):
        dates.parse(value)


def _project(tmp: Path, values: list[str]) -> Path:
    """A content folder: the valid fixture, and an exercise and a mechanism dated by each value."""
    content = tmp / "content"
    shutil.copytree(VALID, content)
    claims = "".join(f"""  - property: date
    value: "{v}"
    sources:
      - source: harbour-bulletin
        quote: {QUOTE}
        credibility: 3
""" for v in values)
    (content / "exercises" / "edge-dates.yaml").write_text(f"""name: Edge dates
mentions:
  - source: harbour-bulletin
    quote: Navies prepare for Tidewater 2019
    credibility: 2
claims:
  - property: status
    value: planned
    sources:
      - source: harbour-bulletin
        quote: will hold the naval exercise Tidewater 2019 in the waters off Vostrava this spring
        credibility: 2
{claims}""", encoding="utf-8")
    established = "".join(f"""  - property: established
    value: "{v}"
    part: late
    sources:
      - source: harbour-bulletin
        quote: {QUOTE}
        credibility: 3
""" for v in values)
    (content / "mechanisms" / "edge-accord.yaml").write_text(f"""name: Edge accord
mentions:
  - source: harbour-bulletin
    quote: Both countries are members of the Coastal Watch Accord
    credibility: 2
claims:
{established}""", encoding="utf-8")
    return content


def _every_consumer(content: Path, values: list[str]) -> None:
    """Check the content, then run each consumer of a date over it."""
    result = check(content)
    assert result.ok, [d.format() for d in result.diagnostics]
    graph = result.graph
    assert graph is not None
    site = views.build(graph, today=TODAY)
    page = next(p for p in site.entities if p.id == "edge-dates")
    passed = all(dates.span(v).end < TODAY and dates.ends(v)[1] is not None for v in values)
    assert bool(page.flags) == passed, "a planned exercise is flagged when all its dates have passed, and only then"
    ld = page.json_ld or {}
    for key in ("startDate", "endDate"):
        if key in ld:
            assert re.fullmatch(r"\d{4}(-\d{2}){0,2}", ld[key]), ld
    shown = [e.when for e in site.timeline if e.entity.id in ("edge-dates", "edge-accord")]
    assert len(shown) == 2 * len(values)
    assert not any(re.search(r"[?~%]-|\.\.|^/|/$|-2[1-4]\b", w) for w in shown), shown  # EDTF syntax never shows
    picture = pictures.timeline(site.timeline, lambda r: r.url)
    assert picture is not None and "nan" not in picture.svg
    renderer = Renderer(pdf=True)
    html = renderer.entity(page, "../../")
    json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)[1])  # type: ignore[index]
    renderer.timeline(site.timeline, site.as_of, "../", picture)
    settings = PdfSettings(content.parent, content)
    assert jobs(graph, site, settings, renderer, ["edge-dates", "edge-accord"])


@pytest.mark.parametrize("value", ACCEPTED)
def test_an_accepted_date_passes_every_consumer(value: str, tmp_path: Path) -> None:
    bounds = dates.parse(value)
    assert dates.span(value) == bounds and bounds.start <= bounds.end
    assert dates.human(value) and dates.human(value, "early")
    _every_consumer(_project(tmp_path, [value]), [value])


def _candidates() -> list[str]:
    """Dates built from the parts of the grammar (and beyond it): far more than anyone writes by hand."""
    years = ["0000", "0001", "2016", "9998", "9999"]
    months = ["", "-00", "-01", "-02", "-12", "-13", "-20", "-21", "-24", "-25", "-41", "-XX"]
    days = ["", "-01", "-29", "-31", "-32"]
    flags = ["", "?", "~", "%"]
    singles = [y + f1 + m + d + f2 for y, m, d in itertools.product(years, months, days) for f1, f2 in
               (("", ""), ("?", ""), ("", "~"))]
    ends = [y + m + f for y, m, f in itertools.product(["2015", "2016", "9999"], ["", "-06", "-24"], flags[:2])]
    intervals = [f"{a}/{b}" for a, b in itertools.product([*ends, "..", ""], [*ends, "..", ""])]
    return singles + intervals


def test_every_candidate_either_fails_to_parse_or_passes_every_date_consumer() -> None:
    accepted = []
    for value in _candidates():
        try:
            dates.parse(value)
        except ValueError as exc:
            assert f"'{value}'" in str(exc)
            continue
        accepted.append(value)
        bounds = dates.span(value)
        assert bounds.start <= bounds.end, value
        assert dates.human(value, "mid"), value
        first, last = dates.ends(value)
        for end in (first, last):
            if end is not None:
                assert re.fullmatch(r"\d{4}(-\d{2}){0,2}", dates.iso(end)), value
    assert len(accepted) > 100
    entries = [views.TimelineEntry((dates.span(v).start, dates.span(v).end), dates.human(v), True,
                                   views.Ref("x", "x", "exercise", "exercises/x/"), v, f"c{i}", "planned")
               for i, v in enumerate(accepted)]
    assert pictures.timeline(sorted(entries, key=lambda e: e.sort_key), lambda r: r.url) is not None


def test_markdown_never_renders_an_img() -> None:
    html = markdown().render("![a](https://tracker.example/x.png) ![b][r] <img src=https://x.example/y>\n\n"
                             "[r]: https://tracker.example/y.png\n")
    assert "<img" not in html
    assert '<a href="https://tracker.example/x.png">a</a>' in html
    assert '<a href="https://tracker.example/y.png">b</a>' in html


# --- a real build of every edge value ------------------------------------------------------------------------


LONG_ID = ("aldorian-" * 12)[: ID_MAX - 4] + "-end"
ARABIC = "جمهورية ألدوريا"


def _edge_project(tmp: Path) -> Path:
    content = _project(tmp / "source", ACCEPTED)
    assert len(LONG_ID) == ID_MAX
    (content / "actors" / f"{LONG_ID}.yaml").write_text(f"""name: {ARABIC}
aliases:
  - "\u2067{ARABIC}\u2069 (isolated)"
  - name: "\u202bAldoria\u202c"
type: unit
parent: aldoria
summary: "A unit.\\tIts summary runs\\nover lines, links <https://example.org/unit> and [a page](https://example.org/p)."
mentions:
  - source: harbour-bulletin
    quote: The Aldorian Navy, the seagoing force of the Republic of Aldoria
    credibility: 2
""", encoding="utf-8")
    (content / "briefs").mkdir()
    (content / "briefs" / "edge-book.yaml").write_text(f"""title: Edges
scope:
  kinds: [mechanism]
  ids: [edge-dates, {LONG_ID}]
as_of: 2016-21
""", encoding="utf-8")
    return make_project(tmp / "project", content)


@pytest.fixture(scope="module")
def edge_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = _edge_project(tmp_path_factory.mktemp("edges"))
    done = run([*tool("briefgen"), "check", "content"], cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    done = briefgen_build(project, "--no-pdf", "--strict")
    assert done.returncode == 0, done.stdout + done.stderr
    return project


def test_the_build_renders_every_value_the_check_accepts(edge_build: Path) -> None:
    site = edge_build / "site"
    page = (site / "exercises" / "edge-dates" / "index.html").read_text(encoding="utf-8")
    for value in ACCEPTED:
        assert dates.human(value) in page.replace("&#39;", "'"), value
    assert (site / "actors" / LONG_ID / "index.html").is_file()
    actor = (site / "actors" / LONG_ID / "index.html").read_text(encoding="utf-8")
    assert f'<bdi data-pagefind-weight="10" data-pagefind-meta="title">{ARABIC}</bdi>' in actor
    timeline = (site / "timeline" / "index.html").read_text(encoding="utf-8")
    assert "31 Dec 9999" in timeline and "spring 2016" in timeline
    listing = (site / "actors" / "index.html").read_text(encoding="utf-8")
    assert f'href="../actors/{LONG_ID}/"' in listing or f'href="{LONG_ID}/"' in listing or LONG_ID in listing


def test_no_page_loads_an_image_from_another_site(edge_build: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(edge_build, project, ignore=shutil.ignore_patterns("site"))
    summary = project / "content" / "exercises" / "tidewater-2019.yaml"
    text = summary.read_text(encoding="utf-8")
    summary.write_text(text.replace("name: Tidewater 2019\n",
                                    "name: Tidewater 2019\nsummary: '![x](https://tracker.example/p.png)'\n", 1),
                       encoding="utf-8")
    done = briefgen_build(project, "--no-pdf")
    assert done.returncode == 1
    assert "summary: image 'https://tracker.example/p.png'" in done.stdout + done.stderr
    for html in (edge_build / "site").rglob("*.html"):
        for src in re.findall(r"<img\b[^>]*\bsrc=\"([^\"]*)\"", html.read_text(encoding="utf-8")):
            assert not re.match(r"^([a-z][a-z0-9+.-]*:|//)", src, re.I), f"{html}: <img src={src!r}>"


@pytest.mark.slow
def test_the_pdf_stage_renders_the_longest_id_and_a_season_as_of(edge_build: Path, tmp_path: Path) -> None:
    out = tmp_path / "pdf"
    done = run([*tool("briefgen"), "pdf", "-j", "1", "--no-cache", "-o", str(out), LONG_ID, "edge-book"],
               cwd=edge_build, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    brief = out / f"{LONG_ID}.pdf"
    assert brief.is_file()
    book = "".join(p.extract_text() or "" for p in PdfReader(out / "books" / "edge-book.pdf").pages)
    assert "spring 2016" in book and "31 Dec 9999" in book


def test_reserved_ids_are_the_names_a_build_writes_beside_entity_pages(edge_build: Path) -> None:
    """What the plan and MkDocs write at the site's root and in each kind folder, besides entity pages, is
    reserved: an entity of that id would take its place."""
    project = edge_build
    site_plan, result = plan(project / "content", project)
    assert site_plan is not None, result.diagnostics
    folders = {k.folder for k in KINDS}
    ids = set(site_plan.graph.entities)
    names = set()
    for path in [*site_plan.pages, *site_plan.assets]:
        parts = path.split("/")
        if parts[0] not in folders:
            names.add(parts[0].split(".")[0])
        elif parts[1].removesuffix(".md") not in ids:
            names.add(parts[1].split(".")[0])
    for entry in (project / "site").iterdir():
        if entry.name not in folders and not entry.name.startswith("."):  # a hidden name is never an id
            names.add(entry.name.split(".")[0])
    for folder in folders:
        for entry in (project / "site" / folder).iterdir():
            if entry.name not in ids:
                names.add(entry.name.split(".")[0])
    assert names <= RESERVED, f"not reserved: {sorted(names - RESERVED)}"
    assert {"index", "timeline", "map", "relationships", "grades", "assets", "pagefind", "sitemap"} <= names
