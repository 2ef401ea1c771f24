"""Load stage: read one YAML fact file as untrusted input.

The file is parsed into events by libyaml (PyYAML's C parser where available) and
built into plain Python values here, so that nothing in the file decides what it
becomes: every scalar is a string (or ``None`` for an explicit null) and the schema
decides what it means later. Anchors, aliases and tags are refused (no alias bomb can
expand), duplicate keys are errors, and every node keeps its line and column.

Most files are clean, and a clean file's positions are never read. So a file that a
quick look shows to be plain (no anchors, no placeholders, shallow, small) is first
composed into nodes by libyaml in C and walked into values without positions; anything
unexpected on the way sends it to the precise builder, which says what is wrong. The
positions of such a file are found by the precise builder on first need.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from briefgen.diagnostics import Diagnostic, error, unicode_name, visible

# the C parser is several times faster; the pure one behaves the same (PyYAML built without libyaml has only it)
_Loader: type[yaml.SafeLoader | yaml.CSafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

try:  # composes nodes in C, for the fast path; without it every file takes the precise one
    from yaml._yaml import CParser
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    _HAVE_LIBYAML = False
else:
    _HAVE_LIBYAML = True

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

FAST_MAX_CHARS = 1 << 16
"""Larger files take the precise path: the fast one composes every node before it counts them."""

FAST_MAX_RUN = 64
"""The fast path takes no file with a line that starts with this many blanks or block indicators
(``' '``, tab, ``-``, ``?``, ``:``, or a byte-order mark, which libyaml skips at a line's start). A
block collection starts no further right than such a run ends on its line, and each one nested in
another starts further right: so this bounds block nesting. libyaml's composer recurses in C, and
deep nesting must never reach it."""

FAST_MAX_BRACKETS = 64
"""The fast path takes no file with more ``[`` and ``{`` than this: a bound on flow nesting (each
bracket opens at most two levels: a ``key: value`` pair in a flow sequence is a mapping of its own)."""

_RUN = f"[ \t?:\ufeff-]{{{FAST_MAX_RUN}}}"
_DEEP_AT_START = re.compile(_RUN)
_DEEP_AFTER_NEWLINE = re.compile("\n" + _RUN)  # starting with a literal lets re skip ahead quickly
_DEEP_AFTER_BREAK = re.compile("[\n\r\x85\u2028\u2029]" + _RUN)  # every line break libyaml knows
_RARE_BREAKS = ("\r", "\x85", "\u2028", "\u2029")

Path_ = tuple[str | int, ...]
Marks = dict[Path_, tuple[int, int]]


class Positions:
    """Where the nodes of a document stand: known from the start, or found from its text on first need.

    A file read by the fast path keeps its text instead of positions; the first position
    asked for parses the text again with the precise builder, and the text is dropped.
    """

    __slots__ = ("_tables", "_text")

    def __init__(self, marks: Marks, key_marks: Marks) -> None:
        self._tables: tuple[Marks, Marks] | None = (marks, key_marks)
        self._text: str | None = None

    @classmethod
    def of_text(cls, text: str) -> Positions:
        """Positions to be found in ``text`` when first needed."""
        positions = cls({}, {})
        positions._tables, positions._text = None, text
        return positions

    def tables(self) -> tuple[Marks, Marks]:
        """(marks, key marks): see :class:`Document`."""
        if self._tables is None:
            builder = _Builder("", self._text or "")
            # the fast path took no file the builder refuses; were it to, the positions found so far
            # are kept and the others fall back to their ancestors
            with contextlib.suppress(_Rejected, yaml.YAMLError):
                builder.run(self._text or "")
            self._tables, self._text = (builder.marks, builder.key_marks), None
        return self._tables


_NO_POSITIONS = Positions({}, {})


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed fact file: its data as plain values, with the position of every node.

    Attributes:
        path: the file, as given (used in diagnostics).
        data: the top-level mapping, every scalar a ``str`` or ``None``.
        placeholders: paths of values that are exactly the scaffold placeholder ``TODO``.
        positions: where each node stands (see :attr:`marks`, :attr:`key_marks`); none by default.
    """

    path: str
    data: dict[str, Any]
    placeholders: tuple[Path_, ...] = ()
    positions: Positions = field(default=_NO_POSITIONS, repr=False, compare=False)

    @property
    def marks(self) -> Marks:
        """1-based (line, column) of each value, keyed by its path of keys/indices."""
        return self.positions.tables()[0]

    @property
    def key_marks(self) -> Marks:
        """1-based (line, column) of each mapping key, keyed by the value's path."""
        return self.positions.tables()[1]

    def mark(self, loc: Path_, *, key: bool = False) -> tuple[int, int]:
        """Position of the node at ``loc``, or of its nearest ancestor that has one."""
        marks, key_marks = self.positions.tables()
        table = key_marks if key else marks
        loc = tuple(loc)
        while loc:
            if loc in table:
                return table[loc]
            if key and loc in marks:
                return marks[loc]
            loc = loc[:-1]
        return marks.get((), (1, 1))


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
        return None, [error(display, 0, 0, f"cannot read file: {exc.strerror}")]
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


_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
"""Control characters an archived text may not hold: all but tab, line breaks and form feed (a page break)."""


def text_controls(text: str | None, display: str) -> list[Diagnostic]:
    """An archived text's control characters (they would reach its page and the search index raw), or []."""
    found = _TEXT_CONTROL.search(text) if text else None
    if found is None or text is None:
        return []
    before = text[: found.start()]
    line, col = before.count("\n") + 1, found.start() - (before.rfind("\n") + 1) + 1
    n = len(_TEXT_CONTROL.findall(text))
    what = "a control character" if n == 1 else f"{n} control characters, the first"
    char = f"{visible(found[0])}, {unicode_name(found[0])}"
    return [error(display, line, col, f"archived text holds {what} here ({char})",
                  "remove it: copy the text again as plain text")]


def parse(text: str, display: str) -> tuple[Document | None, list[Diagnostic]]:
    """Parse YAML text into a :class:`Document`, collecting every problem found."""
    data = parse_fast(text)
    if data is not None:
        return Document(display, data, (), Positions.of_text(text)), []
    return parse_precisely(text, display)


def parse_precisely(text: str, display: str) -> tuple[Document | None, list[Diagnostic]]:
    """:func:`parse` by the precise builder only, which records every position as it goes."""
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
    positions = Positions(builder.marks, builder.key_marks)
    return Document(display, builder.root, tuple(builder.placeholders), positions), []


def load(path: Path, display: str | None = None) -> tuple[Document | None, list[Diagnostic]]:
    """Read and parse one fact file."""
    display = display or str(path)
    text, problems = read_text(path, display)
    if text is None:
        return None, problems
    return parse(text, display)


# --- the fast path -----------------------------------------------------------------------

_TEXT, _NULL, _COLLECTION, _TAGGED = object(), object(), object(), object()
"""What the fast composer tags nodes with: never equal to a tag written in a file (always a ``str``)."""


class _Surprise(Exception):
    """Something the fast path leaves to the precise builder, which reports it if it is a problem."""


def _plain_looking(text: str) -> bool:
    """Whether a quick look finds nothing the fast path cannot judge safely.

    No anchors (composed nodes do not show them; without one, an alias is a composer
    error), no placeholder (the precise builder notes where), small, and shallow: see
    :data:`FAST_MAX_RUN` and :data:`FAST_MAX_BRACKETS`.
    """
    return (
        len(text) <= FAST_MAX_CHARS
        and "&" not in text
        and PLACEHOLDER not in text
        and text.count("[") + text.count("{") <= FAST_MAX_BRACKETS
        and _shallow(text)
    )


def _shallow(text: str) -> bool:
    """No line starts with :data:`FAST_MAX_RUN` blanks or block indicators."""
    if _DEEP_AT_START.match(text):
        return False
    if any(line_break in text for line_break in _RARE_BREAKS):
        return _DEEP_AFTER_BREAK.search(text) is None
    return _DEEP_AFTER_NEWLINE.search(text) is None


if _HAVE_LIBYAML:

    class _Composer(CParser):
        """libyaml's composer with no type resolution: nodes are tagged only text, null, or otherwise."""

        def descend_resolver(self, parent: Any, index: Any) -> None:
            pass

        def ascend_resolver(self) -> None:
            pass

        def resolve(self, kind: type, value: str | None, implicit: Any) -> object:
            """Called for nodes with no tag or the non-specific ``!``; other tags are kept as written."""
            if kind is ScalarNode:
                return _NULL if implicit[0] and value in NULLS else _TEXT
            return _COLLECTION if implicit else _TAGGED  # not implicit: a collection tagged '!'


def parse_fast(text: str) -> dict[str, Any] | None:
    """The file's data, composed in C with no positions; None when the precise builder must read it."""
    if not _HAVE_LIBYAML or not _plain_looking(text):
        return None
    try:
        root = _Composer(text).get_single_node()
    except Exception:  # a syntax error, an undefined alias, more than one document: the precise builder says
        return None
    if type(root) is not MappingNode:  # also None: an empty file
        return None
    try:
        return cast("dict[str, Any]", _Walk().value(root, 0))  # the root is a mapping
    except _Surprise:
        return None


class _Walk:
    """Turns composed nodes into plain values, giving up at anything the precise builder would refuse."""

    __slots__ = ("nodes",)

    def __init__(self) -> None:
        self.nodes = 1  # the root; counted as the precise builder counts: values, not keys

    def value(self, node: Any, depth: int) -> Any:
        """The plain value of a node at ``depth`` (the root's is 0)."""
        tag = node.tag
        if tag is _TEXT:
            if node.style == '"' and node.value.strip() == PLACEHOLDER:
                raise _Surprise  # written with escapes: the precise builder notes where
            return node.value
        if tag is _NULL:
            return None
        if tag is not _COLLECTION:
            raise _Surprise  # a tag
        items = node.value
        self.nodes += len(items)
        if self.nodes > MAX_NODES or (items and depth >= MAX_DEPTH):
            raise _Surprise
        if type(node) is SequenceNode:
            return [self.value(item, depth + 1) for item in items]
        mapping: dict[str, Any] = {}
        for key, item in items:
            if type(key) is not ScalarNode or (key.tag is not _TEXT and key.tag is not _NULL) or key.value in mapping:
                raise _Surprise
            # most values are text, not double-quoted: read here, as a call for each would be a third of the walk
            mapping[key.value] = item.value if item.tag is _TEXT and item.style != '"' else self.value(item, depth + 1)
        return mapping


# --- the precise path --------------------------------------------------------------------


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
