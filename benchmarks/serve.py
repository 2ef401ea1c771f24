"""Time the live preview: edit one fact while ``mkdocs serve`` runs, until the page shows it.

    python -m benchmarks.serve --entities 2000 --edits 5

Generates the synthetic corpus (:mod:`benchmarks.corpus`), starts ``mkdocs serve`` on it
(a real server, live reload on), waits for the first build, then edits fact files the way
an editor would and polls the edited entity's page over HTTP until it shows the edit. The
figure is the time from the file being written to the page serving it (the server's own
0.1 s wait for edits to settle included). Three kinds of edit, ``--edits`` times each:

* ``note``     a claim's note on one exercise (one page shows it)
* ``value``    a claim's value on one exercise (that page, its index row, the graph export)
* ``name``     an actor's name (its page and every page that names it)

Prints medians and writes them as JSON (``--output``, default ``benchmarks/serve.json``),
with how many rebuilds the preview made in place and how many were full builds (from the
server's log, kept in the work folder).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks import corpus as corpus_mod
from benchmarks.run import HERE, child_env, executable, snapshot


@dataclass(frozen=True)
class Edit:
    """One kind of edit: the file, how to rewrite its text for the k-th edit, and the page and text to wait for."""

    kind: str
    file: Path
    rewrite: Callable[[str, int], str]
    url: str
    expect: Callable[[int], str]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            body: bytes = response.read()
            return body.decode("utf-8", errors="replace")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def wait_for(url: str, needle: str, timeout: float, *, present: bool = True) -> float | None:
    """Seconds until ``url`` serves a page containing ``needle`` (or, not ``present``, without it), or None."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        body = fetch(url)
        if body is not None and (needle in body) is present:
            return time.perf_counter() - start
        time.sleep(0.01)
    return None


def edits(project: Path) -> list[Edit]:
    """The three kinds of edit, on the first files of the corpus that suit them."""
    content = project / "content"
    noted = next(p for p in sorted((content / "exercises").glob("*.yaml")) if "\n    note: " in p.read_text())
    valued = next(p for p in sorted((content / "exercises").glob("*.yaml"))
                  if "property: duration_days\n    value: " in p.read_text())
    actor = next(p for p in sorted((content / "actors").glob("*.yaml")) if p.read_text().startswith("name: "))
    actor_name = actor.read_text().splitlines()[0].removeprefix("name: ")

    def note(text: str, k: int) -> str:
        return re.sub(r"\n    note: .*", f'\n    note: "Edited note number {k}."', text, count=1)

    def value(text: str, k: int) -> str:
        return re.sub(r"(property: duration_days\n    value: )\d+", rf"\g<1>{100 + k}", text, count=1)

    def name(text: str, k: int) -> str:
        return re.sub(r"^name: .*", f"name: {actor_name} Edited{k}", text, count=1)

    return [
        Edit("note", noted, note, f"exercises/{noted.stem}/", lambda k: f"Edited note number {k}."),
        Edit("value", valued, value, f"exercises/{valued.stem}/", lambda k: f"{100 + k} days"),
        Edit("name", actor, name, f"actors/{actor.stem}/", lambda k: f"{actor_name} Edited{k}"),
    ]


def run(project: Path, env: dict[str, str], count: int, timeout: float, log: Path) -> dict[str, object]:
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    mkdocs = executable("mkdocs")
    with log.open("w") as out:
        started = time.perf_counter()
        server = subprocess.Popen([*mkdocs, "serve", "-a", f"127.0.0.1:{port}"], cwd=project, env=env,
                                  stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            first = wait_for(base, "<html", timeout)
            if first is None:
                raise SystemExit(f"mkdocs serve did not serve {base} within {timeout:.0f} s; see {log}")
            results: dict[str, object] = {"first_build_s": time.perf_counter() - started}
            for edit in edits(project):
                original = edit.file.read_text(encoding="utf-8")
                times = []
                try:
                    for k in range(1, count + 1):
                        time.sleep(1.0)  # a separate rebuild for each edit
                        edit.file.write_text(edit.rewrite(original, k), encoding="utf-8")
                        seconds = wait_for(base + edit.url, edit.expect(k), timeout)
                        if seconds is None:
                            raise SystemExit(f"{edit.kind} edit {k} not served within {timeout:.0f} s; see {log}")
                        times.append(seconds)
                        print(f"  {edit.kind} edit {k}: {seconds:.2f} s", flush=True)
                finally:
                    edit.file.write_text(original, encoding="utf-8")
                    # served again as it was before the next edit (or the server stopping): a busy
                    # machine must not merge the restore into the next edit's rebuild, or lose it
                    wait_for(base + edit.url, edit.expect(count), timeout, present=False)
                    time.sleep(1.0)
                results[f"{edit.kind}_s"] = times
                results[f"{edit.kind}_median_s"] = statistics.median(times)
        finally:
            os.killpg(server.pid, signal.SIGINT)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
    text = log.read_text(encoding="utf-8", errors="replace")
    # how each rebuild went: briefgen's preview in place, or MkDocs' full build
    results["preview_updates"] = text.count("briefgen: preview updated")
    results["full_rebuilds"] = text.count("Documentation built in") - 1
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.serve", description=__doc__.split("\n\n")[0])
    parser.add_argument("--entities", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--edits", type=int, default=5, help="edits of each kind (default 5)")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--workdir", type=Path, default=HERE / ".work")
    parser.add_argument("--output", type=Path, default=HERE / "serve.json")
    args = parser.parse_args(argv)
    work = args.workdir.resolve() / f"serve-n{args.entities}"
    project = corpus_mod.write_briefgen(corpus_mod.generate(args.entities, args.seed), work)
    env = child_env(work, snapshot(work))
    print(f"mkdocs serve on {args.entities:,} entities ({project})", flush=True)
    results = run(project, env, args.edits, args.timeout, work / "serve.log")
    results = {"entities": args.entities, "seed": args.seed, "edits": args.edits, **results}
    args.output.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"first build {results['first_build_s']:.2f} s; medians: "
          + ", ".join(f"{k} {results[f'{k}_median_s']:.2f} s" for k in ("note", "value", "name")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
