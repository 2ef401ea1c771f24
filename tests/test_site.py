"""End-to-end tests of the site: ``briefgen build`` / ``mkdocs build`` and the HTML they write.

Every build runs as a subprocess of the installed commands, into a temporary folder,
with ``SOURCE_DATE_EPOCH`` fixed to 2024-01-01 (see ``tests/projects.py``), so "as of"
dates and the "planned, date passed" flags do not depend on the day the suite runs.

Golden pages: for a chosen set of pages of the build of ``tests/fixtures/valid`` (home,
each index, one page of each kind, timeline, grades), the briefgen-rendered body — the
HTML inside Material's ``<article class="md-content__inner md-typeset">`` — is compared
with ``tests/golden/<page>.html``. After a deliberate change to views or templates, run::

    BRIEFGEN_REGEN=1 .venv/bin/pytest tests/test_site.py -k golden

(the same variable as ``tests/test_check.py``), which rewrites the golden files from the
real output instead of comparing. Then read ``git diff tests/golden`` as a reader would:
the golden files are what readers of the briefing see.

Hostile content: ``tests/fixtures/hostile/content`` is *valid* content (``briefgen check
--strict`` passes) whose names, summaries, notes, claim values, voices and archived text
carry markup, script, ``javascript:`` links and Jinja syntax. Its build must show all of
it as text.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from pages import Element, ancestry, article, parse
from projects import FIXTURES, REPO, TESTS, briefgen_build, make_project, run, tool
from trees import tree

GOLDEN = TESTS / "golden"
NAME_MARKS = 'data-pagefind-weight="10" data-pagefind-meta="title"'
"""How a page's name is marked for search: it weighs most, and is the result's title."""
VALID = FIXTURES / "valid" / "content"
HOSTILE = FIXTURES / "hostile" / "content"
REGEN = os.environ.get("BRIEFGEN_REGEN") == "1"

KIND_FOLDERS = ("exercises", "mechanisms", "actors", "places", "sources")

#: golden name → page of the fixture build
GOLDEN_PAGES = {
    "home": "index.html",
    "index-exercises": "exercises/index.html",
    "index-mechanisms": "mechanisms/index.html",
    "index-actors": "actors/index.html",
    "index-places": "places/index.html",
    "index-sources": "sources/index.html",
    "exercise-tidewater-2019": "exercises/tidewater-2019/index.html",
    "mechanism-coastal-watch-accord": "mechanisms/coastal-watch-accord/index.html",
    "actor-aldorian-navy": "actors/aldorian-navy/index.html",
    "place-vostrava": "places/vostrava/index.html",
    "source-harbour-bulletin": "sources/harbour-bulletin/index.html",
    "timeline": "timeline/index.html",
    "grades": "grades/index.html",
}


# --- HTML helpers -----------------------------------------------------------------------------


def squash(text: str) -> str:
    return " ".join(text.split())


def html_files(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in sorted(site.rglob("*.html"))}


def entity_pages(site: Path, folders: tuple[str, ...] = KIND_FOLDERS) -> dict[str, Path]:
    """``folder/id`` → page of every entity (index pages excluded)."""
    return {f"{p.parent.parent.name}/{p.parent.name}": p
            for folder in folders for p in sorted((site / folder).glob("*/index.html"))}


# --- builds shared by the module ----------------------------------------------------------------


@dataclass
class Build:
    project: Path
    done: subprocess.CompletedProcess[str]

    @property
    def output(self) -> str:
        return self.done.stdout + self.done.stderr


@pytest.fixture(scope="module")
def fixture_build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """``briefgen build --strict`` of tests/fixtures/valid."""
    project = make_project(tmp_path_factory.mktemp("valid") / "project", VALID)
    return Build(project, briefgen_build(project, "--strict"))


@pytest.fixture(scope="module")
def fixture_site(fixture_build: Build) -> Path:
    assert fixture_build.done.returncode == 0, fixture_build.output
    return fixture_build.project / "site"


def copy_of_built_project(fixture_site: Path, dest: Path) -> tuple[Path, dict[str, str]]:
    """A copy of the built fixture project (content, mkdocs.yml and site/) and the hashes of its site."""
    project = dest / "project"
    shutil.copytree(fixture_site.parent, project)
    before = tree(project / "site")
    assert before == tree(fixture_site)
    return project, before


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``briefgen build`` of tests/fixtures/hostile."""
    project = make_project(tmp_path_factory.mktemp("hostile") / "project", HOSTILE)
    done = briefgen_build(project)
    assert done.returncode == 0, done.stdout + done.stderr
    return project / "site"


