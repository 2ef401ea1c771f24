"""Benchmark a briefing book of every entry: time, peak memory and pages, in parts and in one document.

    python -m benchmarks.book --entities 2000 --part-size 100 0
    python -m benchmarks.book --entities 2000 4000 --part-size 100 --repeat 2

For each size N it generates the synthetic corpus (:mod:`benchmarks.corpus`) with a book
``content/briefs/everything.yaml`` of every exercise, mechanism, actor and place (80 % of
N), then runs ``briefgen pdf everything -j 1 --no-cache --book-part-size P`` in a fresh
subprocess for each part size P (0: the book in one document). The worker keeps its memory
cap (``DEFAULT_MEMORY_MB``); a book that goes over it is reported as stopped, not as a
failure of the benchmark. Peak RSS is ``ru_maxrss`` from ``os.wait4``: the largest single
process of the tree, here the PDF worker. Medians of ``--repeat`` runs; results go to
``benchmarks/book-results.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.run import REPO, child_env, code_hash, executable, snapshot

HERE = Path(__file__).resolve().parent
BOOK = "title: Everything\nscope:\n  kinds: [exercise, mechanism, actor, place]\nedition: CLEAR\n"
ONE_DOCUMENT = 1_000_000  # a part size no book reaches


def generate(project: Path, n: int, seed: int, env: dict[str, str]) -> None:
    """The corpus of ``n`` entities (in a child, so this process stays small) and the book of all of it."""
    if not (project / "content").is_dir():
        subprocess.run([sys.executable, "-m", "benchmarks.corpus", "--entities", str(n), "--seed", str(seed),
                        str(project)], cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL)
    (project / "content" / "briefs").mkdir(exist_ok=True)
    (project / "content" / "briefs" / "everything.yaml").write_text(BOOK, encoding="utf-8")


def run_once(project: Path, part_size: int, env: dict[str, str]) -> dict[str, Any]:
    """One ``briefgen pdf`` of the book: wall and CPU seconds, peak RSS, pages, and whether it was stopped."""
    out = project / "out"
    argv = [*executable("briefgen"), "pdf", "everything", "-j", "1", "--no-cache", "-o", str(out),
            "--book-part-size", str(part_size or ONE_DOCUMENT)]
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = proc.stdout.read().decode("utf-8", "replace") if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    pdf = out / "books" / "everything.pdf"
    pages = None
    if code == 0:
        from pypdf import PdfReader

        pages = len(PdfReader(pdf).pages)
    elif "memory" not in output:
        raise SystemExit(f"briefgen pdf failed (exit {code}):\n{output[-2000:]}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_mb": usage.ru_maxrss / 1024,
            "pages": pages, "stopped": code != 0, "mb": pdf.stat().st_size / 2**20 if code == 0 else None}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.book", description=__doc__.split("\n\n")[0])
    parser.add_argument("--entities", type=int, nargs="+", default=[2000])
    parser.add_argument("--part-size", type=int, nargs="+", default=[100], help="entries per part; 0: one document")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=HERE / ".work" / "book")
    args = parser.parse_args(argv)
    work = args.workdir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    env = child_env(work, snapshot(work))
    results: dict[str, Any] = {"code": code_hash(), "seed": args.seed, "runs": []}
    for n in args.entities:
        project = work / f"n{n}"
        generate(project, n, args.seed, env)
        for size in args.part_size:
            runs = [run_once(project, size, env) for _ in range(args.repeat)]
            row = {"entities": n, "entries": int(n * 0.8), "part_size": size or None,
                   "stopped": any(r["stopped"] for r in runs), "pages": runs[-1]["pages"], "mb": runs[-1]["mb"],
                   **{k: statistics.median(r[k] for r in runs) for k in ("wall_s", "cpu_s", "peak_rss_mb")}}
            results["runs"].append(row)
            print(json.dumps(row), flush=True)
    (HERE / "book-results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
