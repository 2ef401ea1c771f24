"""Shared fixtures for the site tests (tests/test_site.py, tests/test_browser.py).

Builds run as subprocesses of the installed tools (``briefgen build``, ``mkdocs build``)
with ``SOURCE_DATE_EPOCH`` fixed, so "as of" dates do not depend on the day the suite runs.
Sites are always written to temporary folders (test projects are copies made there; the
repository's own build uses ``-d``). The repository build renders PDF briefs as configured,
so it may fill briefgen's git-ignored cache, ``.briefgen-cache/``, like any build.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
FIXTURES = TESTS / "fixtures"
CORPUS = FIXTURES / "corpus"
"""The first corpus frozen for tests (see its README): editing content/ never changes what they see."""

#: 2024-01-01T00:00:00Z — the "as of" day of every test build.
EPOCH = "1704067200"

#: The MkDocs configuration of a test project: the repository's own settings that matter
#: (Material without web fonts, search, briefgen), minus its nav, which names the real pages,
#: and without PDF briefs (slow, and not what these tests are about; the repository's own
#: build, ``repo_site``, renders them as configured).
PROJECT_MKDOCS_YML = """\
site_name: Test briefing
docs_dir: content
site_dir: site
use_directory_urls: true
theme:
  name: material
  font: false
  language: en
plugins:
  - briefgen:
      pdf: false
"""


def tool(name: str) -> list[str]:
    """Command line of a console script installed beside the running interpreter."""
    script = Path(sys.executable).with_name(name)
    if script.exists():
        return [str(script)]
    module = {"briefgen": "briefgen.cli", "mkdocs": "mkdocs"}[name]
    return [sys.executable, "-m", module]


def build_env() -> dict[str, str]:
    """Environment of every build: a fixed date, no MkDocs 2 banner."""
    env = dict(os.environ)
    env["SOURCE_DATE_EPOCH"] = EPOCH
    env["NO_MKDOCS_2_WARNING"] = "1"
    env.pop("BRIEFGEN_REGEN", None)
    return env


def run(command: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run a command with the build environment; capture its output as text."""
    return subprocess.run(command, cwd=cwd, env=build_env(), capture_output=True, text=True, timeout=timeout)


def make_project(root: Path, content: Path, templates: dict[str, str] | None = None) -> Path:
    """A project folder under ``root``: a copy of ``content``, a mkdocs.yml, optional templates/."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(content, root / "content")
    (root / "mkdocs.yml").write_text(PROJECT_MKDOCS_YML, encoding="utf-8")
    for name, text in (templates or {}).items():
        path = root / "templates" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def briefgen_build(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``briefgen build`` run in ``project`` (writes ``project/site``)."""
    return run([*tool("briefgen"), "build", *args], cwd=project)


@pytest.fixture(scope="session")
def repo_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    """The first corpus's site (the frozen copy, :data:`CORPUS`): ``mkdocs build --strict`` into a temporary
    folder."""
    site = tmp_path_factory.mktemp("repo-site") / "site"
    done = run([*tool("mkdocs"), "build", "--strict", "-q", "-d", str(site)], cwd=CORPUS)
    return done, site
