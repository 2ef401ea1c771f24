"""The site folder: what a build may replace, and how it replaces it.

A build replaces only a folder that a briefgen build made. Every built site holds a
marker file, :data:`MARKER`; before anything is written the site folder must be absent,
empty, or marked. A build into a folder that must keep entries of its own (a git
checkout published with GitHub Pages: ``.git``, ``.nojekyll``, ``CNAME``) replaces only
the entries it does not keep (:class:`Keep`), and then the folder needs no marker for
its first build as long as it holds kept entries only.

The site is built in a staging folder beside the site folder (same file system, so that
renames work), locked while the build runs; a staging folder whose lock nobody holds was
left by a build that was killed and is swept by the next one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from briefgen import __version__

MARKER = ".briefgen-site"
"""In every site a build wrote; a folder without it is never replaced."""

MARKER_TEXT = """\
This folder is a site built by briefgen {version}.

`briefgen build` replaces this folder as a whole at its next build (with --keep-hidden,
every entry whose name does not start with "."). It refuses to replace a folder that
does not hold this file: delete the file to keep briefgen from replacing the folder.
"""

STAGING_PREFIX = ".site-"
"""Staging folders (and replaced sites being deleted) are made beside the site folder with this prefix."""

LOCK_NAME = ".briefgen-build.lock"
"""Held (flock) by a running build inside its staging folder; a folder whose lock nobody holds is left over."""


class Refused(Exception):
    """The site folder is not one briefgen may replace; the message is one line naming it."""


@dataclass(frozen=True)
class Keep:
    """Entries of the site folder a build leaves as they are (and does not need to have made).

    Attributes:
        hidden: every entry whose name starts with ``.`` (but briefgen's own marker).
        names: further entries, by exact name (``CNAME``).
    """

    hidden: bool = True
    names: tuple[str, ...] = ()

    def __call__(self, name: str) -> bool:
        return name != MARKER and ((self.hidden and name.startswith(".")) or name in self.names)


def shown(path: Path) -> str:
    """A path as the user sees it: relative to the working folder when it lies inside it (links not followed)."""
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def io_error(path: Path | str | None, doing: str, exc: OSError) -> str:
    """One line for a failed read or write: ``path: error: cannot write: No space left on device``."""
    cause = exc.strerror or str(exc)
    if path is None:
        return f"error: cannot {doing}: {cause}"
    return f"{shown(Path(path))}: error: cannot {doing}: {cause}"


def site_folder(path: Path) -> Path:
    """Where the site goes: ``path``, or the folder a symbolic link ``path`` names (the link stays).

    Raises:
        Refused: ``path`` is a link to nothing, or cannot be looked at.
    """
    try:
        if not stat.S_ISLNK(os.lstat(path).st_mode):
            return path
    except FileNotFoundError:
        return path
    except OSError as exc:  # a name too long, a path through a file
        raise Refused(io_error(path, "use it as the site folder", exc)) from None
    target = Path(os.path.realpath(path))
    if not target.exists():
        raise Refused(f"{shown(path)}: error: is a symbolic link to {target}, which does not exist "
                      "(hint: create that folder, or remove the link)")
    return target


def check(target: Path, keep: Keep | None, option: str = "--site-dir") -> None:
    """Refuse a site folder that a build may not replace (``keep``: the entries it would leave).

    May be replaced: a folder that does not exist; an empty one; one marked as a built site
    that holds no entry briefgen did not make — hidden entries are not its own, so they must
    be kept. Refused: anything that is not a folder, and a folder holding entries that
    would be deleted and that no briefgen build made.

    Raises:
        Refused: one line naming the folder, why, and what to do.
    """
    where = shown(target)
    try:
        os.lstat(target)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise Refused(io_error(target, "use it as the site folder", exc)) from None
    if not target.is_dir():
        raise Refused(f"{where}: error: is a file, not a site folder; briefgen replaces only folders it built "
                      f"(hint: move the file away, or choose another {option})")
    try:
        entries = sorted(os.listdir(target))
    except OSError as exc:
        raise Refused(io_error(target, "read folder", exc)) from None
    marked = (target / MARKER).is_file() and not (target / MARKER).is_symlink()
    replaced = [e for e in entries if e != MARKER and (keep is None or not keep(e))]
    if not replaced:
        return
    foreign = replaced if not marked else [e for e in replaced if e.startswith(".")]
    if not foreign:
        return
    names = ", ".join(f"'{e}'" for e in foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
    if keep is None and all(e.startswith(".") for e in foreign):
        hint = "to publish into a git checkout, keeping its hidden entries, build with --keep-hidden"
    elif marked:
        hint = f"move it away, or choose another {option}"
    elif (target / "assets" / "briefgen.css").is_file():
        hint = "it looks like a site an earlier briefgen built, before sites were marked: remove it once"
    else:
        hint = (f"choose another {option}, or empty the folder"
                + ("; to publish into a git checkout, keeping its hidden entries, build with --keep-hidden"
                   if keep is None else ""))
    why = "" if marked else f" (no {MARKER}: not a site briefgen built)"
    raise Refused(f"{where}: error: holds {names}, which briefgen did not make{why}; "
                  f"refusing to replace it (hint: {hint})")


def mark(folder: Path) -> None:
    """Write the marker that makes ``folder`` a site briefgen built."""
    (folder / MARKER).write_text(MARKER_TEXT.format(version=__version__), encoding="utf-8")


# --- staging -----------------------------------------------------------------------------


class Staging:
    """A locked staging folder in ``parent``, removed (if still there) by :meth:`close`."""

    def __init__(self, parent: Path) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=parent))
        try:
            self._lock = _hold(self.folder)
        except OSError:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise

    def close(self) -> None:
        if self.folder.exists():
            shutil.rmtree(self.folder, ignore_errors=True)
        self._lock.close()


def _hold(folder: Path) -> IO[bytes]:
    handle = open(folder / LOCK_NAME, "wb")  # noqa: SIM115 - held for the whole build
    fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


def sweep(parent: Path) -> None:
    """Remove staging folders left by builds that were killed (their lock is free), never a running one's.

    A folder is taken for briefgen's only when it is a real folder named ``.site-…`` that holds
    briefgen's lock file; anything else is left alone.
    """
    for folder in parent.glob(f"{STAGING_PREFIX}*"):
        lock = folder / LOCK_NAME
        if folder.is_symlink() or not folder.is_dir() or lock.is_symlink() or not lock.is_file():
            continue  # not ours, or a finished build's staging folder while it becomes the site
        try:
            with open(lock, "rb") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue  # a build is running in it (or the lock cannot be read: leave it)
        shutil.rmtree(folder, ignore_errors=True)


# --- replacing the site ------------------------------------------------------------------


def replace(staging_folder: Path, target: Path, keep: Keep | None) -> tuple[str, ...]:
    """Put the built site in ``staging_folder`` in place of ``target``; return the built entries not published.

    Without ``keep``: two renames (the old site aside, the new one in), each atomic; a
    failure between them puts the old site back. With ``keep``: the marker first (so the
    folder is marked throughout), then each entry not kept is moved aside and each built
    one moved in — a rename each, not one for the whole; a failure puts back what was
    moved. A built entry with a kept name is not published (the folder's own one stays):
    those names are returned. SIGTERM, SIGINT and SIGHUP wait until the renames are done.

    Raises:
        Refused: ``target`` changed during the build into a folder briefgen may not replace.
        OSError: a rename failed.
    """
    os.chmod(staging_folder, 0o755)
    mark(staging_folder)
    (staging_folder / LOCK_NAME).unlink()  # the folder becomes the site: no longer a staging folder to sweep
    check(target, keep)  # again: the folder may have changed while the site was built
    trash = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}old-", dir=target.parent))
    lock = _hold(trash)  # swept by a later build, were the deletion below to be killed
    try:
        with signals_held():
            if keep is None or not target.exists():
                _swap(staging_folder, target, trash / "site")
                return ()
            return _swap_entries(staging_folder, target, trash / "site", keep)
    finally:
        lock.close()
        _remove_later(trash)


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGTERM, SIGINT and SIGHUP until the block ends: a swap is a few renames, never left half done
    (nesting is fine: the outermost block lets them in)."""
    held = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP}
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _swap(staging_folder: Path, target: Path, old: Path) -> None:
    """The old site to ``old``, the new one in its place: two renames; the old site back if the second fails."""
    if os.path.lexists(target):
        target.rename(old)
    try:
        staging_folder.rename(target)
    except BaseException:
        if os.path.lexists(old):
            old.rename(target)
        raise


def _swap_entries(staging_folder: Path, target: Path, old: Path, keep: Keep) -> tuple[str, ...]:
    """Replace the entries of ``target`` that ``keep`` does not keep by the built ones, one rename each.

    The marker goes first, so the folder is marked throughout; a failed rename puts back what was moved.
    """
    old.mkdir()
    os.replace(staging_folder / MARKER, target / MARKER)
    moved_out: list[str] = []
    moved_in: list[str] = []
    skipped: list[str] = []
    try:
        for name in sorted(os.listdir(target)):
            if name != MARKER and not keep(name):
                (target / name).rename(old / name)
                moved_out.append(name)
        for name in sorted(os.listdir(staging_folder)):
            if keep(name):
                skipped.append(name)
            else:
                (staging_folder / name).rename(target / name)
                moved_in.append(name)
    except BaseException:
        for name in moved_in:
            with contextlib.suppress(OSError):
                (target / name).rename(staging_folder / name)
        for name in moved_out:
            with contextlib.suppress(OSError):
                (old / name).rename(target / name)
        raise
    return tuple(skipped)


def _remove_later(trash: Path) -> None:
    """Delete a replaced site without making the build wait for the disk (a detached ``rm``).

    The old site goes first and the lock file last, so that a deletion cut short still leaves
    a folder the next build's :func:`sweep` recognises.
    """
    rm = shutil.which("rm")
    if rm is None:
        shutil.rmtree(trash, ignore_errors=True)
        return
    subprocess.Popen([rm, "-rf", "--", str(trash / "site"), str(trash)], start_new_session=True,
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
