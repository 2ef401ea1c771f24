"""``briefgen build``: the whole site through MkDocs, written atomically.

The build goes into a staging folder beside ``site/`` and replaces it only when everything
succeeded, so a failed or interrupted build leaves the published site as it was; and it
replaces only a folder that a briefgen build made (:mod:`briefgen.build.output`). A failed read
or write ends the build with one line naming the path and the cause.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import signal
import threading
from pathlib import Path
from typing import Any

import jinja2
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import MkDocsException

from briefgen.build import output
from briefgen.build.core import BuildError, Settings
from briefgen.build.output import Keep
from briefgen.diagnostics import visible
from briefgen.mkdocs.options import settings
from briefgen.mkdocs.plugin import BriefgenPlugin
from briefgen.site.render import template_error

log = logging.getLogger("mkdocs")
said = logging.getLogger("mkdocs.briefgen")
"""briefgen's own one-line reports (a refused site folder, a failed read or write), printed as they are."""

_OS_ERROR_PAGE = re.compile(r"Error (?:building|reading) page '[^']*': \[Errno \d+\] ")
"""MkDocs' own line for a page it failed to write, before it raises the OSError that briefgen reports."""


class _Format(logging.Formatter):
    """Diagnostics as bare ``path:line:col`` lines; MkDocs' own messages as it prints them.

    Messages may quote content (titles, paths): controls are escaped (:func:`~briefgen.diagnostics.visible`),
    so that none reaches the terminal; briefgen's own lines stay one line each, MkDocs' keep their line breaks.
    """

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.name.startswith(("mkdocs.plugins.briefgen", said.name)):
            return visible(message.removeprefix("briefgen: "))
        return f"{record.levelname:<8}-  " + "\n".join(visible(line) for line in message.split("\n"))


def _not_an_os_error_page(record: logging.LogRecord) -> bool:
    return not (record.name == "mkdocs.commands.build" and _OS_ERROR_PAGE.match(record.getMessage()))


def _logging(quiet: bool) -> logging.Handler:
    handler = logging.StreamHandler()
    handler.setFormatter(_Format())
    handler.addFilter(_not_an_os_error_page)  # one failure, one line: briefgen's, which names the path
    log.addHandler(handler)
    log.setLevel(logging.WARNING if quiet else logging.INFO)
    return handler


class _Stopped(BaseException):
    """SIGTERM arrived: unwind the build, so that its staging folder and workers go with it."""


def _stop(signum: int, frame: object) -> None:
    raise _Stopped


def build_site(config_file: Path, *, strict: bool = False, quiet: bool = False, edition: str | None = None,
               site_dir: Path | None = None, pdf: bool | None = None, keep: Keep | None = None,
               offline: bool = False) -> int:
    """Build the site described by ``config_file``; return an exit status (0 ok, 1 failed).

    ``keep``: replace only the site folder's entries it does not keep (see :class:`briefgen.build.output.Keep`).
    ``offline``: the offline edition (:mod:`briefgen.site.offline`), which works opened from files.
    A SIGTERM stops the build, removes what it wrote and ends the process by that signal.
    """
    handler = _logging(quiet)
    published: list[bool] = []  # filled once the new site is in place
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _stop) if main else None
    try:
        return _build(config_file, strict=strict, edition=edition, site_dir=site_dir, pdf=pdf, keep=keep,
                      published=published, offline=offline)
    except _Stopped:
        said.error("error: the build was stopped (SIGTERM); %s", "the new site was already in place" if published
                   else "the previous site is untouched")
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous)
        log.removeHandler(handler)
    os.kill(os.getpid(), signal.SIGTERM)  # end as the signal asked, now that nothing is left behind
    return 128 + signal.SIGTERM  # pragma: no cover - only where SIGTERM is caught by someone else


def _build(config_file: Path, *, strict: bool, edition: str | None, site_dir: Path | None,
           pdf: bool | None, keep: Keep | None, published: list[bool], offline: bool) -> int:
    overrides = {"site_dir": str(site_dir)} if site_dir else {}
    config = load_config(str(config_file), strict=strict, **overrides)
    plugin = config.plugins.get("briefgen")
    if isinstance(plugin, BriefgenPlugin):  # the command line's options, over mkdocs.yml's
        options = {"edition": edition, "pdf": pdf, "offline": offline or None}
        plugin.overrides = {k: v for k, v in options.items() if v is not None}
    given = Path(config.site_dir)
    try:
        target = output.site_folder(given)
        output.check(target, keep)
    except output.Refused as exc:
        said.error("%s", exc)
        return 1
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        said.error("%s", output.io_error(exc.filename or target.parent, "create folder", exc))
        return 1
    output.sweep(target.parent)
    try:
        staging = output.Staging(target.parent)
    except OSError as exc:
        said.error("%s (hint: a build writes its staging folder beside %s, then renames it)",
                  output.io_error(target.parent, "write", exc), given.name)
        return 1
    try:
        return _build_into(config, staging.folder, target, keep, published)
    finally:
        staging.close()


def _build_into(config: MkDocsConfig, staging: Path, target: Path, keep: Keep | None,
                published: list[bool]) -> int:
    """Build into ``staging``, then put it in place of ``target`` (and say so in ``published``)."""
    config.site_dir = str(staging)
    try:
        config.plugins.on_startup(command="build", dirty=False)
        try:
            mkdocs_build(config)
        finally:
            config.plugins.on_shutdown()
    except jinja2.TemplateError as exc:
        return _failed(template_error(exc))
    except MkDocsException as exc:
        return _failed(str(exc))
    except OSError as exc:
        said.error("%s", _os_error(exc, staging, target))
        return 1
    try:
        with output.signals_held():  # a SIGTERM during the swap arrives after it, when published says so
            skipped = output.replace(staging, target, keep)
            published.append(True)
    except output.Refused as exc:
        said.error("%s", exc)
        return 1
    except OSError as exc:
        said.error("%s", output.io_error(target, "replace", exc))
        return 1
    for name in skipped:
        said.warning("%s: warning: kept as it was (--keep-hidden, --keep); the build's own '%s' is not published",
                    output.shown(target / name), name)
    return 0


def _failed(message: str) -> int:
    log.error("%s", message)
    log.error("the previous site/ is untouched")
    return 1


_WRITING = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG})


def _os_error(exc: OSError, staging: Path, target: Path) -> str:
    """One line for a read or write that failed during the build, naming the file as the site will hold it."""
    names: list[Any] = [n for n in (exc.filename2, exc.filename) if n is not None]  # a copy: (source, target)
    if not names:
        return output.io_error(target, "write", exc)  # a write() without a name: into the site, being written
    paths = [Path(os.fsdecode(n)) for n in names]
    for path in paths:
        if path.is_relative_to(staging):
            return output.io_error(target / path.relative_to(staging), "write", exc)
    return output.io_error(paths[-1], "write" if exc.errno in _WRITING else "open", exc)


def load_settings(config_file: Path, **overrides: Any) -> Settings:
    """The core build's settings from a project's mkdocs.yml, with ``overrides`` (None: as configured) over the
    plugin's options; BuildError when mkdocs.yml does not enable briefgen or names a bad edition."""
    config = load_config(str(config_file))
    plugin = config.plugins.get("briefgen")
    if not isinstance(plugin, BriefgenPlugin):
        raise BuildError(f"{config_file} does not enable the briefgen plugin")
    options = {**plugin.config, **{k: v for k, v in overrides.items() if v is not None}}
    return settings(config, options)
