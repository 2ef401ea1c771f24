"""A scanner for canaries: strings planted in restricted material, looked for in every byte of a build.

Every file's path and bytes, gunzipped files, parsed JSON (search index, graph), and every PDF read back
(page text, links, metadata, XMP, attachments, outline, named destinations) and also raw, after
``qpdf --qdf`` has decompressed every stream. Used by the editions leak test (tests/test_editions.py) and
the republication test (tests/test_sources.py).
"""

from __future__ import annotations

import binascii
import contextlib
import gzip
import json
import re
import subprocess
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path

from pypdf import PdfReader

_INVISIBLE = re.compile(r"[\s\u00ad\u200b]+")


class Scanner:
    """Finds canaries anywhere in a tree of build output, and says where."""

    def __init__(self, canaries: Iterable[str], about: Mapping[str, str] | None = None) -> None:
        """``about``: what each canary marks, for the report."""
        self.canaries = sorted(canaries)
        self.about = dict(about or {})
        self.hits: dict[str, set[str]] = defaultdict(set)
        self.pdfs = 0
        self.files = 0
        forms: dict[str, list[bytes]] = {}
        for c in self.canaries:
            variants: list[bytes] = []
            for text in {c, c.lower(), c.upper()}:
                for raw in (text.encode("utf-8"), text.encode("utf-16-be")):
                    variants += [raw.lower(), binascii.hexlify(raw).lower()]
            forms[c] = sorted(set(variants))
        self.forms = forms

    def text(self, where: str, text: str) -> None:
        """Text as read (page text, metadata, titles): whitespace and soft hyphens ignored, any case."""
        flat = _INVISIBLE.sub("", text).lower()
        for c in self.canaries:
            if _INVISIBLE.sub("", c).lower() in flat:
                self.hits[c].add(where)

    def data(self, where: str, data: bytes) -> None:
        """Raw bytes: UTF-8, UTF-16BE and hex spellings of each canary, any case."""
        low = data.lower()
        for c, forms in self.forms.items():
            if any(f in low for f in forms):
                self.hits[c].add(where)
        with contextlib.suppress(UnicodeDecodeError):
            self.text(where, data.decode("utf-8"))

    def tree(self, root: Path) -> Scanner:
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root).as_posix()
            self.text(f"file name {rel}", rel)
            if not path.is_file():
                continue
            self.files += 1
            data = path.read_bytes()
            self.data(rel, data)
            if path.suffix == ".gz" or data[:2] == b"\x1f\x8b":  # Pagefind's index files are gzipped too
                self.data(f"{rel} (gunzipped)", gzip.decompress(data))
            if path.suffix == ".json":
                # JSON may spell characters as \\uXXXX: scan the parsed values too
                self.text(f"{rel} (parsed)", json.dumps(json.loads(data), ensure_ascii=False))
            if path.suffix == ".pdf":
                self.pdf(rel, path)
        return self

    def pdf(self, rel: str, path: Path) -> None:
        self.pdfs += 1
        reader = PdfReader(path)
        for number, page in enumerate(reader.pages, start=1):
            self.text(f"{rel} page {number} text", page.extract_text() or "")
            for annot in page.get("/Annots") or []:
                action = annot.get_object().get("/A")
                if action is not None:
                    self.text(f"{rel} page {number} link", str(action.get_object()))
        for key, value in (reader.metadata or {}).items():
            self.text(f"{rel} metadata {key}", str(value))
        if reader.xmp_metadata is not None:
            self.data(f"{rel} XMP", reader.xmp_metadata.stream.get_data())
        for name, contents in reader.attachments.items():
            self.text(f"{rel} attachment name {name}", name)
            for data in contents:
                self.data(f"{rel} attachment {name}", data)
        for name in reader.named_destinations:
            self.text(f"{rel} destination {name}", name)

        def outline(items: list, depth: int = 0) -> None:
            for item in items:
                if isinstance(item, list):
                    outline(item, depth + 1)
                else:
                    self.text(f"{rel} outline entry", str(item.title))

        outline(reader.outline)
        qdf = path.with_name(f".{path.name}.qdf")
        try:
            done = subprocess.run(["qpdf", "--qdf", "--object-streams=disable", str(path), str(qdf)],
                                  capture_output=True, text=True, timeout=60)
            assert done.returncode in (0, 3), f"qpdf could not decompress {rel}: {done.stderr}"
            self.data(f"{rel} (all streams decompressed)", qdf.read_bytes())
        finally:
            qdf.unlink(missing_ok=True)

    def report(self, canaries: set[str] | None = None) -> str:
        lines = []
        for c in sorted(canaries if canaries is not None else self.hits):
            for where in sorted(self.hits.get(c, ())):
                lines.append(f"{c} ({self.about.get(c, '?')}) in {where}")
        return "\n".join(lines)
