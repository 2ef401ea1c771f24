"""Dates: the EDTF (ISO 8601-2) forms briefgen can show, place and compare, and how people write them.

briefgen accepts a deliberate subset of EDTF, the forms every consumer of a date (the page text,
the timeline and its picture, the "a planned date has passed" flag, schema.org data, the PDF
briefs) can handle:

* a year (``0001``–``9999``), a month or a day, each part optionally ``?``, ``~`` or ``%``;
* a season of a year, ``21``–``24`` (spring, summer, autumn, winter; northern hemisphere);
* an interval of two of those (``2016-10-20/2016-10-23``), or open at one end (``../2016``, ``2016/..``).

Everything else EDTF allows (unspecified digits ``201X``, sets ``[2016,2017]``, years beyond
four digits or before year 1, times of day, seasons 25–41, intervals with an empty end) is
refused with a message that says how to write it instead.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

Part = Literal["early", "mid", "late"]

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
SEASONS = {21: "spring", 22: "summer", 23: "autumn", 24: "winter"}
"""EDTF level 1 seasons; their months are the northern hemisphere's (winter: December to February)."""
_SEASON_MONTHS = {21: (3, 5), 22: (6, 8), 23: (9, 11), 24: (12, 14)}  # month 14: February of the next year
OPEN = ".."

EXAMPLES = "e.g. 2016-10-20, 2016-08, 2017?-07, 2016-21 (spring), 2016-10-20/2016-10-23, 2016/.."


@dataclass(frozen=True, slots=True)
class Span:
    """The earliest and latest calendar days a (fuzzy) date can mean, for sorting and comparing."""

    start: dt.date
    end: dt.date


_SIMPLE = re.compile(r"^(\d{4})([?~%]?)(?:-(\d{2})([?~%]?))?(?:-(\d{2})([?~%]?))?$")

_REFUSED: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[Xx]"), "has unspecified digits (X), which cannot be placed on a timeline; "
                          "write the range as an interval, e.g. 2010/2019 for 201X"),
    (re.compile(r"^[\[{]"), "is a set of dates; give each date a claim of its own, or write an interval"),
    (re.compile(r"\d[T ]\d|:"), "has a time of day; a day is the finest precision a date has here"),
    (re.compile(r"(^|/)(-|Y)|(^|/)\d{5}"), "is outside the years 0001–9999 that dates here can have"),
    (re.compile(r"^\d{4}-(2[5-9]|3\d|4[01])\b|/\d{4}-(2[5-9]|3\d|4[01])\b"),
     "is a season 25–41 (hemisphere seasons, quarters, quadrimesters, semesters), which is not supported; "
     "write it as a month interval, e.g. 2016-01/2016-03 for the first quarter"),
    (re.compile(r"^/|/$"), "has an empty end; write '..' for an open end (../2016 or 2016/..)"),
    (re.compile(r"(^|[/-])[?~%]\d"), "has a qualifier before a part; write it after the part it qualifies, "
                                      "e.g. 2016?-05 or 2016-05~"),
    (re.compile(r"(^|/)9999-24"), "is the winter of 9999, which ends after the last day a date can have"),
)


def parse(value: str) -> Span:
    """Check a date; raises ``ValueError`` with a readable message if briefgen cannot use it.

    Returns its :class:`Span`: a date is accepted only if it can be placed.
    """
    if not value or value.strip() != value:
        raise ValueError("an EDTF date has no surrounding spaces")
    bounds = _span(value)
    if bounds is not None:
        return bounds
    for pattern, problem in _REFUSED:
        if pattern.search(value):
            raise ValueError(f"'{value}' {problem}")
    parts = value.split("/")
    if len(parts) == 2 and all(_bounds(p) is not None for p in parts):
        raise ValueError(f"'{value}' ends before it starts")
    raise ValueError(f"'{value}' is not an EDTF date ({EXAMPLES})")


