"""The pre-commit hook, run for real: `pre-commit try-repo` installs briefgen from this
repository into its own environment and runs `briefgen-check` on a content repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from projects import FIXTURES, REPO, git

pytestmark = pytest.mark.slow  # pre-commit installs briefgen into an environment of its own

FIXTURE = FIXTURES / "valid" / "content"


def test_precommit_hook_passes_good_content_and_stops_a_tampered_quote(tmp_path: Path) -> None:
    project = tmp_path / "briefing"
    shutil.copytree(FIXTURE, project / "content")
    git(project, "init", "-q", "-b", "main")
    git(project, "add", ".")
    git(project, "commit", "-q", "-m", "facts")
    pre_commit = [str(Path(sys.executable).with_name("pre-commit")), "try-repo", str(REPO), "briefgen-check",
                  "--all-files"]
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache")}

    good = subprocess.run(pre_commit, cwd=project, env=env, capture_output=True, text=True, timeout=600)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "briefgen check" in good.stdout and "Passed" in good.stdout

    drill = project / "content" / "exercises" / "tidewater-2019.yaml"
    drill.write_text(drill.read_text(encoding="utf-8").replace("Navies prepare", "Navies plan"), encoding="utf-8")
    bad = subprocess.run(pre_commit, cwd=project, env=env, capture_output=True, text=True, timeout=600)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout
    assert "content/exercises/tidewater-2019.yaml:" in bad.stdout and "quote not found verbatim" in bad.stdout
