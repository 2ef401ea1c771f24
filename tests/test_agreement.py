"""Many reports, one briefing: which values agree, which one the briefing holds, and what holds now.

Unit tests of :mod:`briefgen.site.agreement`, then the fictional fixture ``tests/fixtures/claims/``
(two newspapers reporting the same drills before and after) through the views, a real
build and its PDF.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from projects import FIXTURES, graph_of
from pypdf import PdfReader

from briefgen.check.link import Graph
from briefgen.site import agreement, views

FIXTURE = FIXTURES / "claims"
BRIEFGEN = str(Path(sys.executable).parent / "briefgen")
TODAY = dt.date(2024, 6, 1)


def date(value: str, part: str | None = None, **extra: Any) -> Any:
    return SimpleNamespace(property="date", value=value, part=part, assessment=None, **extra)


def strength(value: int, bound: str = "exact", to: int | None = None, unit: str = "personnel") -> Any:
    return SimpleNamespace(property="strength", value=value, bound=bound, bounding=bound, to=to, unit=unit,
                           approximate=False, assessment=None)


@pytest.mark.parametrize(("a", "b"), [
    (date("2016"), date("2016-08-03")),                      # a year and a day in it
    (date("2016-08", "early"), date("2016-08-03")),          # early August and 3 August
    (date("2016-10-20/2016-10-23"), date("2016-10")),        # an interval inside a month
    (date("2016-08~"), date("2016-09-02")),                  # "about August" reaches into September
    (date("2019/.."), date("2019-07-20/2019-07-24")),        # an open end allows any end
    (date("2017?-07"), date("2018-07")),                     # an uncertain year may be the next
])
def test_dates_that_refine_each_other_agree(a: Any, b: Any) -> None:
    assert agreement.compatible(a, b) and agreement.compatible(b, a)


@pytest.mark.parametrize(("a", "b"), [
    (date("2016-10-20/2016-10-23"), date("2016-10-20/2016-10-24")),  # day-exact ends differ
    (date("2016-08-03"), date("2016-08-04")),
    (date("2016-08", "early"), date("2016-08", "late")),
    (date("2016"), date("2017-01-01")),
])
def test_dates_that_cannot_both_be_true_disagree(a: Any, b: Any) -> None:
    assert not agreement.compatible(a, b) and not agreement.compatible(b, a)


@pytest.mark.parametrize(("a", "b", "agree"), [
    (strength(10000, "about"), strength(10000, "at-least"), True),
    (strength(10000, "about"), strength(9500), True),
    (strength(10000, "nearly"), strength(10000, "about"), True),
    (strength(10000, "over"), strength(10000), False),
    (strength(1200), strength(500, "at-most"), False),
    (strength(800, to=1000), strength(900, "about"), True),
    (strength(800, to=1000), strength(1200), False),
    (strength(400), strength(450), False),
    (strength(400, unit="sailors"), strength(400, unit="ships"), False),
])
def test_numbers_agree_when_their_bounds_meet(a: Any, b: Any, agree: bool) -> None:
    assert agreement.compatible(a, b) is agree


def test_an_assessed_value_leads_and_without_one_disagreement_stays_unresolved() -> None:
    planned, held = date("2019-07-20/2019-07-23"), date("2019-07-20/2019-07-24")
    assert agreement.resolve([planned, held]) == agreement.Outcome((0, 1), "unresolved", None)
    held.assessment = "reported after the exercise"
    assert agreement.resolve([planned, held]) == agreement.Outcome((1, 0), "assessed", 1)
    # values that agree: the most precise leads, whatever the file order
    assert agreement.resolve([date("2016"), date("2016-08-03")]).lead == 1
    assert agreement.resolve([date("2016-08-03"), date("2016")]).lead == 0


def test_a_status_is_a_history_ordered_by_when_it_held() -> None:
    def status(value: str, source: str, as_of: str | None = None) -> Any:
        return SimpleNamespace(property="status", value=value, as_of=as_of, sources=[SimpleNamespace(source=source)])

    published = {"july": "2019-07-09", "august": "2019-08-20"}.get
    held, planned = status("conducted", "august"), status("planned", "july")
    assert [i for i, _ in agreement.history([held, planned], published)] == [1, 0]
    assert agreement.current([held, planned], published) == (0,)
    # an as_of of its own beats the report's date
    late_plan = status("planned", "july", as_of="2019-09-01")
    assert agreement.current([held, late_plan], published) == (1,)


# --- the fixture through the views -----------------------------------------------------------


@pytest.fixture(scope="module")
def graph() -> Graph:
    return graph_of(FIXTURE / "content")


@pytest.fixture(scope="module")
def site(graph: Graph) -> views.SiteViews:
    return views.build(graph, TODAY)


def page(site: views.SiteViews, entity_id: str) -> views.EntityPage:
    return next(p for p in site.entities if p.id == entity_id)


def text_of(parts: Sequence[str | views.Ref]) -> str:
    """A statement's parts as a reader sees them: text, and each linked entity by its name."""
    return "".join(p.name if isinstance(p, views.Ref) else p for p in parts)