def _bounds(value: str) -> Span | None:
    match = _SIMPLE.match(value)
    if not match:
        return None
    year, _, month, _, day, _ = match.groups()
    try:
        y = int(year)
        m = int(month) if month else 0
        if m in SEASONS:
            if day:
                return None
            first_month, last_month = _SEASON_MONTHS[m]
            first = dt.date(y, first_month, 1)
            last = _last_day(y + (last_month - 1) // 12, (last_month - 1) % 12 + 1)
        elif day:
            first = last = dt.date(y, m, int(day))
        elif month:
            first, last = dt.date(y, m, 1), _last_day(y, m)
        else:
            first, last = dt.date(y, 1, 1), dt.date(y, 12, 31)
    except (ValueError, OverflowError):  # month 13, day 31 in April, year 0, winter 9999
        return None
    return Span(first, last)


def _last_day(year: int, month: int) -> dt.date:
    if month == 12:
        return dt.date(year, 12, 31)
    return dt.date(year, month + 1, 1) - dt.timedelta(days=1)


@lru_cache(maxsize=1 << 16)
def _span(value: str) -> Span | None:
    """Bounds of an accepted date, or None when briefgen does not accept it."""
    parts = value.split("/")
    if len(parts) > 2:
        return None
    if len(parts) == 2 and OPEN in parts:  # open at one end: its known end is all that can be placed
        known = parts[1] if parts[0] == OPEN else parts[0]
        return None if known == OPEN else _bounds(known)
    first, last = _bounds(parts[0]), _bounds(parts[-1])
    if first is None or last is None or last.end < first.start:
        return None
    return Span(first.start, last.end)


def span(value: str) -> Span:
    """Strict bounds of an accepted date (ignoring the extra slack of ``~`` and ``?``)."""
    bounds = _span(value)
    if bounds is None:
        raise ValueError(f"'{value}' is not a date briefgen accepts")
    return bounds


def ends(value: str) -> tuple[str | None, str | None]:
    """An interval's two ends (None for an open end); a single date is both ends."""
    first, _, last = value.partition("/")
    if not last:
        return first, first
    return (None if first == OPEN else first), (None if last == OPEN else last)


def _one(value: str, part: Part | None) -> str:
    match = _SIMPLE.match(value)
    if not match:
        return value
    year, yq, month, mq, day, dq = match.groups()
    words: list[str] = []
    if day:
        words.append(str(int(day)))
    if month:
        words.append(SEASONS.get(int(month)) or MONTHS[int(month) - 1])
    words.append(year)
    text = " ".join(words)
    if part:
        text = f"{part} {text}"
    flags = {q for q in (yq, mq, dq) if q}
    if "~" in flags or "%" in flags:
        text = f"about {text}"
    if "?" in flags or "%" in flags:
        text += "?"
    return text


def iso(value: str) -> str:
    """One date as a plain ISO 8601 date of its own precision (``2017?-07`` → ``2017-07``); a season
    becomes its first month (``2016-21`` → ``2016-03``), which schema.org can read."""
    plain = re.sub(r"[?~%]", "", value)
    match = re.fullmatch(r"(\d{4})-(2[1-4])", plain)
    if match:
        return f"{match[1]}-{_SEASON_MONTHS[int(match[2])][0]:02d}"
    return plain


def human(value: str, part: Part | None = None) -> str:
    """Show a date the way people write dates: ``20–23 Oct 2016``, ``early Aug 2016``, ``spring 2016``."""
    if "/" in value:
        first, last = value.split("/", 1)
        if first == OPEN:
            return f"until {_one(last, None)}"
        if last == OPEN:
            return f"from {_one(first, part)}"
        a, b = _SIMPLE.match(first), _SIMPLE.match(last)
        if a and b and not any(a.groups()[i] or b.groups()[i] for i in (1, 3, 5)) and a.group(1) == b.group(1):
            if a.group(3) == b.group(3) and a.group(5) and b.group(5):
                return f"{int(a.group(5))}–{_one(last, None)}"
            if (a.group(3) and b.group(3) and int(a.group(3)) <= 12 and int(b.group(3)) <= 12
                    and not a.group(5) and not b.group(5)):
                return f"{MONTHS[int(a.group(3)) - 1]}–{_one(last, None)}"  # Mar–May 2019
        return f"{_one(first, part)} – {_one(last, None)}"
    return _one(value, part)
