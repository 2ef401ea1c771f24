"""The built site in a real browser: headless Debian Chromium driven by Playwright (sync API).

The first corpus, frozen for tests (``tests/fixtures/corpus``), is built once (``repo_site`` in
conftest.py) and served by ``http.server`` on 127.0.0.1 on a free port. A reader's
journey is then followed click by click: a citation marker → its reference → the
highlighted passage on the source page → back → a participant → its Related section
→ the site search. Every request the browser makes is recorded: none may leave the
machine (requests to anywhere else are also blocked, so the suite stays offline).

Chromium is required: without ``/usr/bin/chromium`` these tests fail, they do not skip
(``make test`` installs it). Screenshots go to pytest's temporary folder and their paths
are printed (``pytest -s`` shows them); nothing is written into the repository.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Dialog, Page, Route, expect, sync_playwright
from projects import FIXTURES, briefgen_build, make_project

from benchmarks.serving import serve

pytestmark = pytest.mark.browser  # the slow ones are marked slow too

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
EXERCISE = "exercises/tajik-chinese-drill-ishkashim-2016/"
TIMEOUT_MS = 10_000


def squash(text: str) -> str:
    return " ".join(text.split())


def is_local(url: str) -> bool:
    """Whether a request stays on this machine: the test server, files, or data:/blob: URLs."""
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "file") or (
        parts.scheme in ("http", "https") and parts.hostname == "127.0.0.1")


@pytest.fixture(scope="module")
def repo_url(repo_site: tuple[subprocess.CompletedProcess[str], Path]) -> Iterator[str]:
    done, site = repo_site
    assert done.returncode == 0, done.stdout + done.stderr
    with serve(site) as url:
        yield url


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    project = make_project(tmp_path_factory.mktemp("hostile-browser") / "project", FIXTURES / "hostile" / "content")
    done = briefgen_build(project, "-q")
    assert done.returncode == 0, done.stdout + done.stderr
    with serve(project / "site") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.is_file(), f"{CHROMIUM} is missing: install Debian's chromium (make test does)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Recorder:
    """What the pages of a context did: every request, every dialog, every uncaught script error."""

    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def context(browser: Browser) -> Iterator[tuple[BrowserContext, Recorder]]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    ctx.set_default_timeout(TIMEOUT_MS)
    record = Recorder()

    def dialog(d: Dialog) -> None:
        record.dialogs.append(f"{d.type}: {d.message}")
        d.dismiss()

    def route(r: Route) -> None:
        if is_local(r.request.url):
            r.continue_()
        else:
            r.abort()

    ctx.on("request", lambda request: record.requests.append(request.url))
    ctx.on("page", lambda page: (page.on("dialog", dialog),
                                 page.on("pageerror", lambda error: record.errors.append(str(error)))))
    ctx.route("**/*", route)
    try:
        yield ctx, record
    finally:
        ctx.close()


def test_chromium_is_installed() -> None:
    assert CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} is missing: the browser tests need it"


@pytest.mark.slow
def test_reader_journey(context: tuple[BrowserContext, Recorder], repo_url: str, tmp_path: Path) -> None:
    ctx, record = context
    page = ctx.new_page()
    page.goto(repo_url + EXERCISE)
    expect(page.locator("h1#top")).to_have_text("Tajik–Chinese anti-terror drill in Ishkashim, October 2016")

    # a citation marker in the facts → its numbered reference
    marker = page.locator("li.bg-claim#date sup.bg-cite a").first
    mark = re.fullmatch(r"\[(\d+), grade ([A-F][1-6])(?:, doubtful)?\]", marker.text_content() or "")
    assert mark, marker.text_content()  # the number, and the grade beside it (as a screen reader hears it)
    number = mark[1]
    marker.click()
    expect(page).to_have_url(re.compile(rf"/{re.escape(EXERCISE)}#ref-{number}$"))
    reference = page.locator(f"ol.bg-references > li#ref-{number}")
    expect(reference).to_be_in_viewport()
    quote = squash(reference.locator("q").inner_text())
    assert quote
    exercise_png = tmp_path / "exercise.png"
    page.screenshot(path=exercise_png, full_page=True)

    # the reference's source link → the highlighted passage on the source page
    reference.locator("a[href*='sources/']").first.click()
    expect(page).to_have_url(re.compile(r"/sources/[a-z0-9-]+/#q-[0-9a-f]+$"))
    fragment = urlsplit(page.url).fragment
    passage = page.locator(f"[id='{fragment}']")
    expect(passage).to_have_count(1)
    assert passage.evaluate("e => e.tagName") == "MARK"
    expect(passage).to_be_visible()
    expect(passage).to_be_in_viewport()
    shown = squash(passage.inner_text())
    assert shown and shown in quote, f"highlighted {shown!r} is not part of the quote {quote!r}"
    assert passage.evaluate("e => getComputedStyle(e).outlineStyle") == "solid", "briefgen.css :target style missing"
    source_png = tmp_path / "source.png"
    page.screenshot(path=source_png)  # the viewport: the passage as the reader lands on it

    # back to the exercise → a participant → the actor's Related section lists the exercise
    page.go_back()
    expect(page).to_have_url(re.compile(rf"/{re.escape(EXERCISE)}#ref-{number}$"))
    page.locator("li.bg-claim#participant-china a.bg-ref").click()
    expect(page).to_have_url(re.compile(r"/actors/china/$"))
    expect(page.locator("h1#top")).to_have_text("China")
    expect(page.locator("h2#related")).to_be_visible()
    related = page.locator(f"ul.bg-related a[href$='{EXERCISE}']")
    expect(related).to_have_count(1)
    expect(related).to_be_visible()
    expect(related).to_have_text("Tajik–Chinese anti-terror drill in Ishkashim, October 2016")

    # the site search finds the Urumqi place page
    search = page.locator("input.bg-search__input")
    search.click()
    search.press_sequentially("Urumqi")
    hit = page.locator("a.bg-search__link[href*='places/urumqi/']").first
    expect(hit).to_be_visible()
    hit.click()
    expect(page).to_have_url(re.compile(r"/places/urumqi/"))
    expect(page.locator("h1#top")).to_have_text("Urumqi")

    print(f"\nscreenshots: {exercise_png} {source_png}")
    assert any("/pagefind/" in url for url in record.requests), "search index never loaded"
    leaving = sorted({url for url in record.requests if not is_local(url)})
    assert leaving == [], f"requests left the machine: {leaving}"
    assert record.dialogs == [] and record.errors == [], (record.dialogs, record.errors)


def test_every_reference_of_the_exercise_lands_on_a_visible_highlight(
        context: tuple[BrowserContext, Recorder], repo_url: str) -> None:
    """Not only the one clicked: each reference of the 2016 drill opens onto a visible <mark> of its quote."""
    ctx, record = context
    page = ctx.new_page()
    page.goto(repo_url + EXERCISE)
    references = page.locator("ol.bg-references > li").evaluate_all(
        "items => items.map(li => [li.id, li.querySelector('a').getAttribute('href'),"
        " li.querySelector('q').innerText])")
    assert len(references) >= 5, references
    problems = []
    for ref_id, href, quote in references:
        page.goto(urljoin(repo_url + EXERCISE, href))
        fragment = urlsplit(href).fragment
        target = page.locator(f"[id='{fragment}']")
        expect(target).to_have_count(1)
        tag = target.evaluate("e => e.tagName.toLowerCase()")
        text = squash(target.inner_text())
        if tag != "mark" or not target.is_visible():
            problems.append(f"{ref_id} → #{fragment}: lands on a {'visible' if target.is_visible() else 'hidden'}"
                            f" <{tag}>{text!r}, not on a visible highlight")
        elif text not in squash(quote):
            problems.append(f"{ref_id} → #{fragment}: highlight {text!r} is not part of {quote!r}")
    assert problems == [], "\n".join(problems)
    assert [url for url in record.requests if not is_local(url)] == []


def test_hostile_content_runs_no_script(context: tuple[BrowserContext, Recorder], hostile_url: str) -> None:
    """Open every page of the hostile fixture's site and search it: no alert() may ever fire."""
    ctx, record = context
    page = ctx.new_page()
    page.goto(hostile_url)
    urls = {hostile_url}
    for href in page.locator("a[href]").evaluate_all("links => links.map(a => a.href)"):
        if href.startswith(hostile_url) and "#" not in href and href.endswith("/"):
            urls.add(href)
    assert len(urls) > 8, sorted(urls)
    for url in sorted(urls):
        page.goto(url)
    page.goto(hostile_url)
    search = page.locator("input.bg-search__input")
    search.click()
    search.press_sequentially("banner")
    expect(page.locator("a.bg-search__link").first).to_be_visible()
    expect(page.locator(".bg-search__panel img, .bg-search__panel script")).to_have_count(0)
    assert record.dialogs == [], f"content ran script in the browser: {sorted(set(record.dialogs))}"
    assert [url for url in record.requests if not is_local(url)] == []