@pytest.fixture(scope="module")
def built_repo(repo_site: tuple[subprocess.CompletedProcess[str], Path]) -> Path:
    done, site = repo_site
    assert done.returncode == 0, done.stdout + done.stderr
    return site


@pytest.fixture(params=["fixture", pytest.param("repo", marks=pytest.mark.slow)])
def any_site(request: pytest.FixtureRequest) -> Path:
    """Each of the two real builds: the valid fixture and the repository's content."""
    return request.getfixturevalue("fixture_site" if request.param == "fixture" else "built_repo")


# --- the fixture build and its golden pages ------------------------------------------------------


def test_fixture_build_is_clean(fixture_build: Build) -> None:
    assert fixture_build.done.returncode == 0, fixture_build.output
    assert "WARNING" not in fixture_build.output and "ERROR" not in fixture_build.output, fixture_build.output
    assert not list(fixture_build.project.glob(".site-*")), "a staging folder was left behind"
    assert (fixture_build.project / "site/index.html").is_file()


@pytest.mark.parametrize("name", sorted(GOLDEN_PAGES))
def test_golden_page(name: str, fixture_site: Path) -> None:
    body = article((fixture_site / GOLDEN_PAGES[name]).read_text(encoding="utf-8")) + "\n"
    assert body.count('<h1 id="top">') == 1, "not a briefgen page body: expected one <h1 id=\"top\">"
    golden = GOLDEN / f"{name}.html"
    if REGEN:
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(body, encoding="utf-8")
    assert golden.is_file(), f"{golden} missing: run with BRIEFGEN_REGEN=1 and review it"
    expected = golden.read_text(encoding="utf-8")
    if body != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(keepends=True), body.splitlines(keepends=True),
                                            f"golden/{name}.html", f"built {GOLDEN_PAGES[name]}"))
        pytest.fail(f"{name}: the page differs from its golden file (BRIEFGEN_REGEN=1 rewrites it):\n{diff}")


def test_no_stray_golden_files() -> None:
    present = {p.stem for p in GOLDEN.glob("*.html")}
    assert present <= set(GOLDEN_PAGES), f"golden files no test compares: {sorted(present - set(GOLDEN_PAGES))}"


def test_build_is_reproducible(fixture_site: Path, tmp_path: Path) -> None:
    """Same content, same SOURCE_DATE_EPOCH: the same bytes in every file."""
    project = make_project(tmp_path / "again", VALID)
    done = briefgen_build(project, "-q")
    assert done.returncode == 0, done.stdout + done.stderr
    first, second = tree(fixture_site), tree(project / "site")
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []


def test_as_of_date_follows_source_date_epoch(fixture_site: Path) -> None:
    for page in ("index.html", "timeline/index.html", "exercises/tidewater-2019/index.html"):
        assert "as of 1 Jan 2024" in article((fixture_site / page).read_text(encoding="utf-8")), page


def test_counts_say_one_not_ones(fixture_site: Path) -> None:
    """'1 mechanism', not '1 mechanisms': the fixture has one mechanism and one source."""
    wrong = {}
    for page in ("index.html", *(f"{k}/index.html" for k in KIND_FOLDERS)):
        text = squash(parse(article((fixture_site / page).read_text(encoding="utf-8"))).text())
        found = re.findall(r"\b1 (?:exercises|mechanisms|actors|places|sources)\b", text)
        if found:
            wrong[page] = found
    assert wrong == {}, f"plural after 1: {wrong}"


