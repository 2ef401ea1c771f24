"""Pictures: the SVG timeline, relationship graph and locator map, checked as data and by looking.

"By looking" means rendering the real map page in headless Chromium to PNG and counting
pixels of the colours that carry meaning (shaded states, the named border).
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import xml.etree.ElementTree as ET
from dataclasses import replace
from importlib import resources
from pathlib import Path

import pytest
from projects import CORPUS, FIXTURES, graph_of

from benchmarks.serving import serve
from briefgen.check.link import Graph
from briefgen.site import pictures, views

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def graph() -> Graph:
    return graph_of(CORPUS / "content")


def _link(r: views.Ref) -> str | None:
    return f"/{r.url}" if r.url else None


def _parse(pic: pictures.Picture) -> ET.Element:
    root = ET.fromstring(str(pic.svg))  # well-formed XML or this raises
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}title") is not None and root.find(f"{SVG}title").text == pic.title
    assert root.find(f"{SVG}desc").text == pic.alt
    return root


@pytest.fixture(scope="module")
def claims_graph() -> Graph:
    """The fixture world of two newspapers (tests/fixtures/claims): planned, held and disputed drills."""
    return graph_of(FIXTURES / "claims" / "content")


def test_timeline_draws_every_dated_entry_with_a_link(claims_graph: Graph) -> None:
    entries = views.timeline(claims_graph)
    pic = pictures.timeline(entries, _link)
    assert pic is not None
    root = _parse(pic)
    links = {a.get("href") for a in root.iter(f"{SVG}a")}
    assert links == {f"/{e.entity.url}" for e in entries}
    for e in entries:
        assert e.when in pic.alt and e.entity.name in pic.alt
    # planned in the planned colour, dashed because its year is inferred; a drill held on a known day solid
    rows = {g.find(f"{SVG}a/{SVG}title").text: g for g in root.iter(f"{SVG}g") if g.get("class") == "bg-tl-row"}
    planned = next(g for t, g in rows.items() if "Shield 2019" in t)
    conducted = next(g for t, g in rows.items() if "Breaker 2018" in t)
    assert [r.get("stroke-dasharray") for r in planned.iter(f"{SVG}rect")] == ["3 2"]
    assert all(r.get("stroke") == pictures.PLANNED for r in planned.iter(f"{SVG}rect"))
    assert [(r.get("fill"), r.get("fill-opacity")) for r in conducted.iter(f"{SVG}rect")
            if r.get("class") == "bg-tl-bar"] == [(pictures.CONDUCTED, None)]


def _rows(root: ET.Element) -> dict[str, ET.Element]:
    """The timeline's rows by the name their link gives (what a screen reader says)."""
    return {g.find(f"{SVG}a").get("aria-label"): g for g in root.iter(f"{SVG}g") if g.get("class") == "bg-tl-row"}


@pytest.mark.parametrize("width", [pictures.WIDE, pictures.NARROW])
def test_timeline_draws_the_other_reported_dates_of_an_event_on_its_row(claims_graph: Graph, width: float) -> None:
    """Tidewater 2019 was planned for 20–23 July and held 20–24 July (assessed): its row shows both, the plan as a
    hollow dashed bar saying "also reported"; Breaker 2018's two unresolved days both show; others have one bar."""
    entries = views.timeline(claims_graph)
    root = _parse(pictures.timeline(entries, _link, width=width))
    rows = _rows(root)
    assert len(rows) == len(entries)
    for e in entries:
        row = next(g for name, g in rows.items() if name.startswith(f"{e.entity.name} {e.when}"))
        bars = [r for r in row.iter(f"{SVG}rect") if r.get("class") == "bg-tl-bar"]
        alts = [r for r in row.iter(f"{SVG}rect") if r.get("class") == "bg-tl-alt"]
        assert len(bars) == 1, e.entity.name
        assert [a.find(f"{SVG}title").text for a in alts] == [f"also reported: {w}" for w in e.alternatives]
        for a in alts:
            assert a.get("fill") == "none" and a.get("stroke-dasharray"), "an alternative is drawn hollow and dashed"
            assert float(a.get("y")) > float(bars[0].get("y")), "in a lane of its own, under the bar"
        if e.alternatives:
            name = next(n for n in rows if n.startswith(f"{e.entity.name} {e.when}"))
            assert f"also reported: {'; '.join(e.alternatives)}" in name, "screen readers hear it too"
    held = next(e for e in entries if e.entity.id == "tidewater-2019")
    assert (held.when, held.status, held.alternatives) == ("20–24 Jul 2019", "conducted", ("20–23 Jul 2019",))
    row = next(g for name, g in rows.items() if name.startswith("Tidewater 2019"))
    bar, plan = (next(r for r in row.iter(f"{SVG}rect") if r.get("class") == c) for c in ("bg-tl-bar", "bg-tl-alt"))
    assert bar.get("x") == plan.get("x"), "both start on 20 July"
    assert "Tidewater 2019 (conducted; also reported: 20–23 Jul 2019)" in root.find(f"{SVG}desc").text
    unresolved = next(e for e in entries if e.entity.id == "breaker-2018")
    assert unresolved.alternatives == ("4 Aug 2018",)
    assert any("also reported" in "".join(t.itertext()) for t in root.iter(f"{SVG}text")), "the legend explains it"


