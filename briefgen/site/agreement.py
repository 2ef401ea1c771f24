"""Agreement: whether the values reported for a property can all be true, which one leads, and what holds now.

Values that refine each other agree: a year and a day in it, "about 10,000" and "at least
10,000". Values that cannot both be true disagree: day-exact intervals with different ends,
3 Aug and 4 Aug, a count and a bound it breaks. Each value is read as the set of facts it
allows, and two values agree when those sets meet:

* a date allows the event to start and end inside its period (a single date) or to start
  in the first period and end in the second (an interval); ``early``/``mid``/``late`` narrows
  the period to its first, middle or last third; ``~``, ``?`` and ``%`` widen it by one unit
  of its precision on each side (a day, a month, a year); an open end (``..``) allows any day;
* a number allows one value (exact), a range (``to``), or a bound: ``about`` n is n ± 10 %,
  ``nearly`` n is 90 % of n up to n, ``over`` n is more than n, ``at-least``/``at-most`` as said;
* any other value allows itself only.

Editors may mark one claim of a property with an ``assessment`` (the value the briefing
holds, and why): it leads, and the others are "also reported". Without one, disagreeing
values stay side by side, unresolved — never decided by the order of the file.

Time: a claim holds ``as_of`` a date (by default the date of the latest report citing it),
so statuses reported at different times are a history, and the current status is the latest.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from briefgen.check import dates

ABOUT = 0.10
"""How far "about n" may be from n, as a fraction of n."""

Resolution = Literal["single", "agree", "assessed", "unresolved"]


@dataclass(frozen=True, slots=True)
class Interval:
    """A closed range of possible values (days as ordinals, or numbers); ``inf`` for no bound."""

    lo: float
    hi: float

    def meets(self, other: Interval) -> bool:
        return self.lo <= other.hi and other.lo <= self.hi


_ALL = Interval(-math.inf, math.inf)


def _third(span: dates.Span, part: str | None) -> Interval:
    lo, hi = span.start.toordinal(), span.end.toordinal()
    if part is None:
        return Interval(lo, hi)
    length = (hi - lo + 1) / 3
    index = ("early", "mid", "late").index(part)
    return Interval(lo + math.floor(index * length), lo + math.ceil((index + 1) * length) - 1)


def _slack(value: str) -> int:
    """Days a qualified (``~ ? %``) date widens by on each side: one unit of the part qualified.

    A qualifier after the year (``2017?-07``) makes the year uncertain, after the month the month,
    at the end of a day the day (EDTF level 1 qualifies what stands to its left).
    """
    if not any(q in value for q in "?~%"):
        return 0
    parts = value.split("-")
    for unit, part in zip((366, 31, 1), parts, strict=False):
        if part[-1:] in ("?", "~", "%"):
            return unit
    return 1


def _period(value: str, part: str | None) -> Interval:
    if value == dates.OPEN:
        return _ALL
    found = _third(dates.span(value), part)
    slack = _slack(value)
    return Interval(found.lo - slack, found.hi + slack)


def date_range(value: str, part: str | None = None) -> tuple[Interval, Interval]:
    """The days an event dated ``value`` may start on, and the days it may end on."""
    first, _, last = value.partition("/")
    if not last:
        period = _period(first, part)
        return period, period
    return _period(first, part if last == dates.OPEN else None), _period(last, part)


def number_range(claim: Any) -> Interval:
    """The numbers a strength claim allows."""
    n = float(claim.value)
    if getattr(claim, "to", None) is not None:
        return Interval(n, float(claim.to))
    return {
        "exact": Interval(n, n),
        "about": Interval(n * (1 - ABOUT), n * (1 + ABOUT)),
        "nearly": Interval(n * (1 - ABOUT), n),
        "over": Interval(n + 1, math.inf),
        "at-least": Interval(n, math.inf),
        "at-most": Interval(0, n),
    }[claim.bounding]


def _key(claim: Any) -> Any:
    """What a claim says, for values compared as they are."""
    value = claim.value
    extra = tuple(getattr(claim, name, None) for name in ("place", "of", "unit"))
    return (value.model_dump_json() if hasattr(value, "model_dump_json") else value, extra)


Within = Callable[[str, str], bool]
"""``within(a, b)``: whether place ``a`` lies in place ``b`` (or is it)."""


def _same(a: str, b: str) -> bool:
    return a == b


def _places_agree(a: str | None, b: str | None, within: Within) -> bool:
    """A place and a place inside it agree (Urumqi and Xinjiang, when the briefing puts one in the other)."""
    return a is None or b is None or within(a, b) or within(b, a)


def compatible(a: Any, b: Any, within: Within = _same) -> bool:
    """Whether two claims of one property can both be true (``within``: how places nest)."""
    if a.property in ("date", "established"):
        (a_start, a_end), (b_start, b_end) = date_range(a.value, a.part), date_range(b.value, b.part)
        return (a_start.meets(b_start) and a_end.meets(b_end)
                and _places_agree(getattr(a, "place", None), getattr(b, "place", None), within))
    if a.property in ("location",):
        return _places_agree(a.value, b.value, within)
    if a.property == "strength":
        return a.unit == b.unit and number_range(a).meets(number_range(b))
    return bool(_key(a) == _key(b))


def disagree(claims: Sequence[Any], within: Within = _same) -> bool:
    """Whether any two of the claims cannot both be true."""
    return any(not compatible(a, b, within) for i, a in enumerate(claims) for b in claims[i + 1:])


@dataclass(frozen=True, slots=True)
class Outcome:
    """How the values of one property stand: the claims in the order a reader sees them."""

    order: tuple[int, ...]
    """Indexes into the claims given: the assessed one first, the rest as reported."""
    resolution: Resolution
    lead: int | None
    """The claim that leads (assessed, or the most precise of values that agree); None when unresolved."""


def _precision(claim: Any) -> float:
    if claim.property in ("date", "established"):
        start, end = date_range(claim.value, claim.part)
        return (start.hi - start.lo) + (end.hi - end.lo)
    if claim.property == "strength":
        found = number_range(claim)
        return found.hi - found.lo
    return 0.0


def resolve(claims: Sequence[Any], within: Within = _same) -> Outcome:
    """Which of the claims of one property leads, and whether their disagreement is resolved."""
    indexes = tuple(range(len(claims)))
    assessed = [i for i in indexes if getattr(claims[i], "assessment", None)]
    if len(claims) == 1:
        return Outcome(indexes, "single", 0)
    if assessed:
        lead = assessed[0]
        return Outcome((lead, *(i for i in indexes if i != lead)), "assessed", lead)
    if disagree(claims, within):
        return Outcome(indexes, "unresolved", None)
    lead = min(indexes, key=lambda i: (_precision(claims[i]), i))  # the most precise of values that agree
    return Outcome(indexes, "agree", lead)


def as_of(claim: Any, source_date: Callable[[str], str | None]) -> str | None:
    """When a claim held: its own ``as_of``, else the latest publication date of the reports citing it."""
    if getattr(claim, "as_of", None):
        return str(claim.as_of)
    known = [d for c in claim.sources if (d := source_date(c.source))]
    return max(known, key=lambda d: dates.span(d).end) if known else None


def _when(value: str | None) -> dt.date:
    return dates.span(value).end if value else dt.date.min


def history(claims: Sequence[Any], source_date: Callable[[str], str | None]) -> tuple[tuple[int, str | None], ...]:
    """Indexes of the claims in order of when they held (undated first), each with its date."""
    dated = [(i, as_of(c, source_date)) for i, c in enumerate(claims)]
    return tuple(sorted(dated, key=lambda item: (_when(item[1]), item[0])))


def current(claims: Sequence[Any], source_date: Callable[[str], str | None]) -> tuple[int, ...]:
    """The claims that hold now: those of the latest date (several when reported together)."""
    if not claims:
        return ()
    order = history(claims, source_date)
    latest = _when(order[-1][1])
    return tuple(i for i, when in order if _when(when) == latest)