def test_home_does_not_list_an_exercise_as_both_upcoming_and_latest(fixture_site: Path) -> None:
    """As of 2024 Tidewater 2019 is planned, its date passed and unconfirmed: not 'latest' *and* 'upcoming'."""
    body = article((fixture_site / "index.html").read_text(encoding="utf-8"))
    lists = {}
    for section in ("upcoming", "latest"):
        match = re.search(rf'<h2 id="{section}">.*?</h2>\s*(<ul>.*?</ul>|<p>None.</p>)', body, re.S)
        assert match, f"home page has no #{section} section"
        lists[section] = set(re.findall(r'href="([^"]+)"', match[1]))
    assert lists["upcoming"] & lists["latest"] == set(), (
        f"listed both as planned/upcoming and as latest: {sorted(lists['upcoming'] & lists['latest'])}")


def test_archived_text_keeps_its_paragraphs(fixture_site: Path) -> None:
    """A blank line separates paragraphs; a single line break inside one is a wrap, not a new paragraph."""
    text = (VALID / "sources/harbour-bulletin.txt").read_text(encoding="utf-8")
    blocks = [squash(b) for b in re.split(r"\n\s*\n", text) if b.strip()]
    body = parse(article((fixture_site / "sources/harbour-bulletin/index.html").read_text(encoding="utf-8")))
    (archived,) = body.find_all("div", class_="bg-archived")
    shown = [squash(p.text()) for p in archived.find_all("p")]
    assert " ".join(shown) == " ".join(blocks), "the archived text is not shown in full"
    assert shown == blocks, (f"{len(blocks)} paragraphs in harbour-bulletin.txt, {len(shown)} shown; "
                             f"e.g. {shown[3:5]!r} should be one paragraph")


def shown_text(element: Element) -> str:
    """The words an element shows on screen: without its visually hidden words (``bg-sr-only``)."""
    return "".join(c if isinstance(c, str) else ("" if "bg-sr-only" in (c.attrs.get("class") or "").split()
                                                  else shown_text(c)) for c in element.children)


def citation_marks(body: Element) -> list[tuple[int, str, Element]]:
    """Each citation mark of a page body: its number, the grade of its reference in the list, and its ``<sup>``."""
    grades = {int(li.attrs["id"].removeprefix("ref-")): li.find_all("a", class_="bg-grade")[0].text()
              for li in body.find_all("ol", class_="bg-references")[0].find_all("li")}
    marks = []
    for sup in body.find_all("sup", class_="bg-cite"):
        (link,) = sup.find_all("a")
        number = int(link.attrs["href"].removeprefix("#ref-"))
        marks.append((number, grades[number], sup))
    return marks


def is_doubtful(grade: str) -> bool:
    """The grades page's doubtful grades: a source D–F ("not usually reliable" on) or information 4–6."""
    return grade[0] in "DEF" or grade[1] in "456"


def assert_marks_show_their_grades(body: Element) -> set[bool]:
    """Every mark reads ``[n grade]``, is doubtful exactly when its grade is, and says so to screen readers;
    returns which kinds of mark the page has (doubtful, not)."""
    marks = citation_marks(body)
    assert marks, "no citation marks"
    for number, grade, sup in marks:
        (link,) = sup.find_all("a")
        doubtful = is_doubtful(grade)
        assert shown_text(link) == f"[{number} {grade}]", f"mark {number}: shows {shown_text(link)!r}"
        assert ("bg-cite-doubtful" in sup.attrs["class"].split()) == doubtful, f"mark {number} ({grade})"
        assert squash(link.text()) == f"[{number}, grade {grade}{', doubtful' if doubtful else ''}]", (
            f"mark {number}: a screen reader hears {link.text()!r}")
        assert link.attrs["title"].startswith(f"Reference {number}, {'doubtful grade' if doubtful else 'grade'} "
                                              f"{grade}: "), link.attrs["title"]
    return {is_doubtful(grade) for _, grade, _ in marks}


