"""End-to-end tests of ``briefgen check`` (and ``briefgen schema``) through the command line.

Fixtures:

* ``tests/fixtures/valid/content/`` — a small, fictional, fully valid project: it must
  check with exit code 0 and print nothing but the summary line.
* ``tests/fixtures/invalid/<case>/content/`` — one mistake (or a deliberate handful) per
  case, and ``tests/fixtures/invalid/<case>/expected.txt`` holding the exact diagnostic
  lines ``briefgen check content`` prints when run from the case folder, i.e. everything
  except the final summary line. The expected exit code follows from those lines: 1 if
  any is an ``error``, else 0 (warning-only cases).

Regenerating the expected files: after a deliberate change to a message (or a new case),
run::

    BRIEFGEN_REGEN=1 .venv/bin/pytest tests/test_check.py -k invalid_case

which writes each ``expected.txt`` from the real output instead of comparing against it.
Then read the diff (``git diff tests/fixtures``) line by line before committing: the
expected files are the specification of what editors are told.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from briefgen.cli import main

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
FIXTURES = TESTS / "fixtures"
VALID = FIXTURES / "valid"
INVALID = FIXTURES / "invalid"
CORPUS = REPO / "content"

REGEN = os.environ.get("BRIEFGEN_REGEN") == "1"

CASES = sorted(p.name for p in INVALID.iterdir() if (p / "content").is_dir()) if INVALID.is_dir() else []

REQUIRED_CASES = {
    "tampered-quote",
    "dangling-reference",
    "duplicate-key",
    "alias-bomb",
    "country-no",
    "bad-edtf",
    "unknown-key",
    "non-utf8",
    "empty-file",
    "id-mismatch",
    "yaml-tag",
    "bom-file",
    "octal-int",
    "yes-no-bool",
    "uncited-source",
    "missing-archived-text",
    "wrong-kind-reference",
    "many-errors",
    "remote-image",
    "reserved-id",
    "long-id",
    "edtf-forms",
    "newline-in-value",
    "control-characters",
    "bidi-override",
    "quote-inside-word",
    "quote-lookalike-apostrophe",
    "quote-invisible-character",
}

SUMMARY = re.compile(r"^checked \d+ files in \S+: .*\b(\d+) errors?, (\d+) warnings?$")


def run_check(cwd: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    """Run ``briefgen check ARGS`` in-process with the working directory set to ``cwd``."""
    monkeypatch.chdir(cwd)
    return CliRunner().invoke(main, ["check", *args], catch_exceptions=False)


def split_output(result: Result) -> tuple[list[str], str]:
    """The diagnostic lines and the summary line of a check's standard output."""
    lines = result.stdout.splitlines()
    assert lines, "briefgen check printed nothing, not even its summary line"
    return lines[:-1], lines[-1]


def test_required_cases_exist() -> None:
    missing = REQUIRED_CASES - set(CASES)
    assert not missing, f"invalid fixture cases missing: {sorted(missing)}"
    for case in CASES:
        assert (INVALID / case / "expected.txt").is_file() or REGEN, f"{case}: no expected.txt"


