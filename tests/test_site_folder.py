"""The site folder: a build replaces only a folder that a briefgen build made (briefgen/build/output.py).

Real builds (``briefgen build``, ``mkdocs build``) of the valid fixture into folders of
every kind a user may name: none, an empty one, a built one, a folder of other files, a
git checkout, a file, a symbolic link. A refused build prints one line naming the folder,
exits 1 and leaves every byte where it was.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from projects import FIXTURES, make_project, run, tool
from trees import tree

from briefgen.build.output import MARKER


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project", FIXTURES / "valid" / "content")


def build(project: Path, *args: str) -> tuple[int, list[str]]:
    done = run([*tool("briefgen"), "build", "-q", *args], cwd=project)
    return done.returncode, (done.stdout + done.stderr).splitlines()


def checkout(folder: Path) -> Path:
    """A folder like a gh-pages checkout: git's data, GitHub Pages' files, and an earlier site's page."""
    (folder / ".git" / "refs").mkdir(parents=True)
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n")
    (folder / ".nojekyll").write_text("")
    (folder / "CNAME").write_text("briefing.example.org\n")
    return folder


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.glob(".site-*") if not p.name.startswith(".site-old-"))


# --- refused, untouched ---------------------------------------------------------------------------


def test_a_folder_of_other_files_is_refused_and_left_as_it_was(project: Path) -> None:
    other = checkout(project / "pages")
    (other / "notes.txt").write_text("mine\n")
    before = tree(other)
    status, lines = build(project, "-d", "pages")
    assert status == 1
    assert len(lines) == 1, lines
    assert lines[0].startswith("pages: error: holds ") and "which briefgen did not make" in lines[0], lines[0]
    assert "--keep-hidden" in lines[0], "the line says how to publish into a checkout"
    assert tree(other) == before
    assert leftovers(project) == []


def test_a_regular_file_named_as_the_site_folder_is_refused_and_kept(project: Path) -> None:
    (project / "site").write_text("not a folder\n")
    status, lines = build(project)
    assert status == 1
    assert lines == ["site: error: is a file, not a site folder; briefgen replaces only folders it built "
                     "(hint: move the file away, or choose another --site-dir)"]
    assert (project / "site").read_text() == "not a folder\n"


