"""Load stage: read one YAML fact file as untrusted input.

The file is parsed into events by libyaml (PyYAML's C parser where available) and
built into plain Python values here, so that nothing in the file decides what it
becomes: every scalar is a string (or ``None`` for an explicit null) and the schema
decides what it means later. Anchors, aliases and tags are refused (no alias bomb can
expand), duplicate keys are errors, and every node keeps its line and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from briefgen.diagnostics import Diagnostic, error

try:  # the C parser is several times faster; the pure one behaves the same
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_FILE_BYTES = 1 << 20
"""Fact files are small; anything over 1 MiB is refused before it is parsed."""

MAX_NODES = 50_000
"""Upper bound on nodes in one file, so no file can make the build crawl."""

MAX_DEPTH = 32
"""Fact files are shallow; deeper nesting is refused."""

_YAML_TAGS = "tag:yaml.org,2002:"
_TAG = re.compile(r"!(?:<[^>]*>|[^\s,\[\]{}]*)")
"""A tag as written: ``!!str``, ``!custom``, ``!e!x`` or verbatim ``!<tag:…>``."""

PLACEHOLDER = "TODO"
"""What ``briefgen new`` writes where a value is still to come; any value that is exactly this is an error."""

NULLS = frozenset({"", "~", "null", "Null", "NULL"})

Path_ = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed fact file: its data as plain values, with the position of every node.

    Attributes:
        path: the file, as given (used in diagnostics).
        data: the top-level mapping, every scalar a ``str`` or ``None``.
        marks: 1-based (line, column) of each value, keyed by its path of keys/indices.
        key_marks: 1-based (line, column) of each mapping key, keyed by the value's path.
    """

    path: str
    data: dict[str, Any]
    marks: dict[Path_, tuple[int, int]] = field(repr=False)
    key_marks: dict[Path_, tuple[int, int]] = field(repr=False)
    placeholders: tuple[Path_, ...] = ()
    """Paths of values that are exactly the scaffold placeholder ``TODO`` (noted while parsing)."""

    def mark(self, loc: Path_, *, key: bool = False) -> tuple[int, int]:
        """Position of the node at ``loc``, or of its nearest ancestor that has one."""
        table = self.key_marks if key else self.marks
        loc = tuple(loc)
        while loc:
            if loc in table:
                return table[loc]
            if key and loc in self.marks:
                return self.marks[loc]
            loc = loc[:-1]
        return self.marks.get((), (1, 1))


class _Rejected(Exception):
    """Raised to stop building a file at the first construct we refuse outright."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def _pos(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1)


def read_text(path: Path, display: str) -> tuple[str | None, list[Diagnostic]]:
    """Read a file as UTF-8 text within the size limit, or say precisely why not."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [
                error(
                    display,
                    1,
                    1,
                    f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}",
                    "split it into smaller fact files",
                )
            ]
        raw = path.read_bytes()[: MAX_FILE_BYTES + 1]
    except OSError as exc:
        return None, [error(display, 1, 1, f"cannot read file: {exc.strerror}")]
    if raw.startswith(b"\xef\xbb\xbf"):
        return None, [error(display, 1, 1, "file starts with a UTF-8 byte-order mark", "save it as UTF-8 without BOM")]
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        # columns count characters, as everywhere else: decode the line up to the bad byte
        col = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", errors="replace")) + 1
        return None, [
            error(display, line, col, f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})", "save it as UTF-8")
        ]


def parse(text: str, display: str) -> tuple[Document | None, list[Diagnostic]]:
    """Parse YAML text into a :class:`Document`, collecting every problem found."""
    builder = _Builder(display, text)
    try:
        builder.run(text)
    except _Rejected as rejected:
        return None, [*builder.diagnostics, rejected.diagnostic]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = _pos(mark) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        return None, [*builder.diagnostics, error(display, line, col, f"YAML syntax: {problem}")]
    except yaml.YAMLError as exc:  # ReaderError: a character YAML does not allow
        position = getattr(exc, "position", None)
        line, col = (1, 1)
        if position is not None:
            line = text.count("\n", 0, position) + 1
            col = position - (text.rfind("\n", 0, position) + 1) + 1
        return None, [*builder.diagnostics, error(display, line, col, f"YAML: {exc}".splitlines()[0])]
    if builder.diagnostics:
        return None, builder.diagnostics
    return Document(display, builder.root, builder.marks, builder.key_marks, tuple(builder.placeholders)), []


def load(path: Path, display: str | None = None) -> tuple[Document | None, list[Diagnostic]]:
    """Read and parse one fact file."""
    display = display or str(path)
    text, problems = read_text(path, display)
    if text is None:
        return None, problems
    return parse(text, display)


