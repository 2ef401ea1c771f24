"""Search (briefgen/site/search.py) and the offline edition (briefgen/site/offline.py), without a browser.

What a reader sees — results, ranking, a copy opened from file:// — is in tests/test_browser.py;
here: what the index reads of a page, the links of the offline edition, and what each build writes.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from projects import FIXTURES, briefgen_build, make_project

from briefgen.site import offline, search

PAGE = """<html><body><nav><a href="../">Home</a> Navigation words</nav>
<p class="bg-edition">TLP:CLEAR</p>
<div class="bg-page" data-pagefind-body>
<h1 id="top"><bdi data-pagefind-weight="10" data-pagefind-meta="title">Chinese People&#39;s Liberation Army</bdi></h1>
<p class="bg-aliases" data-pagefind-weight="10" data-pagefind-meta="aliases:PLA; Liberation Army">Also: PLA</p>
<img src="x.png" alt="an image"><br>
<figure data-pagefind-ignore><svg><text>AfghanistanArmenia</text><text>2012</text></svg>
<figcaption>Map<details><summary>Text description</summary>Places around</details></figcaption></figure>
<h2 id="facts">Facts</h2>
<p>Part of <a href="../china/">China</a>. Ürümqi hosted the army.</p>
<script>var hidden = "scripted";</script>
</div>
<footer>Footer words</footer></body></html>
"""


def test_the_index_reads_the_page_body_only() -> None:
    page = search.read_page(PAGE, "actors/pla/index.html")
    assert page is not None
    assert page.title == "Chinese People's Liberation Army"
    assert page.aliases == ["PLA", "Liberation Army"]
    for absent in ("tlp", "clear", "navigation", "footer", "afghanistanarmenia", "2012", "places", "scripted"):
        assert absent not in page.words, absent
    assert set(page.words) >= {"chinese", "people", "liberation", "army", "pla", "china", "urumqi", "facts"}


def test_names_weigh_most() -> None:
    page = search.read_page(PAGE, "actors/pla/index.html")
    assert page is not None
    assert max(page.words["pla"]) == 10 and max(page.words["liberation"]) == 10
    assert page.words["facts"] == [6.0]  # an h2, as Pagefind weighs it
    assert page.words["china"] == [1.0]
    assert search.score(page.words["pla"]) > search.score([1.0] * 50), "a name outweighs fifty mentions"


def test_a_page_without_a_search_body_is_not_indexed() -> None:
    assert search.read_page("<html><body><h1>Exercises</h1><p>TLP:CLEAR</p></body></html>", "x/index.html") is None


def test_words_fold_case_and_diacritics_as_the_search_box_does() -> None:
    assert search.words("Ürümqi, GBAO’s Ishkashim-district") == ["urumqi", "gbao", "s", "ishkashim", "district"]
    assert search.shard_key("urumqi") == "00750072" and search.shard_key("a") == "0061"


@pytest.mark.parametrize(("href", "expected"), [
    ("../exercises/", "../exercises/index.html"),
    ("../../actors/pla/#related", "../../actors/pla/index.html#related"),
    ("..", "../index.html"),
    (".", "./index.html"),
    ("../..", "../../index.html"),
    ("./", "./index.html"),
    ("sources/x/?q=1#q-1", "sources/x/index.html?q=1#q-1"),
    ("../pdf/x.pdf", "../pdf/x.pdf"),
    ("../assets/briefgen.css", "../assets/briefgen.css"),
    ("#ref-1", "#ref-1"),
    ("https://example.org/a/", "https://example.org/a/"),
    ("mailto:someone@example.org", "mailto:someone@example.org"),
    ("/absolute/", "/absolute/"),
])
def test_offline_links_name_the_index_file(href: str, expected: str) -> None:
    assert offline.explicit_index_links(f'<a class="x" href="{href}">t</a>') == f'<a class="x" href="{expected}">t</a>'


def test_the_search_script_is_written_for_its_back_end() -> None:
    assert b'var BACKEND = "offline";' in search.script("offline")
    assert b'var BACKEND = "pagefind";' in search.script("pagefind")


# --- real builds ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    """The valid fixture built twice: as served (Pagefind) and as the offline edition; (site, build output)."""
    out = {}
    for name, args in (("served", ()), ("offline", ("--offline",))):
        project = make_project(tmp_path_factory.mktemp(f"search-{name}") / "project", FIXTURES / "valid" / "content")
        done = briefgen_build(project, *args)
        assert done.returncode == 0, done.stdout + done.stderr
        out[name] = (project / "site", done.stdout + done.stderr)
    return out


INDEXED = 10
"""Pages of the valid fixture that search reads: its 9 entity and source pages, and the grades page."""


def test_pagefind_indexes_the_entity_source_and_grades_pages(builds: dict[str, tuple[Path, str]]) -> None:
    site, output = builds["served"]
    assert f"search: {INDEXED} pages indexed (pagefind)" in output, output
    assert (site / "pagefind" / "pagefind.js").is_file()
    assert not (site / "search").exists(), "MkDocs' lunr index is still built"
    assert not list(site.glob(".pagefind-*")), "a half-made index was left behind"
    assert 'var BACKEND = "pagefind";' in (site / "assets/search.js").read_text(encoding="utf-8")
    assert '<script src="../../assets/search.js">' in (site / "actors/aldoria/index.html").read_text(encoding="utf-8")


def test_offline_edition_writes_its_own_index_and_no_pagefind(builds: dict[str, tuple[Path, str]]) -> None:
    site, output = builds["offline"]
    assert f"search: {INDEXED} pages indexed (offline)" in output, output
    assert not (site / "pagefind").exists()
    assert 'var BACKEND = "offline";' in (site / "assets/search.js").read_text(encoding="utf-8")
    chunk = (site / "assets/search/p-0.js").read_text(encoding="utf-8")
    assert chunk.startswith('briefgenSearch.add("p-0",[["actors/aldoria/index.html","Republic of Aldoria",')
    shard = (site / f"assets/search/t-{search.shard_key('aldoria')}.js").read_text(encoding="utf-8")
    assert '"aldoria":[[' in shard and "</" not in shard


HREF = re.compile(r'\bhref="([^"]*)"')


def test_offline_edition_links_to_no_folder(builds: dict[str, tuple[Path, str]]) -> None:
    """Every page, the theme's 404 page included: no relative link ends at a folder."""
    site, _ = builds["offline"]
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 15
    for path in pages:
        for href in HREF.findall(path.read_text(encoding="utf-8")):
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
                continue
            assert not (parts.path.endswith("/") or parts.path.rsplit("/", 1)[-1] in (".", "..")), (path, href)
            assert (path.parent / parts.path).resolve().exists(), (path, href)


