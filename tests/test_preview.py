"""The live preview (``mkdocs serve``): after an edit, only the pages it changed are rewritten.

Each test runs MkDocs for real, in this process, the way ``mkdocs serve`` does (the
plugins started for ``serve``, a build with a ``serve_url``), edits the content, and asks
the preview to update the served folder. The proof that it rewrote the right pages is that
the folder it leaves is the folder a full build of the edited content writes, file for
file (the search index compared as a set of entries: the preview appends the entries of
the pages it rewrote). Edits the preview cannot take (errors, new files, templates,
plugins it does not know) must leave the served folder as it was, for MkDocs' full
rebuild. ``tests/test_benchmark_smoke.py`` drives a real ``mkdocs serve`` over HTTP.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort
from projects import EPOCH, FIXTURES, make_project, run, tool

from briefgen.mkdocs.plugin import BriefgenPlugin
from briefgen.site import plan as plan_module

VALID = FIXTURES / "valid" / "content"
SERVE_URL = "http://127.0.0.1:8000/"


@pytest.fixture(autouse=True)
def _fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


def serve(project: Path, site: Path) -> tuple[MkDocsConfig, BriefgenPlugin]:
    """What ``mkdocs serve`` does before it waits for edits: start the plugins for serve and build once."""
    config = load_config(str(project / "mkdocs.yml"), site_dir=str(site))
    config.plugins.on_startup(command="serve", dirty=False)
    build(config, serve_url=SERVE_URL)
    plugin = config.plugins["briefgen"]
    assert isinstance(plugin, BriefgenPlugin) and plugin.preview is not None
    assert gc.get_freeze_count() == 0  # the plan was frozen while pages rendered, and thawed after
    return config, plugin


def full_build(project: Path, site: Path) -> None:
    """``mkdocs build`` of the project as it is now, in a process of its own."""
    done = run([*tool("mkdocs"), "build", "-q", "-d", str(site)], cwd=project)
    assert done.returncode == 0, done.stderr


def tree(site: Path) -> dict[str, object]:
    """Every file of a built site by path (the search index as a sorted list of entries; no gzip)."""
    out: dict[str, object] = {}
    for path in sorted(site.rglob("*")):
        rel = path.relative_to(site).as_posix()
        if not path.is_file() or rel.endswith(".gz"):
            continue
        if rel == "search/search_index.json":
            data = json.loads(path.read_text(encoding="utf-8"))
            out[rel] = (data["config"], sorted(json.dumps(d, sort_keys=True) for d in data["docs"]))
        else:
            out[rel] = path.read_bytes()
    return out


def assert_same_site(served: Path, fresh: Path) -> None:
    a, b = tree(served), tree(fresh)
    assert a.keys() == b.keys()
    differ = [rel for rel in a if a[rel] != b[rel]]
    assert not differ, f"the preview left these different from a full build: {differ}"


NAV = """nav:
  - Home: index.md
  - Exercises: exercises/index.md
  - Mechanisms: mechanisms/index.md
  - Actors: actors/index.md
  - Places: places/index.md
  - Sources: sources/index.md
  - Timeline: timeline.md
"""


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    """The valid fixture with a small navigation of index pages, as briefgen's projects have."""
    root = make_project(tmp_path / "project", VALID)
    yml = root / "mkdocs.yml"
    yml.write_text(yml.read_text(encoding="utf-8") + NAV, encoding="utf-8")
    yield root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(("file", "old", "new", "pages"), [
    # a summary: the actor's page only (and the graph export)
    ("actors/aldorian-navy.yaml", "summary: The seagoing force of the Republic of Aldoria.",
     "summary: The seagoing force of Aldoria, edited.", {"actors/aldorian-navy/index.html"}),
    # a name: its page and every page that names it
    ("actors/aldorian-navy.yaml", "name: Aldorian Navy", "name: Navy of Aldoria",
     {"actors/aldorian-navy/index.html", "exercises/tidewater-2019/index.html", "actors/index.html"}),
    # an exercise's name: the home page lists it among the latest
    ("exercises/tidewater-2019.yaml", "name: Tidewater 2019", "name: Tidewater Nineteen",
     {"exercises/tidewater-2019/index.html", "index.html", "timeline/index.html"}),
])
def test_an_edit_rewrites_the_pages_it_changes_and_leaves_what_a_full_build_writes(
        project: Path, tmp_path: Path, file: str, old: str, new: str, pages: set[str]) -> None:
    served = tmp_path / "served"
    _, plugin = serve(project, served)
    before = tree(served)
    edit(project / "content" / file, old, new)
    assert plugin.preview is not None and plugin.preview.update() is True
    plugin.preview.wait()  # search catches up in a thread of its own
    assert gc.get_freeze_count() == 0  # what the update planned is given back to the collector
    after = tree(served)
    rewritten = {rel for rel in after if after[rel] != before.get(rel) and rel.endswith(".html")}
    assert pages <= rewritten, "a page that shows the edit was not rewritten"
    assert new.split(": ", 1)[1] in (served / sorted(pages)[0]).read_text(encoding="utf-8")
    full_build(project, tmp_path / "fresh")
    assert_same_site(served, tmp_path / "fresh")
    # a second edit builds on the first
    edit(project / "content" / file, new, old)
    assert plugin.preview.update() is True
    plugin.preview.wait()
    assert tree(served) == before