class _Builder:
    """Builds plain values from parser events, refusing what fact files never need."""

    def __init__(self, display: str, text: str) -> None:
        self.display = display
        self.lines = text.splitlines()
        self.diagnostics: list[Diagnostic] = []
        self.marks: dict[Path_, tuple[int, int]] = {}
        self.key_marks: dict[Path_, tuple[int, int]] = {}
        self.root: dict[str, Any] = {}
        self.nodes = 0
        self.placeholders: list[Path_] = []

    def _refuse(self, event: Any, message: str, hint: str | None = None) -> _Rejected:
        line, col = _pos(event.start_mark)
        return _Rejected(error(self.display, line, col, message, hint))

    def _as_written(self, event: Any, tag: str) -> str:
        """A tag the way the file writes it (``!!str``), not as the parser resolved it."""
        line, col = _pos(event.start_mark)
        found = _TAG.match(self.lines[line - 1], col - 1) if line <= len(self.lines) else None
        if found:
            return found[0]
        return "!!" + tag.removeprefix(_YAML_TAGS) if tag.startswith(_YAML_TAGS) else tag

    def run(self, text: str) -> None:
        events = yaml.parse(text, Loader=_Loader)
        documents = 0
        for event in events:
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise self._refuse(
                        event,
                        "file holds more than one YAML document",
                        "one entity per file; remove the '---' separator",
                    )
                root = self._node(events, next(events), (), 0)
                if not isinstance(root, dict):
                    line, col = self.marks[()]
                    kind = {type(None): "nothing", list: "a list", str: "a single value"}[type(root)]
                    raise _Rejected(
                        error(
                            self.display, line, col, f"expected a mapping of keys at the top of the file, found {kind}"
                        )
                    )
                self.root = root
        if documents == 0:
            raise _Rejected(
                error(self.display, 1, 1, "file is empty", "a fact file is a mapping with at least 'name:'")
            )

    def _node(self, events: Any, event: Any, path: Path_, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self._refuse(event, f"file has more than {MAX_NODES:,} YAML nodes")
        if depth > MAX_DEPTH:
            raise self._refuse(event, f"file nests deeper than {MAX_DEPTH} levels")
        if isinstance(event, yaml.AliasEvent):
            raise self._refuse(
                event,
                f"YAML alias '*{event.anchor}' is not allowed",
                "write the value out; fact files use no anchors or aliases",
            )
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise self._refuse(
                event,
                f"YAML anchor '&{anchor}' is not allowed",
                "write the value out; fact files use no anchors or aliases",
            )
        tag = getattr(event, "tag", None)
        if tag is not None and not (isinstance(event, yaml.ScalarEvent) and tag == "!"):
            raise self._refuse(
                event,
                f"YAML tag '{self._as_written(event, tag)}' is not allowed",
                "remove the tag; the schema decides each value's type",
            )
        self.marks[path] = _pos(event.start_mark)
        if isinstance(event, yaml.ScalarEvent):
            if event.implicit[0] and event.value in NULLS:  # plain (unquoted) null
                return None
            if event.value.strip() == PLACEHOLDER:
                self.placeholders.append(path)
            return event.value
        if isinstance(event, yaml.SequenceStartEvent):
            items: list[Any] = []
            for child in events:
                if isinstance(child, yaml.SequenceEndEvent):
                    return items
                items.append(self._node(events, child, (*path, len(items)), depth + 1))
        if isinstance(event, yaml.MappingStartEvent):
            mapping: dict[str, Any] = {}
            for key_event in events:
                if isinstance(key_event, yaml.MappingEndEvent):
                    return mapping
                if not isinstance(key_event, yaml.ScalarEvent):
                    raise self._refuse(key_event, "mapping keys must be plain words")
                if key_event.anchor is not None or key_event.tag not in (None, "!"):
                    raise self._refuse(key_event, "mapping keys take no anchors or tags")
                key = key_event.value
                value_event = next(events)
                child_path = (*path, key)
                if key in mapping:
                    line, col = _pos(key_event.start_mark)
                    first = self.key_marks[child_path]
                    self.diagnostics.append(
                        error(
                            self.display,
                            line,
                            col,
                            f"duplicate key '{key}'; first at line {first[0]}",
                            "each key may appear once; remove one of them",
                        )
                    )
                    self._node(events, value_event, (*path, f"<duplicate {key}>"), depth + 1)
                    continue
                self.key_marks[child_path] = _pos(key_event.start_mark)
                mapping[key] = self._node(events, value_event, child_path, depth + 1)
        raise self._refuse(event, f"unexpected YAML event {type(event).__name__}")  # pragma: no cover