def test_offline_edition_differs_from_the_served_one_in_links_only(builds: dict[str, tuple[Path, str]]) -> None:
    served, _ = builds["served"]
    off, _ = builds["offline"]
    page = "exercises/tidewater-2019/index.html"
    a = (served / page).read_text(encoding="utf-8")
    b = (off / page).read_text(encoding="utf-8")
    assert a != b
    assert HREF.sub("", a) == HREF.sub("", b)


def test_the_index_made_while_pages_are_written_is_the_one_pagefind_makes_of_the_written_site(
        builds: dict[str, tuple[Path, str]], tmp_path: Path) -> None:
    """Each body given to Pagefind as it is made indexes what Pagefind itself reads in the written pages: the same
    pages with the same words, headings and excerpts (its fragment files are named by their content)."""
    site, _ = builds["served"]
    done = subprocess.run([str(search.pagefind_executable()), "--site", str(site), "--output-path",
                           str(tmp_path / "cli")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Indexed {INDEXED} pages" in done.stdout, done.stdout

    def fragments(index: Path) -> list[str]:
        return sorted(p.name for p in (index / "fragment").iterdir())

    assert fragments(site / "pagefind") == fragments(tmp_path / "cli")
    assert len(fragments(site / "pagefind")) == INDEXED


@pytest.mark.slow
def test_a_page_of_the_project_that_asks_to_be_searched_is_indexed(tmp_path: Path) -> None:
    """A page of the project's own (Markdown in the content folder) that marks a search body is indexed too, as
    Pagefind would index it in the written site."""
    project = make_project(tmp_path / "project", FIXTURES / "valid" / "content")
    (project / "content" / "about.md").write_text(
        "# About\n\n<div data-pagefind-body><p>Harbour pilots of Ostmark.</p></div>\n", encoding="utf-8")
    done = briefgen_build(project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"search: {INDEXED + 1} pages indexed (pagefind)" in done.stdout + done.stderr
