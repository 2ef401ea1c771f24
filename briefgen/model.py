"""Content model: the fact files' schema, one pydantic model per kind of entity.

Every statement about an entity is a *claim*: a property, a value, qualifiers, and
one or more citations. A citation names the source document, quotes it verbatim,
grades the information (Admiralty 1–6) and, where the text names one, records the
voice it is attributed to — kept apart from the source document itself.

Values arrive from the loader as strings; the types here decide what they mean.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Generic, Literal, TypeVar, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from briefgen import markdown
from briefgen.check import dates
from briefgen.diagnostics import BIDI_CONTROLS, unicode_name, visible
from briefgen.layout import ID_MAX

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG = re.compile(SLUG_PATTERN)
_WHOLE_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)")
_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")


@dataclass(frozen=True, slots=True)
class RefTo:
    """Marks a field as a reference to another entity of one of ``kinds``."""

    kinds: tuple[str, ...]


def _integer(value: Any) -> Any:
    """Accept decimal integers only: YAML 1.1 octal (``0755``) or ``1_000`` are errors, not numbers."""
    if isinstance(value, str):
        if not _WHOLE_NUMBER.fullmatch(value):
            raise ValueError(f"'{value}' is not a whole number written in decimal digits")
        return int(value)
    return value


def _boolean(value: Any) -> Any:
    """Accept ``true`` and ``false`` only: ``yes``, ``no``, ``on``, ``off`` are errors, not booleans."""
    if isinstance(value, str):
        if value not in ("true", "false"):
            raise ValueError(f"'{value}' is not a boolean; write true or false")
        return value == "true"
    return value


def _decimal(value: Any) -> Any:
    if isinstance(value, str):
        if not _DECIMAL.fullmatch(value):
            raise ValueError(f"'{value}' is not a decimal number")
        return float(value)
    return value


def _edtf(value: str) -> str:
    dates.parse(value)
    return value


def _edtf_or_unknown(value: str) -> str:
    return value if value == "unknown" else _edtf(value)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SUSPECT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f" + BIDI_CONTROLS + "]")
_LINE_BREAK = re.compile(r"[\n\r\u2028\u2029]")
_OPENS = {"\u202a": "embedding", "\u202b": "embedding", "\u202d": "embedding", "\u202e": "embedding",
          "\u2066": "isolate", "\u2067": "isolate", "\u2068": "isolate"}


def _bidi_problem(value: str) -> str | None:
    """Why the bidirectional controls of a value are not balanced (as Unicode's UAX #9 pairs them), or None.

    An override or embedding left open reverses or reorders whatever a page shows after the value
    (in a title, the nav, the search index); text in Arabic or Hebrew needs no controls at all.
    """
    stack: list[tuple[str, int]] = []
    for at, char in enumerate(value, start=1):
        if char in _OPENS:
            stack.append((_OPENS[char], at))
        elif char == "\u202c":
            if not stack or stack[-1][0] != "embedding":
                return f"holds {unicode_name(char)} at character {at} with nothing open to close"
            stack.pop()
        elif char == "\u2069":
            if not any(kind == "isolate" for kind, _ in stack):
                return f"holds {unicode_name(char)} at character {at} with no isolate open to close"
            while stack.pop()[0] != "isolate":  # closing an isolate closes what was opened inside it
                pass
    if stack:
        at = stack[-1][1]
        return (f"holds {unicode_name(value[at - 1])} at character {at}, never closed: it would reorder "
                "the text after it wherever this is shown; remove it (right-to-left text needs no controls)")
    return None


def _clean(value: str) -> str:
    """Refuse characters a page would carry raw into HTML, the nav and the search index: C0 controls
    other than tab and line breaks, DEL, C1 controls, and unbalanced bidirectional controls."""
    if _SUSPECT.search(value) is None:  # nearly every value: one scan
        return value
    found = _CONTROL.search(value)
    if found:
        char = found[0]
        raise ValueError(f"holds the control character {visible(char)} ({unicode_name(char)}) at character "
                         f"{found.start() + 1}; remove it")
    problem = _bidi_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _one_line(value: str) -> str:
    """Refuse a line break in a name or title (it is a page title, a nav entry and a search result)."""
    found = _LINE_BREAK.search(value)
    if found:
        raise ValueError(f"holds a line break ({visible(found[0])}) at character {found.start() + 1}; "
                         "a name or title is one line")
    return value


def _markdown(value: str) -> str:
    """A Markdown field: clean text, and no image from another host (the site loads nothing from third
    parties; the renderer shows any other image as a link or as text)."""
    _clean(value)
    for src in markdown.images(value):
        if markdown.remote(src):
            raise ValueError(f"image '{src}': the site loads nothing from other sites; "
                             f"link to it instead, e.g. [picture]({src})")
    return value


@dataclass(frozen=True, slots=True)
class Prose:
    """Marks a text type as words (not an id, tag or date): what an edition withholds with what it is about."""


PROSE = Prose()

Int = Annotated[int, BeforeValidator(_integer)]
Bool = Annotated[bool, BeforeValidator(_boolean)]
Decimal = Annotated[float, BeforeValidator(_decimal)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(_clean), PROSE]
Name = Annotated[Text, AfterValidator(_one_line)]
"""Text of one line: a name or a title."""
Markdown = Annotated[str, AfterValidator(_markdown), PROSE, Field(description="Markdown; raw HTML is shown as text")]
Affix = Annotated[str, AfterValidator(_clean), PROSE]
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=ID_MAX)]
EDTF = Annotated[
    str,
    AfterValidator(_edtf),
    Field(description="EDTF (ISO 8601-2) date: 2016-10-20, 2016-08, 2017?-07, 2016-10-20/2016-10-23"),
]
Credibility = Annotated[
    Int, Field(ge=1, le=6, description="Admiralty information credibility, 1 (confirmed) – 6 (cannot be judged)")
]
Reliability = Literal["A", "B", "C", "D", "E", "F"]
Marking = Literal["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"]
Part = Literal["early", "mid", "late"]


# Reference fields: an entity id that must resolve to an entity of one of the kinds its RefTo names.
_ID = StringConstraints(pattern=SLUG_PATTERN, max_length=ID_MAX)
ActorRef = Annotated[str, _ID, RefTo(("actor",))]
PlaceRef = Annotated[str, _ID, RefTo(("place",))]
SourceRef = Annotated[str, _ID, RefTo(("source",))]
ExerciseRef = Annotated[str, _ID, RefTo(("exercise",))]
WhereRef = Annotated[str, _ID, RefTo(("place", "actor"))]
FrameworkRef = Annotated[str, _ID, RefTo(("mechanism", "actor"))]


class Strict(BaseModel):
    """Base of every model: frozen, unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)