def test_the_time_axis_holds_every_reported_date(claims_graph: Graph) -> None:
    """An event also reported for a year after every other date: the axis runs to that year, the mark on it."""
    entries = list(views.timeline(claims_graph))
    entries[0] = replace(entries[0], alternatives=("Jan 2041",),
                         alternative_spans=((views.dt.date(2041, 1, 1), views.dt.date(2041, 1, 31)),))
    for width in (pictures.WIDE, pictures.NARROW):
        root = _parse(pictures.timeline(entries, _link, width=width))
        alt = next(r for r in root.iter(f"{SVG}rect") if r.get("class") == "bg-tl-alt")
        assert float(alt.get("x")) + float(alt.get("width")) <= width, "drawn inside the picture"
        years = {int(t.text): float(t.get("x")) for t in root.iter(f"{SVG}text") if (t.text or "").isdigit()}
        assert min(years) <= 2016 and max(years) > 2031, f"the axis runs from 2016 past 2031: {years}"
        assert float(alt.get("x")) > years[max(years)], "the mark stands after the last year labelled"


def test_fuzzy_dates_are_drawn_faded_with_whiskers(graph: Graph) -> None:
    entries = [e for e in views.timeline(graph) if e.fuzzy]
    assert entries, "the corpus has fuzzy dates (2012, early Aug 2016, late Jul 2019)"
    root = _parse(pictures.timeline(entries, _link))
    rects = list(root.iter(f"{SVG}rect"))
    assert all(r.get("fill-opacity") == ".28" for r in rects if r.get("height") == "10")
    assert len([ln for ln in root.iter(f"{SVG}line") if ln.get("y1") and ln.get("stroke") != "currentColor"]) >= 2


def test_relationships_show_members_participants_and_force_hierarchy(graph: Graph) -> None:
    ref = functools.partial(views.ref, graph)
    pic = pictures.relationships(graph, ref, _link)
    root = _parse(pic)
    titles = {p.find(f"{SVG}title").text for p in root.iter(f"{SVG}path")}
    assert "Quadrilateral Cooperation and Coordination Mechanism — member — Pakistan" in titles
    assert "SCO exercises in Tajikistan, 2012 — framework — Shanghai Cooperation Organization" in titles
    assert "Mobile Forces of Tajikistan’s Armed Forces is part of Armed Forces of Tajikistan" in pic.alt
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    at = {t: i for i, t in enumerate(texts)}
    # the hierarchy reads top-down: state, its armed forces, their unit
    assert at["Tajikistan"] < at["└ Armed Forces of Tajikistan"] < at["└ Mobile Forces of Tajikistan’s Armed Forces"]


def test_locator_map_shades_the_states_and_draws_the_named_border(graph: Graph) -> None:
    ref = functools.partial(views.ref, graph)
    spec = pictures.entity_map_spec(graph, "tajik-chinese-drill-ishkashim-2016", ref)
    assert spec is not None
    layer = ET.fromstring(pictures.base_layer(spec.focus, spec.highlight, spec.width, spec.margin))
    shaded = {p.find(f"{SVG}title").text for p in layer.iter(f"{SVG}path") if p.get("fill") == pictures.HIGHLIGHT}
    assert shaded == {"Tajikistan", "China"}  # the location's state and the participants' states
    pic = pictures.small_map(spec, "layer.svg", _link)
    root = _parse(pic)
    assert [i.get("href") for i in root.iter(f"{SVG}image")] == ["layer.svg"]
    border = [p for p in root.iter(f"{SVG}path") if p.get("stroke") == pictures.PLANNED]
    assert border and border[0].find(f"{SVG}title").text == "Ishkashim district borders Afghanistan"
    assert len(str(pic.svg)) < 20_000, "the outlines live in the shared layer file, not in every page"
    assert len(pictures.base_layer(spec.focus, spec.highlight, spec.width, spec.margin)) < 200_000