def test_citation_marks_show_their_grade_and_doubtful_ones_look_it(fixture_site: Path) -> None:
    """Tidewater 2019 cites the C-graded Harbour Bulletin with information 2, 3 and 4: the C4 marks alone are
    doubtful (class, title and hidden words), and each mark shows the grade its reference gives."""
    body = parse(article((fixture_site / "exercises/tidewater-2019/index.html").read_text(encoding="utf-8")))
    assert assert_marks_show_their_grades(body) == {True, False}
    grades = {grade for _, grade, _ in citation_marks(body)}
    assert "C4" in grades and {"C2", "C3"} <= grades, grades
    doubtful = body.find_all("a", class_="bg-grade-doubtful")
    assert doubtful and {a.text() for a in doubtful} == {"C4"}, "the reference list marks the same grades"
    grades_page = parse(article((fixture_site / "grades/index.html").read_text(encoding="utf-8"))).by_id()
    assert "bg-grade-doubtful" in grades_page["grade-C4"].attrs["class"]
    assert "bg-grade-doubtful" in grades_page["grade-D1"].attrs["class"]
    assert "bg-grade-doubtful" not in grades_page["grade-C3"].attrs["class"]
    assert "doubtful" in squash(grades_page["doubtful"].text()), "the grades page says what doubtful means"


def test_the_stylesheet_makes_doubtful_marks_look_doubtful() -> None:
    """A doubtful mark is dashed, in a warning colour set for both colour schemes (the browser tests measure it)."""
    css = (REPO / "briefgen" / "assets" / "briefgen.css").read_text(encoding="utf-8")
    rule = re.search(r"\.bg-cite\.bg-cite-doubtful a[^{]*\{([^}]*)\}", css)
    assert rule and "dashed" in rule[1] and "var(--bg-doubtful)" in rule[1], rule
    assert css.count("--bg-doubtful:") == 2, "a warning colour for the light and the dark scheme"
    assert re.search(r"\.bg-sr-only\s*\{[^}]*clip", css), "hidden words are hidden from sight only"


# --- the repository's own site ----------------------------------------------------------------------