# --- accessibility: axe-core on the pages a reader lands on, in both colour schemes ------------------------

AXE = Path(__file__).resolve().parent / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

#: Serious or critical violations that come from Material for MkDocs' own markup and CSS, not from
#: briefgen's: (axe rule, the element's CSS selector as axe reports it). Nothing of briefgen's may be here.
THEME_VIOLATIONS = {
    # Material's search box (partials/search.html) is a role="dialog" with no accessible name
    ("aria-dialog-name", ".md-search"),
    # Material's footer line "Made with Material for MkDocs": #7f7f7f on #171717 is 4.47:1, just under 4.5:1
    ("color-contrast", ".md-copyright"),
}


def first_link(page: object, url: str, selector: str) -> str:
    """The address of the first link matching ``selector`` on the page at ``url`` (no page is named in advance)."""
    page.goto(url)  # type: ignore[attr-defined]
    href = page.locator(selector).first.get_attribute("href")  # type: ignore[attr-defined]
    assert href, f"no {selector} on {url}"
    return urljoin(url, href)


@pytest.fixture(scope="module")
def reader_pages(browser: Browser, repo_url: str) -> dict[str, str]:
    """Home, an exercise, a source opened at a highlighted passage, an actor, a place, timeline, map, relationships."""
    ctx = browser.new_context(service_workers="block")
    page = ctx.new_page()
    pages = {"home": repo_url, "timeline": repo_url + "timeline/", "map": repo_url + "map/",
             "relationships": repo_url + "relationships/"}
    for kind in ("exercises", "actors", "places", "sources"):
        pages[kind] = first_link(page, repo_url + f"{kind}/", "table.bg-index a.bg-ref")
    page.goto(pages["sources"])
    passage = page.locator("mark.bg-quote[id]").first.get_attribute("id")
    pages["source-passage"] = f"{pages['sources']}#{passage}"
    pages["exercise-reference"] = pages["exercises"] + "#ref-1"
    ctx.close()
    return pages


