"""Validate stage: check each loaded document against its kind's schema.

Pydantic's errors are turned into ``path:line:col`` diagnostics in plain words, using the
positions the loader kept, with a "did you mean …?" hint for misspelt keys, properties,
values and ids. A document that fails still yields the parts of it that are valid on
their own (a :class:`Partial`), so that the link stage can check those too.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, Generic, Literal

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError, create_model
from pydantic.fields import FieldInfo

from briefgen.check.load import Document
from briefgen.diagnostics import Diagnostic, did_you_mean, dotted, error, with_article
from briefgen.model import SLUG_PATTERN, Citation, Kind, ModelT, Quoting, RefTo, Strict

Loc = tuple[str | int, ...]
Fragment = tuple[Loc, BaseModel]


@dataclass(frozen=True, slots=True)
class Record(Generic[ModelT]):
    """A validated entity: its id, kind, file and model, with the document for positions.

    In the graph a record is a ``Record[Model]``: its model is one of the entity models or a source.
    """

    id: str
    kind: Kind[ModelT]
    path: str
    doc: Document
    model: ModelT


@dataclass(frozen=True, slots=True)
class Partial:
    """An entity whose file did not validate (or is not in the graph): its parts that are valid alone.

    Each fragment is a location in the data and a model valid there on its own: a
    top-level reference field, a mention, a claim, or a claim's citation (a
    :class:`Citation`, or a :class:`Quoted` when only its other keys are wrong). The link
    stage resolves their references and checks their quotes; they never enter the graph.
    """

    id: str
    kind: Kind[Strict]
    path: str
    doc: Document
    fragments: tuple[Fragment, ...]

    @classmethod
    def whole(cls, record: Record[Strict]) -> Partial:
        """A valid entity kept out of the graph (its id is taken): all of it is one fragment."""
        return cls(record.id, record.kind, record.path, record.doc, (((), record.model),))


class Quoted(Quoting):
    """The parts of a citation the link stage checks, for a citation whose other keys are wrong."""

    model_config = ConfigDict(extra="ignore")


def validate(
    doc: Document, entity_id: str, kind: Kind[ModelT], known: Mapping[str, str] | None = None
) -> tuple[Record[ModelT] | Partial, list[Diagnostic]]:
    """Validate one document as an entity of ``kind``.

    ``known`` maps the id of every fact file to its kind's name; it is used to suggest
    an id for a reference that is not written as one (``country: Aldoria``).
    """
    try:
        model = kind.model.model_validate(doc.data)
    except ValidationError as exc:
        partial = Partial(entity_id, kind, doc.path, doc, tuple(fragments(doc.data, kind)))
        return partial, _diagnostics(exc, doc, kind, known or {})
    return Record(entity_id, kind, doc.path, doc, model), []


def field_refs(info: FieldInfo) -> list[RefTo]:
    """The references a model field holds (its RefTo markers, however deep in its type)."""
    return [m for m in info.metadata if isinstance(m, RefTo)] + _refs_in(info.annotation)


def _refs_in(annotation: Any) -> list[RefTo]:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return [m for m in args[1:] if isinstance(m, RefTo)] + _refs_in(args[0])
    if origin in (typing.Union, types.UnionType, list):
        return [r for a in args for r in _refs_in(a)]
    return []


def fragments(data: dict[str, Any], kind: Kind[Strict]) -> Iterator[Fragment]:
    """The parts of an entity's data that are valid on their own, for the link stage."""
    for name, info in kind.model.model_fields.items():
        if name not in ("mentions", "claims") and name in data and field_refs(info):
            fragment = _try(_field_model(kind.model, name), {name: data[name]})
            if fragment is not None:
                yield (), fragment
    for i, item in _items(data, "mentions"):
        citation = _citation(item)
        if citation is not None:
            yield ("mentions", i), citation
    adapter = _claim_adapter(kind.model)
    if adapter is None:
        return
    for c, item in _items(data, "claims"):
        try:
            claim = adapter.validate_python(item)
        except ValidationError:
            claim = None
        if claim is not None:
            yield ("claims", c), claim
            continue
        for s, source in _items(item, "sources"):
            citation = _citation(source)
            if citation is not None:
                yield ("claims", c, "sources", s), citation


def _items(data: Any, key: str) -> Iterator[tuple[int, Any]]:
    value = data.get(key) if isinstance(data, dict) else None
    return enumerate(value) if isinstance(value, list) else iter(())


def _try(model: type[BaseModel], data: Any) -> BaseModel | None:
    try:
        return model.model_validate(data)
    except ValidationError:
        return None


def _citation(data: Any) -> BaseModel | None:
    """A citation valid on its own, or failing that its source and quote, or None."""
    citation = _try(Citation, data)
    return citation if citation is not None else _try(Quoted, data)