_NOT_IN_ADDRESS = re.compile(r'[\s"<>\\^`{|}]')


def _url(value: str) -> str:
    """An address a reader can follow: http or https, with a host (no ``javascript:``, ``file:`` or bare paths),
    and none of the characters an address cannot hold (spaces, quotation marks, angle brackets; RFC 3986)."""
    scheme, sep, rest = value.partition(":")
    host = rest[2:].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    if (not sep or scheme.lower() not in ("http", "https") or not rest.startswith("//") or not host
            or _NOT_IN_ADDRESS.search(value)):
        raise ValueError(f"'{value}' is not an http or https address; write it in full, e.g. https://example.org/page")
    return value


Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(_clean),
                AfterValidator(_url), Field(description="http or https address")]
def _day(value: str) -> str:
    """A day (``2019-03-14``): EDTF, and neither a month, a year, uncertain nor an interval."""
    _edtf(value)
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError(f"'{value}' is not a day; write the day as YYYY-MM-DD, e.g. 2019-03-14")
    return value


Day = Annotated[str, AfterValidator(_day), Field(description="a day, YYYY-MM-DD, e.g. 2024-05-01")]
Quote = Annotated[
    Union[Text, Annotated[list[Text], Field(min_length=1)]],  # noqa: UP007
    Field(description="verbatim passage of the source's archived text, or several passages of it in order"),
]


def passages(quote: str | list[str]) -> tuple[str, ...]:
    """A citation's quote as its passages, in order (one, or several of a discontinuous quote)."""
    return (quote,) if isinstance(quote, str) else tuple(quote)


