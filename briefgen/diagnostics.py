"""Diagnostics: one problem in content, printed as ``path:line:col: severity: message``."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How bad a problem is: errors fail the check, warnings are reported."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, order=True)
class Diagnostic:
    """One problem at one place in one file (line and column are 1-based; both 0 for a problem with no
    place in the file, such as a file or folder that cannot be read)."""

    path: str
    line: int
    col: int
    severity: Severity
    message: str
    hint: str | None = None

    def format(self) -> str:
        """Render as one line, the way compilers do, so editors can jump to it."""
        where = f"{self.path}:{self.line}:{self.col}" if self.line else self.path
        text = f"{where}: {self.severity.value}: {self.message}"
        if self.hint:
            text += f" (hint: {self.hint})"
        return text


def error(path: str, line: int, col: int, message: str, hint: str | None = None) -> Diagnostic:
    """Build an error diagnostic."""
    return Diagnostic(path, line, col, Severity.ERROR, message, hint)


def warning(path: str, line: int, col: int, message: str, hint: str | None = None) -> Diagnostic:
    """Build a warning diagnostic."""
    return Diagnostic(path, line, col, Severity.WARNING, message, hint)


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """Suggest the closest candidate to a misspelt word, as a hint, or None."""
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f"did you mean '{matches[0]}'?" if matches else None


def with_article(noun: str) -> str:
    """The noun with 'a' or 'an' before it, by its first letter: 'an actor', 'a place'."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def count(diagnostics: Iterable[Diagnostic], severity: Severity) -> int:
    """Count diagnostics of one severity."""
    return sum(1 for d in diagnostics if d.severity is severity)
