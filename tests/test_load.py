"""Unit tests of the safe YAML loader, ``briefgen.check.load``: YAML is untrusted input."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefgen.check import load as load_module
from briefgen.check.load import (
    FAST_MAX_BRACKETS,
    FAST_MAX_CHARS,
    FAST_MAX_RUN,
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_NODES,
    Document,
    load,
    parse,
    parse_fast,
    parse_precisely,
)
from briefgen.diagnostics import Diagnostic, Severity

REPO = Path(__file__).resolve().parent.parent


def ok(text: str) -> Document:
    doc, problems = parse(text, "f.yaml")
    assert problems == [], [p.format() for p in problems]
    assert doc is not None
    return doc


def refused(text: str) -> list[Diagnostic]:
    doc, problems = parse(text, "f.yaml")
    assert doc is None
    assert problems, "a refused file must say why"
    assert all(p.severity is Severity.ERROR and p.path == "f.yaml" for p in problems)
    return problems


def only(problems: list[Diagnostic]) -> Diagnostic:
    assert len(problems) == 1, [p.format() for p in problems]
    return problems[0]


# --- every scalar stays a string ----------------------------------------------------------


@pytest.mark.parametrize(
    "scalar",
    [
        "NO",
        "no",
        "No",
        "yes",
        "on",
        "off",
        "y",
        "n",
        "true",
        "False",
        "0755",
        "0o755",
        "0x1F",
        "1_000",
        "12",
        "-3",
        "1.10",
        "1e3",
        ".inf",
        ".nan",
        "2016-10-20",
        "2016-10-20T10:00:00Z",
        "12:30:00",
        "=",
        "<<",
    ],
)
def test_plain_scalars_stay_strings(scalar: str) -> None:
    doc = ok(f"value: {scalar}\nlist: [{scalar}]\n")
    assert doc.data == {"value": scalar, "list": [scalar]}
    assert type(doc.data["value"]) is str


def test_scalars_keep_their_exact_text() -> None:
    doc = ok("a: NO\nb: on\nc: 0755\nd: 2016-10-20\ne: 1.10\nf: '007'\ng: \"2016\"\n")
    assert doc.data == {"a": "NO", "b": "on", "c": "0755", "d": "2016-10-20", "e": "1.10", "f": "007", "g": "2016"}


def test_keys_stay_strings() -> None:
    doc = ok("1: one\nno: two\n2016-10-20: three\n")
    assert list(doc.data) == ["1", "no", "2016-10-20"]


@pytest.mark.parametrize("text", ["a: ~\n", "a: null\n", "a: Null\n", "a: NULL\n", "a:\n", "a: \n"])
def test_plain_nulls_become_none(text: str) -> None:
    assert ok(text).data == {"a": None}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('a: "~"\n', "~"),
        ("a: '~'\n", "~"),
        ('a: "null"\n', "null"),
        ("a: ''\n", ""),
        ('a: ""\n', ""),
        ("a: nil\n", "nil"),
        ("a: None\n", "None"),
    ],
)
def test_quoted_or_other_words_are_not_null(text: str, value: str) -> None:
    assert ok(text).data == {"a": value}


def test_null_inside_a_list() -> None:
    assert ok("a: [~, '~', x]\n").data == {"a": [None, "~", "x"]}


def test_block_scalars_keep_their_text() -> None:
    doc = ok("a: |\n  line one\n  line two\nb: >-\n  folded\n  text\n")
    assert doc.data == {"a": "line one\nline two\n", "b": "folded text"}


def test_non_specific_tag_is_allowed_and_keeps_text() -> None:
    assert ok("a: ! 0755\n").data == {"a": "0755"}


# --- positions ---------------------------------------------------------------------------


def test_marks_are_one_based_line_and_column() -> None:
    doc = ok("name: Aldoria\nclaims:\n  - property: member\n    value: brevia\n")
    assert doc.marks[()] == (1, 1)
    assert doc.marks[("name",)] == (1, 7)
    assert doc.key_marks[("name",)] == (1, 1)
    assert doc.marks[("claims",)] == (3, 3)
    assert doc.marks[("claims", 0)] == (3, 5)
    assert doc.key_marks[("claims", 0, "value")] == (4, 5)
    assert doc.marks[("claims", 0, "value")] == (4, 12)


def test_mark_falls_back_to_the_nearest_ancestor() -> None:
    doc = ok("name: x\nclaims:\n  - property: member\n")
    assert doc.mark(("claims", 0, "sources", 0, "quote")) == (3, 5)
    assert doc.mark(("claims", 0, "property"), key=True) == (3, 5)
    assert doc.mark(("nowhere",)) == (1, 1)


def test_marks_count_characters_not_bytes() -> None:
    doc = ok("name: Ишкашим\nnext: x\nsame: Ишкашим, x\n")
    assert doc.marks[("next",)] == (2, 7)
    assert doc.data["same"] == "Ишкашим, x"


# --- refused constructs ------------------------------------------------------------------


def test_anchor_is_refused() -> None:
    problem = only(refused("name: x\na: &anchor [1, 2]\nb: c\n"))
    assert "anchor '&anchor' is not allowed" in problem.message
    assert (problem.line, problem.col) == (2, 4)
    assert problem.hint


def test_alias_is_refused() -> None:
    problem = only(refused("name: x\nb: *anchor\n"))
    assert "alias '*anchor' is not allowed" in problem.message
    assert (problem.line, problem.col) == (2, 4)


def test_merge_key_with_alias_is_refused() -> None:
    problem = only(refused("base: &b {x: 1}\nother:\n  <<: *b\n"))
    assert "anchor '&b'" in problem.message


def test_billion_laughs_is_refused_at_the_first_anchor() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"{c}: &{c} [" + ",".join([f"*{p}"] * 9) + "]" for p, c in zip("abcdefgh", "bcdefghi", strict=True)]
    problem = only(refused("\n".join(lines) + "\n"))
    assert (problem.line, problem.col) == (1, 4)


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ('name: !!python/object/apply:os.system ["echo pwned"]\n', "!!python/object/apply:os.system"),
        ("name: !!str 12\n", "!!str"),
        ("name: !!binary aGVsbG8=\n", "!!binary"),
        ("name: !custom x\n", "!custom"),
        ("!!map\nname: x\n", "!!map"),
        ("name: [a, !!str b]\n", "!!str"),
        ("name: !<tag:yaml.org,2002:str> x\n", "!<tag:yaml.org,2002:str>"),
        ("%TAG !e! tag:example.com,2000:\n---\nname: !e!thing x\n", "!e!thing"),
    ],
)
def test_tags_are_refused_and_shown_as_written(text: str, tag: str) -> None:
    problem = only(refused(text))
    assert problem.message == f"YAML tag '{tag}' is not allowed"


def test_tagged_key_is_refused() -> None:
    problem = only(refused("!!str name: x\n"))
    assert "keys take no anchors or tags" in problem.message


def test_complex_key_is_refused() -> None:
    problem = only(refused("? [a, b]\n: x\n"))
    assert "mapping keys must be plain words" in problem.message


def test_duplicate_key_is_reported_with_the_first_line() -> None:
    problem = only(refused("name: a\ntype: state\nname: b\n"))
    assert problem.message == "duplicate key 'name'; first at line 1"
    assert (problem.line, problem.col) == (3, 1)


def test_every_duplicate_key_is_reported() -> None:
    problems = refused("name: a\nclaims:\n  - property: x\n    value: 1\n    value: 2\nname: b\n")
    assert [(p.line, p.message) for p in problems] == [
        (5, "duplicate key 'value'; first at line 4"),
        (6, "duplicate key 'name'; first at line 1"),
    ]


def test_same_key_in_different_mappings_is_fine() -> None:
    doc = ok("a:\n  name: x\nb:\n  name: y\n")
    assert doc.data == {"a": {"name": "x"}, "b": {"name": "y"}}


def test_multiple_documents_are_refused() -> None:
    problem = only(refused("name: a\n---\nname: b\n"))
    assert "more than one YAML document" in problem.message
    assert problem.line == 2


def test_one_explicit_document_is_fine() -> None:
    assert ok("---\nname: a\n...\n").data == {"name": "a"}


def _nested(levels: int) -> str:
    return "a: " + "[" * levels + "x" + "]" * levels + "\n"


def test_nesting_up_to_the_limit_is_fine() -> None:
    value = ok(_nested(MAX_DEPTH - 1)).data["a"]
    for _ in range(MAX_DEPTH - 1):
        assert isinstance(value, list)
        value = value[0]
    assert value == "x"


def test_nesting_too_deep_is_refused() -> None:
    problem = only(refused(_nested(MAX_DEPTH)))
    assert f"nests deeper than {MAX_DEPTH} levels" in problem.message


def test_too_many_nodes_is_refused() -> None:
    problem = only(refused("a: [" + ",".join(["x"] * MAX_NODES) + "]\n"))
    assert f"more than {MAX_NODES:,} YAML nodes" in problem.message


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("- a\n- b\n", "a list"),
        ("just words\n", "a single value"),
        ("~\n", "nothing"),
    ],
)
def test_top_level_must_be_a_mapping(text: str, found: str) -> None:
    problem = only(refused(text))
    assert problem.message == f"expected a mapping of keys at the top of the file, found {found}"


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_empty_file_is_refused(text: str) -> None:
    assert only(refused(text)).message == "file is empty"


def test_syntax_error_has_a_position() -> None:
    problem = only(refused("name: x\nlist: [a, b\nother: y\n"))
    assert problem.message.startswith("YAML syntax:")
    assert problem.line >= 2


def test_disallowed_character_is_refused() -> None:
    problem = only(refused("name: a\x07b\n"))
    assert problem.message.startswith("YAML")
    assert problem.line == 1


# --- files -------------------------------------------------------------------------------


def test_load_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text("name: Ишкашим\n", encoding="utf-8")
    doc, problems = load(path, "shown.yaml")
    assert problems == []
    assert doc is not None and doc.data == {"name": "Ишкашим"} and doc.path == "shown.yaml"


def test_oversize_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"name: " + b"x" * (MAX_FILE_BYTES + 1 - len(b"name: \n")) + b"\n")
    assert path.stat().st_size == MAX_FILE_BYTES + 1
    doc, problems = load(path)
    assert doc is None
    problem = only(problems)
    assert problem.message == f"file is {MAX_FILE_BYTES + 1:,} bytes; the limit is {MAX_FILE_BYTES:,}"
    assert problem.path == str(path)


def test_file_at_the_size_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "limit.yaml"
    path.write_bytes(b"name: " + b"x" * (MAX_FILE_BYTES - len(b"name: \n")) + b"\n")
    assert path.stat().st_size == MAX_FILE_BYTES
    doc, problems = load(path)
    assert problems == []
    assert doc is not None and len(doc.data["name"]) == MAX_FILE_BYTES - 7


def test_byte_order_mark_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfname: x\n")
    doc, problems = load(path, "bom.yaml")
    assert doc is None
    assert "byte-order mark" in only(problems).message


def test_non_utf8_is_refused_with_its_position(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"name: x\nsummary: Caf\xe9\n")
    doc, problems = load(path, "latin1.yaml")
    assert doc is None
    problem = only(problems)
    assert problem.message == "file is not valid UTF-8 (byte 0xe9)"
    assert (problem.line, problem.col) == (2, 13)


def test_non_utf8_column_counts_characters(tmp_path: Path) -> None:
    path = tmp_path / "mixed.yaml"
    path.write_bytes("name: x\nsummary: Ишкашим ".encode() + b"Caf\xe9\n")
    doc, problems = load(path, "mixed.yaml")
    assert doc is None
    problem = only(problems)
    assert (problem.line, problem.col) == (2, 21)  # 'summary: Ишкашим Caf' is 20 characters (27 bytes)


def test_missing_file_is_an_error_not_a_crash(tmp_path: Path) -> None:
    doc, problems = load(tmp_path / "absent.yaml", "absent.yaml")
    assert doc is None
    assert only(problems).message.startswith("cannot read file")


# --- the fast path reads exactly what the precise builder reads --------------------------


def _fact_texts() -> list[tuple[str, str]]:
    """Every YAML file of the fixtures and of the repository's content that is UTF-8, as (name, text)."""
    out = []
    for path in sorted([*(REPO / "tests" / "fixtures").rglob("*.yaml"), *(REPO / "content").rglob("*.yaml")]):
        try:
            out.append((str(path.relative_to(REPO)), path.read_bytes().decode("utf-8")))
        except UnicodeDecodeError:
            continue  # refused before it is parsed (tests/fixtures/invalid/non-utf8)
    return out


