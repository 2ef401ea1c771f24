"""Bodies rendered ahead by a forked worker (briefgen/build/prerender.py).

The site build takes each page's body from the worker when the page comes, or renders it
itself when the worker cannot give it; either way the page must be the same. Real
``fork`` and pipes here; the golden pages of ``tests/test_site.py`` are built through the
worker as well (``briefgen build`` on a machine with a second core).
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path

import pytest

from briefgen.build import prerender

PAGES = [(f"kind/page-{i}.md", "../../") for i in range(300)]


def render(uri: str, base: str) -> tuple[str, str | None]:
    number = int(uri.removeprefix("kind/page-").removesuffix(".md"))
    body = f"<h1>Page {number} — «ünïcode» 🚢</h1>" + f'<a href="{base}x/">x</a>' * (number % 7) + "y" * 5000
    return body, (None if number % 3 == 0 else f"words of page {number}")


def test_bodies_come_in_order_exactly_as_rendered_here() -> None:
    ahead = prerender.Prerenderer(PAGES, render)
    try:
        for uri, base in PAGES:
            assert ahead.take(uri) == render(uri, base)
    finally:
        ahead.close()
    assert ahead.pid is None


def test_a_page_out_of_order_stops_the_worker_and_the_caller_renders_the_rest() -> None:
    ahead = prerender.Prerenderer(PAGES, render)
    assert ahead.take(PAGES[0][0]) == render(*PAGES[0])
    assert ahead.take(PAGES[5][0]) is None  # MkDocs asked for another page than the worker made next
    assert ahead.pid is None and ahead.reader is None
    assert ahead.take(PAGES[1][0]) is None


def test_a_worker_that_fails_gives_what_it_made_and_then_nothing() -> None:
    def failing(uri: str, base: str) -> tuple[str, str | None]:
        if uri == PAGES[10][0]:
            raise RuntimeError("a template error")
        return render(uri, base)

    ahead = prerender.Prerenderer(PAGES, failing)
    try:
        for uri, base in PAGES[:10]:
            assert ahead.take(uri) == render(uri, base)
        assert ahead.take(PAGES[10][0]) is None  # the caller renders it, and meets the error itself
    finally:
        ahead.close()


def test_closing_early_collects_the_worker() -> None:
    ahead = prerender.Prerenderer(PAGES, render)
    pid = ahead.pid
    assert pid is not None
    ahead.close()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # already collected: no zombie left behind


def test_no_worker_while_another_thread_runs() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert prerender.usable() is False
    finally:
        stop.set()
        thread.join()


BUILD = """
import json, os, sys
os.cpu_count = lambda: 2  # the worker is wanted even on a one-core machine
from mkdocs.commands.build import build
from mkdocs.config import load_config
from briefgen.build import prerender
if sys.argv[2] == "alone":
    prerender.usable = lambda: False
config = load_config("mkdocs.yml", site_dir=sys.argv[1])
config.plugins.on_startup(command="build", dirty=False)
build(config)
plugin = config.plugins["briefgen"]
print(json.dumps([plugin.build.rendered_ahead, len(plugin.build.site.pages)]))
"""


@pytest.mark.slow
def test_a_site_build_takes_every_body_from_the_worker(tmp_path: Path) -> None:
    """In a real MkDocs build (a process of its own, with no other thread), the worker's order is the order
    MkDocs builds the pages in: every body comes from it, and the site is the one built without a worker."""
    from projects import FIXTURES, make_project, run

    project = make_project(tmp_path / "project", FIXTURES / "valid" / "content")
    counts = {}
    for mode in ("ahead", "alone"):
        done = run([sys.executable, "-c", BUILD, str(tmp_path / mode), mode], cwd=project)
        assert done.returncode == 0, done.stderr
        counts[mode] = json.loads(done.stdout.strip().splitlines()[-1])
    pages = [p for p in (tmp_path / "ahead").rglob("index.html") if p.parent.name not in ("search", "assets")]
    assert counts["ahead"] == [len(pages), len(pages)]  # every body from the worker
    assert counts["alone"] == [0, len(pages)]
    for page in pages:
        rel = page.relative_to(tmp_path / "ahead")
        assert page.read_bytes() == (tmp_path / "alone" / rel).read_bytes(), rel


MODELS_ONCE = """
import os, sys
os.cpu_count = lambda: 2  # the worker is wanted even on a one-core machine
from mkdocs.commands.build import build
from mkdocs.config import load_config
from briefgen.site import views
real = views.build
def counted(*args, **kwargs):
    with open(sys.argv[2], "a", encoding="utf-8") as out:
        out.write(f"{os.getpid()}\\n")
    return real(*args, **kwargs)
views.build = counted
config = load_config("mkdocs.yml", site_dir=sys.argv[1])
config.plugins.on_startup(command="build", dirty=False)
build(config)
print(config.plugins["briefgen"].build.rendered_ahead)
"""


@pytest.mark.slow
def test_a_build_with_pdfs_makes_the_page_models_once(tmp_path: Path) -> None:
    """The page bodies (in the worker) and the PDF briefs (here) are made from one making of the page models, in
    whichever process: the worker inherits them."""
    from projects import FIXTURES, make_project, run

    project = make_project(tmp_path / "project", FIXTURES / "valid" / "content")
    yml = project / "mkdocs.yml"
    yml.write_text(yml.read_text(encoding="utf-8").replace("pdf: false", "pdf: true"), encoding="utf-8")
    made = tmp_path / "made.txt"
    done = run([sys.executable, "-c", MODELS_ONCE, str(tmp_path / "site"), str(made)], cwd=project)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.strip().splitlines()[-1]) > 0  # bodies came from the worker
    assert list((tmp_path / "site" / "pdf").glob("*.pdf"))  # and briefs were made
    assert len(made.read_text(encoding="utf-8").split()) == 1, made.read_text(encoding="utf-8")
