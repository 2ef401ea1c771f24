"""Quotes: find a citation's passage in its source's archived text (W3C TextQuoteSelector).

A quote matches where its words stand in the text in order, whole, separated by any
whitespace; ``prefix`` and ``suffix`` pick one occurrence when it stands more than once.

The rules, the same for the check and for highlighting:

* **Unicode NFC.** Text, quote, prefix and suffix are compared in Normalization Form C,
  so a quote typed with a combining accent (NFD, ``e`` + U+0301) matches a text holding
  the precomposed letter (``é``), and the other way round. Nothing else is folded:
  curly and straight quotation marks, dashes and hyphens, letters of other scripts that
  look alike, soft hyphens and zero-width characters must be as in the text.
* **Whitespace.** Every run of whitespace counts as one space. Whitespace is what
  ``str.isspace`` says it is (and ``str.split`` splits on): the space, tabs and line
  breaks, but also the no-break spaces U+00A0, U+2007 and U+202F and the other Unicode
  spaces, because they are layout, not wording. Zero-width characters (U+200B, U+2060,
  U+FEFF) are not whitespace, and neither is the soft hyphen (U+00AD).
* **Word boundaries.** A quote, and its prefix and suffix, start and end on word
  boundaries of the text: ``armed observers`` does not stand in "unarmed observers".
  A boundary matters only where a word character of the quote meets a word character
  of the text (a letter, a digit, ``_`` or a combining mark), so a quote may begin with
  “ or end with "." and be found after or before anything.

Each source text is normalised once (NFC, then runs of whitespace → one space), so the
check (``count``) and the source page's highlighting (``find``) are the same search and
cannot disagree; highlighting maps what it finds back to the original offsets, word by
word, and inside a word that NFC changes, character cluster by cluster (a map the check
never needs, so it is made only for highlighting).

When a quote is not found, :func:`part_of_word`, :func:`lookalike` and
:func:`closest_passage` say what stands in the text instead, for the check's hint. They
work on the same normalised text and only for quotes that failed.
"""

from __future__ import annotations

import bisect
import difflib
import hashlib
import itertools
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from briefgen.diagnostics import count_noun

_WORD = re.compile(r"\S+")  # re's \S and str.split agree on what whitespace is