FACT_TEXTS = _fact_texts()


@pytest.mark.parametrize("text", [text for _, text in FACT_TEXTS], ids=[name for name, _ in FACT_TEXTS])
def test_every_fixture_parses_to_the_same_data_positions_and_diagnostics(text: str) -> None:
    doc, problems = parse(text, "f.yaml")
    precise, precise_problems = parse_precisely(text, "f.yaml")
    assert problems == precise_problems
    if precise is None:
        assert doc is None
        return
    assert doc is not None
    assert doc.data == precise.data
    assert doc.placeholders == precise.placeholders
    assert doc.marks == precise.marks  # worked out on first need from the text
    assert doc.key_marks == precise.key_marks
    assert doc.mark(("claims", 0, "sources", 0, "quote")) == precise.mark(("claims", 0, "sources", 0, "quote"))


def test_clean_fixture_files_take_the_fast_path() -> None:
    clean = [(name, text) for name, text in FACT_TEXTS if "/invalid/" not in name and "&" not in text]
    assert len(clean) > 20
    assert [name for name, text in clean if parse_fast(text) is None] == []


@pytest.mark.parametrize(
    "text",
    [
        "a: ! 0755\n",
        "a: ! ~\n",
        'a: ! "~"\n',  # '!' makes even a quoted scalar plain to libyaml: null, as the precise builder has it
        "a: [~, '~', x, '', \"\"]\nb:\nc: null\nd: Null\n",
        "~: x\nnull: y\n'': z\n",
        "a: |\n  line one\n  line two\nb: >-\n  folded\n  text\n",
        'note: "see the *Strength* section"\n',
        "a: {b: [c, {d: e}], f: []}\n",
        "a: b\r\nc:\r\n  - d\r\n",
        'a: "\\x54ODOS"\n',
        "---\nname: a\n...\n",
        "%YAML 1.1\n---\nname: a\n",
        _nested(MAX_DEPTH - 1),
    ],
)
def test_fast_path_reads_what_the_precise_builder_reads(text: str) -> None:
    data = parse_fast(text)
    assert data is not None
    doc, problems = parse_precisely(text, "f.yaml")
    assert problems == [] and doc is not None
    assert data == doc.data
    assert [type(v) for v in data.values()] == [type(v) for v in doc.data.values()]


