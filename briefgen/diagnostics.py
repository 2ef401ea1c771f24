"""Diagnostics: one problem in content, printed as ``path:line:col: severity: message``."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


def dotted(loc: tuple[str | int, ...]) -> str:
    """Show a data path the way editors read it: ``claims[2].sources[0].quote``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def count_noun(n: int, singular: str, plural: str | None = None) -> str:
    """``1 source``, ``2 sources`` (``plural`` where adding an s will not do: ``2 entries``)."""
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


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
        """Render as one line, the way compilers do, so editors can jump to it.

        Paths and messages quote what is in the content (file names, values), which may hold
        line breaks or terminal controls: each is shown escaped (``\n``, ``\x1b``, ``\u202e``), so a
        diagnostic is always exactly one line and nothing in the content drives the terminal.
        A problem with a whole file or folder (it cannot be read) has no line: ``path: error: …``.
        """
        where = f"{visible(self.path)}:{self.line}:{self.col}" if self.line else visible(self.path)
        text = f"{where}: {self.severity.value}: {visible(self.message)}"
        if self.hint:
            text += f" (hint: {visible(self.hint)})"
        return text


BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""Embeddings, overrides and isolates (and their ends): they reorder the text around them."""
_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029" + BIDI_CONTROLS + "]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match[0]
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def visible(text: str) -> str:
    """Text on one line with nothing a terminal acts on: control characters, line and paragraph
    separators and bidirectional controls are written as escapes (``\\n``, ``\\x1b``, ``\\u202e``)."""
    return _INVISIBLE.sub(_escape, text)


def unicode_name(char: str) -> str:
    """A character's code point and name, for messages: ``U+202E RIGHT-TO-LEFT OVERRIDE``."""
    name = unicodedata.name(char, None)
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")


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
