"""Git-aware history of content files: when each one last changed, and the commits that changed it.

``collect(folder)`` reads the history of every file under a folder with ONE ``git log
--name-only`` call (not one process per file). Without git, outside a repository, or
on any git failure it returns nothing, never an error: history is a courtesy, not a
requirement of a build.

Dates are UTC days. When ``SOURCE_DATE_EPOCH`` is set (reproducible builds), no date
later than it is ever shown: later commit dates are clamped to it, so a build of the
same tree at the same epoch prints the same pages.

In a shallow clone (CI checkouts default to depth 1) the oldest commit fetched lists
every file as if it had just been added; its entries are dropped so that no page
claims a change that did not happen there. Fetch the full history (``fetch-depth: 0``)
to show it.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from briefgen.check import dates

LIMIT = 20
"""Commits kept per file (newest first)."""

TIMEOUT = 30.0
"""Seconds git may take before history is given up (the build goes on without it)."""

_RECORD, _FIELD = "\x1e", "\x1f"
_FORMAT = f"{_RECORD}%h{_FIELD}%cI{_FIELD}%P{_FIELD}%s"


@dataclass(frozen=True, slots=True)
class Change:
    """One commit that changed a file: its UTC day (ISO and as people write it), short hash, subject."""

    date: str
    when: str
    commit: str
    subject: str


def epoch() -> dt.datetime | None:
    """``SOURCE_DATE_EPOCH`` as an aware datetime, or None when unset or not a number of seconds."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value.isdigit():
        return None
    return dt.datetime.fromtimestamp(int(value), dt.UTC)


def _day(stamp: str, limit: dt.datetime | None) -> str | None:
    """The UTC day of a git ISO 8601 date, clamped to ``limit``; None if git wrote something else."""
    try:
        when = dt.datetime.fromisoformat(stamp.strip())
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    if limit is not None and when > limit:
        when = limit
    return when.astimezone(dt.UTC).date().isoformat()


def _change(day: str, commit: str, subject: str) -> Change:
    return Change(day, dates.human(day), commit, subject.strip())


def _git(args: list[str], cwd: Path) -> str | None:
    """Output of a git command run in ``cwd``, or None when git is missing, fails or is not in a repository."""
    if not cwd.is_dir():
        return None
    env = dict(os.environ)
    env.setdefault("GIT_OPTIONAL_LOCKS", "0")  # reading history must never take the index lock
    try:
        done = subprocess.run(
            ["git", "-c", "core.quotePath=false", "-c", "log.showSignature=false", *args],
            cwd=cwd, env=env, capture_output=True, timeout=TIMEOUT, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", errors="replace")


def _shallow(cwd: Path) -> bool:
    return (_git(["rev-parse", "--is-shallow-repository"], cwd) or "").strip() == "true"


def collect(folder: Path, *, limit: int = LIMIT) -> dict[str, tuple[Change, ...]]:
    """History of every file under ``folder``, keyed by its POSIX path relative to ``folder``.

    One ``git log --name-only`` call covers them all; each file keeps its ``limit`` newest
    commits. Files never committed are absent. Empty when there is no git or no repository.
    """
    out = _git(["log", "-z", "--name-only", "--relative", "--no-renames", f"--format={_FORMAT}", "--", "."],
               folder)
    if not out:
        return {}
    shallow = _shallow(folder)
    limit_at = epoch()
    found: dict[str, list[Change]] = {}
    for record in out.split(_RECORD):
        if not record.strip("\0\n"):
            continue
        header, _, names = record.partition("\0")
        fields = header.split(_FIELD)
        if len(fields) != 4:
            continue
        commit, stamp, parents, subject = fields
        if shallow and not parents.strip():
            continue  # the boundary of a shallow clone: it "adds" every file
        day = _day(stamp, limit_at)
        if day is None:
            continue
        change = _change(day, commit, subject)
        for name in names.split("\0"):
            name = name.strip("\n")
            if not name:
                continue
            changes = found.setdefault(name, [])
            if len(changes) < limit:
                changes.append(change)
    return {name: tuple(changes) for name, changes in found.items()}


def merged(*histories: Iterable[Change], limit: int = LIMIT) -> tuple[Change, ...]:
    """Several files' histories as one (a source's fact file and its archived text): newest first, once each."""
    seen: dict[str, Change] = {}
    for history in histories:
        for change in history:
            seen.setdefault(change.commit, change)
    return tuple(sorted(seen.values(), key=lambda c: c.date, reverse=True)[:limit])


def by_entity(content: Path, entities: Iterable[tuple[str, str, str]],
              found: Mapping[str, tuple[Change, ...]] | None = None) -> dict[str, tuple[Change, ...]]:
    """History of each entity, keyed by id, from ``(id, kind name, kind folder)`` triples.

    A source's history joins its fact file's and its archived text's. Entities without
    history are left out.
    """
    found = collect(content) if found is None else found
    if not found:
        return {}
    out: dict[str, tuple[Change, ...]] = {}
    for entity_id, kind, folder in entities:
        files = [f"{folder}/{entity_id}.yaml"] + ([f"{folder}/{entity_id}.txt"] if kind == "source" else [])
        changes = merged(*(found.get(f, ()) for f in files))
        if changes:
            out[entity_id] = changes
    return out
