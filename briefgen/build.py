"""``briefgen build``: the whole site through MkDocs, written atomically.

The build goes into a temporary folder beside ``site/`` and replaces it only when
everything succeeded, so a failed or interrupted build leaves the published site as it was.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import IO

import jinja2
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException

from briefgen.diagnostics import visible
from briefgen.render import template_error


class _Format(logging.Formatter):
    """Diagnostics as bare ``path:line:col`` lines; MkDocs' own messages as it prints them.

    Messages may quote content (titles, paths): controls are escaped (:func:`~briefgen.diagnostics.visible`),
    so that none reaches the terminal; briefgen's own lines stay one line each, MkDocs' keep their line breaks.
    """

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.name.startswith("mkdocs.plugins.briefgen"):
            return visible(message.removeprefix("briefgen: "))
        return f"{record.levelname:<8}-  " + "\n".join(visible(line) for line in message.split("\n"))


def _logging(quiet: bool) -> logging.Handler:
    handler = logging.StreamHandler()
    handler.setFormatter(_Format())
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING if quiet else logging.INFO)
    return handler


def build_site(config_file: Path, *, strict: bool = False, quiet: bool = False, edition: str | None = None,
               site_dir: Path | None = None, pdf: bool | None = None, offline: bool = False) -> int:
    """Build the site described by ``config_file``; return an exit status (0 ok, 1 failed).

    ``offline``: the offline edition (:mod:`briefgen.offline`), which works opened from files.
    """
    handler = _logging(quiet)
    try:
        return _build(config_file, strict=strict, edition=edition, site_dir=site_dir, pdf=pdf, offline=offline)
    finally:
        logging.getLogger("mkdocs").removeHandler(handler)


def _build(config_file: Path, *, strict: bool, edition: str | None, site_dir: Path | None,
           pdf: bool | None, offline: bool) -> int:
    overrides = {"site_dir": str(site_dir)} if site_dir else {}
    config = load_config(str(config_file), strict=strict, **overrides)
    plugin = config.plugins.get("briefgen")
    if plugin is not None:
        if edition is not None:
            plugin.config.edition = edition
        if pdf is not None:
            plugin.config.pdf = pdf
        if offline:
            plugin.config.offline = True
    target = Path(config.site_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    _sweep(target.parent)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=target.parent))
    lock = _hold(staging)
    try:
        config.site_dir = str(staging)
        config.plugins.on_startup(command="build", dirty=False)
        try:
            mkdocs_build(config)
        finally:
            config.plugins.on_shutdown()
        (staging / LOCK_NAME).unlink()
        _swap(staging, target)
    except jinja2.TemplateError as exc:
        logging.getLogger("mkdocs").error("%s", template_error(exc))
        logging.getLogger("mkdocs").error("the previous site/ is untouched")
        return 1
    except MkDocsException as exc:
        logging.getLogger("mkdocs").error("%s", exc)
        logging.getLogger("mkdocs").error("the previous site/ is untouched")
        return 1
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
        lock.close()
    return 0


STAGING_PREFIX = ".site-"
LOCK_NAME = ".briefgen-build.lock"
"""Held (flock) by a running build inside its staging folder; a folder whose lock nobody holds is left over."""


def _hold(staging: Path) -> IO[bytes]:
    handle = open(staging / LOCK_NAME, "wb")  # noqa: SIM115 - held for the whole build
    fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


def _sweep(parent: Path) -> None:
    """Remove staging folders left by builds that were killed (their lock is free), never a running one's."""
    for folder in parent.glob(f"{STAGING_PREFIX}*"):
        lock = folder / LOCK_NAME
        if not folder.is_dir() or folder.is_symlink() or not lock.is_file():
            continue  # not ours, or a replaced site still being deleted
        with open(lock, "rb") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # a build is running in it
        shutil.rmtree(folder, ignore_errors=True)


def _remove_later(folder: Path) -> None:
    """Delete the replaced site without making the build wait for the disk (a detached ``rm``)."""
    rm = shutil.which("rm")
    if rm is None:
        shutil.rmtree(folder, ignore_errors=True)
        return
    subprocess.Popen([rm, "-rf", "--", str(folder)], start_new_session=True, stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _swap(staging: Path, target: Path) -> None:
    """Put ``staging`` in place of ``target`` with renames only (each atomic)."""
    os.chmod(staging, 0o755)
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=".site-old-", dir=target.parent))
        old.rmdir()
        target.rename(old)
        staging.rename(target)
        _remove_later(old)
    else:
        staging.rename(target)
