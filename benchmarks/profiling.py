"""Profile ``briefgen build`` (site only) and ``briefgen check`` on a synthetic corpus with cProfile.

    python -m benchmarks.profiling --entities 2000 [--top 15]

Writes ``build.prof`` and ``check.prof`` under the work folder and prints, for each, the
top functions by cumulative time and by own time (pstats). Profiling slows Python code
down unevenly; read the shares, not the seconds.
"""

from __future__ import annotations

import argparse
import io
import os
import pstats
import subprocess
import sys
from pathlib import Path

from benchmarks import corpus as corpus_mod
from benchmarks.run import HERE, child_env, executable, snapshot


def summary(path: Path, top: int) -> str:
    """The top functions by cumulative time below the call chain that wraps the whole run, then by own time."""
    out = io.StringIO()
    stats = pstats.Stats(str(path), stream=out)
    # Stats keeps its totals in attributes its documentation and typeshed leave out
    total = stats.total_tt  # type: ignore[attr-defined]
    rows = []
    for (file, line, name), (_, calls, own, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        where = f"{Path(file).parent.name}/{Path(file).name}:{line}" if line else file
        rows.append((cumulative, own, calls, f"{where}({name})"))
    out.write(f"== {path.name}: {total:.2f} s under cProfile ==\n")
    out.write(f"top {top} by cumulative time (frames holding over 90 % of the run, the wrappers, left out)\n")
    out.write(f"{'cum s':>8} {'cum %':>6} {'own s':>8} {'calls':>9}  function\n")
    wrapped = [r for r in sorted(rows, reverse=True) if r[0] <= 0.9 * total]
    for cumulative, own, calls, where in wrapped[:top]:
        out.write(f"{cumulative:8.3f} {cumulative / total:6.1%} {own:8.3f} {calls:9d}  {where}\n")
    out.write(f"top {top} by own time\n")
    for cumulative, own, calls, where in sorted(rows, key=lambda r: r[1], reverse=True)[:top]:
        out.write(f"{cumulative:8.3f} {cumulative / total:6.1%} {own:8.3f} {calls:9d}  {where}\n")
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profiling", description=__doc__.split("\n\n")[0])
    parser.add_argument("--entities", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--workdir", type=Path, default=HERE / ".work")
    args = parser.parse_args(argv)
    work = args.workdir.resolve() / f"profile-n{args.entities}"
    project = corpus_mod.write_briefgen(corpus_mod.generate(args.entities, args.seed), work)
    env = child_env(work, snapshot(work))
    briefgen = executable("briefgen")
    script = briefgen[0] if len(briefgen) == 1 else None
    if script is None:
        sys.exit("profiling needs the briefgen console script beside this interpreter")
    for name, command in (("build", ["build", "-q", "--no-pdf"]), ("check", ["check", "content"])):
        prof = work / f"{name}.prof"
        subprocess.run([sys.executable, "-m", "cProfile", "-o", str(prof), script, *command],
                       cwd=project, env=env, check=True, stdout=subprocess.DEVNULL)
        print(summary(prof, args.top))
    print(f"profiles in {work}{os.sep}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