@cache
def _field_model(model: type[BaseModel], name: str) -> type[BaseModel]:
    """A model of one field of ``model``, to validate that field alone."""
    info = model.model_fields[name]
    # create_model's overloads cannot tell field definitions passed as **kwargs from its own options
    return create_model(  # type: ignore[call-overload,no-any-return]
        f"{model.__name__}_{name}",
        __config__=ConfigDict(extra="forbid", frozen=True),
        **{name: (info.annotation, info)},
    )


@cache
def _claim_adapter(model: type[BaseModel]) -> TypeAdapter[Any] | None:
    """Validates one item of a kind's ``claims`` (the union of its claim models)."""
    info = model.model_fields.get("claims")
    if info is None:
        return None
    return TypeAdapter(typing.get_args(info.annotation)[0])


_UNION_ARMS = ("function-", "json-", "list[")
"""How pydantic names the arms of a union in a location (not keys of the data)."""


def _data_loc(data: Any, loc: tuple[Any, ...]) -> tuple[str | int, ...]:
    """Drop the parts of pydantic's location that are not in the data (union tags)."""
    out: list[str | int] = []
    node = data
    for part in loc:
        in_dict = isinstance(node, dict) and part in node
        if in_dict or (isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)):
            node = node[part]
        else:
            if isinstance(node, dict) and isinstance(part, str) and node.get("property") == part:
                continue  # discriminator tag
            if isinstance(node, dict) and isinstance(part, str) and not part.startswith(_UNION_ARMS):
                out.append(part)  # a missing key: keep it so the message names it
            continue
        out.append(part)
    return tuple(out)


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types an annotation may hold (through Annotated, Optional, list, Union)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) for t in _unwrap(arg)]
    if origin is list:
        return _unwrap(typing.get_args(annotation)[0])
    return [annotation]


def _literal_values(annotation: Any) -> list[str]:
    return [str(v) for t in _unwrap(annotation) if typing.get_origin(t) is Literal for v in typing.get_args(t)]


