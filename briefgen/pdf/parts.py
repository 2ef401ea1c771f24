"""Books in parts: a long book laid out one part at a time, then assembled into one PDF.

WeasyPrint keeps the layout of every page of a document until the document is written —
about 3 MB of memory a page for a book's dense pages — so a book of a thousand entries or
more does not fit a worker's memory cap as one document. Each part (front matter, a run of
entries, a stretch of a tail chapter, see :func:`briefgen.pdf.brief.book_parts`) is its own
document instead, laid out, written and freed in turn; pypdf joins the parts' PDFs:

1. Every part is laid out once to learn its length and on which page each anchor falls.
2. Every part is laid out again and written as a stretch of the whole book: its first page
   is numbered after the pages before it (``counter-reset`` on ``@page :first``),
   ``counter(pages)`` is the book's page count, and ``target-counter(attr(href), page)``
   (the contents' page numbers) reads the target's page from a ``data-page`` attribute set
   on each internal link. The first part (cover and contents) goes first, and again if the
   page numbers changed its length.
3. The pages are joined under the first part's catalogue (its metadata, XMP, attachments
   and output intent); every part's anchors make one name tree of destinations; links to an
   anchor in another part, which WeasyPrint drops, are added back; the outline is made across
   parts the way WeasyPrint makes it within one document.

The price is the first layout: layout is 75–85 % of rendering a part, so a book in parts
takes about 1.8 times the CPU of the same pages in one document (BENCHMARKS.md). Books of
up to ``BOOK_PART_SIZE`` entries stay one document. Parts are rendered one after another in
the same worker.
"""

from __future__ import annotations

import gc
import io
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, cast

#: Entries per part of a book rendered in parts: the longest part of the 2,000-entity benchmark
#: book (100 exercises, or the endnotes of 200 entries) lays out in 100–150 pages and 0.3–0.6 GB,
#: well within the worker's memory cap (BENCHMARKS.md).
BOOK_PART_SIZE = 100
#: CSS pixels to PDF points (WeasyPrint writes at zoom 1)
PX_TO_PT = 0.75
#: page numbers in the contents while part lengths are not yet known (as wide as most)
PLACEHOLDER = "000"

_PAGES = re.compile(r"counter\(\s*pages\s*(?:,\s*decimal\s*)?\)")
_TARGET_PAGE = re.compile(r"target-counter\(\s*attr\(\s*href\s*\)\s*,\s*page\s*(?:,\s*decimal\s*)?\)")
_NO_ANCHOR = "No anchor #%s for internal URI reference"


class PartError(Exception):
    """A part laid out to a different length the second time (the page numbers would be wrong)."""


def part_css(css: str, first_page: int, total: int | None) -> str:
    """The book's stylesheet for a part that begins at ``first_page`` of a book of ``total`` pages."""
    if total is not None:
        css = _PAGES.sub(f'"{total}"', css)
    css = _TARGET_PAGE.sub("attr(data-page)", css)
    return f"{css}\n@page :first {{ counter-reset: page {first_page}; }}\n"


@dataclass(frozen=True, slots=True)
class LaidPart:
    """What the assembly keeps of a part's layout (CSS pixels from each page's top left)."""

    heights: tuple[float, ...]
    anchors: tuple[tuple[tuple[str, float, float], ...], ...]  # per page: (name, x, y)
    links: tuple[tuple[tuple[str, tuple[float, float, float, float]], ...], ...]  # per page: internal links
    bookmarks: tuple[tuple[Any, ...], ...]  # per page: WeasyPrint's (level, label, (x, y), state)

    @classmethod
    def of(cls, document: Any) -> LaidPart:
        return cls(tuple(p.height for p in document.pages),
                   tuple(tuple((n, a[0], a[1]) for n, a in p.anchors.items()) for p in document.pages),
                   tuple(tuple((t, r) for kind, t, r, _ in p.links if kind == "internal") for p in document.pages),
                   tuple(tuple(p.bookmarks) for p in document.pages))


