"""Schema files for editors: ``schemas/<kind>.schema.json`` for every kind, and the bundle.

``briefgen schema --write`` writes them; ``briefgen schema --check`` says which are
missing or out of date, so CI can prove the committed files match the model. Fact files
written by ``briefgen new`` point at them in a ``# yaml-language-server: $schema=…``
first line, which YAML-aware editors (VS Code's YAML extension, Neovim, JetBrains) follow.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from briefgen import __version__
from briefgen.editor.schema import DIALECT, bundle, dumps, kind_schema
from briefgen.model import BOOK_KIND, KIND_BY_NAME

FOLDER = "schemas"
BUNDLE = "fact-file.schema.json"
NAMES = (*KIND_BY_NAME, BOOK_KIND.name)
"""Every kind a file can be: the entity kinds, and briefing books (``content/briefs``)."""


def file_name(kind: str) -> str:
    """``exercise`` → ``exercise.schema.json``."""
    return f"{kind}.schema.json"


def schema_of(kind: str) -> dict[str, Any]:
    """The schema of one kind's files, briefing books included."""
    if kind != BOOK_KIND.name:
        return kind_schema(kind)
    return {
        "$schema": DIALECT,
        "$comment": f"briefgen {__version__}: content/{BOOK_KIND.folder}/*.yaml",
        **BOOK_KIND.model.model_json_schema(mode="validation"),
    }


def expected() -> dict[str, str]:
    """Every schema file's name and its exact text."""
    files = {file_name(kind): dumps(schema_of(kind)) for kind in NAMES}
    files[BUNDLE] = dumps(bundle())
    return files


def write(folder: Path) -> list[str]:
    """Write every schema file into ``folder`` (created if need be); return the names that changed."""
    folder.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, text in expected().items():
        path = folder / name
        if not path.is_file() or path.read_bytes() != text.encode("utf-8"):
            path.write_bytes(text.encode("utf-8"))  # bytes: the same newlines on every platform
            changed.append(name)
    return changed


def stale(folder: Path) -> list[tuple[str, str]]:
    """Schema files in ``folder`` that are missing or differ from what this briefgen writes: (name, why)."""
    problems = []
    for name, text in expected().items():
        path = folder / name
        if not path.is_file():
            problems.append((name, "missing"))
        elif path.read_bytes() != text.encode("utf-8"):
            problems.append((name, "out of date"))
    return problems