def section(p: views.EntityPage, prop: str) -> views.Section:
    return next(s for s in p.sections if s.property == prop)


def glance(p: views.EntityPage, label: str) -> str:
    fact = next(f for f in p.glance if f.label == label)
    text = fact.separator.join(text_of(parts) for parts, _ in fact.items)
    return text + (" [unresolved]" if fact.unresolved else "")


def test_the_assessed_date_leads_whatever_the_file_order(site: views.SiteViews) -> None:
    tidewater = page(site, "tidewater-2019")
    dates_ = section(tidewater, "date")
    assert dates_.conflict and dates_.resolution == "assessed"
    assert text_of(dates_.statements[0].parts) == "20–24 Jul 2019"
    assert dates_.statements[0].assessment and not dates_.statements[1].assessment
    assert glance(tidewater, "Dates") == "20–24 Jul 2019 (assessed); 20–23 Jul 2019 (also reported)"


def test_disagreement_without_an_assessment_is_shown_unresolved(site: views.SiteViews) -> None:
    breaker = page(site, "breaker-2018")
    for prop in ("date", "strength"):
        assert section(breaker, prop).conflict and section(breaker, prop).resolution == "unresolved"
    assert glance(breaker, "Dates") == "3 Aug 2018 / 4 Aug 2018 [unresolved]"
    assert glance(breaker, "Strength") == "1,200 sailors / at most 500 sailors [unresolved]"


def test_bounds_read_as_the_source_put_them_and_refinements_agree(site: views.SiteViews) -> None:
    tidewater = page(site, "tidewater-2019")
    strength_ = section(tidewater, "strength")
    assert not strength_.conflict and strength_.resolution == "agree"
    assert [text_of(s.parts) for s in strength_.statements] == ["about 10,000 personnel",
                                                                     "at least 10,000 personnel"]
    accord = page(site, "coastal-watch-accord")
    assert not section(accord, "established").conflict  # 3 Aug in Vostrava, August on the Eastern Shore


def test_planned_then_held_is_a_history_and_the_current_status_is_the_latest(site: views.SiteViews) -> None:
    tidewater = page(site, "tidewater-2019")
    status = section(tidewater, "status")
    assert status.history and not status.conflict
    assert [(text_of(s.parts), s.as_of) for s in status.statements] == [
        ("planned", "9 Jul 2019"), ("conducted", "20 Aug 2019")]
    assert glance(tidewater, "Status") == "conducted (earlier: planned as of 9 Jul 2019)"
    assert not tidewater.flags


def test_upcoming_lists_only_what_is_planned_and_not_yet_past(site: views.SiteViews) -> None:
    assert [e.entity.id for e in site.home.upcoming] == ["anchor-2030"]
    assert [e.entity.id for e in site.home.unconfirmed] == ["shield-2019"]
    assert "tidewater-2019" in [e.entity.id for e in site.home.latest]
    shield = page(site, "shield-2019")
    assert shield.flags and shield.flags[0].startswith("Unconfirmed: planned for Sep 2019")


def test_the_timeline_has_one_row_per_event_at_its_leading_date(site: views.SiteViews) -> None:
    rows = [(e.entity.id, e.when, e.alternatives, e.status) for e in site.timeline]
    assert [r[0] for r in rows].count("tidewater-2019") == 1
    assert ("tidewater-2019", "20–24 Jul 2019", ("20–23 Jul 2019",), "conducted") in rows
    breaker = next(r for r in rows if r[0] == "breaker-2018")
    assert breaker[1:3] == ("3 Aug 2018", ("4 Aug 2018",))
    accord = next(r for r in rows if r[0] == "coastal-watch-accord")
    assert accord[2] == ()  # the founding dates agree: one row, no alternative


