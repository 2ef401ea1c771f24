"""Shared fixtures of the suite; plain helpers are modules beside it (``projects``, ``trees``, ``pages``,
``scanner``, ``links``), which test modules import.

The repository build renders PDF briefs as configured, so it may fill briefgen's git-ignored cache,
``.briefgen-cache/``, like any build.

Markers (registered in pyproject.toml): ``browser`` marks a test that drives Chromium, ``slow`` one that
takes more than a few seconds; ``make quick`` runs the rest, ``make test`` runs everything.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from projects import CORPUS, run, tool


@pytest.fixture(scope="session")
def repo_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    """The first corpus's site (the frozen copy, :data:`projects.CORPUS`): ``mkdocs build --strict`` into a
    temporary folder."""
    site = tmp_path_factory.mktemp("repo-site") / "site"
    done = run([*tool("mkdocs"), "build", "--strict", "-q", "-d", str(site)], cwd=CORPUS)
    return done, site