class Quoting(Strict):
    """What places a passage in a source: the source, the quote, and the words around it."""

    source: SourceRef = Field(description="id of the source document")
    quote: Quote
    prefix: Affix | None = Field(None, description="text just before the quote, to pick one occurrence")
    suffix: Affix | None = Field(None, description="text just after the quote, to pick one occurrence")


class Citation(Quoting):
    """Where a claim (or a name) is read: a source, a verbatim quote from it, and a grade."""

    credibility: Credibility
    voice: Text | None = Field(
        None, description="who the source attributes this to, e.g. 'an official source at a MoD'"
    )
    translation: Text | None = Field(None, description="the quote in English, when the source is in another language")
    translated_by: Text | None = Field(None, description="who translated the quote, e.g. 'the editors'")
    via: Text | None = Field(
        None, description="whose reporting this passage relays: the id of a source, or a name, e.g. 'AFP'")
    marking: Marking | None = None


class Alias(Strict):
    """Another name: an abbreviation, a spelling variant or a transliteration."""

    name: Name
    kind: Literal["alias", "abbreviation", "spelling", "transliteration"] = "alias"
    lang: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")] | None = None


def _alias(value: Any) -> Any:
    return {"name": value} if isinstance(value, str) else value


AliasEntry = Annotated[Alias, BeforeValidator(_alias, json_schema_input_type=Union[Alias, str])]  # noqa: UP007


class ClaimBase(Strict):
    """What every claim has: an optional stable id, citations, a note, a marking."""

    id: Slug | None = Field(None, description="stable anchor for the claim; derived when absent")
    sources: list[Citation] = Field(min_length=1, description="at least one citation")
    note: Markdown | None = Field(None, description="editor's note, e.g. how a value was inferred")
    as_of: EDTF | None = Field(
        None, description="when the claim held (EDTF); by default the date of the latest report citing it")
    assessment: Markdown | None = Field(
        None, description="the editors hold this value among those reported for the property, and say why")
    marking: Marking | None = None
    if TYPE_CHECKING:  # each kind of claim has its property, a field of one Literal value
        property: str


class Dated(ClaimBase):
    """Qualifiers of a date: part of the period, and what of it was inferred."""

    value: EDTF
    part: Part | None = Field(None, description="early, mid or late in the period")
    inferred: Literal["year", "month", "day", "date"] | None = Field(
        None, description="which part of the date the editors inferred rather than read; say how in 'note'"
    )


class StatusClaim(ClaimBase):
    property: Literal["status"]
    value: Literal["planned", "conducted", "cancelled", "unknown"]


class DateClaim(Dated):
    property: Literal["date"]


class DurationClaim(ClaimBase):
    property: Literal["duration_days"]
    value: Annotated[Int, Field(ge=1)]


class LocationClaim(ClaimBase):
    property: Literal["location"]
    value: WhereRef


class ParticipantClaim(ClaimBase):
    property: Literal["participant"]
    value: ActorRef
    strength: Text | None = Field(None, description="as stated, e.g. 'a battalion'")
    described_as: Text | None = Field(None, description="how the source names the participant here")


Bound = Literal["exact", "about", "at-least", "at-most", "nearly", "over"]


class StrengthClaim(ClaimBase):
    """A number as the source puts it: exact, about, at least, at most, nearly, over, or a range (``to``)."""

    property: Literal["strength"]
    value: Annotated[Int, Field(ge=0)]
    bound: Bound = Field("exact", description="how the source bounds the number: 'at least 10,000' is at-least")
    to: Annotated[Int, Field(ge=0)] | None = Field(None, description="upper end of a range ('800 to 1,000')")
    approximate: Bool = Field(False, description="'about': the same as bound: about")
    unit: Text = "personnel"

    @model_validator(mode="after")
    def _one_bound(self) -> StrengthClaim:
        if self.approximate and self.bound not in ("exact", "about"):
            raise ValueError(f"approximate: true and bound: {self.bound} say two things; keep bound")
        if self.to is not None:
            if self.bound != "exact" or self.approximate:
                raise ValueError("a range (to) takes no bound; write the range's two ends")
            if self.to <= self.value:
                raise ValueError(f"the range {self.value}–{self.to} ends before it starts; 'to' is its upper end")
        return self

    @builtins.property  # the field `property` shadows the builtin in this class's body
    def bounding(self) -> str:
        """The bound, with ``approximate: true`` read as ``about``."""
        return "about" if self.approximate else self.bound


