"""briefgen among MkDocs' own: the project's pages and files, tables of contents, URL styles, the nav.

Each build is a real ``briefgen build`` (or ``mkdocs build``) of a copy of
``tests/fixtures/valid`` with a ``mkdocs.yml`` made for the test:

- the project's own files in the content folder (a Markdown page linking to briefgen's pages,
  an image, a stylesheet in ``extra_css``, awesome-nav's ``.nav.yml``) are published by MkDocs
  as usual, and one that would take the place of a generated page fails the build;
- every generated page has a table of contents of the headings briefgen renders, in Material
  and in MkDocs' own theme;
- every internal link of every page lands, with ``use_directory_urls`` true and false (PDF
  briefs and their links back to the site included);
- without a ``nav:``, the nav is briefgen's sections and the project's pages, never the entities.
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from links import check_site
from pages import Element, article, parse
from projects import FIXTURES, PROJECT_MKDOCS_YML, briefgen_build, make_project
from pypdf import PdfReader

VALID = FIXTURES / "valid" / "content"
SITE_URL = "https://briefing.invalid/team/"

#: the sections every site has, as the nav briefgen gives lists them
SECTIONS = ["Home", "Exercises", "Mechanisms", "Actors", "Places", "Sources", "Timeline", "Map", "Relationships",
            "Grades"]

ABOUT = """\
# About this briefing

How we work: read [the grades](grades.md#reliability) and start with
[Tidewater 2019](exercises/tidewater-2019.md#facts), or the [list of exercises](exercises/index.md).

![Our logo](images/logo.png)
"""

EXTRA_CSS = ".bg-summary { border-left: 3px solid teal; }\n"


def png() -> bytes:
    """A 1×1 PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b""))


def project_with(root: Path, yml: str = PROJECT_MKDOCS_YML, files: dict[str, str | bytes] | None = None) -> Path:
    """A copy of the valid fixture with this mkdocs.yml and these extra files in content/."""
    project = make_project(root, VALID)
    (project / "mkdocs.yml").write_text(yml, encoding="utf-8")
    for name, data in (files or {}).items():
        path = project / "content" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    return project


def own_files() -> dict[str, str | bytes]:
    return {"about.md": ABOUT, "images/logo.png": png(), "stylesheets/extra.css": EXTRA_CSS}


@dataclass
class Built:
    project: Path
    output: str

    @property
    def site(self) -> Path:
        return self.project / "site"

    def page(self, rel: str) -> str:
        return (self.site / rel).read_text(encoding="utf-8")


def build(project: Path, *args: str) -> Built:
    done = briefgen_build(project, "--strict", *args)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "WARNING" not in output, output
    return Built(project, output)


def _primary(html: str) -> list[Element]:
    """The page links of Material's primary navigation (not the table of contents it nests for the page)."""
    start = html.index('<nav class="md-nav md-nav--primary"')
    end = html.index('<div class="md-sidebar md-sidebar--secondary"', start)
    return [a for a in parse(html[start:end]).find_all("a", class_="md-nav__link")
            if not (a.attrs.get("href") or "").startswith("#")]


def primary_nav(html: str) -> list[str]:
    """The labels of Material's primary navigation, in order."""
    return [" ".join(a.text().split()) for a in _primary(html)]


def nav_links(html: str) -> list[str]:
    """The targets of Material's primary navigation links."""
    return [a.attrs.get("href") or "" for a in _primary(html)]


# --- the project's own files ---------------------------------------------------------------------

OWN_YML = PROJECT_MKDOCS_YML + """\
extra_css:
  - stylesheets/extra.css
nav:
  - Home: index.md
  - About: about.md
  - Exercises: exercises/index.md
  - Grades: grades.md
"""


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """A project with its own page, image and stylesheet, named in its nav and extra_css."""
    return build(project_with(tmp_path_factory.mktemp("own") / "project", OWN_YML, own_files()))


def test_the_projects_own_page_is_rendered_by_mkdocs_and_in_the_nav(own: Built) -> None:
    body = parse(article(own.page("about/index.html")))
    (h1,) = body.find_all("h1")
    assert h1.text().strip() == "About this briefing"
    hrefs = [a.attrs.get("href") for a in body.find_all("a")]
    # MkDocs turned the links to briefgen's pages (.md) into the pages' URLs: it knows the generated pages
    assert "../grades/#reliability" in hrefs and "../exercises/tidewater-2019/#facts" in hrefs, hrefs
    assert "../exercises/" in hrefs, hrefs
    assert [img.attrs.get("src") for img in body.find_all("img")] == ["../images/logo.png"]
    assert "About" in primary_nav(own.page("index.html"))
    assert "about/" in nav_links(own.page("index.html"))