def normalise(text: str) -> str:
    """NFC, with runs of whitespace collapsed to one space: the only liberties a quote may take."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def is_word_character(char: str) -> bool:
    """A letter, digit, ``_`` or combining mark: where two of them meet, there is no word boundary."""
    return char.isalnum() or char == "_" or unicodedata.category(char)[0] == "M"


def _boundary(text: str, at: int) -> bool:
    """Whether ``at`` (between ``text[at - 1]`` and ``text[at]``) is a word boundary."""
    return at <= 0 or at >= len(text) or not (is_word_character(text[at - 1]) and is_word_character(text[at]))


# --- the check and highlighting -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Index:
    """Pieces of the normalised text and where each stands in the original one.

    A piece is a word, or, inside a word that NFC changes, one cluster of characters
    (a letter and its combining marks). Pieces map character by character, except those
    NFC changes: ``changed`` holds the original end of each of those (by piece number).
    """

    norm_starts: tuple[int, ...]
    orig_starts: tuple[int, ...]
    changed: Mapping[int, int]

    def start(self, at: int) -> int:
        """Offset in the original text where the character at ``at`` in the normalised one starts (never a space)."""
        piece = bisect.bisect_right(self.norm_starts, at) - 1
        if piece in self.changed:
            return self.orig_starts[piece]
        return self.orig_starts[piece] + (at - self.norm_starts[piece])

    def end(self, at: int) -> int:
        """Offset in the original text just after the character at ``at`` in the normalised one."""
        piece = bisect.bisect_right(self.norm_starts, at) - 1
        if piece in self.changed:
            return self.changed[piece]
        return self.orig_starts[piece] + (at - self.norm_starts[piece]) + 1


@lru_cache(maxsize=1 << 16)  # one per source text: a smaller cache thrashes on large corpora
def _normalised(text: str) -> str:
    return normalise(text)


def _clusters(word: str) -> list[tuple[int, str]]:
    """A word cut where NFC cannot join or reorder characters: (offset, characters) of each cluster."""
    clusters: list[tuple[int, str]] = []
    for at, char in enumerate(word):
        if clusters:
            start, chars = clusters[-1]
            joined = unicodedata.normalize("NFC", chars + char)
            if unicodedata.combining(char) or joined != unicodedata.normalize("NFC", chars) + unicodedata.normalize(
                    "NFC", char):
                clusters[-1] = (start, chars + char)
                continue
        clusters.append((at, char))
    return clusters


@lru_cache(maxsize=1 << 16)  # only for highlighting (``find``): checking needs the normalised text alone
def _index(text: str) -> _Index:
    norm_starts: list[int] = []
    orig_starts: list[int] = []
    changed: dict[int, int] = {}
    position = 0
    nfc = unicodedata.is_normalized("NFC", text)  # then no word needs looking at
    for match in _WORD.finditer(text):  # the words of normalise(text): NFC never makes or unmakes whitespace
        word = match.group()
        if nfc or unicodedata.is_normalized("NFC", word):
            pieces = [(0, word, word)]
        else:
            pieces = [(at, chars, unicodedata.normalize("NFC", chars)) for at, chars in _clusters(word)]
            if "".join(p[2] for p in pieces) != unicodedata.normalize("NFC", word):
                pieces = [(0, word, unicodedata.normalize("NFC", word))]  # not cut where it should be: one piece
        for at, chars, norm in pieces:
            if chars != norm:
                changed[len(norm_starts)] = match.start() + at + len(chars)
            norm_starts.append(position)
            orig_starts.append(match.start() + at)
            position += len(norm)
        position += 1
    return _Index(tuple(norm_starts), tuple(orig_starts), changed)


def _has_prefix(haystack: str, at: int, before: str) -> bool:
    """Whether ``before`` ends just before ``at`` (a space between allowed) and starts on a word boundary."""
    stop = at - 1 if at and haystack[at - 1] == " " else at
    start = stop - len(before)
    return start >= 0 and haystack.startswith(before, start) and _boundary(haystack, start)


def _has_suffix(haystack: str, end: int, after: str) -> bool:
    """Whether ``after`` starts just after ``end`` (a space between allowed) and ends on a word boundary."""
    start = end + 1 if end < len(haystack) and haystack[end] == " " else end
    return haystack.startswith(after, start) and _boundary(haystack, start + len(after))


def _occurrences(text: str, quote: str, prefix: str | None, suffix: str | None) -> list[tuple[int, int]]:
    """(start, end) of each occurrence in the normalised text, on word boundaries, with its prefix and suffix."""
    haystack = _normalised(text)
    needle = normalise(quote)
    if not needle:
        return []
    before = normalise(prefix) if prefix else ""
    after = normalise(suffix) if suffix else ""
    found, at = [], haystack.find(needle)
    while at >= 0:
        end = at + len(needle)
        if (_boundary(haystack, at) and _boundary(haystack, end)
                and (not before or _has_prefix(haystack, at, before))
                and (not after or _has_suffix(haystack, end, after))):
            found.append((at, end))
        at = haystack.find(needle, at + 1)
    return found


def count(text: str, quote: str, prefix: str | None = None, suffix: str | None = None) -> int:
    """How many times the quote stands in ``text`` (with its prefix and suffix, if given)."""
    return len(_occurrences(text, quote, prefix, suffix))


def find(text: str, quote: str, prefix: str | None = None, suffix: str | None = None) -> list[tuple[int, int]]:
    """Every (start, end) in the original ``text`` where the quote stands, with its prefix and suffix if given."""
    index = _index(text)
    return [(index.start(a), index.end(b - 1)) for a, b in _occurrences(text, quote, prefix, suffix)]


def _chains(text: str, passages: tuple[str, ...], prefix: str | None,
            suffix: str | None) -> tuple[list[list[tuple[int, int]]], int]:
    """Each way a quote of several passages stands in the normalised text, and how many passages stood.

    The first passage is found with the prefix, the last with the suffix; each passage after the first is
    the first occurrence, on whole words, after the end of the one before it. Returns the chains (each a
    (start, end) per passage) and, when there are none, the index of the first passage that could not be found.
    """
    if len(passages) == 1:
        found = _occurrences(text, passages[0], prefix, suffix)
        return [[span] for span in found], 0 if not found else 1
    starts = _occurrences(text, passages[0], prefix, None)
    chains: list[list[tuple[int, int]]] = []
    furthest = 1 if starts else 0
    for first in starts:
        chain = [first]
        for number, passage in enumerate(passages[1:], start=1):
            last = number == len(passages) - 1
            after = [span for span in _occurrences(text, passage, None, suffix if last else None)
                     if span[0] >= chain[-1][1]]
            if not after:
                break
            chain.append(after[0])
        furthest = max(furthest, len(chain))
        if len(chain) == len(passages):
            chains.append(chain)
    return chains, furthest


def count_passages(text: str, passages: tuple[str, ...], prefix: str | None = None,
                   suffix: str | None = None) -> tuple[int, int]:
    """How many times a quote of one or more passages stands in ``text`` in order, and (when it does not)
    the index of the first passage that does not stand after the ones before it."""
    chains, stood = _chains(text, passages, prefix, suffix)
    return len(chains), stood


def find_passages(text: str, passages: tuple[str, ...], prefix: str | None = None,
                  suffix: str | None = None) -> list[list[tuple[int, int]]]:
    """Every way the passages stand in order in the original ``text``: a (start, end) per passage."""
    index = _index(text)
    chains, _ = _chains(text, passages, prefix, suffix)
    return [[(index.start(a), index.end(b - 1)) for a, b in chain] for chain in chains]


def anchor(quote: str | tuple[str, ...], prefix: str | None = None, suffix: str | None = None) -> str:
    """A stable anchor id for a quoted passage (or passages, in order) on its source page."""
    words = normalise(quote) if isinstance(quote, str) else "\x1e".join(normalise(q) for q in quote)
    if not isinstance(quote, str) and len(quote) == 1:
        words = normalise(quote[0])
    key = "\x1f".join((words, normalise(prefix or ""), normalise(suffix or "")))
    return "q-" + hashlib.sha1(key.encode()).hexdigest()[:10]


# --- what stands in the text instead: hints for a quote that is not found -------------------


def _whole_words(haystack: str, start: int, end: int) -> str:
    """The normalised text from ``start`` to ``end``, widened to whole words."""
    start = haystack.rfind(" ", 0, start) + 1
    stop = haystack.find(" ", end)
    return haystack[start : stop if stop >= 0 else len(haystack)]


def part_of_word(text: str, quote: str) -> str | None:
    """The words of the text in which the quote stands only as part of a longer word, or None."""
    haystack, needle = _normalised(text), normalise(quote)
    at = haystack.find(needle) if needle else -1
    return _whole_words(haystack, at, at + len(needle)) if at >= 0 else None


_LOOKALIKES = {
    "'": "‘’‚‛′`´ʹʼˈ＇",
    '"': "“”„‟″〃＂«»",
    "-": "‐‑‒–—―−﹣－⁃",
    "...": "…",
    "ff": "ﬀ", "fi": "ﬁ", "fl": "ﬂ", "ffi": "ﬃ", "ffl": "ﬄ",
    "A": "АΑ", "B": "ВΒ", "C": "С", "E": "ЕΕ", "H": "НΗ", "I": "ІΙ", "J": "Ј", "K": "КΚ", "M": "МΜ", "N": "Ν",
    "O": "ОΟ", "P": "РΡ", "S": "Ѕ", "T": "ТΤ", "X": "ХΧ", "Y": "ΥҮ", "Z": "Ζ",
    "a": "а", "c": "с", "e": "е", "i": "і", "j": "ј", "o": "оο", "p": "р", "s": "ѕ", "x": "х", "y": "у",
    "": "\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff",  # soft hyphen and zero-width characters: dropped
}
"""Characters that look like (or show as) another, or as nothing: what an editor cannot see."""
_INVISIBLE = frozenset(_LOOKALIKES[""])
_FOLD = {ord(char): plain for plain, chars in _LOOKALIKES.items() for char in chars}
_RESIZING = re.compile("[" + "".join(re.escape(chr(c)) for c, plain in _FOLD.items() if len(plain) != 1) + "]")


@dataclass(frozen=True, slots=True)
class _Folded:
    """The normalised text with lookalikes folded, and where each resized character stood."""

    text: str
    folded_after: tuple[int, ...]
    norm_after: tuple[int, ...]

    def normalised(self, at: int) -> int:
        """Offset in the normalised text of offset ``at`` of the folded one."""
        point = bisect.bisect_right(self.folded_after, at) - 1
        return at if point < 0 else self.norm_after[point] + (at - self.folded_after[point])


@lru_cache(maxsize=64)  # only for quotes that failed
def _folded(text: str) -> _Folded:
    haystack = _normalised(text)
    folded_after, norm_after, shift = [], [], 0
    for match in _RESIZING.finditer(haystack):
        shift += len(_FOLD[ord(match.group())]) - 1
        folded_after.append(match.end() + shift)
        norm_after.append(match.end())
    return _Folded(haystack.translate(_FOLD), tuple(folded_after), tuple(norm_after))


@dataclass(frozen=True, slots=True)
class Difference:
    """Where a passage that looks like the quote differs from it: the first place, and how many more."""

    word: str
    """The word (or words) of the text around the first difference (shown with invisible characters named)."""
    text: str
    """What the text has there (empty: nothing)."""
    quote: str
    """What the quote has there (empty: nothing)."""
    more: int
    """How many more places differ."""

    def describe(self) -> str:
        """``differs at 'don’t': the text has U+2019 RIGHT SINGLE QUOTATION MARK where the quote has U+0027 …``."""
        more = f"; {count_noun(self.more, 'more place')} differ{'s' if self.more == 1 else ''}" if self.more else ""
        word = "".join(f"<U+{ord(c):04X}>" if c in _INVISIBLE else c for c in self.word)
        return (f"differs at '{word}': the text has {character_names(self.text)} "
                f"where the quote has {character_names(self.quote)}{more}")


def character_names(chars: str) -> str:
    """``U+2019 RIGHT SINGLE QUOTATION MARK``; a run of one character as ``3 × U+002E FULL STOP``; none: nothing."""
    names = []
    for char, run in itertools.groupby(chars):
        times = len(list(run))
        name = f"U+{ord(char):04X} {unicodedata.name(char, 'unnamed character')}"
        names.append(f"{times} × {name}" if times > 1 else name)
    return ", ".join(names) or "nothing"


def lookalike(text: str, quote: str) -> Difference | None:
    """Where the text has a passage that looks like the quote, what differs (quotation marks, dashes, …)."""
    needle = normalise(quote)
    folded_needle = " ".join(needle.translate(_FOLD).split())
    if not folded_needle:
        return None
    folded = _folded(text)
    at = folded.text.find(folded_needle)
    while at >= 0 and not (_boundary(folded.text, at) and _boundary(folded.text, at + len(folded_needle))):
        at = folded.text.find(folded_needle, at + 1)
    if at < 0:
        return None
    haystack = _normalised(text)
    start, end = folded.normalised(at), folded.normalised(at + len(folded_needle))
    changes = _changes(haystack[start:end], needle)
    if not changes:
        return None
    i, i_end, j, j_end = changes[0]
    return Difference(_whole_words(haystack, start + i, start + i_end), haystack[start + i : start + i_end],
                      needle[j:j_end], len(changes) - 1)


def _changes(passage: str, quote: str) -> list[tuple[int, int, int, int]]:
    """Where two strings equal once folded differ: (start, end) in each, in one pass (no difflib: they align)."""
    changes: list[tuple[int, int, int, int]] = []
    i = j = 0
    while i < len(passage) or j < len(quote):
        if i < len(passage) and j < len(quote) and passage[i] == quote[j]:
            i, j = i + 1, j + 1
            continue
        if i < len(passage) and passage[i] in _INVISIBLE:
            changes.append((i, i + 1, j, j))
            i += 1
            continue
        if j < len(quote) and quote[j] in _INVISIBLE:
            changes.append((i, i, j, j + 1))
            j += 1
            continue
        i0, j0, mine, theirs = i, j, "", ""
        while i < len(passage) or j < len(quote):  # take characters until both sides fold to the same
            if j >= len(quote) or (i < len(passage) and len(mine) <= len(theirs)):
                mine, i = mine + passage[i].translate(_FOLD), i + 1
            else:
                theirs, j = theirs + quote[j].translate(_FOLD), j + 1
            if mine == theirs:
                break
        changes.append((i0, i, j0, j))
    return changes


_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_WORK = 20_000
"""Positions of anchor words looked at per quote by :func:`closest_passage`: its bound on work …"""
_ANCHORS = 32
"""… and the pairs of words that stand together in the text and vote, at most."""
_CANDIDATES = 3
"""Windows of the text compared with difflib per quote."""


@dataclass(frozen=True, slots=True)
class _Words:
    """The words of a text (normalised), the paragraph of each, and where each word stands."""

    words: tuple[str, ...]
    paragraph: tuple[int, ...]
    """The paragraph of each word (a number that never decreases)."""
    first_word: tuple[int, ...]
    """The index of the first word of each paragraph, and the number of words last."""
    paragraphs: tuple[tuple[int, int], ...]
    """(first, last) offset of each paragraph in the text."""
    where: dict[str, list[int]]
    """The index of every occurrence of each word."""

    def span(self, text: str, word: int) -> tuple[int, int]:
        """(start, end) of a word in the text, found in its paragraph (made only for the passage shown)."""
        paragraph = self.paragraph[word]
        first, last = self.paragraphs[paragraph]
        found = next(itertools.islice(_WORD.finditer(text, first, last), word - self.first_word[paragraph], None))
        return found.span()


@lru_cache(maxsize=64)  # only for quotes that failed
def _words(text: str) -> _Words:
    words = tuple(_normalised(text).split())
    breaks = [m.span() for m in _PARAGRAPH_BREAK.finditer(text)]
    paragraphs = tuple(zip([0] + [b for _, b in breaks], [a for a, _ in breaks] + [len(text)], strict=True))
    counts = [len(text[first:last].split()) for first, last in paragraphs]
    paragraph = tuple(itertools.chain.from_iterable(itertools.repeat(p, n) for p, n in enumerate(counts)))
    where: dict[str, list[int]] = defaultdict(list)
    for at, word in enumerate(words):
        where[word].append(at)
    return _Words(words, paragraph, (0, *itertools.accumulate(counts)), paragraphs, dict(where))


def closest_passage(text: str, quote: str) -> str | None:
    """The passage of one paragraph of the text most like the quote, as long as it and aligned with it.

    An ellipsis marks where the passage is cut from its paragraph. None when no two
    words of the quote stand together in one paragraph (in a quote of 200 words or
    more, two words common in its window do not count: difflib's autojunk).

    The work is bounded: pairs of consecutive words of the quote, the rarest in the text
    first, vote for where the quote would start (at most :data:`_ANCHORS` pairs and
    :data:`_WORK` positions looked at); votes near each other add up (words may be dropped or added), and only the
    :data:`_CANDIDATES` windows with most votes are compared with difflib.
    A quote with a word changed, dropped or added still finds its passage. The passage
    runs from the first to the last word the quote shares with it, with as many
    characters before and after as the quote has beyond them.
    """
    words = normalise(quote).split()
    index = _words(text)
    pairs = []
    for i in range(len(words) - 1):
        first, second = index.where.get(words[i]), index.where.get(words[i + 1])
        if first and second:
            pairs.append((min(len(first), len(second)), i))
    votes: Counter[tuple[int, int]] = Counter()
    budget, anchors = _WORK, _ANCHORS
    for cost, i in sorted(pairs):
        if budget <= 0 or not anchors:
            break
        budget -= cost
        first, second = index.where[words[i]], index.where[words[i + 1]]
        if len(first) <= len(second):
            starts = (p for p in first if p + 1 < len(index.words) and index.words[p + 1] == words[i + 1])
        else:
            starts = (p - 1 for p in second if p and index.words[p - 1] == words[i])
        hit = False
        for p in starts:
            if index.paragraph[p] == index.paragraph[p + 1]:
                votes[(index.paragraph[p], p - i)] += 1
                hit = True
        anchors -= hit
    slack = max(3, len(words) // 10)  # words the text may have more or fewer than the quote: a band of diagonals
    bands: Counter[tuple[int, int]] = Counter()
    for (paragraph, start), _ in votes.most_common(4 * _CANDIDATES):
        bands[(paragraph, start)] = sum(votes.get((paragraph, start + d), 0) for d in range(-slack, slack + 1))
    best: tuple[float, int, int, int, int, int] | None = None  # likeness, paragraph, then the aligned run
    for (paragraph, start), _ in bands.most_common(_CANDIDATES):
        low = max(start - slack, index.first_word[paragraph])
        high = min(start + len(words) + slack, index.first_word[paragraph + 1])
        matcher = difflib.SequenceMatcher(None, words, index.words[low:high])  # autojunk: common words in long windows
        blocks = [b for b in matcher.get_matching_blocks() if b.size]
        likeness = matcher.ratio()
        if any(b.size >= 2 for b in blocks) and (best is None or likeness > best[0]):
            head, tail = blocks[0], blocks[-1]
            best = (likeness, paragraph, head.a, low + head.b, tail.a + tail.size, low + tail.b + tail.size)
    if best is None:
        return None
    _, paragraph, i, j, i_end, j_end = best  # words[i:i_end] stand aligned with the text's words[j:j_end]
    return _passage(text, index.paragraphs[paragraph], index.span(text, j)[0], index.span(text, j_end - 1)[1],
                    len(" ".join(words[:i])) + 1 if i else 0,
                    len(" ".join(words[i_end:])) + 1 if i_end < len(words) else 0)


def _passage(text: str, paragraph: tuple[int, int], start: int, end: int, lead: int, tail: int) -> str:
    """The run of the text from ``start`` to ``end``, with ``lead`` and ``tail`` characters more, in whole words."""
    first, last = paragraph
    cut_from, cut_to = max(first, start - lead), min(last, end + tail)
    while cut_from > first and not text[cut_from - 1].isspace():
        cut_from -= 1
    while cut_to < last and not text[cut_to].isspace():
        cut_to += 1
    opening = "…" if normalise(text[first:cut_from]) else ""
    closing = "…" if normalise(text[cut_to:last]) else ""
    return f"{opening}{normalise(text[cut_from:cut_to])}{closing}"