def test_a_file_added_beside_a_checkouts_git_without_keep_hidden_is_refused(project: Path) -> None:
    """A built site that a checkout's ``.git`` was put into is not replaced whole: .git would go with it."""
    assert build(project)[0] == 0
    (project / "site" / ".git").mkdir()
    (project / "site" / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n")
    before = tree(project / "site")
    status, lines = build(project)
    assert status == 1
    assert len(lines) == 1 and lines[0].startswith("site: error: holds '.git', which briefgen did not make"), lines
    assert "build with --keep-hidden" in lines[0]
    assert tree(project / "site") == before


def test_a_site_an_earlier_briefgen_built_without_marker_is_refused_with_a_hint(project: Path) -> None:
    assert build(project) == (0, [])
    (project / "site" / MARKER).unlink()  # as sites were before the marker
    before = tree(project / "site")
    status, lines = build(project)
    assert status == 1 and len(lines) == 1, lines
    assert lines[0].endswith("(hint: it looks like a site an earlier briefgen built, before sites were marked: "
                             "remove it once)"), lines[0]
    assert tree(project / "site") == before


def test_a_link_to_nothing_is_refused(project: Path) -> None:
    (project / "site").symlink_to("gone")
    status, lines = build(project)
    assert status == 1
    assert len(lines) == 1 and lines[0].startswith("site: error: is a symbolic link to "), lines
    assert (project / "site").is_symlink() and not (project / "gone").exists()


# --- allowed --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_new_or_empty_folder_is_built_and_marked_then_replaced(project: Path) -> None:
    (project / "empty").mkdir()
    for name in ("empty", "new/site"):
        assert build(project, "-d", name) == (0, [])
        site = project / name
        assert (site / "index.html").is_file()
        assert (site / MARKER).is_file() and "briefgen" in (site / MARKER).read_text()
    # a built site is replaced as a whole: what a hand put into it goes with it
    (project / "empty" / "stale.html").write_text("from a hand, inside a built site\n")
    assert build(project, "-d", "empty") == (0, [])
    assert not (project / "empty" / "stale.html").exists()
    assert (project / "empty" / "index.html").is_file()
    assert leftovers(project) == []


def test_keep_hidden_publishes_into_a_checkout_and_keeps_its_own_entries(project: Path) -> None:
    pages = checkout(project / "pages")
    kept = {k: v for k, v in tree(pages).items() if k.startswith((".git", ".nojekyll", "CNAME"))}
    status, lines = build(project, "-d", "pages", "--keep-hidden", "--keep", "CNAME")
    assert (status, lines) == (0, [])
    assert (pages / "index.html").is_file() and (pages / MARKER).is_file()
    assert {k: v for k, v in tree(pages).items() if k in kept} == kept
    # the next publish replaces the pages of the last one, still keeping the checkout's own entries
    (pages / "stale.html").write_text("a page of an earlier build\n")
    status, lines = build(project, "-d", "pages", "--keep", "CNAME")  # --keep implies --keep-hidden
    assert (status, lines) == (0, [])
    assert not (pages / "stale.html").exists()
    assert {k: v for k, v in tree(pages).items() if k in kept} == kept
    assert leftovers(project) == []


def test_keep_hidden_refuses_a_folder_with_other_files_and_no_marker(project: Path) -> None:
    pages = checkout(project / "pages")
    (pages / "index.html").write_text("someone else's page\n")
    before = tree(pages)
    status, lines = build(project, "-d", "pages", "--keep-hidden")
    assert status == 1
    assert len(lines) == 1 and lines[0].startswith("pages: error: holds 'CNAME', 'index.html', which"), lines
    assert tree(pages) == before


def test_a_symlinked_site_folder_is_built_into_the_folder_it_names(project: Path) -> None:
    real = project / "www" / "briefing"
    real.mkdir(parents=True)
    (project / "site").symlink_to(real)
    for _ in range(2):
        assert build(project) == (0, [])
        assert (project / "site").is_symlink() and os.readlink(project / "site") == str(real)
        assert (real / "index.html").is_file() and (real / MARKER).is_file()
    assert leftovers(project / "www") == [] and leftovers(project) == []


# --- mkdocs build ---------------------------------------------------------------------------------


def mkdocs_build(project: Path, *args: str) -> tuple[int, str]:
    done = run([*tool("mkdocs"), "build", "-q", *args], cwd=project)
    return done.returncode, done.stdout + done.stderr


def test_mkdocs_build_refuses_a_folder_it_would_empty(project: Path) -> None:
    """MkDocs deletes every entry of site_dir but the hidden ones before it builds: the plugin refuses first."""
    other = project / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine\n")
    (project / "afile").write_text("mine\n")
    for name in ("other", "afile"):
        before = tree(project)
        status, out = mkdocs_build(project, "-d", name)
        assert status == 1
        assert f"{name}: error: " in out and "choose another site_dir" in out, out
        assert tree(project) == before


@pytest.mark.slow
def test_mkdocs_build_into_a_checkout_keeps_its_hidden_entries_and_marks_it(project: Path) -> None:
    pages = project / "pages"
    pages.mkdir()
    (pages / ".git").mkdir()
    (pages / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n")
    for _ in range(2):
        status, out = mkdocs_build(project, "-d", "pages")
        assert status == 0, out
        assert (pages / ".git" / "HEAD").read_text() == "ref: refs/heads/gh-pages\n"
        assert (pages / MARKER).is_file() and (pages / "index.html").is_file()


def test_a_kept_name_the_build_also_makes_keeps_the_folders_own_and_says_so(project: Path) -> None:
    pages = checkout(project / "pages")
    (pages / "404.html").write_text("our own not-found page\n")
    status, lines = build(project, "-d", "pages", "--keep", "CNAME", "--keep", "404.html")
    assert status == 0
    assert lines == ["pages/404.html: warning: kept as it was (--keep-hidden, --keep); the build's own '404.html' "
                     "is not published"]
    assert (pages / "404.html").read_text() == "our own not-found page\n"
    assert (pages / "index.html").is_file()
