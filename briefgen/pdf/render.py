"""PDF stage: render brief HTML to PDF with WeasyPrint — confined, parallel, cached, reproducible.

* Confined: a URL fetcher serves only files inside the allowed folders (briefgen's
  assets, the project's templates); anything else — the network, ``file://`` outside,
  ``data:`` — stops the render, and the build fails naming the brief and the URL.
* Parallel: briefs render in worker processes, each with a wall-clock timeout and a
  memory cap, with a progress bar.
* Cached: a brief's key hashes everything it depends on (its HTML, which holds every
  fact shown, the CSS, the fonts, the attachments, the versions); an unchanged brief is
  copied from the cache, not rendered.
* Reproducible: dates come from the build's "as of" (``SOURCE_DATE_EPOCH``) and the PDF
  identifier from the key, so equal inputs give equal bytes.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import datetime as dt
import hashlib
import multiprocessing
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from briefgen import __version__
from briefgen.build import children

PDF_VARIANT = "pdf/a-3a"
"""PDF/A-3, level A: archival like the level B it replaces, with the fact files attached, and tagged for
screen readers (structure tree, reading order, /Lang, figure alternatives); WeasyPrint tags it (``pdf_tags``)."""
DEFAULT_TIMEOUT_S = 120.0
DEFAULT_MEMORY_MB = 2048


class PdfError(Exception):
    """A brief could not be rendered; the message names the brief and the cause."""


@dataclass(frozen=True)
class Attachment:
    """A file embedded in the PDF (the fact files a brief was built from)."""

    name: str
    data: bytes
    description: str


@dataclass(frozen=True)
class PdfJob:
    """One PDF to write: its output name (relative to the PDF folder), HTML, CSS and attachments.

    A long book comes as ``parts``, one HTML document each (and ``html`` empty): they are laid
    out one at a time and joined into one PDF (:mod:`briefgen.pdf.parts`).
    """

    name: str
    html: str
    css: str
    attachments: tuple[Attachment, ...] = ()
    key: str = field(default="", compare=False)
    parts: tuple[str, ...] = ()

    @property
    def layouts(self) -> int:
        """How many layouts rendering takes (each within the timeout): a book in parts lays each out twice."""
        return 2 * len(self.parts) + 1 if self.parts else 1


@dataclass(frozen=True)
class PdfReport:
    """What a PDF run did."""

    rendered: tuple[str, ...]
    cached: tuple[str, ...]
    seconds: float
    workers: int


def assets_dir() -> Path:
    """briefgen's own assets (print CSS, fonts, images) — always readable by the fetcher."""
    return Path(str(resources.files("briefgen").joinpath("assets")))


