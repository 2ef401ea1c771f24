"""Time search in a real browser: Pagefind and the offline index against MkDocs' lunr index, side by side.

    python -m benchmarks.search --entities 2000 --repeat 5

Generates the synthetic corpus (:mod:`benchmarks.corpus`) and builds it three ways (no PDFs):

* ``lunr``      the previous setup: MkDocs' ``search`` plugin with Material's search UI, briefgen's search off;
* ``pagefind``  briefgen's default: Pagefind's chunked index and briefgen's search box;
* ``offline``   ``briefgen build --offline``: briefgen's index of classic scripts, read from ``file://``.

Each site is opened in headless Chromium (Debian's ``/usr/bin/chromium``; a fresh browser context
each time, so nothing is cached), served by a local HTTP server (the offline copy from files),
on an entity page; the name of another entity is typed into the search box as soon as the page
has loaded. Measured per run: the time from opening the page to the first result shown, from
typing to the first result, the bytes read for search (index files, and for lunr its worker) and
in all, and whether the entity named ranks first. Medians over ``--repeat`` runs, after one
uncounted warm-up of each; the runs alternate between the sites. Bytes are the sizes on disk of
what was fetched (the test server sends files uncompressed, as ``file://`` reads them).
Writes JSON (``--output``, default ``benchmarks/search.json``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from benchmarks import corpus as corpus_mod
from benchmarks.run import HERE, child_env, executable, snapshot
from benchmarks.serving import serve

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
SITES = ("lunr", "pagefind", "offline")

LUNR_YML_PLUGINS = """plugins:
  - search
  - briefgen:
      search: false
"""


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def build(project: Path, env: dict[str, str], name: str) -> dict[str, Any]:
    """Build the project as ``name`` into ``site-<name>``; seconds and the size of its search index."""
    site = project / f"site-{name}"
    config = "mkdocs.yml"
    if name == "lunr":
        text = (project / "mkdocs.yml").read_text(encoding="utf-8")
        head, found, tail = text.partition("plugins:\n  - briefgen\n")
        if not found:
            raise SystemExit("the corpus mkdocs.yml has no 'plugins: - briefgen' to replace")
        (project / "mkdocs-lunr.yml").write_text(head + LUNR_YML_PLUGINS + tail, encoding="utf-8")
        config = "mkdocs-lunr.yml"
    command = [*executable("briefgen"), "build", "-q", "--no-pdf", "-f", config, "-d", str(site)]
    if name == "offline":
        command.append("--offline")
    started = time.perf_counter()
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{name} build failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    index = {"lunr": site / "search", "pagefind": site / "pagefind", "offline": site / "assets" / "search"}[name]
    files = [p for p in index.rglob("*") if p.is_file()]
    return {"site": site, "build_s": seconds, "index_bytes": folder_bytes(index), "index_files": len(files)}


def is_search(name: str, path: str) -> bool:
    """Whether a fetched file belongs to search (its index, its worker, its script)."""
    if name == "lunr":
        return path.startswith("search/") or "/workers/search" in path or path.startswith("assets/javascripts/workers/")
    if name == "pagefind":
        return path.startswith("pagefind/") or path == "assets/search.js"
    return path.startswith("assets/search")


def one_run(browser: Any, name: str, site: Path, base: str, entity_url: str, query: str,
            expected: str) -> dict[str, Any]:
    """Open ``entity_url``, search for ``query``: timings, bytes, and the rank of ``expected``."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    try:
        fetched: list[str] = []
        foreign: list[str] = []

        def record(request: Any) -> None:
            url = request.url
            parts = urlsplit(url)
            if parts.scheme == "file":
                fetched.append(unquote(parts.path))
            elif url.startswith(base):
                fetched.append(str(site / unquote(parts.path).lstrip("/")))
            elif parts.scheme not in ("data", "blob"):
                foreign.append(url)

        ctx.on("request", record)
        page = ctx.new_page()
        page.set_default_timeout(120_000)
        opened = time.perf_counter()
        page.goto(entity_url, wait_until="load")
        if name == "lunr":
            box, hit = page.locator("input.md-search__input"), "a.md-search-result__link"
        else:
            box, hit = page.locator("input.bg-search__input"), "a.bg-search__link"
        box.click()
        box.fill(query)
        box.press("End")  # a key released: Material's search reads the query on keyup
        typed = time.perf_counter()
        page.locator(hit).first.wait_for(state="visible")
        shown = time.perf_counter()
        links = page.locator(hit).evaluate_all("links => links.map(a => a.href)")
        rank = next((i + 1 for i, href in enumerate(links)
                     if href.split("#")[0].removesuffix("index.html").rstrip("/").endswith(expected)), None)
        sizes = {}
        for path in fetched:
            p = Path(path)
            if p.is_dir():
                p = p / "index.html"
            sizes[p] = p.stat().st_size if p.is_file() else 0
        search_bytes = sum(size for p, size in sizes.items()
                           if p.is_relative_to(site) and is_search(name, p.relative_to(site).as_posix()))
        return {"open_to_result_s": shown - opened, "type_to_result_s": shown - typed,
                "search_bytes": search_bytes, "total_bytes": sum(sizes.values()), "requests": len(fetched),
                "rank": rank, "foreign": foreign}
    finally:
        ctx.close()


