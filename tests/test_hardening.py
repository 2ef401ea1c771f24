"""Hardening: atomic builds, reproducible output, hostile input.

* Atomic: a ``briefgen build`` killed with SIGKILL while writing pages or PDFs, a build
  that fails on a content error, and a ``--strict`` build that fails on a warning all
  leave the published ``site/`` byte for byte as it was; the next build still works.
  A build killed (SIGKILL) or stopped (SIGTERM) while PDFs render leaves no worker
  process running and no staging folder locked; the next build sweeps it.
* Reproducible: the same tree built under another time zone, locale and hash seed (same
  ``SOURCE_DATE_EPOCH``, empty PDF cache) gives the same bytes, PDFs included.
* Hostile input: each case gets one clear diagnostic and exit 1 from ``briefgen check``,
  and ``briefgen build`` writes nothing; hostile Markdown and template syntax render as
  text.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from projects import FIXTURES, PROJECT_MKDOCS_YML, REPO, build_env, run, tool
from pypdf import PdfReader
from trees import differences, tree

from briefgen.cli import main

VALID = FIXTURES / "valid" / "content"
EDITIONS = FIXTURES / "editions"

MKDOCS_YML = PROJECT_MKDOCS_YML.replace("  - briefgen:\n", "  - search\n  - briefgen:\n").replace(
    "pdf: false", "pdf: {pdf}")
"""The shared test project's mkdocs.yml with MkDocs' own search plugin too, PDFs as a test asks."""


def briefgen(project: Path, *args: str, timeout: float = 180, **extra: str) -> subprocess.CompletedProcess[str]:
    return run([*tool("briefgen"), *args], cwd=project, timeout=timeout, **extra)


def small_project(root: Path, pdf: bool = False) -> Path:
    """The valid fixture as a project of its own."""
    shutil.copytree(VALID, root / "content")
    (root / "mkdocs.yml").write_text(MKDOCS_YML.format(pdf=str(pdf).lower()), encoding="utf-8")
    return root


def stagings(project: Path) -> list[Path]:
    return sorted(p for p in project.glob(".site-*") if p.is_dir())


# --- killed mid-build --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic project large enough that a build with PDFs takes several seconds."""
    root = tmp_path_factory.mktemp("big") / "project"
    done = subprocess.run([sys.executable, "-m", "benchmarks.corpus", "--entities", "200", "--seed", "1", str(root)],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (root / "content").is_dir() and (root / "mkdocs.yml").is_file()
    return root


@contextlib.contextmanager
def build_until(project: Path, ready: Callable[[Path], bool], what: str,
                log: Path) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """Start ``briefgen build --pdf`` in a session of its own and yield it, with its staging folder, as soon as
    ``ready(staging)`` holds; on the way out, SIGKILL whatever of its process group is left."""
    old = set(stagings(project))  # stale ones from earlier killed builds
    with log.open("wb") as out:
        proc = subprocess.Popen([*tool("briefgen"), "build", "-q", "--pdf"], cwd=project, env=build_env(),
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, f"the build ended before {what} (exit {proc.returncode}): {log.read_text()}"
            assert time.monotonic() < deadline, f"never saw the build {what}"
            found = [s for s in stagings(project) if s not in old and not s.name.startswith(".site-old-")]
            with contextlib.suppress(FileNotFoundError):  # the staging folder changed under us: look again
                if found and ready(found[0]):
                    break
            time.sleep(0.005)
        yield proc, found[0]
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # and any PDF worker it left behind
        proc.wait(timeout=30)


def _kill_when(project: Path, ready: Callable[[Path], bool], what: str, log: Path) -> None:
    """Start ``briefgen build`` (with PDFs) and SIGKILL it as soon as ``ready(staging)`` holds."""
    with build_until(project, ready, what, log) as (proc, _staging):
        os.kill(proc.pid, signal.SIGKILL)  # the build itself, as the OOM killer would
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL


def _writing_pages(staging: Path) -> bool:
    return not (staging / "pdf").exists() and any(staging.rglob("*.html"))


def _writing_pdfs(staging: Path) -> bool:
    return (staging / "pdf").is_dir() and any((staging / "pdf").glob("*.pdf"))


@pytest.mark.slow
def test_sigkill_mid_pages_and_mid_pdf_leaves_site_untouched(big_project: Path, tmp_path: Path) -> None:
    site = big_project / "site"
    first = briefgen(big_project, "build", "-q", "--no-pdf")
    assert first.returncode == 0, first.stdout + first.stderr
    before = tree(site)
    assert "index.html" in before and not any(k.startswith("pdf/") for k in before)

    # change the content, so that any partial swap would show in the bytes
    victim = sorted((big_project / "content" / "actors").glob("*.yaml"))[0]
    text = victim.read_text(encoding="utf-8")
    victim.write_text(re.sub(r"(?m)^name: (.*)$", r"name: \1 Renamed", text, count=1), encoding="utf-8")

    _kill_when(big_project, _writing_pages, "writing pages", tmp_path / "pages.log")
    assert differences(before, tree(site)) == [], "site/ changed after a build was killed mid-pages"

    _kill_when(big_project, _writing_pdfs, "writing PDFs", tmp_path / "pdf.log")
    assert differences(before, tree(site)) == [], "site/ changed after a build was killed mid-PDF"
    stale = stagings(big_project)
    assert stale, "a killed build leaves its staging folder; this test expects to see one"

    again = briefgen(big_project, "build", "-q", "--no-pdf")
    assert again.returncode == 0, f"a build after killed builds failed:\n{again.stdout}{again.stderr}"
    after = tree(site)
    changed = differences(before, after)
    assert changed and all(not k.startswith("pdf/") for k in after), "the new build did not replace site/"
    assert f"actors/{victim.stem}/index.html" in changed
    leftovers = [p for p in stale if p.exists()]
    assert leftovers == [], f"the next build did not sweep the killed builds' staging folders: {leftovers}"


def _group(pgid: int) -> list[tuple[int, str]]:
    """Processes (pid, name) in process group ``pgid`` that still run (a zombie holds no file, no lock)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue  # ended meanwhile
        state, _, group = stat[stat.rindex(")") + 2:].split()[:3]
        if int(group) == pgid and state not in ("Z", "X"):
            found.append((int(entry), stat[stat.index("(") + 1:stat.rindex(")")]))
    return found


def _lock_is_free(staging: Path) -> bool:
    import fcntl

    from briefgen.build.output import LOCK_NAME

    with open(staging / LOCK_NAME, "rb") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
    return True


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers die with the build on Linux")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_build_killed_while_pdfs_render_leaves_no_process_behind(big_project: Path, tmp_path: Path,
                                                                   sig: signal.Signals) -> None:
    """The build's PDF workers (and page worker) die with it; its lock is free; the next build sweeps."""
    shutil.rmtree(big_project / ".briefgen-cache", ignore_errors=True)  # PDFs to render, not to copy
    log = tmp_path / "build.log"
    with build_until(big_project, _writing_pdfs, "writing PDFs", log) as (proc, staging):
        workers = [p for p in _group(proc.pid) if p[0] != proc.pid]
        assert workers, "expected PDF workers while PDFs render"
        os.kill(proc.pid, sig)
        proc.wait(timeout=30)
        assert proc.returncode == -sig, log.read_text()
        started = time.monotonic()
        while _group(proc.pid) and time.monotonic() - started < 5:
            time.sleep(0.02)
        assert _group(proc.pid) == [], f"processes of the killed build still run 5 s later (workers were {workers})"
        if sig == signal.SIGTERM:
            assert not staging.exists(), "a build stopped by SIGTERM removes its staging folder itself"
            assert "Traceback" not in log.read_text(), log.read_text()
        else:
            assert _lock_is_free(staging), "the staging folder of a killed build is still locked"
        again = briefgen(big_project, "build", "-q", "--no-pdf")
        assert again.returncode == 0, again.stdout + again.stderr
        assert not staging.exists(), "the next build did not sweep the killed build's staging folder"


def test_sweep_spares_the_staging_folder_of_a_running_build(tmp_path: Path) -> None:
    import fcntl

    from briefgen.build.output import LOCK_NAME, sweep

    dead, running, foreign = tmp_path / ".site-dead", tmp_path / ".site-running", tmp_path / ".site-foreign"
    for folder in (dead, running, foreign):
        (folder / "index.html").parent.mkdir()
        (folder / "index.html").write_text("x")
    (dead / LOCK_NAME).write_bytes(b"")
    (running / LOCK_NAME).write_bytes(b"")
    with open(running / LOCK_NAME, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        sweep(tmp_path)
    assert not dead.exists(), "a staging folder whose lock nobody holds is left over: removed"
    assert running.exists(), "a running build's staging folder is never touched"
    assert foreign.exists(), "a folder without briefgen's lock is not briefgen's to remove"


def test_sweep_follows_no_link_and_takes_no_lock_that_is_a_link(tmp_path: Path) -> None:
    from briefgen.build.output import LOCK_NAME, sweep

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / LOCK_NAME).write_bytes(b"")
    (elsewhere / "precious.txt").write_text("x")
    (tmp_path / ".site-link").symlink_to(elsewhere)  # a link named like a staging folder, to a folder with a lock
    linked_lock = tmp_path / ".site-linked-lock"
    linked_lock.mkdir()
    (linked_lock / LOCK_NAME).symlink_to(elsewhere / LOCK_NAME)
    sweep(tmp_path)
    assert (elsewhere / "precious.txt").exists() and (tmp_path / ".site-link").is_symlink()
    assert linked_lock.exists(), "a lock file that is a link is not briefgen's"


def test_a_replaced_site_whose_deletion_was_cut_short_is_swept(tmp_path: Path) -> None:
    """The old site is moved into a locked ``.site-old-…`` folder and deleted old-site-first, lock last."""
    from briefgen.build.output import LOCK_NAME, sweep

    cut_short = tmp_path / ".site-old-abc"
    (cut_short / "site" / "actors").mkdir(parents=True)
    (cut_short / LOCK_NAME).write_bytes(b"")
    sweep(tmp_path)
    assert not cut_short.exists()


# --- failed builds ----------------------------------------------------------------------------------


@pytest.fixture
def built_small(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    project = small_project(tmp_path / "project")
    done = briefgen(project, "build", "-q")
    assert done.returncode == 0, done.stdout + done.stderr
    return project, tree(project / "site")


def test_failed_build_leaves_site_untouched(built_small: tuple[Path, dict[str, str]]) -> None:
    project, before = built_small
    path = project / "content" / "exercises" / "tidewater-2019.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("value: planned", "value: Planned"), encoding="utf-8")
    done = briefgen(project, "build", "-q")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "tidewater-2019.yaml" in done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert differences(before, tree(project / "site")) == []
    assert stagings(project) == [], "a failed build left its staging folder"


def test_strict_build_with_a_warning_leaves_site_untouched(built_small: tuple[Path, dict[str, str]]) -> None:
    project, before = built_small
    sources = project / "content" / "sources"
    shutil.copy(sources / "harbour-bulletin.yaml", sources / "uncited-notice.yaml")
    shutil.copy(sources / "harbour-bulletin.txt", sources / "uncited-notice.txt")
    done = briefgen(project, "build", "-q", "--strict")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "source 'uncited-notice' is never cited" in done.stdout + done.stderr
    assert differences(before, tree(project / "site")) == []
    assert stagings(project) == []
    relaxed = briefgen(project, "build", "-q")  # without --strict a warning does not fail the build
    assert relaxed.returncode == 0, relaxed.stdout + relaxed.stderr


# --- reproducible ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_same_tree_gives_same_bytes_under_other_tz_locale_and_hash_seed(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(EDITIONS, project, ignore=shutil.ignore_patterns(".briefgen-cache", "site"))
    settings = [dict(TZ="UTC", LC_ALL="C.UTF-8", LANG="C.UTF-8", PYTHONHASHSEED="0"),
                dict(TZ="Pacific/Auckland", LC_ALL="C", LANG="C", PYTHONHASHSEED="12345")]
    trees = []
    for number, extra in enumerate(settings):
        shutil.rmtree(project / ".briefgen-cache", ignore_errors=True)
        out = tmp_path / f"out{number}" / "site"
        done = briefgen(project, "build", "-q", "--pdf", "-d", str(out), **extra)
        assert done.returncode == 0, done.stdout + done.stderr
        trees.append(tree(out))
    assert any(k.endswith(".pdf") for k in trees[0]), "no PDFs were built"
    assert differences(*trees) == []


def test_a_map_with_many_places_is_the_same_under_another_hash_seed(tmp_path: Path) -> None:
    """Nothing on a page may follow the order of a set of ids: the site map lists its places, built
    under two hash seeds that order a set of those ids differently."""
    from benchmarks import corpus

    generated = corpus.generate(60, seed=1)
    project = corpus.write_briefgen(generated, tmp_path / "project")
    # the synthetic states have made-up names; give the one with mapped places a name the outlines know
    mapped = [e.data.get("country") for e in generated.entities if e.folder == "places"
              and any(c.get("property") == "coordinates" for c in e.data.get("claims", []))]
    name = next(e.data["name"] for e in generated.entities if e.id == max(set(mapped), key=mapped.count))
    for path in (project / "content").rglob("*.*"):
        path.write_text(path.read_text(encoding="utf-8").replace(name, "Mali"), encoding="utf-8")
    trees = []
    for seed in ("1", "4"):
        out = tmp_path / f"out{seed}" / "site"
        done = briefgen(project, "build", "-q", "--no-pdf", "-d", str(out), PYTHONHASHSEED=seed)
        assert done.returncode == 0, done.stdout + done.stderr
        trees.append(tree(out))
    assert "Map of Mali" in (tmp_path / "out1" / "site" / "map" / "index.html").read_text(encoding="utf-8")
    assert differences(*trees) == []


# --- hostile input -----------------------------------------------------------------------------------


def _replace(rel: str, old: str, new: str) -> Callable[[Path], None]:
    def apply(content: Path) -> None:
        path = content / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, f"fixture changed: {old!r} not in {rel}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return apply


def _case_collision(content: Path) -> None:
    shutil.copy(content / "actors" / "aldoria.yaml", content / "actors" / "Aldoria.yaml")


def _ten_megabytes(content: Path) -> None:
    path = content / "actors" / "brevia.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# " + "x" * (10 * 1024 * 1024) + "\n", encoding="utf-8")


def _bom(content: Path) -> None:
    path = content / "actors" / "brevia.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())


def _symlink_out(content: Path) -> None:
    path = content / "sources" / "harbour-bulletin.txt"
    path.unlink()
    path.symlink_to("/etc/passwd")


TIDEWATER = "exercises/tidewater-2019.yaml"

#: case → (mutation, file the one diagnostic is about, text it must hold)
HOSTILE: dict[str, tuple[Callable[[Path], None], str, str]] = {
    "parent-dotdot-path": (_replace("actors/aldorian-navy.yaml", "parent: aldoria", "parent: ../../etc/passwd"),
                           "actors/aldorian-navy.yaml", "parent: '../../etc/passwd' is not an id"),
    "parent-absolute-path": (_replace("actors/aldorian-navy.yaml", "parent: aldoria", "parent: /etc/passwd"),
                             "actors/aldorian-navy.yaml", "parent: '/etc/passwd' is not an id"),
    "claim-id-dotdot": (_replace(TIDEWATER, "  - property: status", "  - id: ../../evil\n    property: status"),
                        TIDEWATER, "claims[0].id: '../../evil' is not an id"),
    "case-collision": (_case_collision, "actors/Aldoria.yaml", "file name 'Aldoria' is not an id"),
    "ten-megabytes": (_ten_megabytes, "actors/brevia.yaml", "the limit is 1,048,576"),
    "byte-order-mark": (_bom, "actors/brevia.yaml", "byte-order mark"),
    "zero-date": (_replace(TIDEWATER, "value: 2019-03/2019-05", "value: 0000-00-00"), TIDEWATER,
                  "'0000-00-00' is not an EDTF date"),
    "decimal-for-whole-number": (_replace(TIDEWATER, 'value: "400"', "value: 1.10"), TIDEWATER,
                                 "'1.10' is not a whole number"),
    "archived-text-symlink": (_symlink_out, "sources/harbour-bulletin.txt", "not a regular file"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_input_one_diagnostic_and_nothing_built(case: str, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    mutate, rel, needle = HOSTILE[case]
    project = small_project(tmp_path / "project")
    mutate(project / "content")
    monkeypatch.chdir(project)
    started = time.monotonic()
    result = CliRunner().invoke(main, ["check", "content"])
    elapsed = time.monotonic() - started
    lines = result.output.splitlines()
    assert result.exit_code == 1, result.output
    assert len(lines) == 2, f"expected one diagnostic and the summary:\n{result.output}"
    assert lines[0].startswith(f"content/{rel}:") and ": error: " in lines[0], lines[0]
    assert needle in lines[0], lines[0]
    assert elapsed < 5, f"check took {elapsed:.1f} s"

    built = briefgen(project, "build", "-q", "--no-pdf")
    assert built.returncode == 1, built.stdout + built.stderr
    assert needle in built.stdout + built.stderr
    assert "Traceback" not in built.stderr
    assert not (project / "site").exists(), "a refused build wrote site/"
    assert stagings(project) == []


def test_case_collision_hint_does_not_rename_onto_the_other_file(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """``Aldoria.yaml`` beside ``aldoria.yaml``: following the hint must not overwrite a file."""
    project = small_project(tmp_path / "project")
    _case_collision(project / "content")
    monkeypatch.chdir(project)
    result = CliRunner().invoke(main, ["check", "content"])
    line = result.output.splitlines()[0]
    assert "rename it to 'aldoria.yaml'" not in line, (
        f"the hint proposes a name that is already taken (mv would overwrite aldoria.yaml): {line}")


HOSTILE_SUMMARY = """\
summary: |
  The seagoing force. [js](javascript:alert(1)) [JS](JAVASCRIPT:alert(3)) [sp]( javascript:alert(4))
  [data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) <javascript:alert(2)>
  [tab](java&#x09;script:alert(5)) [vb](vbscript:msgbox(1)) [file](file:///etc/passwd)
  [img](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=) ![pic](javascript:alert(7)) [ok](https://example.org/ok)
  [ref][evil] {{ 7*7 }} {% raw %}x{% endraw %}

  [evil]: javascript:alert(6)
"""
TEMPLATE_NAME = "{{ 7*7 }} Navy {% if true %}IF{% endif %} ${7*7} <b>bold</b>"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A project whose navy has a template-syntax name and a summary full of hostile links; site and its PDF."""
    project = small_project(tmp_path_factory.mktemp("hostile") / "project")
    _replace("actors/aldorian-navy.yaml", "name: Aldorian Navy", f"name: '{TEMPLATE_NAME}'")(project / "content")
    _replace("actors/aldorian-navy.yaml", "summary: The seagoing force of the Republic of Aldoria.\n",
             HOSTILE_SUMMARY)(project / "content")
    done = briefgen(project, "build", "-q", "--no-pdf")
    assert done.returncode == 0, done.stdout + done.stderr
    pdfs = project / "pdfs"
    done = briefgen(project, "pdf", "aldorian-navy", "-o", str(pdfs))
    assert done.returncode == 0, done.stdout + done.stderr
    return project / "site", pdfs / "aldorian-navy.pdf"


BAD_SCHEMES = re.compile(r"^\s*(javascript|data|vbscript|file)\s*:", re.IGNORECASE)


def test_hostile_markdown_links_render_as_text(hostile_site: tuple[Path, Path]) -> None:
    site, pdf = hostile_site
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for attr in re.findall(r"""(?:href|src|action|formaction|xlink:href)\s*=\s*["']?([^"'\s>]*)""", html,
                               re.IGNORECASE):
            assert not BAD_SCHEMES.match(attr), f"{page.relative_to(site)}: dangerous URL {attr!r}"
    html = (site / "actors" / "aldorian-navy" / "index.html").read_text(encoding="utf-8")
    summary = html[html.index('class="bg-summary"'):]
    summary = summary[:summary.index("</div>")]
    assert "javascript:alert(1)" in summary, "the text of the link should still be shown"
    assert 'href="https://example.org/ok"' in summary, "safe links still work"
    assert "<img" not in summary
    reader = PdfReader(pdf)
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action is None:
                continue
            action = action.get_object()
            assert action.get("/S") != "/JavaScript"
            assert not BAD_SCHEMES.match(str(action.get("/URI", ""))), f"PDF link to {action.get('/URI')}"
    assert "/JavaScript" not in str(reader.trailer["/Root"].get("/Names", {}))


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_template_syntax_in_a_name_renders_literally(hostile_site: tuple[Path, Path]) -> None:
    site, pdf = hostile_site
    html = (site / "actors" / "aldorian-navy" / "index.html").read_text(encoding="utf-8")
    shown = "{{ 7*7 }} Navy {% if true %}IF{% endif %} ${7*7} &lt;b&gt;bold&lt;/b&gt;"
    assert f'<h1 id="top"><bdi data-pagefind-weight="10" data-pagefind-meta="title">{shown}</bdi></h1>' in html
    assert "<b>bold</b>" not in html
    summary = html[html.index('class="bg-summary"'):]
    assert "{{ 7*7 }} {% raw %}x{% endraw %}" in summary
    text = _flat(" ".join(p.extract_text() or "" for p in PdfReader(pdf).pages))
    assert _flat(TEMPLATE_NAME) in text, text[:300]
    assert _squash("{{ 7*7 }} {% raw %}x{% endraw %}") in _squash(text)
    assert PdfReader(pdf).metadata.title == TEMPLATE_NAME