@lru_cache(maxsize=1)
def font_fingerprint() -> str:
    """A hash of the installed fonts (fontconfig's list), so a font change invalidates the cache."""
    try:
        out = subprocess.run(["fc-list", "--format", "%{file}|%{fontversion}\n"], capture_output=True,
                             timeout=30, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        out = b""
    return hashlib.sha256(b"\n".join(sorted(out.splitlines()))).hexdigest()


def job_key(job: PdfJob) -> str:
    """The content hash of everything the PDF depends on."""
    import weasyprint

    h = hashlib.sha256()
    for part in (__version__, weasyprint.__version__, PDF_VARIANT, font_fingerprint(), job.name, job.css, job.html,
                 *job.parts):
        h.update(part.encode())
        h.update(b"\0")
    for a in job.attachments:
        h.update(a.name.encode() + b"\0" + a.data + b"\0" + a.description.encode() + b"\0")
    return h.hexdigest()


def make_fetcher(allowed: Sequence[Path], refused: list[str]) -> Any:
    """A WeasyPrint URL fetcher serving files under ``allowed`` folders only; refusals are fatal."""
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    roots = [p.resolve() for p in allowed]

    class ConfinedFetcher(URLFetcher):
        def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
            parts = urlsplit(url)
            if parts.scheme == "file" and parts.netloc in ("", "localhost"):
                path = Path(unquote(parts.path)).resolve()
                if any(path.is_relative_to(root) for root in roots) and path.is_file():
                    return URLFetcherResponse(url, body=path.read_bytes())
            refused.append(url)
            raise FatalURLFetchingError(f"refused to fetch {url}: briefs may only use the project's own assets")

    return ConfinedFetcher()


def finish_tags(document: Any, pdf: Any) -> None:
    """Complete WeasyPrint's tags: a description for every link, a scope for every table header.

    * A link annotation's ``/Contents`` becomes the link's ``title``, else its words: WeasyPrint writes
      the target there (``#n-3``), which tells a screen reader nothing.
    * A ``/TH`` structure element gets ``/Scope`` (``Row`` for ``<th scope="row">``, else ``Column``), so
      the header of each cell is machine-determinable.

    Called as WeasyPrint's ``finisher``. The boxes are read through ``page._page_box`` and a cell's
    structure element through ``box.mark``, as WeasyPrint's own tagging does: no public API reaches them.
    """
    import pydyf

    for page in document.pages:
        stack = [page._page_box]
        while stack:
            box = stack.pop()
            element = box.element
            annotation = getattr(box, "link_annotation", None)
            if annotation is not None and element is not None:
                words = element.get("title") or " ".join("".join(element.itertext()).split())
                if words:
                    annotation["Contents"] = pydyf.String(words)
            mark = getattr(box, "mark", None)
            if isinstance(mark, dict) and mark.get("S") == "/TH" and element is not None:
                mark["A"]["Scope"] = "/Row" if element.get("scope") == "row" else "/Column"
            stack.extend(getattr(box, "children", ()))


# --- worker side --------------------------------------------------------------------------------


def _init_worker(memory_mb: int, parent: int) -> None:
    """Cap the worker's private writable memory (heap and anonymous mappings: what a render grows).

    Not its address space (``RLIMIT_AS``): that also counts shared libraries, font and locale
    files mapped read-only and reserved, untouched address space — 250 MB more than the
    resident memory of a worker laying out a book — so a cap on it stops a render well before
    its memory reaches the cap. Linux does not enforce ``RLIMIT_RSS``; over ``RLIMIT_DATA`` an
    allocation fails, WeasyPrint raises ``MemoryError`` and the brief fails cleanly.
    """
    children.die_with_parent(parent)
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


_TIMED_OUT: list[bool] = []


def _on_alarm(signum: int, frame: object) -> None:
    _TIMED_OUT.append(True)
    raise TimeoutError


def render_pdf(job: PdfJob, allowed: Sequence[Path], created: str, timeout: float = 0) -> bytes:
    """Render one job to PDF bytes (in the current process); ``timeout`` holds for each layout."""
    import weasyprint

    refused: list[str] = []
    fetcher = make_fetcher(allowed, refused)
    base = assets_dir().as_uri() + "/"
    stamp = dt.datetime.fromisoformat(created.replace("Z", "+00:00"))
    _TIMED_OUT.clear()

    def tick() -> None:
        if timeout:
            signal.setitimer(signal.ITIMER_REAL, timeout)

    if timeout:
        signal.signal(signal.SIGALRM, _on_alarm)
        tick()
    try:
        attachments = [weasyprint.Attachment(string=a.data, name=a.name, description=a.description,
                                             base_url=base, url_fetcher=fetcher, created=stamp,
                                             modified=stamp, relationship="Source")
                       for a in job.attachments]
        options = {"attachments": attachments, "pdf_variant": PDF_VARIANT, "finisher": finish_tags,
                   "pdf_identifier": bytes.fromhex(job.key[:32]) if job.key else None}
        if job.parts:
            from briefgen.pdf import parts

            data = parts.write_pdf(job.parts, job.css, base_url=base, url_fetcher=fetcher, options=options,
                                   tick=tick)
        else:
            html = weasyprint.HTML(string=job.html, base_url=base, url_fetcher=fetcher)
            css = weasyprint.CSS(string=job.css, base_url=base, url_fetcher=fetcher)
            data = html.write_pdf(stylesheets=[css], **options)
        # WeasyPrint swallows some exceptions (e.g. while drawing an SVG): a refusal or a timeout
        # that happened there must still fail the brief
        if refused:
            raise PdfError(f"{job.name}: refused to fetch {refused[0]} (briefs may only use the project's "
                           "own assets; remove the reference)")
        if _TIMED_OUT:
            raise TimeoutError
        return data
    except TimeoutError:
        what = "rendering a part" if job.parts else "rendering"
        raise PdfError(f"{job.name}: {what} took longer than {timeout:g} s and was stopped") from None
    except MemoryError:
        raise PdfError(f"{job.name}: rendering needed more memory than the cap and was stopped") from None
    except BaseException as exc:  # FatalURLFetchingError is a BaseException
        if refused:
            raise PdfError(f"{job.name}: refused to fetch {refused[0]} (briefs may only use the project's "
                           "own assets; remove the reference)") from None
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        raise PdfError(f"{job.name}: {type(exc).__name__}: {exc}") from None
    finally:
        if timeout:
            signal.setitimer(signal.ITIMER_REAL, 0)


def _work(job: PdfJob, allowed: tuple[Path, ...], created: str, timeout: float) -> bytes:
    return render_pdf(job, allowed, created, timeout)


# --- driver side --------------------------------------------------------------------------------


def render_all(jobs: Sequence[PdfJob], out_dir: Path, *, cache_dir: Path | None, allowed: Sequence[Path],
               created: str, workers: int | None = None, timeout: float = DEFAULT_TIMEOUT_S,
               memory_mb: int = DEFAULT_MEMORY_MB, progress: bool | None = None) -> PdfReport:
    """Write every job's PDF under ``out_dir``, from the cache where possible, else in parallel workers."""
    started = time.perf_counter()
    workers = max(1, workers or os.cpu_count() or 1)
    keyed = [j if j.key else replace(j, key=job_key(j)) for j in jobs]
    cached: list[str] = []
    todo: list[PdfJob] = []
    for job in keyed:
        hit = cache_dir / f"{job.key}.pdf" if cache_dir else None
        data = _cached(hit) if hit is not None else None
        if data is not None:
            _place(data, out_dir / job.name)
            cached.append(job.name)
        else:
            todo.append(job)
    rendered: list[str] = []
    errors: list[str] = []
    failed: OSError | None = None
    if todo:
        from tqdm import tqdm

        bar = tqdm(total=len(todo), unit="brief", desc="PDF briefs", file=sys.stderr,
                   disable=(not sys.stderr.isatty()) if progress is None else not progress)
        context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
        allowed_t = tuple(allowed)
        pool = cf.ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=context,
                                      initializer=_init_worker, initargs=(memory_mb, os.getpid()))
        try:
            futures = {pool.submit(_work, job, allowed_t, created, timeout): job for job in todo}
            for future in cf.as_completed(futures, timeout=timeout * sum(j.layouts for j in todo) + 60
                                               if timeout else None):
                job = futures[future]
                bar.update(1)
                try:
                    data = future.result()
                except PdfError as exc:
                    errors.append(str(exc))
                    continue
                except cf.process.BrokenProcessPool:
                    errors.append(f"{job.name}: the worker process died (memory cap or crash)")
                    continue
                try:
                    _place(data, out_dir / job.name)
                    if cache_dir is not None:
                        _place(data, cache_dir / f"{job.key}.pdf")
                except OSError as exc:
                    # no later brief can be kept either: the briefs being rendered end, the others are not begun
                    # (killing the workers instead can leave the pool's feeder thread stuck on a full pipe)
                    failed = exc
                    break
                rendered.append(job.name)
        except cf.TimeoutError:
            errors.append("PDF rendering did not finish in time")
            _stop(pool)
        except BaseException:  # the build is being stopped: no brief is waited for
            _stop(pool)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            bar.close()
    if failed is not None:
        raise failed
    if errors:
        raise PdfError("\n".join(sorted(errors)))
    return PdfReport(tuple(rendered), tuple(cached), time.perf_counter() - started, workers)


def _stop(pool: cf.ProcessPoolExecutor) -> None:
    """Kill the pool's workers now, rather than let them finish the briefs they hold."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):  # no public API lists them
        process.kill()


def _cached(path: Path) -> bytes | None:
    """A cached PDF, or None when there is none (or it cannot be read: then it is rendered again)."""
    try:
        return path.read_bytes()
    except OSError:
        return None


def _place(data: bytes, target: Path) -> None:
    """Write bytes to ``target`` atomically (a temporary file renamed into place).

    Raises:
        OSError: naming ``target`` (not the temporary file) and the cause.
    """
    tmp = target.with_name(f".pdf-{os.getpid()}.tmp")  # short: the brief's own name may be long
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise OSError(exc.errno, exc.strerror, str(target)) from None


__all__ = ["Attachment", "PdfError", "PdfJob", "PdfReport", "make_fetcher", "render_all",
           "render_pdf"]