def test_json_ld_takes_both_ends_from_the_held_date_and_lists_each_attendee_once(site: views.SiteViews) -> None:
    data = page(site, "tidewater-2019").json_ld
    assert data is not None
    assert (data["startDate"], data["endDate"]) == ("2019-07-20", "2019-07-24")
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert [a["name"] for a in data["attendee"]] == ["Republic of Aldoria", "Kingdom of Brevia"]
    unresolved = page(site, "breaker-2018").json_ld
    assert unresolved is not None and "startDate" not in unresolved


# --- checks ----------------------------------------------------------------------------------


def _copy(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(FIXTURE / "content", content)
    return content


def _check(content: Path) -> list[str]:
    done = subprocess.run([BRIEFGEN, "check", "-q", "content"], capture_output=True,
                          text=True, cwd=content.parent, check=False)
    return done.stdout.splitlines()


def test_two_assessments_of_one_property_are_an_error(tmp_path: Path) -> None:
    content = _copy(tmp_path)
    path = content / "exercises" / "breaker-2018.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("    value: 2018-08-03\n", "    value: 2018-08-03\n    assessment: the Courier was there\n")
    text = text.replace("    value: 2018-08-04\n", "    value: 2018-08-04\n    assessment: the Gazette checked\n")
    path.write_text(text, encoding="utf-8")
    lines = _check(content)
    assert len(lines) == 1 and re.fullmatch(
        r"content/exercises/breaker-2018\.yaml:22:17: error: claims\[2\]\.assessment: claims\[1\] already holds "
        r"the briefing's value of 'date' \(hint: .*\)", lines[0]), lines


@pytest.mark.parametrize(("extra", "message"), [
    ("    bound: nearly\n    approximate: true\n", "approximate: true and bound: nearly say two things"),
    ("    to: \"900\"\n", "the range 1200–900 ends before it starts"),
    ("    bound: over\n    to: \"1500\"\n", "a range (to) takes no bound"),
])
def test_a_strength_says_its_bound_once(tmp_path: Path, extra: str, message: str) -> None:
    content = _copy(tmp_path)
    path = content / "exercises" / "breaker-2018.yaml"
    text = path.read_text(encoding="utf-8").replace('    value: "1200"\n', '    value: "1200"\n' + extra)
    path.write_text(text, encoding="utf-8")
    lines = _check(content)
    assert len(lines) == 1 and message in lines[0] and lines[0].startswith("content/exercises/breaker-2018.yaml:")


# --- a real build: the page and the PDF say the same --------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("claims")
    shutil.copytree(FIXTURE / "content", project / "content")
    (project / "mkdocs.yml").write_text("site_name: Claims\ndocs_dir: content\nsite_url: https://example.org/\n"
                                        "theme: {name: material, font: false}\nplugins: [search, briefgen]\n"
                                        "nav:\n  - Home: index.md\n  - Exercises: exercises/index.md\n",
                                        encoding="utf-8")
    done = subprocess.run([BRIEFGEN, "build", "-q"], cwd=project, capture_output=True,
                          text=True, check=False, env={"SOURCE_DATE_EPOCH": "1717200000", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stdout + done.stderr
    return project / "site"


@pytest.mark.slow
def test_the_page_shows_the_held_value_first_with_its_reason(built: Path) -> None:
    html = (built / "exercises" / "tidewater-2019" / "index.html").read_text(encoding="utf-8")
    assert "the briefing holds the first" in html
    held, also = html.index("Assessed</p>"), html.index("Also reported</p>")
    assert held < also
    assert "The Gazette reported after the exercise had ended" in html
    assert "Planned <span class=\"bg-as-of\">as of 9 Jul 2019</span>" in html
    breaker = (built / "exercises" / "breaker-2018" / "index.html").read_text(encoding="utf-8")
    assert "Unresolved: the editors hold none of them." in breaker
    assert "(sources disagree; unresolved)" in breaker
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)[1])
    assert data["endDate"] == "2019-07-24"


@pytest.mark.slow
def test_the_pdf_brief_shows_the_held_value_its_reason_and_the_open_disagreement(built: Path) -> None:
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(built / "pdf" / "tidewater-2019.pdf").pages)
    assert re.search(r"the briefing holds the first: Assessed Also reported 20–24 Jul 2019\d+ [A-F][1-6] Why: The "
                     r"Gazette reported after the exercise had ended.*? 20–23 Jul 2019\d+ [A-F][1-6]", text), text
    breaker = " ".join(" ".join(p.extract_text().split())
                       for p in PdfReader(built / "pdf" / "breaker-2018.pdf").pages)
    assert "Unresolved: the editors hold none of them." in breaker
