"""Quotes: find a citation's passage in its source's archived text (W3C TextQuoteSelector).

A quote matches where its words stand in the text in order, separated by any
whitespace; ``prefix`` and ``suffix`` pick one occurrence when it stands more than once.
Each source text is normalised once (runs of whitespace → one space), so the check
(``count``) and the source page's highlighting (``find``) are the same substring search
and cannot disagree; highlighting maps what it finds back to the original offsets, word
by word (a map the check never needs, so it is made only for highlighting).
"""

from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

_WORD = re.compile(r"\S+")


def normalise(text: str) -> str:
    """Collapse runs of whitespace to one space: the only liberty a quote may take."""
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class _Index:
    """Where each word of a text starts, in the text and in its normalised version."""

    norm_starts: tuple[int, ...]
    orig_starts: tuple[int, ...]

    def original(self, at: int) -> int:
        """Offset in the original text of the character at ``at`` in the normalised one (never a space)."""
        word = bisect.bisect_right(self.norm_starts, at) - 1
        return self.orig_starts[word] + (at - self.norm_starts[word])


@lru_cache(maxsize=1 << 16)  # one per source text: a smaller cache thrashes on large corpora
def _normalised(text: str) -> str:
    return normalise(text)


@lru_cache(maxsize=1 << 16)  # only for highlighting (``find``): checking needs the normalised text alone
def _index(text: str) -> _Index:
    norm_starts, orig_starts, position = [], [], 0
    for match in _WORD.finditer(text):  # the words of normalise(text): re's \S and str.split agree
        norm_starts.append(position)
        orig_starts.append(match.start())
        position += match.end() - match.start() + 1
    return _Index(tuple(norm_starts), tuple(orig_starts))


def _occurrences(text: str, quote: str, prefix: str | None, suffix: str | None) -> list[tuple[int, int]]:
    """(start, end) of each occurrence in the normalised text, with its prefix and suffix if given."""
    haystack = _normalised(text)
    needle = normalise(quote)
    if not needle:
        return []
    before = normalise(prefix) if prefix else ""
    after = normalise(suffix) if suffix else ""
    found, at = [], haystack.find(needle)
    while at >= 0:
        end = at + len(needle)
        ok = (not before or haystack[max(0, at - len(before) - 1) : at].rstrip().endswith(before)) and (
            not after or haystack[end : end + len(after) + 1].lstrip().startswith(after))
        if ok:
            found.append((at, end))
        at = haystack.find(needle, at + 1)
    return found


def count(text: str, quote: str, prefix: str | None = None, suffix: str | None = None) -> int:
    """How many times the quote stands in ``text`` (with its prefix and suffix, if given)."""
    return len(_occurrences(text, quote, prefix, suffix))


def find(text: str, quote: str, prefix: str | None = None, suffix: str | None = None) -> list[tuple[int, int]]:
    """Every (start, end) in the original ``text`` where the quote stands, with its prefix and suffix if given."""
    index = _index(text)
    return [(index.original(a), index.original(b - 1) + 1) for a, b in _occurrences(text, quote, prefix, suffix)]


def anchor(quote: str, prefix: str | None = None, suffix: str | None = None) -> str:
    """A stable anchor id for a quoted passage on its source page."""
    key = "\x1f".join((normalise(quote), normalise(prefix or ""), normalise(suffix or "")))
    return "q-" + hashlib.sha1(key.encode()).hexdigest()[:10]
