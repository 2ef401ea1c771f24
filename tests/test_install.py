"""briefgen as users get it: a wheel installed into a fresh venv, and ``briefgen init``.

The wheel test builds briefgen's wheel, installs it (not editable) into a new venv whose
only other packages are briefgen's dependencies (from the development venv, through a
``.pth`` path that carries no editable hook), and starts and builds a project with it:
pages, map outlines and PDFs all come from files inside the wheel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from briefgen.cli import main

REPO = Path(__file__).resolve().parent.parent


def _run(*args: str | Path, cwd: Path | None = None,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600,
                          check=False)
    assert done.returncode == 0, f"{args}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # from a copy of the files git would commit: a build/ or *.egg-info left in the work tree can hide a gap
    tree = tmp_path_factory.mktemp("tree")
    for name in _run("git", "ls-files", "-co", "--exclude-standard", cwd=REPO).stdout.splitlines():
        if (REPO / name).is_file():
            (tree / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, tree / name)
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", out, tree)
    (built,) = out.glob("briefgen-*.whl")
    return built


@pytest.mark.slow
def test_wheel_ships_every_file_of_the_package(wheel: Path) -> None:
    tracked = _run("git", "ls-files", "briefgen", cwd=REPO).stdout.split()
    shipped = set(zipfile.ZipFile(wheel).namelist())
    missing = [f for f in tracked if f not in shipped]
    assert not missing, f"files of briefgen/ not in the wheel: {missing}"
    assert "briefgen/assets/geo/countries-50m.json" in shipped
    assert "briefgen/assets/geo/LICENSE-world-atlas" in shipped


@pytest.mark.slow
def test_installed_wheel_starts_and_builds_a_project(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index", wheel)
    site_packages = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())
    # the dependencies, not briefgen: a plain path entry runs no .pth (no editable hook) inside it
    (site_packages / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}:{env.get('PATH', '')}"
    where = _run(python, "-c", "import briefgen; print(briefgen.__file__)", cwd=tmp_path, env=env).stdout.strip()
    assert Path(where).is_relative_to(site_packages), where

    _run(venv / "bin" / "briefgen", "init", "brief", cwd=tmp_path, env=env)
    project = tmp_path / "brief"
    _run(venv / "bin" / "briefgen", "check", "content", cwd=project, env=env)
    _run(venv / "bin" / "briefgen", "build", "--strict", "-q", cwd=project, env=env)
    site = project / "site"
    assert (site / "exercises" / "harbour-shield-2024" / "index.html").is_file()
    assert (site / "map" / "index.html").is_file()
    assert (site / "pdf" / "harbour-shield-2024.pdf").stat().st_size > 1000
    _run(python, "-m", "mkdocs", "build", "--strict", "-q", "-d", tmp_path / "mkdocs-site", cwd=project, env=env)
    assert (tmp_path / "mkdocs-site" / "exercises" / "harbour-shield-2024" / "index.html").is_file()


# --- briefgen init --------------------------------------------------------------------------------


def test_init_writes_a_project_that_checks_clean_and_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    done = runner.invoke(main, ["init", "my-briefing"])
    assert done.exit_code == 0, done.output
    project = tmp_path / "my-briefing"
    for name in ("mkdocs.yml", ".gitignore", ".pre-commit-config.yaml", ".github/workflows/briefing.yml",
                 "README.md", "schemas/fact-file.schema.json", "schemas/exercise.schema.json"):
        assert (project / name).is_file(), name
    config = yaml.safe_load((project / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["docs_dir"] == "content"
    assert config["site_name"] == "My briefing"
    assert any("briefgen" in (p if isinstance(p, str) else next(iter(p))) for p in config["plugins"])
    assert {next(iter(item.values())) for item in config["nav"]} >= {"index.md", "exercises/index.md"}
    assert "site/" in (project / ".gitignore").read_text(encoding="utf-8").split()
    hook = yaml.safe_load((project / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert hook["repos"][0]["hooks"][0]["entry"] == "briefgen check"
    monkeypatch.chdir(project)
    checked = runner.invoke(main, ["check", "content"])
    assert checked.exit_code == 0 and "0 errors, 0 warnings" in checked.output, checked.output
    assert runner.invoke(main, ["schema", "--check"]).exit_code == 0
    assert runner.invoke(main, ["new", "actor", "northern-fleet"]).exit_code == 0


def test_init_overwrites_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mkdocs.yml").write_text("site_name: mine\n", encoding="utf-8")
    done = CliRunner().invoke(main, ["init", "."])
    assert done.exit_code == 1
    assert done.output.strip().splitlines() == [
        "briefgen init: mkdocs.yml exists; briefgen init writes only into a new or empty project"]
    assert (tmp_path / "mkdocs.yml").read_text(encoding="utf-8") == "site_name: mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mkdocs.yml"]


def test_new_without_a_content_folder_says_how_to_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    done = CliRunner().invoke(main, ["new", "exercise", "x"])
    assert done.exit_code == 2
    assert "briefgen init" in done.output
