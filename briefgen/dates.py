"""Dates: EDTF strings (ISO 8601-2) checked with the ``edtf`` package, and shown as people write them."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

Part = Literal["early", "mid", "late"]

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def parse(value: str) -> object:
    """Check an EDTF string; raises ``ValueError`` with a readable message if it is not one.

    The common forms (a year, month or day, each part optionally ``?``/``~``/``%``, and
    intervals of those) are checked here directly; anything else goes to the ``edtf``
    package's full grammar, which is exact but about a hundred times slower.
    """
    if not value or value.strip() != value:
        raise ValueError("an EDTF date has no surrounding spaces")
    if _fast_span(value) is not None:
        return value
    parsed = _parse_full(value)
    bounds = span(value)
    if bounds.end < bounds.start:
        raise ValueError(f"'{value}' ends before it starts")
    return parsed


@lru_cache(maxsize=1 << 16)
def _parse_full(value: str) -> object:
    import edtf  # the full grammar loads in ~0.1 s; most content never needs it

    try:
        with contextlib.redirect_stdout(io.StringIO()):  # the parser prints debugging text for some inputs
            return edtf.parse_edtf(value)
    except Exception as exc:  # the parser raises its own exception types
        raise ValueError(
            f"'{value}' is not an EDTF date (e.g. 2016-10-20, 2016-08, 2017?-07, 2016-10-20/2016-10-23)"
        ) from exc


@dataclass(frozen=True, slots=True)
class Span:
    """The earliest and latest calendar days a (fuzzy) date can mean, for sorting and comparing."""

    start: dt.date
    end: dt.date


def _to_date(value: object) -> dt.date:
    return dt.date(value.tm_year, value.tm_mon, value.tm_mday)  # type: ignore[attr-defined]


@lru_cache(maxsize=1 << 16)
def span(value: str) -> Span:
    """Strict bounds of an EDTF value (ignoring the extra slack of ``~`` and ``?``)."""
    fast = _fast_span(value)
    if fast is not None:
        return fast
    first, _, last = value.partition("/")
    if last and ".." in (first, last):  # an open interval: its known end is all we can place
        return span(last if first in ("", "..") else first)
    parsed = _parse_full(value)
    return Span(_to_date(parsed.lower_strict()), _to_date(parsed.upper_strict()))  # type: ignore[attr-defined]


_SIMPLE = re.compile(r"^(\d{4})([?~%]?)(?:-(\d{2})([?~%]?))?(?:-(\d{2})([?~%]?))?$")


def _bounds(value: str) -> Span | None:
    match = _SIMPLE.match(value)
    if not match:
        return None
    year, _, month, _, day, _ = match.groups()
    try:
        y = int(year)
        if day:
            first = last = dt.date(y, int(month), int(day))
        elif month:
            first = dt.date(y, int(month), 1)
            last = (dt.date(y + (int(month) == 12), int(month) % 12 + 1, 1) - dt.timedelta(days=1))
        else:
            first, last = dt.date(y, 1, 1), dt.date(y, 12, 31)
    except ValueError:  # month 13, day 31 in April, year 0: the full grammar decides (and rejects)
        return None
    return Span(first, last)


@lru_cache(maxsize=1 << 16)
def _fast_span(value: str) -> Span | None:
    """Bounds of the common EDTF forms, or None to leave the value to the full grammar."""
    parts = value.split("/")
    if len(parts) > 2:
        return None
    bounds = [_bounds(p) for p in parts]
    if any(b is None for b in bounds):
        return None
    first, last = bounds[0], bounds[-1]
    if last.end < first.start:  # type: ignore[union-attr]
        return None
    return Span(first.start, last.end)  # type: ignore[union-attr]


def _one(value: str, part: Part | None) -> str:
    match = _SIMPLE.match(value)
    if not match:
        return value
    year, yq, month, mq, day, dq = match.groups()
    words: list[str] = []
    if day:
        words.append(str(int(day)))
    if month:
        words.append(MONTHS[int(month) - 1])
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
    """An EDTF value as a plain ISO 8601 date of its own precision (``2017?-07`` → ``2017-07``)."""
    return re.sub(r"[?~%]", "", value)


def human(value: str, part: Part | None = None) -> str:
    """Show an EDTF value the way people write dates: ``20–23 Oct 2016``, ``early Aug 2016``."""
    if "/" in value:
        first, last = value.split("/", 1)
        a, b = _SIMPLE.match(first), _SIMPLE.match(last)
        if (
            a
            and b
            and a.group(1) == b.group(1)
            and a.group(3) == b.group(3)
            and a.group(5)
            and b.group(5)
            and not any(a.groups()[i] or b.groups()[i] for i in (1, 3, 5))
        ):
            return f"{int(a.group(5))}–{_one(last, None)}"
        if a and b and a.group(1) == b.group(1) and a.group(3) and b.group(3) and not a.group(5) and not b.group(5) \
                and not any(a.groups()[i] or b.groups()[i] for i in (1, 3)):
            return f"{MONTHS[int(a.group(3)) - 1]}–{_one(last, None)}"  # Mar–May 2019
        return f"{_one(first, part) if first != '..' else 'before'} – {_one(last, None) if last != '..' else 'open'}"
    return _one(value, part)
