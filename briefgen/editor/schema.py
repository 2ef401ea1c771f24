"""JSON Schema of fact files, for editors' autocompletion and inline errors."""

from __future__ import annotations

import json
from typing import Any

from pydantic.json_schema import models_json_schema

from briefgen import __version__
from briefgen.model import KIND_BY_NAME, KINDS

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def kind_schema(kind: str) -> dict[str, Any]:
    """The schema of one kind's fact files (``content/<folder>/<id>.yaml``)."""
    model = KIND_BY_NAME[kind].model
    schema = model.model_json_schema(mode="validation")
    return {
        "$schema": DIALECT,
        "$comment": f"briefgen {__version__}: content/{KIND_BY_NAME[kind].folder}/*.yaml",
        **schema,
    }


def bundle() -> dict[str, Any]:
    """One schema for every kind: a fact file is any one of them."""
    refs, defs = models_json_schema([(k.model, "validation") for k in KINDS], title="briefgen fact file")
    return {
        "$schema": DIALECT,
        "title": "briefgen fact file",
        "$comment": f"briefgen {__version__}; per-kind schemas: briefgen schema KIND",
        "anyOf": [refs[(k.model, "validation")] for k in KINDS],
        **defs,
    }


def dumps(schema: dict[str, Any]) -> str:
    """Stable, diff-friendly JSON."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