@pytest.mark.parametrize(
    "text",
    [
        "name: x\na: &anchor [1, 2]\n",
        "name: x\nb: *anchor\n",
        "base: &b {x: 1}\nother:\n  <<: *b\n",
        "name: R&D\n",  # not an anchor, but the fast path cannot tell
        "name: !!str 12\n",
        "name: !custom x\n",
        "name: !<tag:yaml.org,2002:str> x\n",
        "name: ! [a]\n",
        "name: ! {a: b}\n",
        "!!map\nname: x\n",
        "!!str name: x\n",
        "%TAG !e! tag:example.com,2000:\n---\nname: !e!thing x\n",
        "? [a, b]\n: x\n",
        "name: a\ntype: state\nname: b\n",
        "name: TODO\n",
        "name: x\nclaims:\n  - property: TODO\n",
        'name: "\\x54ODO"\n',  # the placeholder, written with an escape
        'name: " \\u0054ODO "\n',
        "name: a\n---\nname: b\n",
        "",
        "\n\n",
        "# only a comment\n",
        "- a\n- b\n",
        "just words\n",
        "~\n",
        "name: x\nlist: [a, b\nother: y\n",
        "name: a\x07b\n",
        _nested(MAX_DEPTH),
        "a: " + "[" * (FAST_MAX_BRACKETS + 1) + "]" * (FAST_MAX_BRACKETS + 1) + "\n",
        "".join(" " * level + f"k{level}:\n" for level in range(MAX_DEPTH + 4)),  # deep by indentation
        "a:\n" + " " * FAST_MAX_RUN + "b: c\n",
        "a:\r" + " " * FAST_MAX_RUN + "b: c\r",
        "a:\n" + "- " * (FAST_MAX_RUN // 2) + "x\n",
        "name: " + "x" * FAST_MAX_CHARS + "\n",
    ],
)
def test_what_the_fast_path_cannot_judge_goes_to_the_precise_builder(text: str) -> None:
    assert parse_fast(text) is None
    assert parse(text, "f.yaml") == parse_precisely(text, "f.yaml")


def test_the_fast_walk_gives_up_at_the_node_limit_whatever_the_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "a: [" + ",".join(["x"] * MAX_NODES) + "]\n"
    monkeypatch.setattr(load_module, "FAST_MAX_CHARS", len(text))
    assert parse_fast(text) is None
    assert parse_fast("a: [" + ",".join(["x"] * (MAX_NODES - 2)) + "]\n") is not None
    assert f"more than {MAX_NODES:,} YAML nodes" in only(refused(text)).message


DEEP_TEXTS = {
    "block-sequences": "a:\n" + "- " * (FAST_MAX_RUN // 2) + "x\n",
    "indentation": "".join(" " * level + f"k{level}:\n" for level in range(FAST_MAX_RUN + 1)),
    "flow-sequences": "a: " + "[" * (FAST_MAX_BRACKETS + 1) + "]" * (FAST_MAX_BRACKETS + 1) + "\n",
    "flow-mappings": "a: " + "{b: " * (FAST_MAX_BRACKETS + 1) + "c" + "}" * (FAST_MAX_BRACKETS + 1) + "\n",
    "after-carriage-return": "a:\r" + "- " * (FAST_MAX_RUN // 2) + "x\r",
    "after-line-separator": "a:\u2028" + "- " * (FAST_MAX_RUN // 2) + "x\u2028",
    "after-next-line": "a:\x85" + "- " * (FAST_MAX_RUN // 2) + "x\x85",
    "byte-order-mark-first": "\ufeff" + "- " * (FAST_MAX_RUN // 2) + "x\n",
    "byte-order-mark-at-a-line-start": "a:\n\ufeff" + "- " * (FAST_MAX_RUN // 2) + "x\n",
    "tabs": "a:\n" + "-\t" * (FAST_MAX_RUN // 2) + "x\n",
}


@pytest.mark.parametrize("text", DEEP_TEXTS.values(), ids=DEEP_TEXTS.keys())
def test_deep_nesting_never_reaches_the_c_composer(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    composed: list[str] = []
    composer = load_module._Composer

    def spy(text: str) -> object:
        composed.append(text)
        return composer(text)

    monkeypatch.setattr(load_module, "_Composer", spy)
    assert parse_fast(text) is None
    assert composed == []
    assert parse_fast("a: [[x]]\nb:\n  - - c\n") == {"a": [["x"]], "b": [["c"]]}
    assert len(composed) == 1  # the spy sees what does reach the composer
    assert parse(text, "f.yaml") == parse_precisely(text, "f.yaml")


def _megabyte(unit: str) -> str:
    return unit * (MAX_FILE_BYTES // len(unit))


def _indented_megabyte() -> str:
    lines, size, level = [], 0, 0
    while size + level + 3 <= MAX_FILE_BYTES:
        lines.append(" " * level + "k:\n")
        size, level = size + level + 3, level + 1
    return "".join(lines)


@pytest.mark.parametrize(
    "text",
    [_megabyte("- "), _megabyte("["), _megabyte("{a: "), _megabyte("[{a: "), _indented_megabyte()],
    ids=["block-sequences", "flow-sequences", "flow-mappings", "mixed", "indentation"],
)
def test_a_megabyte_of_nesting_is_refused_without_a_crash(text: str) -> None:
    assert len(text) > MAX_FILE_BYTES - 1000
    assert parse_fast(text) is None
    problem = only(refused(text))
    deep = (f"file nests deeper than {MAX_DEPTH} levels", "YAML syntax: exceeded maximum nesting depth")
    assert problem.message in deep
    assert parse(text, "f.yaml") == parse_precisely(text, "f.yaml")


def test_positions_of_a_fast_document_are_found_on_first_need() -> None:
    text = "name: Aldoria\nclaims:\n  - property: member\n    value: brevia\n"
    doc, _ = parse(text, "f.yaml")
    assert doc is not None and parse_fast(text) == doc.data
    assert doc.mark(("claims", 0, "value")) == (4, 12)
    assert doc.mark(("claims", 0, "value"), key=True) == (4, 5)
    assert doc.marks[("claims",)] == (3, 3)


def test_a_document_made_without_positions_falls_back_to_the_first_line() -> None:
    doc = Document("f.yaml", {"name": "x"})
    assert doc.marks == {} and doc.key_marks == {}
    assert doc.mark(("name",)) == (1, 1)
