"""``briefgen check --format json``: the diagnostics and the summary as one JSON document.

For tools (CI annotations, editor plugins): every diagnostic as an object with the same
fields the text line shows, and the counts the summary line states.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from briefgen.check.pipeline import CheckResult
from briefgen.diagnostics import BIDI_CONTROLS, Diagnostic
from briefgen.model import KIND_BY_NAME

FORMAT = "briefgen-check/1"


def diagnostic(d: Diagnostic) -> dict[str, Any]:
    """One diagnostic as a JSON object (``hint`` is null when there is none)."""
    return {"path": d.path, "line": d.line, "col": d.col, "severity": d.severity.value, "message": d.message,
            "hint": d.hint}


def counts(result: CheckResult) -> dict[str, Any]:
    """What the summary line says, as numbers: files, entities (by kind), claims, books, errors, warnings."""
    graph = result.graph
    out: dict[str, Any] = {"files": result.files, "errors": result.errors, "warnings": result.warnings}
    if graph is not None:
        kinds = Counter(r.kind.name for r in graph.entities.values())
        out["entities"] = len(graph.entities)
        out["kinds"] = {k: kinds[k] for k in KIND_BY_NAME}
        out["claims"] = sum(len(getattr(r.model, "claims", ())) for r in graph.entities.values())
        out["books"] = len(result.books)
    return out


def as_json(result: CheckResult, content: Path, summary: str | None) -> str:
    """The JSON document ``briefgen check --format json`` prints; without ``summary`` (--quiet), diagnostics only."""
    data: dict[str, Any] = {"format": FORMAT, "diagnostics": [diagnostic(d) for d in result.diagnostics]}
    if summary is not None:
        data["content"] = content.as_posix()
        data["summary"] = {**counts(result), "text": summary}
    return _UNSAFE.sub(lambda m: f"\\u{ord(m[0]):04x}", json.dumps(data, indent=2, ensure_ascii=False)) + "\n"


_UNSAFE = re.compile(r"[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029" + BIDI_CONTROLS + "]")
"""What JSON leaves raw but a terminal acts on (DEL, C1 controls, bidi controls, line separators); they can only
stand inside strings, where ``\\uXXXX`` means the same character."""
