"""Quotes: find a citation's passage in its source's archived text (W3C TextQuoteSelector).

A quote matches where its words stand in the text in order, separated by any
whitespace; ``prefix`` and ``suffix`` pick one occurrence when it stands more than once.
The same search serves the check (is it there?) and the source page (highlight it).
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Collapse runs of whitespace to one space: the only liberty a quote may take."""
    return _SPACE.sub(" ", text).strip()


@lru_cache(maxsize=8192)
def _pattern(quote: str) -> re.Pattern[str]:
    return re.compile(r"\s+".join(re.escape(word) for word in quote.split()))


def find(text: str, quote: str, prefix: str | None = None, suffix: str | None = None) -> list[tuple[int, int]]:
    """Every (start, end) in ``text`` where the quote stands, with its prefix and suffix if given."""
    if not quote.split():
        return []
    spans = [m.span() for m in _pattern(quote).finditer(text)]
    before, after = normalise(prefix or ""), normalise(suffix or "")
    if before:
        spans = [(s, e) for s, e in spans if normalise(text[max(0, s - len(before) * 2 - 8) : s]).endswith(before)]
    if after:
        spans = [(s, e) for s, e in spans if normalise(text[e : e + len(after) * 2 + 8]).startswith(after)]
    return spans


@lru_cache(maxsize=1024)
def _normalised(text: str) -> str:
    return normalise(text)


def count(text: str, quote: str, prefix: str | None = None, suffix: str | None = None) -> int:
    """How many times the quote stands in ``text`` (with its prefix and suffix, if given).

    The fast path of the check: plain substring search in the whitespace-normalised text,
    normalised once per source; ``find`` gives positions in the original text for highlighting.
    """
    haystack = _normalised(text)
    needle = normalise(quote)
    if not needle:
        return 0
    before, after = normalise(prefix or ""), normalise(suffix or "")
    hits, at = 0, haystack.find(needle)
    while at >= 0:
        end = at + len(needle)
        ok = (not before or haystack[:at].rstrip().endswith(before)) and (
            not after or haystack[end:].lstrip().startswith(after))
        hits += ok
        at = haystack.find(needle, at + 1)
    return hits


def anchor(quote: str, prefix: str | None = None, suffix: str | None = None) -> str:
    """A stable anchor id for a quoted passage on its source page."""
    key = "\x1f".join((normalise(quote), normalise(prefix or ""), normalise(suffix or "")))
    return "q-" + hashlib.sha1(key.encode()).hexdigest()[:10]