@pytest.mark.parametrize("case", CASES)
def test_invalid_case(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = INVALID / case
    result = run_check(folder, monkeypatch, "content")
    lines, summary = split_output(result)
    expected_file = folder / "expected.txt"
    if REGEN:
        expected_file.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    expected = expected_file.read_text(encoding="utf-8").splitlines()

    assert expected, f"{case}: an invalid case must produce at least one diagnostic"
    assert lines == expected
    errors = sum(": error: " in line for line in expected)
    warnings = sum(": warning: " in line for line in expected)
    assert errors + warnings == len(expected), "every diagnostic line is an error or a warning"
    assert result.exit_code == (1 if errors else 0), result.output
    match = SUMMARY.match(summary)
    assert match, f"unexpected summary line: {summary!r}"
    assert (int(match[1]), int(match[2])) == (errors, warnings)


DIAGNOSTIC_LINE = re.compile(r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+:\d+:\d+: (error|warning): "
                             r"[^\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+$")


@pytest.mark.parametrize("case", ["newline-in-value", "control-characters", "bidi-override"])
def test_content_cannot_forge_or_drive_the_output(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Values holding line breaks, terminal controls and bidi controls are quoted escaped: each
    diagnostic is one line of plain characters (text and JSON alike)."""
    result = run_check(INVALID / case, monkeypatch, "content")
    lines, _ = split_output(result)
    assert lines and all(DIAGNOSTIC_LINE.match(line) for line in lines), lines
    assert not any("forged" in line.split(": error: ")[0] for line in lines)
    text = run_check(INVALID / case, monkeypatch, "--format", "json", "content").stdout
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]", text)
    data = json.loads(text)
    assert len(data["diagnostics"]) == len(lines)


def test_a_file_name_with_a_line_break_is_one_diagnostic_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(VALID / "content", tmp_path / "content")
    (tmp_path / "content" / "actors" / "x\nforged.yaml:1:1: error: forged\x1b[2J.yaml").write_text(
        "name: X\n", encoding="utf-8")
    result = run_check(tmp_path, monkeypatch, "content")
    lines, summary = split_output(result)
    assert result.exit_code == 1
    assert len(lines) == 1 and DIAGNOSTIC_LINE.match(lines[0]), lines
    assert "x\\nforged.yaml" in lines[0] and "\\x1b[2J" in lines[0]
    assert summary.endswith("1 error, 0 warnings")


def test_valid_fixture_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_check(VALID, monkeypatch, "content")
    lines, summary = split_output(result)
    assert lines == []
    assert result.exit_code == 0
    assert summary.endswith("0 errors, 0 warnings")
    assert "9 entities (2 exercises, 1 mechanism, 3 actors, 2 places, 1 source), 17 claims" in summary


def test_valid_fixture_passes_installed_command() -> None:
    """The console script itself (not just the click group) exits 0 on the valid fixture."""
    script = Path(sys.executable).with_name("briefgen")
    command = [str(script)] if script.exists() else [sys.executable, "-c", "from briefgen.cli import main; main()"]
    done = subprocess.run([*command, "check", "content"], cwd=VALID, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("checked ")


def test_valid_fixture_strict_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_check(VALID, monkeypatch, "--strict", "content")
    assert result.exit_code == 0, result.output


def test_strict_fails_on_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_check(INVALID / "uncited-source", monkeypatch, "--strict", "content")
    assert result.exit_code == 1, result.output


def test_shipped_corpus_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The repository's own content/ checks clean (``briefgen check content`` from the repo root)."""
    assert CORPUS.is_dir(), "content/ is missing from the repository"
    result = run_check(REPO, monkeypatch, "content")
    lines, _ = split_output(result)
    assert [line for line in lines if ": error: " in line] == []
    assert result.exit_code == 0, result.output


def test_alias_bomb_is_refused_quickly(monkeypatch: pytest.MonkeyPatch) -> None:
    folder = INVALID / "alias-bomb"
    start = time.monotonic()
    result = run_check(folder, monkeypatch, "content")
    elapsed = time.monotonic() - start
    assert result.exit_code == 1
    assert "YAML anchor '&a' is not allowed" in result.stdout
    assert elapsed < 1.0, f"alias bomb took {elapsed:.2f}s"


QUOTE_LINE = re.compile(r"""^\s*(?:-\s+)?quote:\s+(?P<value>"[^"\\]*"|'[^']*'|[^\s>|&*!'"#].*)\s*$""")
WORD = re.compile(r"\b[A-Za-z]{4,}\b")


def tamper_one_quote(content: Path) -> tuple[Path, int, str, str]:
    """Change one word of the first one-line quote found (plain or quoted); return file, line, old and new word."""
    for path in sorted(content.rglob("*.yaml")):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        for number, line in enumerate(lines, start=1):
            match = QUOTE_LINE.match(line.rstrip("\n"))
            if not match:
                continue
            word = WORD.search(match["value"])
            if not word:
                continue
            new = "Xq" + word[0][::-1].lower()  # a word no archived text is likely to hold
            start = match.start("value") + word.start()
            lines[number - 1] = line[:start] + new + line[start + len(word[0]) :]
            path.write_text("".join(lines), encoding="utf-8")
            return path, number, word[0], new
    raise AssertionError(f"no one-line quote found under {content}")


@pytest.mark.parametrize("origin", [VALID / "content", CORPUS], ids=["valid-fixture", "shipped-corpus"])
def test_one_changed_word_in_a_quote_fails(origin: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert origin.is_dir(), f"{origin} is missing"
    shutil.copytree(origin, tmp_path / "content")
    path, line, old, new = tamper_one_quote(tmp_path / "content")
    assert old != new
    result = run_check(tmp_path, monkeypatch, "content")
    shown = path.relative_to(tmp_path).as_posix()
    assert result.exit_code == 1, result.output
    errors = [d for d in result.stdout.splitlines() if ": error: " in d]
    assert any(d.startswith(f"{shown}:{line}:") and "not found verbatim" in d for d in errors), (
        f"expected an error at {shown}:{line}; got:\n{result.stdout}"
    )


def test_schema_of_exercise_is_json_with_claims_and_mentions() -> None:
    result = CliRunner().invoke(main, ["schema", "exercise"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    assert {"claims", "mentions", "name"} <= set(schema["properties"])
    assert "mentions" in schema.get("required", [])


def test_schema_of_unknown_kind_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["schema", "exercises"])
    assert result.exit_code == 2


def test_nonexistent_folder_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_check(tmp_path, monkeypatch, "no-such-folder")
    assert result.exit_code == 2
    assert "no-such-folder" in result.output
    assert result.stdout == ""


def test_many_errors_reports_every_mistake_in_one_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """The nine planted mistakes, each at its own place, though both entity files fail validation."""
    result = run_check(INVALID / "many-errors", monkeypatch, "content")
    lines, _ = split_output(result)
    places = [tuple(line.split(":")[:2]) for line in lines if ": error: " in line]
    navy, drill = "content/actors/aldorian-navy.yaml", "content/exercises/tidewater-2019.yaml"
    assert places == [
        (navy, "2"),  # type: navy
        (navy, "6"),  # a quote that is not in the text (its citation's credibility is wrong too)
        (navy, "7"),  # credibility: 7
        (drill, "2"),  # summry
        (drill, "4"),  # harbor-bulletin: no such source
        (drill, "8"),  # property: participants
        (drill, "15"),  # value: Planned
        (drill, "17"),  # a citation without credibility
        (drill, "20"),  # value: 1_000
    ]
