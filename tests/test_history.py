"""Git-aware history (briefgen/site/history.py) and its place on entity and source pages.

Every repository here is made in ``tmp_path`` with fixed commit dates; the suite never
touches the repository it runs in. Pages are planned in-process (``briefgen.site.plan.plan``),
which is what the MkDocs plugin and ``briefgen pdf`` do.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from projects import COMMIT_DATE, FIXTURES, git

from briefgen.site import history
from briefgen.site.plan import plan

FIXTURE = FIXTURES / "valid" / "content"
DRILL = "exercises/tidewater-2019.yaml"
FIRST = COMMIT_DATE
SECOND = "2021-03-04T23:30:00-02:00"  # 5 Mar 2021 01:30 UTC: days are UTC days

@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project repository: the valid fixture committed, then the drill's fact file changed once more."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    for name in [k for k in os.environ if k.startswith("GIT_")]:
        monkeypatch.delenv(name)
    project = tmp_path / "project"
    shutil.copytree(FIXTURE, project / "content")
    git(project, "init", "-q", "-b", "main")
    git(project, "add", ".")
    git(project, "commit", "-q", "-m", "Add the Tidewater fact base")
    drill = project / "content" / DRILL
    drill.write_text(drill.read_text(encoding="utf-8").replace("name: Tidewater 2019", "name: Tidewater  2019"),
                     encoding="utf-8")
    git(project, "commit", "-q", "-am", "Tidewater 2019: <b>fix</b> the name & spacing", date=SECOND)
    return project


def test_one_git_log_call_gives_every_file_its_history(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    real_run = subprocess.run

    def counting_run(args, *rest, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(list(args))
        return real_run(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "run", counting_run)
    found = history.collect(repo / "content")
    assert sum("log" in call for call in calls) == 1, calls
    assert len(calls) <= 2, "one git log, and at most one question about a shallow clone"

    drill = found[DRILL]
    assert [c.date for c in drill] == ["2021-03-05", "2020-01-02"]
    assert [c.subject for c in drill] == ["Tidewater 2019: <b>fix</b> the name & spacing",
                                          "Add the Tidewater fact base"]
    assert drill[0].when == "5 Mar 2021"
    assert all(len(c.commit) >= 7 for c in drill)
    assert [c.date for c in found["actors/aldoria.yaml"]] == ["2020-01-02"]
    assert "sources/harbour-bulletin.txt" in found
    assert set(found) == {p.relative_to(repo / "content").as_posix()
                          for p in (repo / "content").rglob("*") if p.is_file()}


def test_history_is_limited_per_file(repo: Path) -> None:
    assert len(history.collect(repo / "content", limit=1)[DRILL]) == 1


def test_pages_show_last_changed_and_history(repo: Path) -> None:
    site, result = plan(repo / "content", repo)
    assert site is not None, [d.format() for d in result.diagnostics]
    page = next(p for p in site.views.entities if p.id == "tidewater-2019")
    assert page.last_changed == "5 Mar 2021"
    assert len(page.history) == 2
    other = next(p for p in site.views.entities if p.id == "aldoria")
    assert other.last_changed == "2 Jan 2020" and len(other.history) == 1

    html = site.pages["exercises/tidewater-2019.md"].body("../../")
    assert '<p class="bg-changed">Last changed 5 Mar 2021</p>' in html
    assert html.index("Last changed") < html.index('id="references"') < html.index('<details class="bg-history">')
    assert "<summary>History</summary>" in html
    assert '<time datetime="2021-03-05">5 Mar 2021</time>' in html
    assert "&lt;b&gt;fix&lt;/b&gt; the name &amp; spacing" in html  # commit subjects are text, escaped
    assert "<b>fix</b>" not in html

    source = next(p for p in site.views.sources if p.id == "harbour-bulletin")
    assert source.last_changed == "2 Jan 2020" and len(source.history) == 1
    html = site.pages["sources/harbour-bulletin.md"].body("../../")
    assert "Last changed 2 Jan 2020" in html and '<details class="bg-history">' in html


def test_a_source_joins_the_history_of_its_text(repo: Path) -> None:
    text = repo / "content" / "sources" / "harbour-bulletin.txt"
    text.write_text(text.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    git(repo, "commit", "-q", "-am", "Harbour Bulletin: trailing newline", date="2022-05-06T12:00:00+00:00")
    site, _ = plan(repo / "content", repo)
    assert site is not None
    source = next(p for p in site.views.sources if p.id == "harbour-bulletin")
    assert [c.date for c in source.history] == ["2022-05-06", "2020-01-02"]
    assert source.last_changed == "6 May 2022"


def test_source_date_epoch_clamps_every_date(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1590969600")  # 2020-06-01T00:00:00Z
    found = history.collect(repo / "content")
    assert [c.date for c in found[DRILL]] == ["2020-06-01", "2020-01-02"]
    site, _ = plan(repo / "content", repo)
    assert site is not None
    page = next(p for p in site.views.entities if p.id == "tidewater-2019")
    assert page.last_changed == "1 Jun 2020"
    assert max(c.date for p in site.views.entities for c in p.history) <= "2020-06-01"
    assert "Last changed 1 Jun 2020" in site.pages["exercises/tidewater-2019.md"].body("../../")


def test_without_git_on_path_the_build_works_and_shows_no_history(repo: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    empty = repo.parent / "no-tools"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert history.collect(repo / "content") == {}
    site, result = plan(repo / "content", repo)
    assert site is not None, [d.format() for d in result.diagnostics]
    assert all(p.last_changed is None and p.history == () for p in site.views.entities)
    html = site.pages["exercises/tidewater-2019.md"].body("../../")
    assert "Last changed" not in html and "bg-history" not in html


def test_outside_a_repository_there_is_no_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))  # never look above tmp_path for a repository
    shutil.copytree(FIXTURE, tmp_path / "content")
    assert history.collect(tmp_path / "content") == {}
    assert history.collect(tmp_path / "no-such-folder") == {}
    site, result = plan(tmp_path / "content", tmp_path)
    assert site is not None, [d.format() for d in result.diagnostics]
    assert all(p.history == () for p in (*site.views.entities, *site.views.sources))
    assert "Last changed" not in site.pages["sources/harbour-bulletin.md"].body("../../")


def test_a_shallow_clone_claims_no_changes_it_cannot_see(repo: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(clone))
    found = history.collect(clone / "content")
    # the one commit fetched "adds" every file: it says nothing about when they changed
    assert found == {}
    deeper = tmp_path / "deeper"
    git(tmp_path, "clone", "-q", "--depth", "2", f"file://{repo}", str(deeper))
    assert [c.date for c in history.collect(deeper / "content")[DRILL]] == ["2021-03-05"]


def test_an_edition_that_withholds_anything_shows_no_commit_subjects(repo: Path) -> None:
    """Commit subjects are free text: they could name what a public edition withholds."""
    from briefgen.site.editions import Edition

    secret = repo / "content" / "actors" / "brevia.yaml"
    secret.write_text(secret.read_text(encoding="utf-8") + "marking: AMBER\n", encoding="utf-8")
    git(repo, "commit", "-q", "-am", "Brevia is AMBER: CANARY-SUBJECT", date=SECOND)
    public, _ = plan(repo / "content", repo, edition=Edition("public", "CLEAR"))
    internal, _ = plan(repo / "content", repo, edition=Edition("internal", "RED"))
    assert public is not None and internal is not None

    def shown(site) -> str:  # type: ignore[no-untyped-def]
        return "".join(site.pages[uri].body("../../") for uri in site.pages)

    assert "CANARY-SUBJECT" in shown(internal)
    assert "CANARY-SUBJECT" not in shown(public)
    assert "<time" in shown(public), "dates and hashes stay"
