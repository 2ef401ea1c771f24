"""Smoke test of the benchmark (benchmarks/, BENCHMARKS.md): it still runs, and its corpus is valid.

The generator's corpus must check with 0 errors and 0 warnings, be the same for the same
seed, and the harness must write every figure. No timing is asserted here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from benchmarks import corpus
from briefgen.cli import main

REPO = Path(__file__).resolve().parent.parent
FIGURES = ("briefgen_build_s", "briefgen_check_s", "hugo_s", "mkdocs_plain_s", "yaml_floor_s")


def test_generated_corpus_checks_clean(tmp_path: Path) -> None:
    out = tmp_path / "corpus"
    subprocess.run([sys.executable, "-m", "benchmarks.corpus", "--entities", "60", "--seed", "7", str(out)],
                   cwd=REPO, check=True, capture_output=True)
    assert (out / "mkdocs.yml").is_file()
    assert len(list((out / "content").glob("*/*.yaml"))) == 60
    result = CliRunner().invoke(main, ["check", "--strict", str(out / "content")])
    assert result.exit_code == 0, result.output
    summary = result.output.strip().splitlines()[-1]
    assert "60 entities (18 exercises, 3 mechanisms, 15 actors, 12 places, 12 sources)" in summary
    assert summary.endswith("0 errors, 0 warnings")


def test_generator_is_deterministic() -> None:
    first, second = corpus.generate(60, seed=3), corpus.generate(60, seed=3)
    assert [corpus.dump(e.data) for e in first.entities] == [corpus.dump(e.data) for e in second.entities]
    assert first.texts == second.texts
    assert corpus.generate(60, seed=4).texts != first.texts


@pytest.mark.slow
def test_harness_writes_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--entities", "60", "--repeat", "1", "--warmup", "0",
         "--workdir", str(tmp_path / "work"), "--output", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    data = json.loads(out.read_text(encoding="utf-8"))
    [size] = data["sizes"]
    assert size["entities"] == 60
    for key in FIGURES:
        assert isinstance(size[key], float) and size[key] > 0, key
    assert size["peak_rss_mb"] and all(v > 0 for v in size["peak_rss_mb"].values())
    assert size["briefgen_build_peak_rss_mb"] > 0
    assert size["ratios"]["briefgen_build/hugo"] > 0
    assert {b["budget"] for b in data["budgets"]}  # listed, though not measured at this size
    assert data["pdf"]["measured"] is False and "PDF" in data["pdf"]["note"]
    assert "budgets" in proc.stdout and "PDF" in proc.stdout


@pytest.mark.slow
def test_serve_benchmark_edits_reach_the_served_pages(tmp_path: Path) -> None:
    """A real ``mkdocs serve``: each kind of edit is served, and made by the preview in place, not in full."""
    out = tmp_path / "serve.json"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.serve", "--entities", "60", "--edits", "1", "--timeout", "120",
         "--workdir", str(tmp_path / "work"), "--output", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    data = json.loads(out.read_text(encoding="utf-8"))
    for kind in ("note", "value", "name"):
        assert data[f"{kind}_median_s"] > 0, kind
    # three edits and three restores, every one made in place
    assert data["preview_updates"] == 6 and data["full_rebuilds"] == 0, data


@pytest.mark.slow
@pytest.mark.browser
def test_search_benchmark_runs_every_site_in_chromium(tmp_path: Path) -> None:
    """The three sites are built and searched in a real browser; the page named ranks first, nothing leaves."""
    out = tmp_path / "search.json"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.search", "--entities", "60", "--repeat", "1",
         "--workdir", str(tmp_path / "work"), "--output", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data["sites"]) == {"lunr", "pagefind", "offline"}
    for name, site in data["sites"].items():
        assert site["open_to_result_s_median"] > 0 and site["search_bytes_median"] > 0, name
        assert site["foreign_requests"] == [], (name, site["foreign_requests"])
    for name in ("pagefind", "offline"):
        assert data["sites"][name]["ranks"] == [1], (name, data["sites"][name]["ranks"])
    assert "| 60 | pagefind |" in proc.stdout
