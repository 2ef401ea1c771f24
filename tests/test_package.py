"""The package's shape: a core that knows nothing of MkDocs, and an adapter that only translates events."""

from __future__ import annotations

import ast
from pathlib import Path

from projects import REPO

PACKAGE = REPO / "briefgen"


def imports(path: Path) -> set[str]:
    """Every module a file imports (``from a.b import c`` is ``a.b``, and ``a.b.c`` when that is a module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_the_core_imports_no_mkdocs() -> None:
    core = [p for p in PACKAGE.rglob("*.py") if "mkdocs" not in p.relative_to(PACKAGE).parts]
    assert len(core) > 30
    for path in core:
        found = {m for m in imports(path) if m == "mkdocs" or m.startswith("mkdocs.")}
        assert not found, f"{path.relative_to(REPO)} imports {sorted(found)}"


def test_the_adapter_leaves_the_build_to_the_core() -> None:
    """No worker, collector policy, PDF publishing or job list in the MkDocs plugin: the core build owns them."""
    found = imports(PACKAGE / "mkdocs" / "plugin.py")
    owned_by_the_core = {m for m in found if m.startswith(("briefgen.build.prerender", "briefgen.build.memory",
                                                           "briefgen.pdf", "briefgen.site.plan"))}
    assert not owned_by_the_core, sorted(owned_by_the_core)
    assert "briefgen.build.core" in found