@pytest.mark.slow
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_reader_pages_have_no_serious_accessibility_violation(browser: Browser, reader_pages: dict[str, str],
                                                              scheme: str) -> None:
    """axe-core (WCAG 2.2 AA and best practice) finds nothing serious or critical of briefgen's own on any page."""
    assert AXE.is_file(), f"{AXE} is missing: make test installs axe-core (npm ci in tests/a11y)"
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme, service_workers="block")
    ctx.set_default_timeout(TIMEOUT_MS)
    ctx.route("**/*", lambda r: r.continue_() if is_local(r.request.url) else r.abort())
    page = ctx.new_page()
    found: list[str] = []
    try:
        for name, url in reader_pages.items():
            page.goto(url)
            shown = page.evaluate("() => document.body.getAttribute('data-md-color-scheme')")
            assert shown == ("slate" if scheme == "dark" else "default"), f"{name}: the {scheme} scheme is not shown"
            page.add_script_tag(path=str(AXE))
            result = page.evaluate("tags => axe.run(document, {resultTypes: ['violations'],"
                                   " runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
            for violation in result["violations"]:
                if violation["impact"] not in ("serious", "critical"):
                    continue
                for node in violation["nodes"]:
                    target = " ".join(map(str, node["target"]))
                    if (violation["id"], target) in THEME_VIOLATIONS:
                        continue
                    found.append(f"{name} ({scheme}): {violation['id']} at {target}: {node['html'][:120]}\n"
                                 f"    {squash(node.get('failureSummary') or '')[:300]}")
    finally:
        ctx.close()
    assert found == [], "\n".join(found)


DOUBTFUL_MARKS = """() => [...document.querySelectorAll('sup.bg-cite a')].map(a => {
  const s = getComputedStyle(a);
  return [a.closest('sup').classList.contains('bg-cite-doubtful'), s.textDecorationStyle, s.color, s.fontStyle];
})"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_doubtful_citation_mark_looks_doubtful_and_keeps_its_contrast(browser: Browser, repo_url: str,
                                                                       scheme: str) -> None:
    """On a page citing both doubtful and other grades, the doubtful marks alone are dashed, italic and in their
    own colour, and axe-core finds their contrast sufficient in either colour scheme."""
    assert AXE.is_file(), f"{AXE} is missing: make test installs axe-core (npm ci in tests/a11y)"
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme, service_workers="block")
    ctx.set_default_timeout(TIMEOUT_MS)
    ctx.route("**/*", lambda r: r.continue_() if is_local(r.request.url) else r.abort())
    page = ctx.new_page()
    try:
        page.goto(repo_url + EXERCISE)
        marks = page.evaluate(DOUBTFUL_MARKS)
        doubtful = [m for m in marks if m[0]]
        others = [m for m in marks if not m[0]]
        assert doubtful and others, "the page cites doubtful and other grades"
        assert {(m[1], m[3]) for m in doubtful} == {("dashed", "italic")}, doubtful
        assert all(m[1] != "dashed" and m[3] != "italic" for m in others), others
        assert {m[2] for m in doubtful}.isdisjoint({m[2] for m in others}), "doubtful marks have a colour of their own"
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("() => axe.run({include: [['sup.bg-cite']]}, {resultTypes: ['violations', 'passes'],"
                               " runOnly: {type: 'rule', values: ['color-contrast']}})")
        assert result["violations"] == [], [n["html"] for v in result["violations"] for n in v["nodes"]]
        checked = [n["html"] for v in result["passes"] for n in v["nodes"]]
        assert sum("bg-cite-grade" in h or "#ref-" in h for h in checked) >= len(doubtful), checked
    finally:
        ctx.close()


# --- phones: pictures that fit and read from 360 px up ----------------------------------------------------

MIN_TEXT_PX = 11.0
MEASURE = """() => {
  const root = document.documentElement;
  const texts = [...document.querySelectorAll('figure svg text')].filter(t => t.getClientRects().length > 0);
  return {
    page: [root.scrollWidth, root.clientWidth],
    figures: [...document.querySelectorAll('figure')].map(f => [f.scrollWidth, f.clientWidth]),
    text: texts.map(t => {
      const m = t.getScreenCTM();
      return [parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b), t.textContent];
    }),
  };
}"""


@pytest.mark.parametrize("width", [360, 390, 1280])
def test_pages_fit_the_screen_and_pictures_read_at_every_width(browser: Browser, reader_pages: dict[str, str],
                                                               width: int) -> None:
    """No page scrolls sideways, no picture is a box to swipe, and every drawn word is at least 11 px."""
    ctx = browser.new_context(viewport={"width": width, "height": 800}, service_workers="block")
    ctx.set_default_timeout(TIMEOUT_MS)
    ctx.route("**/*", lambda r: r.continue_() if is_local(r.request.url) else r.abort())
    page = ctx.new_page()
    problems: list[str] = []
    words = 0
    try:
        for name, url in reader_pages.items():
            page.goto(url)
            seen = page.evaluate(MEASURE)
            if seen["page"][0] > seen["page"][1]:
                problems.append(f"{name}: the page is {seen['page'][0]} px wide in a {seen['page'][1]} px window")
            for scroll, client in seen["figures"]:
                if scroll > client:
                    problems.append(f"{name}: a picture is {scroll} px wide in a {client} px box")
            for size, text in seen["text"]:
                if size < MIN_TEXT_PX:
                    problems.append(f"{name}: {text!r} is drawn at {size:.1f} px")
            words += len(seen["text"]) if name in ("timeline", "map", "relationships") else 0
    finally:
        ctx.close()
    assert words > 10, "the timeline, map and relationship pages drew no words to measure"
    assert problems == [], "\n".join(problems)


# --- search and the offline edition ---------------------------------------------------------------

#: A small navigation of index pages, as briefgen's projects have (the fixture's mkdocs.yml has none).
NAV = """nav:
  - Home: index.md
  - Exercises: exercises/index.md
  - Actors: actors/index.md
  - Sources: sources/index.md