def test_the_projects_image_and_stylesheet_are_published_and_linked(own: Built) -> None:
    assert (own.site / "images/logo.png").read_bytes() == png()
    assert (own.site / "stylesheets/extra.css").read_text(encoding="utf-8") == EXTRA_CSS
    for page in ("index.html", "exercises/tidewater-2019/index.html", "about/index.html"):
        assert re.search(r'<link rel="stylesheet" href="(\.\./)*stylesheets/extra\.css"', own.page(page)), page
    # the fact files stay unpublished
    assert not list(own.site.rglob("*.yaml")) and not list(own.site.rglob("*.txt"))


def test_a_broken_link_in_the_projects_page_fails_the_strict_build(tmp_path: Path) -> None:
    """MkDocs validates the project's links against briefgen's pages: a missing one is a warning."""
    files = own_files() | {"about.md": ABOUT.replace("exercises/tidewater-2019.md", "exercises/no-such-drill.md")}
    project = project_with(tmp_path / "project", OWN_YML, files)
    done = briefgen_build(project, "--strict")
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "exercises/no-such-drill.md" in output and "about.md" in output, output


def test_a_page_in_place_of_a_generated_one_is_an_error(tmp_path: Path) -> None:
    files = {"timeline.md": "# My timeline\n", "exercises/tidewater-2019.md": "# Mine\n", "graph.json": "{}\n",
             "about.md": "# About\n"}
    project = project_with(tmp_path / "project", files=files)
    done = briefgen_build(project)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    lines = sorted(line for line in output.splitlines() if ": error: " in line)
    assert [line.split(":", 1)[0] for line in lines] == [
        "content/exercises/tidewater-2019.md", "content/graph.json", "content/timeline.md"], output
    assert any("timeline/index.html" in line and "timeline.md" in line for line in lines), lines
    assert "Traceback" not in output
    assert not (project / "site").exists()


AWESOME_YML = PROJECT_MKDOCS_YML.replace("plugins:\n", "plugins:\n  - awesome-nav\n")
NAV_YML = """\
nav:
  - index.md
  - About us: about.md
  - Exercises: exercises/index.md
  - Timeline: timeline.md
"""


def test_awesome_nav_reads_the_projects_nav_yml(tmp_path: Path) -> None:
    built = build(project_with(tmp_path / "project", AWESOME_YML, {**own_files(), ".nav.yml": NAV_YML}))
    assert primary_nav(built.page("index.html")) == ["Home", "About us", "Exercises", "Timeline"]
    assert primary_nav(built.page("exercises/tidewater-2019/index.html")) == [
        "Home", "About us", "Exercises", "Timeline"]


# --- the nav briefgen gives ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def default_nav(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """A project without a nav, with a page of its own."""
    return build(project_with(tmp_path_factory.mktemp("nav") / "project", files=own_files()))


def test_without_a_nav_the_nav_is_the_sections_and_the_projects_pages(default_nav: Built) -> None:
    for page in ("index.html", "exercises/tidewater-2019/index.html", "about/index.html"):
        assert primary_nav(default_nav.page(page)) == [*SECTIONS, "About this briefing"], page
    entity_links = [h for h in nav_links(default_nav.page("index.html")) if h.count("/") > 1]
    assert entity_links == [], f"entity pages in the nav: {entity_links}"


def test_without_a_nav_or_pages_of_its_own_the_nav_is_the_sections_only(tmp_path: Path) -> None:
    built = build(project_with(tmp_path / "project"))
    for page in ("index.html", "exercises/index.html", "places/vostrava/index.html",
                 "sources/harbour-bulletin/index.html"):
        assert primary_nav(built.page(page)) == SECTIONS, page


def test_the_nav_stays_the_same_size_on_every_page(default_nav: Built) -> None:
    """What each page carries of the nav does not grow with the number of entities."""
    sizes = {len(nav_links(default_nav.page(p.relative_to(default_nav.site).as_posix())))
             for p in default_nav.site.rglob("index.html") if p.parent.name != "search"}
    assert sizes == {len(SECTIONS) + 1}, sizes


# --- tables of contents ----------------------------------------------------------------------------


def material_toc(html: str) -> list[str]:
    """The links of Material's table of contents (the right-hand "On this page")."""
    sidebar = parse(html).find_all("div", class_="md-sidebar--secondary")[0]
    return [a.attrs.get("href") or "" for a in sidebar.find_all("a")]


def mkdocs_toc(html: str) -> list[str]:
    (sidebar,) = [d for d in parse(html).find_all("div") if "bs-sidebar" in (d.attrs.get("class") or "").split()]
    return [a.attrs.get("href") or "" for a in sidebar.find_all("a", class_="nav-link")]


ENTITY_TOC = ["#facts", "#p-status", "#p-date", "#related", "#related-actors", "#references"]


def test_material_shows_each_generated_pages_table_of_contents(default_nav: Built) -> None:
    toc = material_toc(default_nav.page("exercises/tidewater-2019/index.html"))
    assert [h for h in ENTITY_TOC if h not in toc] == [], toc
    assert toc.index("#facts") < toc.index("#p-status") < toc.index("#related") < toc.index("#references")
    assert "#top" not in toc  # Material shows the page title above, not in the list
    assert material_toc(default_nav.page("sources/harbour-bulletin/index.html")) == ["#text", "#citing"]
    assert material_toc(default_nav.page("grades/index.html")) == [
        "#reliability", "#credibility", "#sources", "#grades", "#conventions"]