class EquipmentClaim(ClaimBase):
    property: Literal["equipment"]
    value: Text
    of: ActorRef | None = Field(None, description="whose equipment, where the source says")


class TextClaim(ClaimBase):
    """A statement in words: purpose, scenario, type, significance, function, context."""

    property: Literal["purpose", "scenario", "type", "significance", "function", "context"]
    value: Text


class FrameworkClaim(ClaimBase):
    property: Literal["framework"]
    value: FrameworkRef


class PreviousClaim(ClaimBase):
    property: Literal["previous"]
    value: ExerciseRef


class MemberClaim(ClaimBase):
    property: Literal["member"]
    value: ActorRef


class EstablishedClaim(Dated):
    property: Literal["established"]
    place: PlaceRef | None = None
    by: Text | None = Field(None, description="who founded it, as stated")


class BordersClaim(ClaimBase):
    property: Literal["borders"]
    value: WhereRef


class Coordinates(Strict):
    lat: Annotated[Decimal, Field(ge=-90, le=90)]
    lon: Annotated[Decimal, Field(ge=-180, le=180)]


class CoordinatesClaim(ClaimBase):
    property: Literal["coordinates"]
    value: Coordinates


# The claims each kind of entity may make, told apart by their property.
ExerciseClaim = Annotated[
    Union[  # noqa: UP007
        StatusClaim,
        DateClaim,
        DurationClaim,
        LocationClaim,
        ParticipantClaim,
        StrengthClaim,
        EquipmentClaim,
        TextClaim,
        FrameworkClaim,
        PreviousClaim,
    ],
    Field(discriminator="property"),
]
MechanismClaim = Annotated[Union[MemberClaim, EstablishedClaim, TextClaim], Field(discriminator="property")]  # noqa: UP007
ActorClaim = Annotated[Union[TextClaim], Field(discriminator="property")]  # noqa: UP007
PlaceClaim = Annotated[Union[TextClaim, BordersClaim, CoordinatesClaim], Field(discriminator="property")]  # noqa: UP007


class Entity(Strict):
    """What every entity has: a name, other names, a summary, a marking, and where it is named."""

    name: Name
    aliases: list[AliasEntry] = Field(default_factory=list, description="other names: a string, or name/kind/lang")
    summary: Markdown | None = None
    marking: Marking | None = None
    mentions: list[Citation] = Field(min_length=1, description="where the sources name this entity")


class Exercise(Entity):
    """A military exercise or drill, conducted, planned or cancelled."""

    claims: list[ExerciseClaim] = Field(default_factory=list)


class Mechanism(Entity):
    """A security-cooperation mechanism or arrangement between states or forces."""

    claims: list[MechanismClaim] = Field(default_factory=list)


class Actor(Entity):
    """A state, armed force, unit, ministry or organisation."""

    type: Literal["state", "armed-force", "unit", "ministry", "organisation", "other"]
    parent: ActorRef | None = Field(None, description="the actor this one belongs to")
    claims: list[ActorClaim] = Field(default_factory=list)


class Place(Entity):
    """A place: a region, district, city or area."""

    type: Literal["region", "district", "city", "area", "other"]
    parent: PlaceRef | None = Field(None, description="the place this one lies in")
    country: ActorRef | None = Field(None, description="the state it belongs to")
    claims: list[PlaceClaim] = Field(default_factory=list)


class DerivedFrom(Strict):
    """Where a source's text (or part of it) comes from: a source of the corpus, or a named original."""

    source: SourceRef | None = Field(None, description="id of the source it reprints, relays or translates")
    name: Name | None = Field(None, description="the original, when it is not archived here, e.g. 'AFP'")
    publisher: Text | None = Field(None, description="the original's publisher, as known")
    url: Url | None = Field(None, description="the original's address")
    date: Annotated[str, AfterValidator(_edtf)] | None = Field(None, description="the original's date (EDTF)")
    part: Part | None = Field(None, description="early, mid or late in the original's date, e.g. late Oct 2016")
    relation: Literal["reprint", "relay", "translation"] = Field(
        description="reprint: the same text; relay: retold; translation: in another language")
    from_quote: Text | None = Field(
        None, description="words of this source's text where the derived part starts; absent: the whole text")