"""


def fixture_project(root: Path, *build_args: str) -> Path:
    """The valid fixture with a navigation, built with ``build_args``; its site folder."""
    project = make_project(root / "project", FIXTURES / "valid" / "content")
    yml = project / "mkdocs.yml"
    yml.write_text(yml.read_text(encoding="utf-8") + NAV, encoding="utf-8")
    done = briefgen_build(project, "-q", *build_args)
    assert done.returncode == 0, done.stdout + done.stderr
    return project / "site"


@pytest.fixture(scope="module")
def fixture_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve(fixture_project(tmp_path_factory.mktemp("search-browser"))) as url:
        yield url


@pytest.fixture(scope="module")
def offline_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fixture_project(tmp_path_factory.mktemp("offline-browser"), "--offline")


def search_for(page: Page, query: str) -> list[str]:
    """Type ``query`` into the search box; the addresses of the results, best first."""
    box = page.locator("input.bg-search__input")
    box.click()
    box.press_sequentially(query)
    expect(page.locator("a.bg-search__link").first).to_be_visible()
    return page.locator("a.bg-search__link").evaluate_all("links => links.map(a => a.href)")


def test_search_ranks_the_page_named_by_the_query_first(context: tuple[BrowserContext, Recorder],
                                                        fixture_url: str) -> None:
    """Served over HTTP (Pagefind): "Aldoria" names the state, though "Aldorian Navy" and pages naming both match."""
    ctx, record = context
    page = ctx.new_page()
    page.goto(fixture_url + "exercises/")
    assert relative_folder_links(page), "the served site links to folders (so the offline test can fail)"
    found = search_for(page, "Aldoria")
    assert len(found) > 1, found  # others match too: the ranking is what is tested
    assert found[0] == fixture_url + "actors/aldoria/", found
    page.locator("a.bg-search__link").first.click()
    expect(page).to_have_url(fixture_url + "actors/aldoria/")
    pagefind = [url for url in record.requests if "/pagefind/" in url]
    assert pagefind and all(url.startswith(fixture_url) for url in pagefind), pagefind
    assert not any(url.endswith("search_index.json") for url in record.requests), "MkDocs' lunr index was loaded"
    leaving = sorted({url for url in record.requests if not url.startswith(fixture_url)})
    assert leaving == [], f"requests left the machine: {leaving}"
    assert record.dialogs == [] and record.errors == [], (record.dialogs, record.errors)


def test_search_finds_only_page_text(context: tuple[BrowserContext, Recorder], fixture_url: str) -> None:
    """The edition's marking, the lists and the pictures are not searched: "TLP" finds only the source page
    that records its handling, no entity page and no list that merely leads to one."""
    ctx, _ = context
    page = ctx.new_page()
    page.goto(fixture_url)
    found = search_for(page, "TLP")
    assert found == [fixture_url + "sources/harbour-bulletin/"], found


def relative_folder_links(page: Page) -> list[str]:
    """Links of the page into the site that name a folder, not a file (from file:// a folder shows a listing)."""
    hrefs = page.locator("a[href]").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    folders = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path:
            continue  # another site, or a place on this page
        if parts.path.endswith("/") or parts.path.rsplit("/", 1)[-1] in (".", ".."):
            folders.append(href)
    return folders


def test_offline_edition_works_from_files(context: tuple[BrowserContext, Recorder], offline_site: Path) -> None:
    """Opened from file:// (a USB stick): home → an index → an entity → its source are files, and search works."""
    ctx, record = context
    page = ctx.new_page()
    home = (offline_site / "index.html").as_uri()
    page.goto(home)
    expect(page.locator("h1#top")).to_have_text("Briefing")
    assert relative_folder_links(page) == []
    page.locator("nav.md-nav--primary a", has_text="Actors").first.click()
    expect(page).to_have_url((offline_site / "actors/index.html").as_uri())
    expect(page.locator("h1#top")).to_have_text("Actors")
    assert relative_folder_links(page) == []
    page.locator("table.bg-index a[href*='aldorian-navy']").click()
    expect(page).to_have_url((offline_site / "actors/aldorian-navy/index.html").as_uri())
    expect(page.locator("h1#top")).to_have_text("Aldorian Navy")
    assert relative_folder_links(page) == []
    page.locator("ol.bg-references a[href*='sources/']").first.click()
    expect(page).to_have_url(re.compile(re.escape((offline_site / "sources/harbour-bulletin/index.html").as_uri())
                                        + r"#q-[0-9a-f]+$"))
    expect(page.locator("h1#top")).to_contain_text("Navies prepare for Tidewater 2019")

    found = search_for(page, "Aldoria")
    assert found[0] == (offline_site / "actors/aldoria/index.html").as_uri(), found
    page.locator("a.bg-search__link").first.click()
    expect(page.locator("h1#top")).to_have_text("Republic of Aldoria")
    assert any("/assets/search/t-" in url for url in record.requests), "the offline index was not read"
    assert not any("/pagefind/" in url for url in record.requests)
    leaving = sorted({url for url in record.requests if not url.startswith("file://")})
    assert leaving == [], f"requests left the files: {leaving}"
    assert record.dialogs == [] and record.errors == [], (record.dialogs, record.errors)


# --- the timeline: every event and every other reported date on screen ----------------------------------


@pytest.fixture(scope="module")
def claims_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The fixture world of two newspapers (tests/fixtures/claims): events from 2016 to 2030, some dated twice."""
    project = make_project(tmp_path_factory.mktemp("claims-browser") / "project", FIXTURES / "claims" / "content")
    done = briefgen_build(project, "-q")
    assert done.returncode == 0, done.stdout + done.stderr
    with serve(project / "site") as url:
        yield url


TIMELINE_MARKS = """() => {
  const shown = [...document.querySelectorAll('figure svg')].filter(s => s.getClientRects().length > 0);
  const box = e => { const b = e.getBoundingClientRect(); return [b.left, b.right, b.width]; };
  return {
    window: document.documentElement.clientWidth,
    pictures: shown.length,
    bars: shown.flatMap(s => [...s.querySelectorAll('rect.bg-tl-bar')].map(r => [...box(r),
      r.closest('a').getAttribute('aria-label')])),
    alts: shown.flatMap(s => [...s.querySelectorAll('rect.bg-tl-alt')].map(r => [...box(r),
      r.querySelector('title').textContent])),
    years: shown.flatMap(s => [...s.querySelectorAll('text')].filter(t => /^[0-9]{4}$/.test(t.textContent))
      .map(t => [...box(t), t.textContent])),
    listed: [...document.querySelectorAll('ol.bg-timeline > li')].map(li => li.innerText),
  };
}"""


@pytest.mark.parametrize("width", [360, 1280])
def test_timeline_shows_every_event_and_its_other_dates_inside_the_screen(browser: Browser, claims_url: str,
                                                                          width: int) -> None:
    """At phone and desktop widths, the picture that is shown draws a bar for every event listed and a mark for
    every other date reported, each wholly inside the window, on an axis labelled from the first year on."""
    ctx = browser.new_context(viewport={"width": width, "height": 800}, service_workers="block")
    ctx.set_default_timeout(TIMEOUT_MS)
    ctx.route("**/*", lambda r: r.continue_() if is_local(r.request.url) else r.abort())
    page = ctx.new_page()
    try:
        page.goto(claims_url + "timeline/")
        seen = page.evaluate(TIMELINE_MARKS)
    finally:
        ctx.close()
    assert seen["pictures"] == 1, "one layout of the picture is shown"
    listed = seen["listed"]
    assert len(seen["bars"]) == len(listed) >= 5, (seen["bars"], listed)
    also = [item for item in listed if "also reported" in item]
    assert len(seen["alts"]) == len(also) >= 2, (seen["alts"], also)
    problems = [f"{what} {name!r}: {left:.0f}–{right:.0f} px in a {seen['window']} px window"
                for what in ("bars", "alts", "years") for left, right, size, name in seen[what]
                if left < 0 or right > seen["window"] or size <= 0]
    assert problems == [], "\n".join(problems)
    years = sorted(int(y[3]) for y in seen["years"])
    assert years and years[0] == 2016 and years[-1] >= 2026, f"the axis shows {years}"
    assert any("Tidewater 2019" in b[3] and "also reported" in b[3] for b in seen["bars"]), \
        "the planned-then-held drill's row says its other date"