def test_pictures_escape_content_and_keep_ids_unique(graph: Graph) -> None:
    hostile = views.TimelineEntry(
        sort_key=(views.dt.date(2020, 1, 1), views.dt.date(2020, 1, 2)), when="2020", fuzzy=False,
        entity=views.Ref("x", "<script>alert(1)</script> & co", "exercises/x/", "exercise"), what="",
        anchor="a", status="conducted")
    a = pictures.timeline([hostile], _link)
    b = pictures.timeline([hostile], _link, title="Another")
    assert "<script>" not in str(a.svg) and "&lt;script&gt;" in str(a.svg)
    ids = [e.get("id") for pic in (a, b) for e in _parse(pic).iter() if e.get("id")]
    assert len(ids) == len(set(ids))


def test_outlines_are_the_points_a_plain_reading_of_the_arcs_gives() -> None:
    data = json.loads(resources.files("briefgen").joinpath("assets/geo/countries-50m.json").read_text())
    (sx, sy), (tx, ty) = data["transform"]["scale"], data["transform"]["translate"]
    expected = []
    for arc in data["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        expected.append(points)
    rings, uses, arcs = pictures._world()
    assert arcs == expected  # the very same floats
    tajikistan = rings["Tajikistan"]
    assert tajikistan and all(p in {q for i in uses["Tajikistan"] for q in expected[i]} for r in tajikistan for p in r)


def test_an_outline_is_its_points_projected_and_thinned() -> None:
    frame = pictures._frame(("Tajikistan",), 420.0, 4.0)
    assert frame is not None

    def drawn(points: list[tuple[float, float]], close: bool) -> str:  # a point at a time, through project()
        out: list[str] = []
        last: tuple[float, float] | None = None
        for lon, lat in points:
            px, py = frame.project(min(max(lon, frame.lon0 - 1), frame.lon1 + 1),
                                   min(max(lat, frame.lat0 - 1), frame.lat1 + 1))
            if last and abs(px - last[0]) < 0.6 and abs(py - last[1]) < 0.6:
                continue
            out.append(f"{px:.1f} {py:.1f}")
            last = (px, py)
        return ("M" + " L".join(out) + (" Z" if close else "")) if len(out) > 1 else ""

    rings, _uses, arcs = pictures._world()
    shapes = [r for name in ("Tajikistan", "Afghanistan", "China", "Fiji") for r in rings[name]]
    assert all(frame.path(r, True) == drawn(r, True) for r in shapes)
    assert all(frame.path(a, False) == drawn(a, False) for a in arcs[:300])
    assert any(frame.path(r, True) == "" for r in shapes) and any(frame.path(r, True) for r in shapes)


def test_state_names_are_those_of_the_graph_asked_about(graph: Graph) -> None:
    names = pictures.state_names(graph)
    assert {"Tajikistan", "China"} <= set(names.values())
    names.clear()  # the caller's copy
    names = pictures.state_names(graph)
    assert {"Tajikistan", "China"} <= set(names.values())
    for withheld in sorted(names)[:3]:  # graphs made and dropped in turn (one may reuse another's id)
        fewer = replace(graph, entities={i: r for i, r in graph.entities.items() if i != withheld})
        assert pictures.state_names(fewer) == {i: n for i, n in names.items() if i != withheld}
        del fewer
    assert pictures.state_names(graph) == names
    ref = functools.partial(views.ref, graph)
    china = next(i for i, n in names.items() if n == "China")
    without_china = replace(graph, entities={i: r for i, r in graph.entities.items() if i != china})
    spec = pictures.entity_map_spec(graph, "tajik-chinese-drill-ishkashim-2016", ref)
    assert spec is not None and spec.highlight == ("China", "Tajikistan")
    spec = pictures.entity_map_spec(without_china, "tajik-chinese-drill-ishkashim-2016",
                                    functools.partial(views.ref, without_china))
    assert spec is not None and spec.highlight == ("Tajikistan",)


def test_a_name_that_looks_like_markup_is_drawn_as_text(graph: Graph) -> None:
    actor = next(r for r in graph.entities.values() if r.kind.name == "actor" and graph.backlinks.get(r.id))
    hostile = {**graph.entities, actor.id: replace(actor, model=actor.model.model_copy(update={"name": "<i>x</i>"}))}
    hostile_graph = replace(graph, entities=hostile)
    ids = [actor.id, *(link.source for link in graph.backlinks[actor.id])]
    pic = pictures.relationships(hostile_graph, functools.partial(views.ref, hostile_graph), _link, ids)
    assert pic is not None and "&lt;i&gt;x&lt;/i&gt;" in str(pic.svg) and "<i>" not in str(pic.svg)


@pytest.fixture(scope="module")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from briefgen.mkdocs.build import build_site

    out = tmp_path_factory.mktemp("site") / "site"
    assert build_site(CORPUS / "mkdocs.yml", quiet=True, site_dir=out, pdf=False) == 0
    return out


def test_pictures_appear_on_site_pages(built_site: Path) -> None:
    assert "<svg" in (built_site / "timeline" / "index.html").read_text()
    assert "Locator map" in (built_site / "map" / "index.html").read_text()
    assert "Relationships" in (built_site / "relationships" / "index.html").read_text()
    exercise = (built_site / "exercises" / "tajik-chinese-drill-ishkashim-2016" / "index.html").read_text()
    assert "Where: Tajik–Chinese anti-terror drill" in exercise
    layer = re.search(r'<image href="\.\./\.\./(assets/maps/[^"]+\.svg)"', exercise)
    assert layer and (built_site / layer.group(1)).is_file()
    place = (built_site / "places" / "ishkashim-district" / "index.html").read_text()
    assert "Ishkashim district borders Afghanistan" in place


@pytest.mark.browser
def test_map_page_renders_in_chromium_with_shaded_states_and_border(built_site: Path, tmp_path: Path) -> None:
    from PIL import Image
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with serve(built_site) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"])
        page = browser.new_page(viewport={"width": 1280, "height": 1200})
        page.goto(f"{url}map/")
        shot = tmp_path / "map.png"
        page.locator("figure.bg-figure svg:visible").screenshot(path=str(shot))
        browser.close()
    print(f"map rendered to {shot}")
    image = Image.open(shot).convert("RGB")
    pixels = list(zip(*[iter(image.tobytes())] * 3, strict=True))
    orange = sum(1 for r, g, b in pixels if r > 200 and 80 < g < 140 and b < 60)
    blue = sum(1 for r, g, b in pixels if r < 200 and g > 190 and b > 230)
    assert orange > 200, "the Tajikistan–Afghanistan border is drawn"
    assert blue > len(pixels) * 0.2, "the involved states are shaded"


def test_long_names_are_wrapped_whole_in_every_layout() -> None:
    """A printed or phone-sized picture shows whole names on several lines, never one cut with "…"."""
    name = "An exercise whose name is far longer than any column of a timeline could hold on one line"
    entry = views.TimelineEntry(
        sort_key=(views.dt.date(2020, 1, 1), views.dt.date(2020, 1, 3)), when="1–3 Jan 2020", fuzzy=False,
        entity=views.Ref("x", name, "exercises/x/", "exercise"), what="", anchor="a", status="conducted")
    for width in (pictures.WIDE, pictures.NARROW):
        pic = pictures.timeline([entry], _link, width=width)
        root = _parse(pic)
        assert "…" not in str(pic.svg)
        assert float(root.get("width")) == width
        name_text = next(t for t in root.iter(f"{SVG}text") if "exercise whose" in "".join(t.itertext()))
        lines = [span.text.strip() for span in name_text.iter(f"{SVG}tspan")]
        assert len(lines) >= 2 and " ".join(lines) == name
        assert all(len(line) * pictures.FONT * pictures.CHAR_EM <= width for line in lines)


def test_a_printed_picture_carries_its_text_description_as_its_title() -> None:
    """WeasyPrint gives a tagged PDF's figure the SVG's <title> as its alternative: the description goes there."""
    entry = views.TimelineEntry(
        sort_key=(views.dt.date(2020, 1, 1), views.dt.date(2020, 1, 3)), when="1–3 Jan 2020", fuzzy=False,
        entity=views.Ref("x", "Drill <b> & co", "exercises/x/", "exercise"), what="", anchor="a", status=None)
    pic = pictures.timeline([entry], _link)
    printed = ET.fromstring(str(pic.for_print()))
    assert printed.find(f"{SVG}title").text == f"{pic.title}. {pic.alt}"
    assert "Drill <b> & co" in pic.alt
