"""Failed reads and writes: one line naming the path and the cause, exit 1, the previous site intact.

Real faults, no mocks: a kind folder that is no folder, files and folders unreadable (the
suite runs as root, for whom ``chmod 000`` stops nothing, so the command runs without the
capabilities that let root past permissions), a full disk and a read-only one (small tmpfs
mounts), and a site folder whose name is too long.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from projects import FIXTURES, make_project, run, tool
from trees import tree

NO_DAC = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
"""Runs a command as root without the capabilities that override file permissions."""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project", FIXTURES / "valid" / "content")


def briefgen(project: Path, *args: str, prefix: tuple[str, ...] = ()) -> tuple[int, list[str]]:
    done = run([*prefix, *tool("briefgen"), *args], cwd=project, timeout=300)
    return done.returncode, (done.stdout + done.stderr).splitlines()


def without_dac(tmp_path: Path) -> tuple[str, ...]:
    probe = tmp_path / "probe"
    probe.write_text("x")
    probe.chmod(0)
    if os.geteuid() != 0:
        return ()  # permissions already bind an ordinary user
    assert shutil.which("setpriv"), "setpriv (util-linux) is needed to drop root's override of permissions"
    denied = subprocess.run([*NO_DAC, "cat", str(probe)], capture_output=True).returncode != 0
    assert denied, "setpriv could not drop the capabilities that override file permissions"
    return tuple(NO_DAC)


@pytest.fixture
def tmpfs() -> Iterator[Callable[[Path, str], Path]]:
    """Mount a small tmpfs (unmounted afterwards)."""
    mounted: list[Path] = []

    def mount(where: Path, size: str) -> Path:
        where.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                              capture_output=True, text=True)
        # the suite runs as root, as CI does: a real full or read-only disk needs a mount
        assert done.returncode == 0, f"cannot mount a tmpfs here: {done.stderr.strip()}"
        mounted.append(where)
        return where

    yield mount
    for where in reversed(mounted):
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def fill(folder: Path, leave: int) -> None:
    """Fill the file system of ``folder`` until ``leave`` bytes are free."""
    st = os.statvfs(folder)
    free = st.f_bavail * st.f_frsize
    with open(folder / "filler", "wb") as out:
        out.truncate(0)
        out.write(b"\0" * max(0, free - leave))


def stagings(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.glob(".site-*") if not p.name.startswith(".site-old-"))


# --- reading content ------------------------------------------------------------------------------


def test_a_kind_folder_that_is_no_folder_is_one_line(project: Path) -> None:
    actors = project / "content" / "actors"
    shutil.rmtree(actors)
    os.mkfifo(actors)
    for command in (["check", "content"], ["build", "-q", "--no-pdf"]):
        status, lines = briefgen(project, *command)
        assert status == 1
        problems = [line for line in lines if "error" in line and not line.startswith(("ERROR", "checked"))]
        assert problems == ["content/actors: error: cannot read folder: not a folder (hint: content/actors/ holds "
                            "the actors fact files; make it a plain folder)"], lines
        assert not any("Traceback" in line for line in lines)
    assert not (project / "site").exists()


@pytest.mark.parametrize("what", ["kind folder", "content folder", "fact file"])
def test_unreadable_content_is_one_line_for_check_and_build(project: Path, tmp_path: Path, what: str) -> None:
    prefix = without_dac(tmp_path)
    path = {"kind folder": "content/actors", "content folder": "content",
            "fact file": "content/actors/aldoria.yaml"}[what]
    (project / path).chmod(0)
    expected = f"{path}: error: cannot read {'file' if what == 'fact file' else 'folder'}: Permission denied"
    try:
        status, lines = briefgen(project, "check", "content", prefix=prefix)
        assert (status, lines[:-1]) == (1, [expected]), lines
        status, lines = briefgen(project, "build", "-q", "--no-pdf", prefix=prefix)
        assert status == 1
        assert lines[0] == expected and not any("Traceback" in line for line in lines), lines
        assert not (project / "site").exists()
    finally:
        (project / path).chmod(0o755)


# --- writing the site -----------------------------------------------------------------------------


def test_a_full_disk_fails_in_one_line_and_keeps_the_previous_site(project: Path, tmpfs: Callable) -> None:
    disk = tmpfs(project / "disk", "8m")
    assert briefgen(project, "build", "-q", "--no-pdf", "-d", "disk/site") == (0, [])
    before = tree(disk / "site")
    fill(disk, 1 << 20)  # room for a third of a site
    status, lines = briefgen(project, "build", "-q", "--no-pdf", "-d", "disk/site")
    assert status == 1
    assert len(lines) == 1, lines
    assert re.fullmatch(r"disk/site/\S+: error: cannot write: No space left on device", lines[0]), lines[0]
    assert tree(disk / "site") == before
    assert stagings(disk) == [], "the failed build's staging folder is removed"
    (disk / "filler").unlink()
    assert briefgen(project, "build", "-q", "--no-pdf", "-d", "disk/site") == (0, [])


def test_a_full_disk_while_pdfs_are_written_fails_in_one_line(project: Path, tmp_path: Path,
                                                             tmpfs: Callable) -> None:
    """The PDF cache lives in the project; its disk full, the build stops at the first brief it cannot keep."""
    disk = tmpfs(tmp_path / "disk", "4m")
    moved = disk / "project"
    shutil.copytree(project, moved)
    site = tmp_path / "out" / "site"
    assert briefgen(moved, "build", "-q", "--no-pdf", "-d", str(site)) == (0, [])
    before = tree(site)
    fill(disk, 16 << 10)  # not one brief fits
    status, lines = briefgen(moved, "build", "-q", "--pdf", "-d", str(site))
    assert status == 1
    assert len(lines) == 1, lines
    assert re.fullmatch(r"\.briefgen-cache/pdf/[0-9a-f]{64}\.pdf: error: cannot write: No space left on device",
                        lines[0]), lines[0]
    assert tree(site) == before


def test_a_read_only_disk_fails_in_one_line_and_keeps_the_previous_site(project: Path, tmpfs: Callable) -> None:
    disk = tmpfs(project / "disk", "8m")
    assert briefgen(project, "build", "-q", "--no-pdf", "-d", "disk/site") == (0, [])
    before = tree(disk / "site")
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
    status, lines = briefgen(project, "build", "-q", "--no-pdf", "-d", "disk/site")
    assert status == 1
    assert lines == ["disk: error: cannot write: Read-only file system (hint: a build writes its staging folder "
                     "beside site, then renames it)"]
    assert tree(disk / "site") == before
    status, lines = briefgen(project, "build", "-q", "--no-pdf", "-d", "disk/new/site")
    assert (status, lines) == (1, ["disk/new: error: cannot create folder: Read-only file system"])


def test_a_site_folder_name_too_long_is_one_line(project: Path) -> None:
    name = "s" * 300
    status, lines = briefgen(project, "build", "-q", "--no-pdf", "-d", name)
    assert (status, lines) == (1, [f"{name}: error: cannot use it as the site folder: File name too long"])
    assert stagings(project) == []


def test_a_swap_that_fails_halfway_puts_the_previous_site_back(project: Path, tmp_path: Path,
                                                               tmpfs: Callable) -> None:
    """A staging folder on another disk than the site: the old site moves aside, the new one cannot follow."""
    from briefgen.build.output import LOCK_NAME, replace

    assert briefgen(project, "build", "-q", "--no-pdf") == (0, [])
    site = project / "site"
    before = tree(site)
    staging = tmpfs(tmp_path / "other", "1m") / ".site-x"
    staging.mkdir()
    (staging / "index.html").write_text("new\n")
    (staging / LOCK_NAME).write_bytes(b"")
    with pytest.raises(OSError) as caught:
        replace(staging, site, None)
    assert caught.value.errno == errno.EXDEV  # a rename cannot cross file systems
    assert tree(site) == before


def test_a_keep_hidden_swap_that_fails_halfway_puts_back_what_it_moved(project: Path, tmpfs: Callable) -> None:
    """One built entry cannot be renamed (a mount point): the entries moved before it go back."""
    from briefgen.build.output import LOCK_NAME, Keep, replace

    assert briefgen(project, "build", "-q", "--no-pdf") == (0, [])
    site = project / "site"
    (site / ".git").mkdir()
    before = {k: v for k, v in tree(site).items() if k != ".briefgen-site"}
    staging = project / ".site-x"
    staging.mkdir()
    (staging / "404.html").write_text("new\n")  # moved in first (sorted), then put back
    tmpfs(staging / "assets", "1m")  # renaming a mount point fails
    (staging / LOCK_NAME).write_bytes(b"")
    with pytest.raises(OSError) as caught:
        replace(staging, site, Keep())
    assert caught.value.errno in (errno.EBUSY, errno.EXDEV), caught.value
    assert {k: v for k, v in tree(site).items() if k != ".briefgen-site"} == before
    assert (staging / "404.html").read_text() == "new\n"
