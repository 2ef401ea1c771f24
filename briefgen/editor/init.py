"""``briefgen init DIR``: a new briefing project that checks and builds at once.

Like ``mkdocs new`` and ``hugo new site``: a ``mkdocs.yml`` with the plugin and a nav of
sections, ``content/`` with one commented source (and its archived text) and one exercise
that check clean, ``schemas/`` for editors, a pre-commit hook, a CI workflow, a
``.gitignore`` and a README. The files come from ``briefgen/starter/``; ``@NAME@`` and
``@VERSION@`` in them are filled in. Nothing that exists is overwritten.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from briefgen import __version__
from briefgen.editor import schemafiles
from briefgen.model import KIND_BY_NAME

STARTER = "starter"
RENAMED = {"gitignore": ".gitignore", "pre-commit-config.yaml": ".pre-commit-config.yaml",
           "github/briefing.yml": ".github/workflows/briefing.yml"}
"""Starter files shipped under another name (a wheel drops dot files, and ``github/`` is no package)."""


class InitError(Exception):
    """The project cannot be written (a file it would write exists)."""


def _files(root: Traversable, prefix: str = "") -> list[tuple[str, Traversable]]:
    out: list[tuple[str, Traversable]] = []
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        name = f"{prefix}{entry.name}"
        if entry.is_dir():
            out += _files(entry, f"{name}/")
        elif not entry.name.endswith((".pyc", ".pyo")):
            out.append((RENAMED.get(name, name), entry))
    return out


def plan(target: Path) -> list[tuple[Path, bytes]]:
    """Every file ``init`` writes into ``target`` and its bytes (schemas included)."""
    name = target.resolve().name.replace("-", " ").replace("_", " ").strip().capitalize() or "Briefing"
    out: list[tuple[Path, bytes]] = []
    for relative, entry in _files(resources.files("briefgen").joinpath(STARTER)):
        text = entry.read_text(encoding="utf-8")
        text = text.replace("@NAME@", name.replace('"', "'")).replace("@VERSION@", __version__)
        out.append((target / relative, text.encode()))
    for file, text in schemafiles.expected().items():
        out.append((target / schemafiles.FOLDER / file, text.encode()))
    return out


def init(target: Path) -> list[Path]:
    """Write a new project into ``target`` (made if missing); return the files written, in order."""
    files = plan(target)
    taken = [p for p, _ in files if p.exists() or p.is_symlink()]
    if taken:
        raise InitError(f"{taken[0].as_posix()} exists; briefgen init writes only into a new or empty project"
                        + (f" ({len(taken)} files would be overwritten)" if len(taken) > 1 else ""))
    for path, data in files:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    for kind in KIND_BY_NAME.values():
        (target / "content" / kind.folder).mkdir(parents=True, exist_ok=True)
    return [p for p, _ in files]