def test_the_table_of_contents_nests_under_its_heading(default_nav: Built) -> None:
    html = default_nav.page("exercises/tidewater-2019/index.html")
    tree = parse(html).find_all("div", class_="md-sidebar--secondary")[0]
    facts = next(a for a in tree.find_all("a") if a.attrs.get("href") == "#facts")
    item: Element | None = facts.parent
    assert item is not None and item.tag == "li"
    assert "#p-date" in [a.attrs.get("href") for a in item.find_all("a")], "Dates is not listed under Facts"


def test_the_mkdocs_theme_shows_each_generated_pages_table_of_contents(tmp_path: Path) -> None:
    yml = re.sub(r"theme:\n(  .*\n)+", "theme:\n  name: mkdocs\n", PROJECT_MKDOCS_YML)
    assert "name: mkdocs" in yml
    built = build(project_with(tmp_path / "project", yml))
    # the theme lists two levels (its navigation_depth): the page title and its sections
    assert mkdocs_toc(built.page("exercises/tidewater-2019/index.html")) == [
        "#top", "#facts", "#related", "#references"]
    assert mkdocs_toc(built.page("sources/harbour-bulletin/index.html")) == ["#top", "#text", "#citing"]


def test_mkdocs_search_finds_the_sections_of_generated_pages(tmp_path: Path) -> None:
    """A project that keeps MkDocs' own search plugin gets an entry for each section of a generated page."""
    yml = PROJECT_MKDOCS_YML.replace("plugins:\n", "plugins:\n  - search\n")
    built = build(project_with(tmp_path / "project", yml))
    index = json.loads(built.page("search/search_index.json"))
    locations = {d["location"] for d in index["docs"]}
    assert "grades/#reliability" in locations, sorted(locations)[:20]


# --- URL styles -------------------------------------------------------------------------------------


def with_urls(directory_urls: bool, pdf: bool = False) -> str:
    yml = PROJECT_MKDOCS_YML.replace("use_directory_urls: true", f"use_directory_urls: {str(directory_urls).lower()}")
    yml = yml.replace("pdf: false", f"pdf: {str(pdf).lower()}")
    return f"site_url: {SITE_URL}\n{yml}"


@pytest.fixture(scope="module")
def flat(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """``use_directory_urls: false``, with PDF briefs and the project's own page."""
    return build(project_with(tmp_path_factory.mktemp("flat") / "project", with_urls(False, pdf=True), own_files()))


@pytest.mark.parametrize("directory_urls", [True, False])
def test_every_internal_link_lands(directory_urls: bool, flat: Built, default_nav: Built) -> None:
    built = default_nav if directory_urls else flat
    report = check_site(built.site, directory_urls=directory_urls,
                        base_path=urlsplit(SITE_URL).path if built is flat else "/")
    assert report.checked > 500 and report.pages > 15, report
    assert report.broken == (), f"{len(report.broken)} of {report.checked} links do not land:\n" + "\n".join(
        report.broken[:40])


def test_without_directory_urls_pages_are_html_files(flat: Built) -> None:
    assert (flat.site / "exercises/tidewater-2019.html").is_file()
    assert (flat.site / "grades.html").is_file()
    assert not (flat.site / "exercises/tidewater-2019").exists()
    body = article(flat.page("exercises/tidewater-2019.html"))
    assert 'href="../pdf/tidewater-2019.pdf"' in body
    assert (flat.site / "pdf/tidewater-2019.pdf").is_file()


def test_without_directory_urls_graph_json_names_the_html_files(flat: Built) -> None:
    graph = json.loads(flat.page("graph.json"))
    for entity_id, entity in graph["entities"].items():
        assert entity["url"].endswith(f"/{entity_id}.html"), entity["url"]
        assert (flat.site / entity["url"]).is_file(), entity["url"]


def test_without_directory_urls_pdf_briefs_link_to_the_html_pages(flat: Built) -> None:
    uris = []
    for pdf in sorted((flat.site / "pdf").glob("*.pdf")):
        for page in PdfReader(pdf).pages:
            for annot in page.get("/Annots") or []:
                action = annot.get_object().get("/A")
                action = action.get_object() if action is not None else {}
                if action.get("/S") == "/URI":
                    uris.append(str(action["/URI"]))
    assert uris and all(u.startswith(SITE_URL) for u in uris), uris[:5]
    missing = []
    for uri in uris:
        target = urlsplit(uri)
        file = flat.site / target.path.removeprefix(urlsplit(SITE_URL).path)
        if not file.is_file() or (target.fragment and f'id="{target.fragment}"' not in file.read_text("utf-8")):
            missing.append(uri)
    assert missing == [], missing[:10]
