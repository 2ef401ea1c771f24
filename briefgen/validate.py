"""Validate stage: check each loaded document against its kind's schema.

Pydantic's errors are turned into ``path:line:col`` diagnostics using the positions
the loader kept, with a "did you mean …?" hint for misspelt keys, properties and values.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from briefgen.diagnostics import Diagnostic, did_you_mean, error
from briefgen.load import Document
from briefgen.model import Kind, Strict


@dataclass(frozen=True, slots=True)
class Record:
    """A validated entity: its id, kind, file and model, with the document for positions."""

    id: str
    kind: Kind
    path: str
    doc: Document
    model: Strict


def validate(doc: Document, entity_id: str, kind: Kind) -> tuple[Record | None, list[Diagnostic]]:
    """Validate one document as an entity of ``kind``."""
    try:
        model = kind.model.model_validate(doc.data)
    except ValidationError as exc:
        return None, _diagnostics(exc, doc, kind.model)
    return Record(entity_id, kind, doc.path, doc, model), []


def dotted(loc: tuple[str | int, ...]) -> str:
    """Show a data path the way editors read it: ``claims[2].sources[0].quote``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


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
            if isinstance(node, dict) and isinstance(part, str) and not part.startswith(("function-", "json-")):
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
    current: type[BaseModel] | None = root
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
            current = _Tagged(models) if len(models) > 1 else (models[0] if models else None)  # type: ignore[assignment]
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


def _diagnostics(exc: ValidationError, doc: Document, root: type[BaseModel]) -> list[Diagnostic]:
    seen: set[tuple[Any, ...]] = set()
    out: list[Diagnostic] = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        data_loc = _data_loc(doc.data, loc)
        kind = err["type"]
        where = dotted(data_loc)
        hint = None
        if kind == "extra_forbidden":
            key = str(data_loc[-1])
            holder = _model_at(root, loc[:-1])
            hint = did_you_mean(key, holder.model_fields) if holder else None
            line, col = doc.mark(data_loc, key=True)
            parent = dotted(data_loc[:-1])
            message = f"{parent}: unknown key '{key}'" if parent else f"unknown key '{key}'"
        elif kind == "missing":
            line, col = doc.mark(data_loc[:-1])
            message = f"missing key '{data_loc[-1]}'" + (f" in {dotted(data_loc[:-1])}" if data_loc[:-1] else "")
        elif kind == "union_tag_invalid":
            tag = err["ctx"]["tag"]
            tags = [t.strip(" '") for t in err["ctx"]["expected_tags"].split(",")]
            line, col = doc.mark((*data_loc, "property"))
            message = f"{where}.property: unknown property '{tag}' here"
            hint = did_you_mean(tag, tags) or f"one of: {', '.join(tags)}"
        elif kind == "union_tag_not_found":
            line, col = doc.mark(data_loc)
            message = f"{where}: missing key 'property'"
        else:
            line, col = doc.mark(data_loc)
            text = err["msg"].removeprefix("Value error, ")
            value = _value_at(doc.data, data_loc)
            if kind == "string_pattern_mismatch" and isinstance(value, str):
                text = f"'{value}' is not an id: ids are lowercase letters, digits and single hyphens"
                if value.lower() != value and value.lower():
                    hint = f"write '{value.lower()}'"
            elif kind == "literal_error" and isinstance(value, str):
                expected = _literal_values(_leaf_annotation(root, loc))
                text = f"'{value}' is not one of: {', '.join(expected)}" if expected else text
                hint = did_you_mean(value, expected) or _case_hint(value, expected)
            elif kind == "too_short":
                text = "needs at least one entry"
            elif kind == "string_type" and value is None:
                text = "a value is required here"
            message = f"{where}: {text[0].lower() + text[1:]}" if where else text
        key = (line, col, message)
        if key in seen:
            continue
        seen.add(key)
        out.append(error(doc.path, line, col, message, hint))
    return out


def _case_hint(value: str, expected: list[str]) -> str | None:
    for option in expected:
        if option.lower() == value.lower():
            return f"write '{option}'"
    return None


def _leaf_annotation(root: type[BaseModel], loc: tuple[Any, ...]) -> Any:
    holder = _model_at(root, tuple(p for p in loc[:-1]))
    name = loc[-1]
    if holder is None or not isinstance(name, str) or name not in holder.model_fields:
        return None
    return holder.model_fields[name].annotation


def _value_at(data: Any, loc: tuple[str | int, ...]) -> Any:
    node = data
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node