def assert_left_to_full_rebuild(project: Path, served: Path, change: Callable[[], None]) -> BriefgenPlugin:
    """Serve the project, make the change, and check that the preview declines it and leaves the served
    folder as it was (MkDocs' full rebuild comes next)."""
    _, plugin = serve(project, served)
    before = tree(served)
    change()
    assert plugin.preview is not None and plugin.preview.update() is False
    assert tree(served) == before
    return plugin


def test_an_edit_with_an_error_leaves_the_served_site_for_the_full_rebuild(project: Path, tmp_path: Path) -> None:
    assert_left_to_full_rebuild(project, tmp_path / "served", lambda: edit(
        project / "content" / "actors/aldorian-navy.yaml", "parent: aldoria", "parent: atlantis"))


def test_a_bad_edit_is_checked_once_though_the_preview_and_the_full_rebuild_both_ask(
        project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The preview finds the error and leaves the edit to MkDocs' full rebuild, which reports it from the same
    check: the content, unchanged since, is not checked again (at 20,000 entities a check takes seconds)."""
    config, plugin = serve(project, tmp_path / "served")
    checks: list[Path] = []
    real = plan_module.check

    def counted(content: Path, cache: object = None) -> object:
        checks.append(content)
        return real(content, cache)  # type: ignore[arg-type]

    monkeypatch.setattr(plan_module, "check", counted)
    edit(project / "content" / "actors/aldorian-navy.yaml", "parent: aldoria", "parent: atlantis")
    assert plugin.preview is not None and plugin.preview.update() is False
    with pytest.raises(Abort):  # MkDocs ends a build whose plugin failed so
        build(config, serve_url=SERVE_URL)  # what MkDocs' serve loop does next
    assert len(checks) == 1, checks
    edit(project / "content" / "actors/aldorian-navy.yaml", "parent: atlantis", "parent: aldoria")
    build(config, serve_url=SERVE_URL)  # the content changed: checked again, and clean
    assert len(checks) == 2, checks


def test_a_new_file_is_left_to_the_full_rebuild(project: Path, tmp_path: Path) -> None:
    actors = project / "content" / "actors"
    assert_left_to_full_rebuild(project, tmp_path / "served", lambda: (actors / "ostmark.yaml").write_text(
        (actors / "brevia.yaml").read_text(encoding="utf-8").replace("name: Brevia", "name: Ostmark"),
        encoding="utf-8"))


def test_a_template_change_is_left_to_the_full_rebuild(tmp_path: Path) -> None:
    override = {"grades.html": '{% extends "default/grades.html" %}'}
    project = make_project(tmp_path / "project", VALID, templates=override)
    assert_left_to_full_rebuild(project, tmp_path / "served", lambda: (project / "templates" / "grades.html")
                                .write_text("<p>Grades: see the handbook.</p>\n", encoding="utf-8"))


def test_a_template_added_while_serving_shows_after_the_full_rebuild(tmp_path: Path) -> None:
    """A template put in the project's folder takes the place of briefgen's own, which the last plan's renderer
    had loaded: the full rebuild that follows plans again, though no fact file changed."""
    project = make_project(tmp_path / "project", VALID, templates={"README.txt": "project templates\n"})
    config, _ = serve(project, tmp_path / "served")
    (project / "templates" / "grades.html").write_text("<p>Grades: see the handbook.</p>\n", encoding="utf-8")
    build(config, serve_url=SERVE_URL)  # what MkDocs' serve loop does next
    assert "see the handbook" in (tmp_path / "served" / "grades" / "index.html").read_text(encoding="utf-8")


def test_a_plugin_the_preview_does_not_know_means_full_rebuilds(project: Path, tmp_path: Path) -> None:
    yml = project / "mkdocs.yml"
    yml.write_text(yml.read_text(encoding="utf-8").replace("plugins:\n", "plugins:\n  - tags\n"), encoding="utf-8")
    assert_left_to_full_rebuild(project, tmp_path / "served", lambda: edit(
        project / "content" / "actors/aldorian-navy.yaml", "name: Aldorian Navy", "name: Navy of Aldoria"))


def test_a_retitled_page_in_the_navigation_is_left_to_the_full_rebuild(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", VALID)
    yml = project / "mkdocs.yml"  # a nav that lists an entity page by its own title, shown on every page
    yml.write_text(yml.read_text(encoding="utf-8") + NAV + "  - actors/aldorian-navy.md\n", encoding="utf-8")
    navy = project / "content" / "actors/aldorian-navy.yaml"
    plugin = assert_left_to_full_rebuild(project, tmp_path / "served", lambda: edit(
        navy, "name: Aldorian Navy", "name: Navy of Aldoria"))
    edit(navy, "summary: The seagoing force", "summary: The force")
    assert plugin.preview is not None
    assert plugin.preview.update() is False  # the name is still new: the navigation still needs it


@pytest.mark.parametrize("change", ["edit", "new"])
def test_an_edit_to_the_projects_own_page_is_left_to_the_full_rebuild(tmp_path: Path, change: str) -> None:
    """MkDocs renders the project's own pages: the preview, which rewrites briefgen's, leaves them to it."""
    project = make_project(tmp_path / "project", VALID)
    (project / "content" / "about.md").write_text("# About\n\nFirst words.\n", encoding="utf-8")
    target = project / "content" / ("about.md" if change == "edit" else "methods.md")
    assert_left_to_full_rebuild(project, tmp_path / "served", lambda: target.write_text(
        "# About\n\nOther words, more of them.\n", encoding="utf-8"))


def test_without_a_nav_a_retitled_entity_is_rewritten_in_place(tmp_path: Path) -> None:
    """briefgen's nav of sections names no entity: renaming one rewrites only the pages that name it."""
    project = make_project(tmp_path / "project", VALID)  # no nav
    _, plugin = serve(project, tmp_path / "served")
    edit(project / "content" / "actors/aldorian-navy.yaml", "name: Aldorian Navy", "name: Navy of Aldoria")
    assert plugin.preview is not None and plugin.preview.update() is True
    full_build(project, tmp_path / "fresh")
    assert_same_site(tmp_path / "served", tmp_path / "fresh")


def test_a_load_cache_reads_again_only_the_files_that_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from briefgen.check import pipeline as project_mod

    content = make_project(tmp_path / "project", VALID) / "content"
    loaded: list[str] = []
    real = project_mod.load

    def spy(path: Path, display: str | None = None):  # type: ignore[no-untyped-def]
        loaded.append(Path(path).name)
        return real(path, display)

    monkeypatch.setattr(project_mod, "load", spy)
    cache = project_mod.LoadCache()
    first = project_mod.check(content, cache)
    assert first.ok and len(loaded) == 9  # every fact file, once
    loaded.clear()
    again = project_mod.check(content, cache)
    assert loaded == [] and again.ok
    assert again.graph is not None and first.graph is not None
    assert again.graph.entities.keys() == first.graph.entities.keys()
    edit(content / "actors/brevia.yaml", "name: Brevia", "name: Brevia Edited")
    (content / "actors/aldorian-navy.yaml").unlink()
    edited = project_mod.check(content, cache)
    assert loaded == ["brevia.yaml"]
    assert not edited.ok  # the navy is named elsewhere: its removal is an error, found as without a cache
    assert [d.format() for d in edited.diagnostics] == [d.format() for d in project_mod.check(content).diagnostics]
    assert not any("aldorian-navy" in key for key in cache.entries)


def test_edits_made_while_search_is_indexed_are_indexed_too(project: Path, tmp_path: Path) -> None:
    """Two updates in quick succession: the second does not wait for the first one's search index, and once
    indexing is done the served site — Pagefind's index included — is what a full build writes."""
    served = tmp_path / "served"
    _, plugin = serve(project, served)
    assert plugin.preview is not None
    navy = project / "content" / "actors/aldorian-navy.yaml"
    edit(navy, "summary: The seagoing force of the Republic of Aldoria.", "summary: The seagoing force, once.")
    assert plugin.preview.update() is True
    edit(navy, "summary: The seagoing force, once.", "summary: The seagoing force, twice.")
    assert plugin.preview.update() is True
    plugin.preview.wait()
    assert "twice" in (served / "actors/aldorian-navy/index.html").read_text(encoding="utf-8")
    full_build(project, tmp_path / "fresh")
    assert_same_site(served, tmp_path / "fresh")