@pytest.mark.slow
def test_mkdocs_strict_build_of_repo(repo_site: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    done, site = repo_site
    assert done.returncode == 0, done.stdout + done.stderr
    assert (site / "index.html").is_file()


@pytest.mark.slow
def test_the_nav_shows_the_titles_mkdocs_yml_gives(built_repo: Path) -> None:
    """``nav:`` names the grades page "Grades"; the page itself is titled "Grades and conventions"."""
    html = (built_repo / "index.html").read_text(encoding="utf-8")
    nav = html[html.index('<nav class="md-nav md-nav--primary"'):]
    nav = nav[:nav.index('<div class="md-sidebar md-sidebar--secondary"')]
    nav = re.sub(r'<nav class="md-nav md-nav--secondary".*?</ul>\s*</nav>', "", nav, flags=re.S)  # the page's TOC
    labels = [re.sub(r"\s+", " ", t).strip() for t in re.findall(r'<span class="md-ellipsis">(.*?)</span>', nav, re.S)]
    assert "Grades" in labels and "Grades and conventions" not in labels, labels
    grades = (built_repo / "grades" / "index.html").read_text(encoding="utf-8")
    assert "<title>Grades - " in grades or "<title>Grades and conventions" in grades


@pytest.mark.slow
def test_a_page_for_every_entity_and_source(built_repo: Path) -> None:
    content = REPO / "content"
    expected = {f"{p.parent.name}/{p.stem}" for folder in KIND_FOLDERS for p in (content / folder).glob("*.yaml")}
    assert expected, "content/ holds no fact files"
    pages = set(entity_pages(built_repo))
    assert pages == expected, f"missing pages: {sorted(expected - pages)}; unexpected: {sorted(pages - expected)}"
    for folder in KIND_FOLDERS:
        assert (built_repo / folder / "index.html").is_file(), f"no index page for {folder}"
    # the fact files themselves are not published
    assert not list(built_repo.rglob("*.yaml")) and not list(built_repo.rglob("*.txt"))


def test_graph_json(any_site: Path) -> None:
    graph = json.loads((any_site / "graph.json").read_text(encoding="utf-8"))
    assert graph["format"] == "briefgen-graph/1"
    pages = entity_pages(any_site)
    assert set(graph["entities"]) == {key.split("/")[1] for key in pages}
    for entity_id, entity in graph["entities"].items():
        page = any_site / entity["url"] / "index.html"
        assert page.is_file(), f"{entity_id}: url {entity['url']} has no page"
        if entity["kind"] == "source":
            continue
        ids = parse(article(page.read_text(encoding="utf-8"))).by_id()
        for claim in entity.get("claims", []):
            assert claim.get("id"), f"{entity_id}: a claim without id: {claim}"
            assert claim["id"] in ids, f"{entity_id}: claim id {claim['id']!r} is not an anchor on its page"
    for link in graph["links"]:
        assert link["from"] in graph["entities"] and link["to"] in graph["entities"], link


def test_exercise_pages_carry_event_json_ld(any_site: Path) -> None:
    pages = entity_pages(any_site)
    graph = json.loads((any_site / "graph.json").read_text(encoding="utf-8"))
    exercises = [key for key in pages if key.startswith("exercises/")]
    assert exercises
    for key, page in pages.items():
        scripts = parse(page.read_text(encoding="utf-8")).find_all("script", type="application/ld+json")
        if not key.startswith("exercises/"):
            assert scripts == [], f"{key}: JSON-LD on a page that is not an exercise"
            continue
        assert len(scripts) == 1, f"{key}: {len(scripts)} JSON-LD scripts"
        data = json.loads(scripts[0].text())
        assert data["@context"] == "https://schema.org"
        assert data["@type"] == "Event"
        assert data["name"] == graph["entities"][key.split("/")[1]]["name"]
        # ISO 8601 at the precision the sources give: a year, a month or a day, never invented (and
        # none when the sources disagree unresolved: tests/test_agreement.py)
        if "startDate" in data:
            assert re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", data["startDate"]), data
            assert data.get("endDate", data["startDate"]) >= data["startDate"]
        names = [a["name"] for a in data.get("attendee", ())]
        assert len(names) == len(set(names)), f"{key}: an attendee listed twice: {names}"


def test_every_reference_lands_on_its_quote(any_site: Path) -> None:
    """Each reference links to ``source/#q-…``; that element is a ``<mark>`` holding part of the quote."""
    sources: dict[Path, dict[str, Element]] = {}
    problems = []
    checked = 0
    for key, page in entity_pages(any_site, KIND_FOLDERS[:-1]).items():
        body = parse(article(page.read_text(encoding="utf-8")))
        url = f"https://site.invalid/{key}/"
        for item in body.find_all("li"):
            if not (item.attrs.get("id") or "").startswith("ref-"):
                continue
            link = item.find_all("a")[0]
            (quote,) = item.find_all("q")
            target = urlsplit(urljoin(url, link.attrs["href"] or ""))
            source_page = any_site / target.path.strip("/") / "index.html"
            assert source_page.is_file(), f"{key} {item.attrs['id']}: {target.path} has no page"
            if source_page not in sources:
                sources[source_page] = parse(article(source_page.read_text(encoding="utf-8"))).by_id()
            checked += 1
            element = sources[source_page].get(target.fragment)
            where = f"{key} {item.attrs['id']} → {target.path}#{target.fragment}"
            if element is None:
                problems.append(f"{where}: no element with that id")
            elif element.tag != "mark":
                problems.append(f"{where}: lands on an empty <{element.tag}>, not on a highlighted <mark>")
            elif not squash(element.text()) or squash(element.text()) not in squash(quote.text()):
                problems.append(f"{where}: <mark> text {element.text()!r} is not part of the quote")
    assert checked, "no references found"
    assert problems == [], f"{len(problems)} of {checked} references do not land on their quote:\n" + "\n".join(
        problems)


# --- a content error ------------------------------------------------------------------------------


@dataclass
class BrokenBuild:
    project: Path
    before: dict[str, str]
    done: subprocess.CompletedProcess[str]
    path: str
    line: int


@pytest.fixture(scope="module")
def broken_build(fixture_site: Path, tmp_path_factory: pytest.TempPathFactory) -> BrokenBuild:
    """A built project, then one word of one quote changed, then ``briefgen build`` again."""
    project, before = copy_of_built_project(fixture_site, tmp_path_factory.mktemp("broken"))
    rel = "content/exercises/tidewater-2019.yaml"
    lines = (project / rel).read_text(encoding="utf-8").splitlines(keepends=True)
    line = next(i for i, text in enumerate(lines, 1) if "quote: Navies prepare for Tidewater 2019" in text)
    lines[line - 1] = lines[line - 1].replace("Navies prepare", "Navies prepere")
    (project / rel).write_text("".join(lines), encoding="utf-8")
    return BrokenBuild(project, before, briefgen_build(project), rel, line)


def test_content_error_aborts_build_and_keeps_the_site(broken_build: BrokenBuild) -> None:
    done = broken_build.done
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    pattern = rf"^(?:\S*/)?{re.escape(broken_build.path)}:{broken_build.line}:\d+: error: .*not found verbatim"
    assert re.search(pattern, output, re.M), f"no {broken_build.path}:{broken_build.line} error line in:\n{output}"
    assert "Traceback" not in output
    assert tree(broken_build.project / "site") == broken_build.before, "the existing site was changed"
    assert not list(broken_build.project.glob(".site-*")), "a staging folder was left behind"


def test_build_error_lines_are_those_of_check(broken_build: BrokenBuild) -> None:
    """The plugin promises "the same ``path:line:col`` lines as ``briefgen check``" (run in the same folder)."""
    check = run([*tool("briefgen"), "check", "content"], cwd=broken_build.project)
    assert check.returncode == 1
    expected = [line for line in check.stdout.splitlines() if ": error: " in line]
    output = broken_build.done.stdout + broken_build.done.stderr
    shown = [line.strip() for line in output.splitlines() if ": error: " in line]
    assert expected and shown == expected


def test_content_error_on_first_build_writes_nothing(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", VALID)
    text = project / "content/sources/harbour-bulletin.txt"
    text.write_text(text.read_text(encoding="utf-8").replace("Coastal Watch Accord", "Coastal Guard Pact"),
                    encoding="utf-8")
    done = briefgen_build(project)
    assert done.returncode == 1, done.stdout + done.stderr
    assert ": error: " in done.stdout + done.stderr
    assert sorted(p.name for p in project.iterdir()) == ["content", "mkdocs.yml"]


# --- templates --------------------------------------------------------------------------------------

OVERRIDE = """\
{% extends "default/entity.html" %}
{% block header %}{{ super() }}<p class="test-marker">HEADER-MARKER {{ page.id }}</p>{% endblock %}
{% block facts %}<p class="test-marker">FACTS-MARKER</p>{{ super() }}{% endblock %}
{% block pdf %}<p class="test-marker">PDF-MARKER</p>{% endblock %}
"""


def test_template_override_extends_the_default(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", VALID, {"entity.html": OVERRIDE})
    done = briefgen_build(project, "-q")
    assert done.returncode == 0, done.stdout + done.stderr
    site = project / "site"
    body = article((site / "exercises/tidewater-2019/index.html").read_text(encoding="utf-8"))
    order = [body.find(s) for s in (f'<h1 id="top"><bdi {NAME_MARKS}>Tidewater 2019</bdi></h1>',
                                    "HEADER-MARKER tidewater-2019",
                                    "FACTS-MARKER", '<h2 id="facts">', '<h2 id="references">')]
    assert -1 not in order and order == sorted(order), order
    assert body.count("PDF-MARKER") == 1
    for key, page in entity_pages(site).items():
        text = page.read_text(encoding="utf-8")
        assert ("HEADER-MARKER" in text) == (not key.startswith("sources/")), key
        assert "<h2 id=\"references\">" in text or key.startswith("sources/"), key


def test_templates_option_names_the_override_folder(tmp_path: Path) -> None:
    """``plugins: - briefgen: {templates: layout}`` takes overrides from layout/, as the option says."""
    project = make_project(tmp_path / "project", VALID)
    (project / "layout").mkdir()
    (project / "layout/entity.html").write_text(OVERRIDE, encoding="utf-8")
    config = (project / "mkdocs.yml").read_text(encoding="utf-8")
    config = config.replace("      pdf: false\n", "      pdf: false\n      templates: layout\n")
    assert "templates: layout" in config
    (project / "mkdocs.yml").write_text(config, encoding="utf-8")
    done = briefgen_build(project, "-q")
    assert done.returncode == 0, done.stdout + done.stderr
    page = (project / "site/exercises/tidewater-2019/index.html").read_text(encoding="utf-8")
    if "HEADER-MARKER tidewater-2019" not in page:
        pytest.fail("layout/entity.html was not used: the plugin's 'templates' option is ignored")


@pytest.fixture(scope="module")
def bad_template_build(fixture_site: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Build, dict[str, str]]:
    """A built project, then a project template naming an undefined attribute, then ``briefgen build``."""
    project, before = copy_of_built_project(fixture_site, tmp_path_factory.mktemp("bad-template"))
    (project / "templates").mkdir()
    (project / "templates/entity.html").write_text(
        '{% extends "default/entity.html" %}\n{% block header %}{{ super() }}<p>{{ page.no_such_field }}</p>'
        "{% endblock %}\n", encoding="utf-8")
    return Build(project, briefgen_build(project, "-q")), before


def test_template_with_undefined_variable_fails_the_build(bad_template_build: tuple[Build, dict[str, str]]) -> None:
    build, before = bad_template_build
    assert build.done.returncode == 1, build.output
    assert "no_such_field" in build.output
    assert tree(build.project / "site") == before, "the existing site was changed"
    assert not list(build.project.glob(".site-*")), "a staging folder was left behind"


def test_template_error_is_reported_without_a_traceback(bad_template_build: tuple[Build, dict[str, str]]) -> None:
    """A mistake in a project template is the editor's, like a content error: a clear message, no crash."""
    build, _ = bad_template_build
    assert build.done.returncode == 1, build.output
    assert "templates/entity.html" in build.output, build.output
    assert "Traceback" not in build.output, (
        f"the build crashed instead of reporting the template error:\n{build.output[-2500:]}")


# --- hostile content ----------------------------------------------------------------------------------

JS_SCHEME = re.compile(r"^\s*(?:javascript|vbscript|data)\s*:", re.I)


def test_hostile_fixture_is_valid_content() -> None:
    done = run([*tool("briefgen"), "check", "--strict", "content"], cwd=HOSTILE.parent)
    assert done.returncode == 0, done.stdout + done.stderr


def test_hostile_content_is_inert(hostile_site: Path) -> None:
    """No script of the content's, no event handler, no javascript: link — in any page, chrome included.

    ``onerror=`` as *text* (``&lt;img src=x onerror=…&gt;``) is what escaping must produce; what may
    not exist is an element carrying an ``on…`` attribute, so pages are parsed, not grepped, for that.
    """
    problems = []
    for name, html in html_files(hostile_site).items():
        if "<script>alert" in html.lower():
            problems.append(f"{name}: raw <script>alert")
        if re.search(r"""href\s*=\s*["']?\s*javascript:""", html, re.I):
            problems.append(f"{name}: a javascript: link")
        for el in parse(html).iter():
            handlers = [a for a in el.attrs if a.startswith("on")]
            if handlers:
                problems.append(f"{name}: <{el.tag}> with {handlers} in {ancestry(el)}")
            for attr in ("href", "src", "action", "formaction"):
                if el.attrs.get(attr) and JS_SCHEME.match(el.attrs[attr] or ""):
                    problems.append(f"{name}: <{el.tag} {attr}={el.attrs[attr]!r}>")
            if el.tag == "script" and el.attrs.get("type") == "application/ld+json":
                json.loads(el.text())
                if "<" in el.text():
                    problems.append(f"{name}: markup inside JSON-LD: {el.text()[:80]!r}")
            elif el.tag == "script" and "alert(" in el.text():
                problems.append(f"{name}: a <script> running content: {el.text()[:80]!r}")
    assert problems == [], "\n".join(dict.fromkeys(problems))


def test_hostile_jinja_syntax_is_shown_literally(hostile_site: Path) -> None:
    body = article((hostile_site / "exercises/operation-sevens/index.html").read_text(encoding="utf-8"))
    assert f'<h1 id="top"><bdi {NAME_MARKS}>Operation {{{{ 7*7 }}}}</bdi></h1>' in body
    assert "An exercise named {{ 7*7 }}." in body
    assert "{% raw %} training {% endraw %} would last three days" in body
    assert "&lt;b&gt;Op&lt;/b&gt; {% raw %}" in body
    actor = article((hostile_site / "actors/bold-front/index.html").read_text(encoding="utf-8"))
    assert "It signs its posters {{ 7*7 }}." in actor
    assert "{% raw %}{{ 7*7 }}{% endraw %}." in actor  # the claim value, as written
    assert "<q>Its motto is {% raw %}{{ 7*7 }}{% endraw %}</q>" in actor
    for name, html in html_files(hostile_site).items():
        assert "Operation 49" not in html, name
        assert not re.search(r"named 49\b|\b49 &lt;script", html), name


def test_hostile_markup_in_body_is_text(hostile_site: Path) -> None:
    """Inside briefgen's page bodies, every tag written in content shows as text."""
    pages = {
        "actors/bold-front/index.html": ["&lt;b&gt;Bold&lt;/b&gt; Front", "&lt;b&gt;BF&lt;/b&gt;",
                                         "&lt;script&gt;alert(1)&lt;/script&gt;", "[click](javascript:alert(1))"],
        "places/port-italic/index.html": ["Port &lt;i&gt;Italic&lt;/i&gt; &lt;img src=x onerror=alert(1)&gt;"],
        "sources/hostile-leaflet/index.html": [
            "Its banner read &lt;script&gt;alert(1)&lt;/script&gt; in red letters",
            "The &lt;b&gt;Hostile&lt;/b&gt; Leaflet &lt;script&gt;alert(1)&lt;/script&gt;",
            "Wire {{ 7*7 }} (&lt;img src=x onerror=alert(1)&gt;)",
        ],
        "exercises/operation-sevens/index.html": [
            "<q>Its banner read &lt;script&gt;alert(1)&lt;/script&gt; in red letters</q>",
            "&lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }} announced",
            "relaying <bdi>&lt;i&gt;Wire&lt;/i&gt; {{ 7*7 }}</bdi>",
            "translated by <bdi>&lt;b&gt;the editors&lt;/b&gt;</bdi>",
            'href="https://hostile.example/leaflet?q=%3Cscript%3Ealert(1)%3C/script%3E&amp;x=1#top"',
            "&lt;a href=&quot;javascript:alert(1)&quot;&gt;raw link&lt;/a&gt;",
            "according to &lt;b&gt;the organisers&lt;/b&gt;",
        ],
    }
    for page, needles in pages.items():
        body = article((hostile_site / page).read_text(encoding="utf-8"))
        for needle in needles:
            assert needle in body, f"{page}: {needle!r} not shown as text"
        for tag in ("<b>", "<i>", "<img", "<script>"):
            assert tag not in body, f"{page}: raw {tag} in the body"


def test_hostile_names_are_text_in_the_theme_too(hostile_site: Path) -> None:
    """Names reach Material's <title>, header and navigation through the page title: escaped there too."""
    problems = []
    for name, html in html_files(hostile_site).items():
        for raw in ("<b>Bold</b>", "<b>leaflet</b>", "<i>Italic</i>", "<img src=x"):
            count = html.count(raw)
            if count:
                problems.append(f"{name}: {raw!r} ×{count}")
    assert problems == [], "content markup rendered as HTML:\n" + "\n".join(problems)