def pick(project: Path) -> tuple[str, str, str]:
    """The page opened (the first actor's), the query (another actor's name) and the page it names."""
    actors = sorted((project / "content" / "actors").glob("*.yaml"))
    opened = actors[0].stem
    target = actors[len(actors) // 2]
    name = target.read_text(encoding="utf-8").splitlines()[0].removeprefix("name: ").strip().strip('"')
    return opened, name, f"actors/{target.stem}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.search", description=__doc__.split("\n\n")[0])
    parser.add_argument("--entities", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sites", nargs="+", choices=SITES, default=list(SITES))
    parser.add_argument("--workdir", type=Path, default=HERE / ".work")
    parser.add_argument("--output", type=Path, default=HERE / "search.json")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    work = args.workdir.resolve() / f"search-n{args.entities}"
    project = corpus_mod.write_briefgen(corpus_mod.generate(args.entities, args.seed), work)
    env = child_env(work, snapshot(work))
    opened, query, expected = pick(project)
    print(f"search on {args.entities:,} entities ({project}); query {query!r} from actors/{opened}/", flush=True)
    builds = {}
    for name in args.sites:
        builds[name] = build(project, env, name)
        print(f"  built {name}: {builds[name]['build_s']:.1f} s, index {builds[name]['index_bytes'] / 1e6:.1f} MB"
              f" in {builds[name]['index_files']} files", flush=True)
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in args.sites}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            with ExitStack() as stack:
                bases = {name: stack.enter_context(serve(builds[name]["site"])) for name in args.sites
                         if name != "offline"}
                for k in range(args.repeat + 1):
                    for name in args.sites:
                        site = builds[name]["site"]
                        if name == "offline":
                            base = site.as_uri() + "/"
                            url = (site / "actors" / opened / "index.html").as_uri()
                        else:
                            base = bases[name]
                            url = f"{base}actors/{opened}/"
                        result = one_run(browser, name, site, base, url, query, expected)
                        if k:  # the first round warms the disk cache and is not counted
                            runs[name].append(result)
                        print(f"  {'warm-up' if not k else f'run {k}'} {name}: {result['open_to_result_s']:.2f} s "
                              f"to the first result, {result['search_bytes'] / 1e3:,.0f} kB for search, "
                              f"rank {result['rank']}", flush=True)
        finally:
            browser.close()
    summary: dict[str, Any] = {"entities": args.entities, "seed": args.seed, "repeat": args.repeat,
                               "query": query, "opened": f"actors/{opened}/", "expected": expected, "sites": {}}
    for name in args.sites:
        rs = runs[name]
        summary["sites"][name] = {
            "build_s": round(builds[name]["build_s"], 2), "index_bytes": builds[name]["index_bytes"],
            "index_files": builds[name]["index_files"],
            **{f"{key}_median": statistics.median(r[key] for r in rs)
               for key in ("open_to_result_s", "type_to_result_s", "search_bytes", "total_bytes", "requests")},
            "open_to_result_s": [round(r["open_to_result_s"], 3) for r in rs],
            "ranks": [r["rank"] for r in rs], "foreign_requests": sorted({u for r in rs for u in r["foreign"]}),
        }
    args.output.write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    print("\n| N | site | build s | index MB (files) | open → first result s | type → result s | "
          "search kB fetched | all kB fetched | rank |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, s in summary["sites"].items():
        print(f"| {args.entities:,} | {name} | {s['build_s']:.1f} | "
              f"{s['index_bytes'] / 1e6:.1f} ({s['index_files']}) | "
              f"{s['open_to_result_s_median']:.2f} | {s['type_to_result_s_median']:.2f} | "
              f"{s['search_bytes_median'] / 1e3:,.0f} | {s['total_bytes_median'] / 1e3:,.0f} | "
              f"{','.join(str(r) for r in s['ranks'])} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