@lru_cache(maxsize=256)
def _model_at(root: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class that holds the value at pydantic location ``loc``."""
    current: type[BaseModel] | _Tagged | None = root
    for part in loc:
        if current is None:
            return None
        if isinstance(part, int):
            continue
        if isinstance(current, _Tagged):
            current = current.pick(part)
            continue
        field = current.model_fields.get(part)
        if field is not None:
            models = [t for t in _unwrap(field.annotation) if isinstance(t, type) and issubclass(t, BaseModel)]
            # several models: a discriminated union, and the next part is the tag
            current = _Tagged(models) if len(models) > 1 else (models[0] if models else None)
        else:
            return None
    return current if not isinstance(current, _Tagged) else None


class _Tagged:
    """Stand-in for a discriminated union while walking a location."""

    def __init__(self, models: list[type[BaseModel]]) -> None:
        self.models = models

    def pick(self, tag: str) -> type[BaseModel] | None:
        for model in self.models:
            if tag in _literal_values(model.model_fields["property"].annotation):
                return model
        return None

    def __hash__(self) -> int:  # pragma: no cover - only for lru_cache's key safety
        return id(self)


_ARMS = frozenset({"string_type", "list_type"})
"""Errors of one arm of a text-or-list union, dropped where the value fails the other arm for another reason."""


def _diagnostics(exc: ValidationError, doc: Document, kind: Kind[Strict], known: Mapping[str, str]) -> list[Diagnostic]:
    root = kind.model
    seen: set[tuple[Any, ...]] = set()
    out: list[Diagnostic] = []
    errors = exc.errors(include_url=False)
    # a value that may be text or a list (a quote of one passage or several) fails both: report the arm it meant
    meant = [_data_loc(doc.data, tuple(e["loc"])) for e in errors if e["type"] not in _ARMS]
    for err in errors:
        loc = tuple(err["loc"])
        data_loc = _data_loc(doc.data, loc)
        etype = err["type"]
        if etype in _ARMS and any(m[:len(data_loc)] == data_loc for m in meant):
            continue
        if etype == "list_type" and any(e["type"] == "string_type" and _data_loc(doc.data, tuple(e["loc"])) == data_loc
                                        for e in errors):
            continue  # neither text nor a list: say it once
        where = dotted(data_loc)
        hint = None
        if etype == "extra_forbidden":
            key = str(data_loc[-1])
            holder = _model_at(root, loc[:-1])
            hint = did_you_mean(key, holder.model_fields) if holder else None
            line, col = doc.mark(data_loc, key=True)
            parent = dotted(data_loc[:-1])
            message = f"{parent}: unknown key '{key}'" if parent else f"unknown key '{key}'"
        elif etype == "missing":
            line, col = doc.mark(data_loc[:-1])
            message = f"missing key '{data_loc[-1]}'" + (f" in {dotted(data_loc[:-1])}" if data_loc[:-1] else "")
        elif etype == "union_tag_invalid":
            tag = err["ctx"]["tag"]
            tags = [t.strip(" '") for t in err["ctx"]["expected_tags"].split(",")]
            line, col = doc.mark((*data_loc, "property"))
            message = f"{where}.property: unknown property '{tag}' for {with_article(kind.name)}"
            hint = did_you_mean(tag, tags) or f"one of: {', '.join(tags)}"
        elif etype == "union_tag_not_found":
            line, col = doc.mark(data_loc)
            message = f"{where}: missing key 'property'"
        else:
            line, col = doc.mark(data_loc)
            value = _value_at(doc.data, data_loc)
            text = _plain(etype, err, value) or err["msg"].removeprefix("Value error, ")
            if etype == "string_pattern_mismatch" and isinstance(value, str):
                text, hint = _pattern_problem(err, value, _leaf_field(root, loc), known) or (text, None)
            elif etype == "literal_error":
                expected = _literal_values(_leaf_annotation(root, loc))
                if isinstance(value, str):
                    text = f"'{value}' is not one of: {', '.join(expected)}" if expected else text
                    hint = did_you_mean(value, expected) or _case_hint(value, expected)
                elif expected:
                    text = f"expected one of: {', '.join(expected)}, found {_found(value)}"
            message = f"{where}: {text[0].lower() + text[1:]}" if where else text
        shown = (line, col, message)
        if shown in seen:
            continue
        seen.add(shown)
        out.append(error(doc.path, line, col, message, hint))
    return out


_BOUNDS = {
    "less_than_equal": ("le", "must be at most {}, got {}"),
    "greater_than_equal": ("ge", "must be at least {}, got {}"),
    "less_than": ("lt", "must be less than {}, got {}"),
    "greater_than": ("gt", "must be more than {}, got {}"),
}

_EXPECTED = {
    "int_parsing": ("a whole number", "'{}' is not a whole number"),
    "int_type": ("a whole number", "'{}' is not a whole number"),
    "float_parsing": ("a number", "'{}' is not a number"),
    "float_type": ("a number", "'{}' is not a number"),
    "bool_parsing": ("true or false", "'{}' is not a boolean; write true or false"),
    "bool_type": ("true or false", "'{}' is not a boolean; write true or false"),
    "string_type": ("text", None),
    "list_type": ("a list", None),
    "dict_type": ("a mapping of keys", None),
    "model_type": ("a mapping of keys", None),
    "model_attributes_type": ("a mapping of keys", None),
}


def _found(value: Any) -> str:
    """What a value is, in the words of someone reading the YAML."""
    if value is None:
        return "nothing"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "text"


def _plain(etype: str, err: Any, value: Any) -> str | None:
    """A short plain message for a common pydantic error type, or None to keep pydantic's."""
    ctx = err.get("ctx") or {}
    if etype in _BOUNDS:
        name, template = _BOUNDS[etype]
        return template.format(ctx[name], value)
    if etype == "string_type" and value is None:
        return "a value is required here"
    if etype in _EXPECTED:
        expected, as_text = _EXPECTED[etype]
        if isinstance(value, str) and as_text:
            return as_text.format(value)
        return f"expected {expected}, found {_found(value)}"
    if etype == "too_short":
        return "needs at least one entry"
    if etype == "string_too_short":
        return "must not be empty"
    if etype == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters long"
    return None


def _pattern_problem(
    err: Any, value: str, info: FieldInfo | None, known: Mapping[str, str]
) -> tuple[str, str | None] | None:
    """Message and hint for a value that is not written the way its field needs."""
    pattern = (err.get("ctx") or {}).get("pattern")
    if pattern == SLUG_PATTERN:
        text = f"'{value}' is not an id: ids are lowercase letters, digits and single hyphens"
        refs = field_refs(info) if info is not None else []
        hint = None
        if refs:
            slugish = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
            candidates = sorted(i for i, k in known.items() if k in refs[0].kinds)
            hint = did_you_mean(slugish, candidates) if slugish else None
        return text, hint
    if isinstance(pattern, str) and pattern.startswith("^[a-z]{2,3}"):
        return f"'{value}' is not a language code such as 'en' or 'pt-BR'", None
    return None


def _case_hint(value: str, expected: list[str]) -> str | None:
    for option in expected:
        if option.lower() == value.lower():
            return f"write '{option}'"
    return None


def _leaf_field(root: type[BaseModel], loc: tuple[Any, ...]) -> FieldInfo | None:
    """The field of the value at pydantic location ``loc`` (list indices after it skipped)."""
    while loc and isinstance(loc[-1], int):
        loc = loc[:-1]
    if not loc:
        return None
    holder = _model_at(root, tuple(loc[:-1]))
    name = loc[-1]
    if holder is None or not isinstance(name, str):
        return None
    return holder.model_fields.get(name)


def _leaf_annotation(root: type[BaseModel], loc: tuple[Any, ...]) -> Any:
    info = _leaf_field(root, loc)
    return info.annotation if info is not None else None


def _value_at(data: Any, loc: tuple[str | int, ...]) -> Any:
    node = data
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node
