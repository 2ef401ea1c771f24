"""Test projects and how the suite runs briefgen on them: paths, the fixed date, the environment, git.

Builds run as subprocesses of the installed tools (``briefgen build``, ``mkdocs build``) with
``SOURCE_DATE_EPOCH`` fixed (:data:`EPOCH`), so "as of" dates do not depend on the day the suite
runs, and outside any repository the suite itself may run in (no ``GIT_*`` variable is passed on).
Projects are copies made in temporary folders; nothing here writes into the repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from briefgen.check.link import Graph
from briefgen.check.pipeline import check

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


def build_env(**extra: str) -> dict[str, str]:
    """Environment of every build: a fixed date, no MkDocs 2 banner, no golden rewriting, no outer git
    repository (a project copy is its own, or none); ``extra`` on top (``TZ``, ``PYTHONHASHSEED`` …)."""
    env = {k: v for k, v in os.environ.items() if k != "BRIEFGEN_REGEN" and not k.startswith("GIT_")}
    env.update(SOURCE_DATE_EPOCH=EPOCH, NO_MKDOCS_2_WARNING="1", **extra)
    return env


def run(command: list[str], cwd: Path, timeout: float = 120, **extra: str) -> subprocess.CompletedProcess[str]:
    """Run a command with the build environment (plus ``extra``); capture its output as text."""
    return subprocess.run(command, cwd=cwd, env=build_env(**extra), capture_output=True, text=True, timeout=timeout)


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


def graph_of(content: Path) -> Graph:
    """The graph of a content folder that checks without errors (the test fails, listing them, otherwise)."""
    result = check(content)
    assert result.ok and result.graph is not None, [d.format() for d in result.diagnostics]
    return result.graph


#: When every commit of a test repository is made, unless a test says otherwise.
COMMIT_DATE = "2020-01-02T10:00:00+00:00"


def git(cwd: Path, *args: str, date: str = COMMIT_DATE) -> str:
    """Run git in ``cwd`` with a fixed identity and dates, isolated from any outer repository or config;
    return what it prints."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_AUTHOR_NAME="Editor", GIT_AUTHOR_EMAIL="editor@example.org", GIT_COMMITTER_NAME="Editor",
               GIT_COMMITTER_EMAIL="editor@example.org", GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date,
               GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True).stdout


def commit_all(root: Path, subject: str) -> None:
    """Make ``root`` a git repository whose one commit adds every file, with ``subject``."""
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", subject)