DateKnown = Literal["text", "dateline", "address", "inferred"]


class Source(Strict):
    """A document facts are read in; its archived text is ``<id>.txt`` beside its fact file."""

    name: Name = Field(description="short label used in citations")
    title: Name
    title_supplied: Bool = Field(False, description="true when the title is the editors', not the document's")
    type: Literal[
        "news-report",
        "press-release",
        "official-statement",
        "report",
        "article",
        "book",
        "web-page",
        "dataset",
        "other",
    ]
    publisher: Text = Field(description="'unknown' when not known; never guessed")
    author: Text = Field(description="'unknown' when not known; never guessed")
    date: Annotated[str, AfterValidator(_edtf_or_unknown)] = Field(description="EDTF date or 'unknown'")
    date_known: DateKnown | None = Field(
        None, description="how the date is known: stated in the text, its dateline, its address (URL), or inferred")
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")] = Field(
        "en", description="BCP 47 language tag of the archived text, e.g. en, ru, tg-Cyrl")
    url: Url | None = Field(None, description="where the document was published")
    archive_url: Url | None = Field(None, description="an archived copy, e.g. on web.archive.org")
    retrieved: Day | None = Field(None, description="the day the text was archived (EDTF day)")
    republish: Literal["full", "quotes"] = Field(
        "quotes", description="full: the site may show the whole archived text; quotes: only the quoted passages")
    derived_from: list[DerivedFrom] = Field(
        default_factory=list, description="what this source reprints, relays or translates")
    reliability: Reliability = Field(description="Admiralty source reliability, A (reliable) – F (cannot be judged)")
    reliability_note: Markdown | None = Field(
        None, description="why the editors grade the source so; shown on the grades page and the source page")
    marking: Marking | None = None
    notes: Markdown | None = None


class BookScope(Strict):
    """Which entities a briefing book holds: whole kinds and/or listed ids, in that order."""

    kinds: list[Literal["exercise", "mechanism", "actor", "place"]] = Field(default_factory=list)
    ids: list[Slug] = Field(default_factory=list)


class BriefBook(Strict):
    """A briefing book (``content/briefs/<id>.yaml``): a PDF of several entities for one audience."""

    title: Name
    subtitle: Name | None = None
    scope: BookScope
    edition: Marking = Field("CLEAR", description="the audience (TLP) the book is made for")
    as_of: Annotated[str, AfterValidator(_edtf)] | None = Field(
        None, description="EDTF day the book speaks as of; default: the build's date")


EntityModel = Exercise | Mechanism | Actor | Place
"""The model of an entity that makes claims."""
Model = EntityModel | Source
"""The model of anything in the graph: an entity or a source."""


def claims_of(model: Model) -> Sequence[ClaimBase]:
    """An entity's claims, in the order of its file (a source makes none)."""
    return () if isinstance(model, Source) else model.claims


def parent_of(model: Model) -> str | None:
    """The id of the actor an actor belongs to, or of the place a place lies in; None for other kinds."""
    return model.parent if isinstance(model, Actor | Place) else None


ModelT = TypeVar("ModelT", bound=Strict, covariant=True)


@dataclass(frozen=True, slots=True)
class Kind(Generic[ModelT]):
    """A kind of entity: its name, the folder its files live in, and its model."""

    name: str
    folder: str
    model: type[ModelT]


KINDS: tuple[Kind[Model], ...] = (
    Kind("exercise", "exercises", Exercise),
    Kind("mechanism", "mechanisms", Mechanism),
    Kind("actor", "actors", Actor),
    Kind("place", "places", Place),
    Kind("source", "sources", Source),
)
BOOK_KIND = Kind("book", "briefs", BriefBook)
"""Briefing books live beside the entities but are not entities: they only select them."""
KIND_BY_FOLDER = {kind.folder: kind for kind in KINDS}
KIND_BY_NAME = {kind.name: kind for kind in KINDS}