class _KnownAnchors(logging.Filter):
    """Silences WeasyPrint's complaint about a link whose anchor is in another part of the book."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        return not (record.msg == _NO_ANCHOR and isinstance(args, tuple) and args and args[0] in self.names)


def write_pdf(parts: Sequence[str], css: str, *, base_url: str, url_fetcher: Any, options: dict[str, Any],
              tick: Callable[[], None] = lambda: None) -> bytes:
    """Render the HTML documents ``parts`` as one book; ``options`` go to WeasyPrint's ``write_pdf``.

    ``tick`` is called before each layout (the caller's timeout runs per layout).
    """
    import weasyprint

    render_options = {"pdf_variant": options.get("pdf_variant")}
    write_first = dict(options)
    write_rest = {k: v for k, v in options.items() if k not in ("attachments", "pdf_identifier")}

    def lay_out(index: int, first_page: int, total: int | None, pages: dict[str, int] | None) -> Any:
        tick()
        html = weasyprint.HTML(string=parts[index], base_url=base_url, url_fetcher=url_fetcher)
        for element in html.etree_element.iter("a"):
            href = element.get("href") or ""
            if href.startswith("#"):
                element.set("data-page", PLACEHOLDER if pages is None else str(pages.get(href[1:], "")))
        sheet = weasyprint.CSS(string=part_css(css, first_page, total), base_url=base_url, url_fetcher=url_fetcher)
        return html.render(stylesheets=[sheet], **render_options)

    known = _KnownAnchors()
    logger = logging.getLogger("weasyprint")
    logger.addFilter(known)
    try:
        # 1. the length of each part and the page of each anchor
        lengths: list[int] = []
        where: dict[str, int] = {}
        for index in range(len(parts)):
            document = lay_out(index, sum(lengths) + 1, None, None)
            for number, page in enumerate(document.pages, start=sum(lengths) + 1):
                for name in page.anchors:
                    where.setdefault(name, number)
            lengths.append(len(document.pages))
            del document
            gc.collect()
        known.names = set(where)

        # 2. the first part with the real page numbers, until its length settles
        for _ in range(3):
            document = lay_out(0, 1, None, where)
            grown = len(document.pages) - lengths[0]
            del document
            gc.collect()
            if not grown:
                break
            where = {name: n + grown if n > lengths[0] else n for name, n in where.items()}
            lengths[0] += grown
        else:
            raise PartError("the contents did not settle on a length")
        total = sum(lengths)

        pdfs: list[bytes] = []
        laid: list[LaidPart] = []
        for index in range(len(parts)):
            first_page = sum(lengths[:index]) + 1
            document = lay_out(index, first_page, total, where)
            if len(document.pages) != lengths[index]:
                raise PartError(f"part {index + 1} took {len(document.pages)} pages, then {lengths[index]}")
            laid.append(LaidPart.of(document))
            pdfs.append(document.write_pdf(**(write_first if index == 0 else write_rest)))
            del document
            gc.collect()
    finally:
        logger.removeFilter(known)
    return assemble(pdfs, laid)


def _point(height: float, x: float, y: float) -> tuple[float, float]:
    """A CSS-pixel point from a page's top left as PDF points from its bottom left."""
    return x * PX_TO_PT, (height - y) * PX_TO_PT


def assemble(pdfs: Sequence[bytes], laid: Sequence[LaidPart]) -> bytes:
    """Join part PDFs under the first one's catalogue, with one name tree, the links across parts, one outline."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, NumberObject, TextStringObject

    writer = PdfWriter(clone_from=io.BytesIO(pdfs[0]))
    for data in pdfs[1:]:
        reader = PdfReader(io.BytesIO(data))
        _join_structure(writer, reader, [writer.add_page(page) for page in reader.pages])

    # every anchor of the book, at the first place it occurs (as WeasyPrint resolves them)
    dests: dict[str, tuple[int, float, float]] = {}
    offsets, offset = [], 0
    for part in laid:
        offsets.append(offset)
        for i, (height, anchors) in enumerate(zip(part.heights, part.anchors, strict=True)):
            for name, x, y in anchors:
                dests.setdefault(name, (offset + i, *_point(height, x, y)))
        offset += len(part.heights)
    names = ArrayObject()
    for name in sorted(dests):
        index, x, y = dests[name]
        names += [TextStringObject(name), ArrayObject([writer.pages[index].indirect_reference, NameObject("/XYZ"),
                                                       FloatObject(x), FloatObject(y), NumberObject(0)])]
    root = writer.root_object
    if "/Names" not in root:
        root[NameObject("/Names")] = DictionaryObject()
    name_tree = cast(DictionaryObject, root["/Names"].get_object())
    name_tree[NameObject("/Dests")] = writer._add_object(DictionaryObject({NameObject("/Names"): names}))

    # links to an anchor in another part (WeasyPrint kept those to its own part's anchors)
    for part, start in zip(laid, offsets, strict=True):
        own = {name for anchors in part.anchors for name, _, _ in anchors}
        for i, (height, links) in enumerate(zip(part.heights, part.links, strict=True)):
            added = [(t, r) for t, r in links if t not in own and t in dests]
            if not added:
                continue
            page = writer.pages[start + i]
            annots = page.get("/Annots")
            annots = annots.get_object() if annots is not None else ArrayObject()
            for target, (x1, y1, x2, y2) in added:
                (ax, ay), (bx, by) = _point(height, x1, y1), _point(height, x2, y2)
                annots.append(writer._add_object(DictionaryObject({
                    NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
                    NameObject("/Rect"): ArrayObject(FloatObject(v) for v in (min(ax, bx), min(ay, by),
                                                                              max(ax, bx), max(ay, by))),
                    NameObject("/BS"): DictionaryObject({NameObject("/W"): NumberObject(0)}),
                    NameObject("/F"): NumberObject(4),  # printed, as PDF/A wants
                    NameObject("/Dest"): TextStringObject(target)})))
            page[NameObject("/Annots")] = annots

    _outline(writer, laid)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _numbers(tree: Any) -> list[tuple[int, Any]]:
    """The (key, value) pairs of a PDF number tree, leaves in order."""
    tree = tree.get_object()
    pairs: list[tuple[int, Any]] = []
    nums = tree.get("/Nums")
    if nums is not None:
        nums = nums.get_object()
        pairs += [(int(nums[i]), nums[i + 1]) for i in range(0, len(nums), 2)]
    for kid in tree.get("/Kids", ()):
        pairs += _numbers(kid)
    return pairs


def _join_structure(writer: Any, reader: Any, pages: Sequence[Any]) -> None:
    """Add a tagged part's structure tree to the book's: its elements under the book's document element,
    its parent tree renumbered after the book's, so that every page of every part stays tagged."""
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject

    theirs = reader.trailer["/Root"].get("/StructTreeRoot")
    ours = writer.root_object.get("/StructTreeRoot")
    if theirs is None or ours is None:
        return
    theirs, ours = theirs.get_object(), ours.get_object()
    mine = _numbers(ours["/ParentTree"])
    # after every key the book has (WeasyPrint writes no /ParentTreeNextKey)
    base = max(int(ours.get("/ParentTreeNextKey", 0)), max((key for key, _ in mine), default=-1) + 1)
    # the part's entries, cloned into the book (their /Pg are the pages just added), keys moved up by ``base``
    entries = [(key + base, value.clone(writer)) for key, value in _numbers(theirs["/ParentTree"])]
    nums = ArrayObject()
    for key, value in [*mine, *entries]:
        nums += [NumberObject(key), value]
    ours[NameObject("/ParentTree")] = writer._add_object(DictionaryObject({NameObject("/Nums"): nums}))
    ours[NameObject("/ParentTreeNextKey")] = NumberObject(max((key for key, _ in entries), default=base - 1) + 1)
    for original, page in zip(reader.pages, pages, strict=True):
        if "/StructParents" in original:  # pypdf's add_page leaves it out
            page[NameObject("/StructParents")] = NumberObject(int(original["/StructParents"]) + base)
        for annot in page.get("/Annots", ()):
            annot = annot.get_object()
            if "/StructParent" in annot:
                annot[NameObject("/StructParent")] = NumberObject(int(annot["/StructParent"]) + base)
    # the part's top elements (its document element's children) join the book's document element
    document = ours["/K"].get_object()
    if isinstance(document, ArrayObject):
        document = document[0].get_object()
    kids = theirs["/K"].get_object()
    kids = kids[0].get_object() if isinstance(kids, ArrayObject) else kids
    children = kids.get("/K", ArrayObject())
    children = children.get_object() if hasattr(children, "get_object") else children
    if not isinstance(children, ArrayObject):
        children = ArrayObject([children])
    into = document.get("/K", ArrayObject())
    into = into.get_object() if hasattr(into, "get_object") else into
    if not isinstance(into, ArrayObject):
        into = ArrayObject([into])
    for child in children:
        copy = child.clone(writer)
        element = copy.get_object()
        if isinstance(element, DictionaryObject):
            element[NameObject("/P")] = document.indirect_reference if document.indirect_reference else ours["/K"]
        into.append(copy)
    document[NameObject("/K")] = into


def _outline(writer: Any, laid: Sequence[LaidPart]) -> None:
    """The book's outline, built across parts with WeasyPrint's own bookmark nesting."""
    from pypdf.generic import Fit, NameObject
    from weasyprint.anchors import make_page_bookmark_tree
    from weasyprint.matrix import Matrix

    root: list[Any] = []
    skipped: list[int] = []
    last_by_depth: list[list[Any]] = [root]
    previous = 0
    number = 0
    for part in laid:
        for height, bookmarks in zip(part.heights, part.bookmarks, strict=True):
            matrix = Matrix(a=PX_TO_PT, d=-PX_TO_PT, f=height * PX_TO_PT)
            previous = make_page_bookmark_tree(SimpleNamespace(bookmarks=bookmarks), skipped, last_by_depth,
                                               previous, number, matrix)
            number += 1
    writer.root_object.pop(NameObject("/Outlines"), None)

    def add(items: list[Any], parent: Any) -> None:
        for label, (page, x, y), children, state in items:
            item = writer.add_outline_item(label, page, parent=parent, fit=Fit.xyz(x, y, 0),
                                           is_open=state != "closed")
            add(children, item)

    add(root, None)
