"""ProperDocs, the maintained continuation of MkDocs 1.x, builds the same site as MkDocs 1.6.

ProperDocs (package and command ``properdocs``) reads ``mkdocs.yml`` when given with ``-f``,
loads plugins from the ``mkdocs.plugins`` entry points as well as its own, and aliases every
``mkdocs.*`` import to ``properdocs.*``: briefgen's plugin (and Material) run on it unchanged.
The shipped corpus (PDF briefs included) and the valid fixture are built by both, and the two
sites must be the same file for file. The one difference allowed is the theme's
``<meta name="generator">``, which names the host and its version.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from projects import FIXTURES, REPO, make_project, run, tool

pytestmark = pytest.mark.slow  # two builds of each project, by two hosts

GENERATOR = re.compile(rb'<meta name="generator" content="[^"]*">')
VALID = FIXTURES / "valid" / "content"


def properdocs() -> list[str]:
    script = Path(tool("mkdocs")[0]).with_name("properdocs")
    if not script.exists():
        pytest.fail("properdocs is not installed: it is a dev dependency (pip install -e '.[dev]')")
    return [str(script)]


def site_files(site: Path) -> dict[str, bytes]:
    """Every file of a site, with the generator tag of its HTML pages blanked."""
    out = {}
    for path in sorted(site.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            out[path.relative_to(site).as_posix()] = GENERATOR.sub(b'<meta name="generator">', data) \
                if path.suffix == ".html" else data
    return out


def assert_same_site(mkdocs_site: Path, properdocs_site: Path) -> None:
    a, b = site_files(mkdocs_site), site_files(properdocs_site)
    assert sorted(a.keys() - b.keys()) == [] and sorted(b.keys() - a.keys()) == [], "the two sites differ in files"
    differ = [rel for rel in a if a[rel] != b[rel]]
    assert differ == [], f"{len(differ)} files differ between MkDocs and ProperDocs: {differ[:10]}"


def generators(site: Path) -> set[bytes]:
    return {m for p in site.rglob("*.html") for m in GENERATOR.findall(p.read_bytes())}


def build_with_properdocs(project: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return run([*properdocs(), "build", "--strict", "-q", "-f", "mkdocs.yml", "-d", str(site)], cwd=project,
               timeout=600)


def test_properdocs_builds_the_fixture_as_mkdocs_does(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", VALID)
    with_mkdocs = run([*tool("mkdocs"), "build", "--strict", "-q", "-d", str(tmp_path / "mkdocs")], cwd=project)
    assert with_mkdocs.returncode == 0, with_mkdocs.stdout + with_mkdocs.stderr
    with_properdocs = build_with_properdocs(project, tmp_path / "properdocs")
    assert with_properdocs.returncode == 0, with_properdocs.stdout + with_properdocs.stderr
    assert_same_site(tmp_path / "mkdocs", tmp_path / "properdocs")
    (mkdocs_tag,), (properdocs_tag,) = generators(tmp_path / "mkdocs"), generators(tmp_path / "properdocs")
    assert b"ProperDocs" in properdocs_tag and b"ProperDocs" not in mkdocs_tag, (mkdocs_tag, properdocs_tag)


def test_properdocs_builds_the_shipped_corpus_as_mkdocs_does(tmp_path: Path) -> None:
    mkdocs_site = tmp_path / "mkdocs"
    done = run([*tool("mkdocs"), "build", "--strict", "-q", "-d", str(mkdocs_site)], cwd=REPO, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    with_properdocs = build_with_properdocs(REPO, tmp_path / "properdocs")
    assert with_properdocs.returncode == 0, with_properdocs.stdout + with_properdocs.stderr
    assert list((tmp_path / "properdocs" / "pdf").glob("*.pdf")), "ProperDocs' build made no PDF briefs"
    assert_same_site(mkdocs_site, tmp_path / "properdocs")
