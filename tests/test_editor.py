"""The editors' workflow: ``briefgen new``, schema files, ``check --format json`` / ``--quiet``,
the pre-commit hook and CI example, and the editors' documentation.

Everything that writes does so in ``tmp_path``; the repository is only read.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from briefgen.cli import main
from briefgen.diagnostics import Diagnostic, Severity
from briefgen.editor import scaffold, schemafiles

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
VALID = TESTS / "fixtures" / "valid"
INVALID = TESTS / "fixtures" / "invalid"
KINDS = ("exercise", "mechanism", "actor", "place", "source", "book")
FOLDERS = {"exercise": "exercises", "mechanism": "mechanisms", "actor": "actors", "place": "places",
           "source": "sources", "book": "briefs"}


def cli(cwd: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    """Run ``briefgen ARGS`` in-process in ``cwd``."""
    monkeypatch.chdir(cwd)
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project: content/ and the schema files in schemas/."""
    (tmp_path / "content").mkdir()
    done = cli(tmp_path, monkeypatch, "schema", "--write")
    assert done.exit_code == 0, done.output
    return tmp_path


# --- briefgen new -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_new_writes_a_commented_file_pointing_at_its_schema(kind: str, project: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    done = cli(project, monkeypatch, "new", kind, "first-one")
    assert done.exit_code == 0, done.output
    path = project / "content" / FOLDERS[kind] / "first-one.yaml"
    assert f"wrote content/{FOLDERS[kind]}/first-one.yaml" in done.output
    text = path.read_text(encoding="utf-8")
    first, *rest = text.splitlines()
    assert first == f"# yaml-language-server: $schema=../../schemas/{kind}.schema.json"
    assert (path.parent / first.split("=", 1)[1]).resolve() == project / "schemas" / f"{kind}.schema.json"
    assert (project / "schemas" / f"{kind}.schema.json").is_file()
    data = yaml.safe_load(text)
    assert data["name" if kind != "book" else "title"] == scaffold.PLACEHOLDER
    comments = [line for line in rest if line.lstrip().startswith("#")]
    assert len(comments) >= 10, "every key is explained"
    if kind != "book":
        assert "marking" in text and "TLP" in text
    if kind not in ("source", "book"):
        assert data["mentions"][0] == {"source": "TODO", "quote": "TODO", "credibility": "TODO"}
        assert "verbatim" in text and "Admiralty" in text
    if kind in ("exercise", "mechanism"):
        assert data["claims"], "claims examples for that kind"
    assert (path.with_suffix(".txt").exists()) == (kind == "source")


def test_new_source_writes_a_note_to_paste_the_text_over(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    done = cli(project, monkeypatch, "new", "source", "gazette")
    assert done.exit_code == 0, done.output
    note = project / "content" / "sources" / "gazette.txt"
    assert "wrote content/sources/gazette.txt" in done.output
    assert note.read_text(encoding="utf-8").startswith(scaffold.TEXT_PLACEHOLDER)
    assert "paste" in note.read_text(encoding="utf-8")


def test_new_never_overwrites(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = project / "content" / "actors" / "aldoria.yaml"
    path.parent.mkdir()
    path.write_text("name: Aldoria\n", encoding="utf-8")
    done = cli(project, monkeypatch, "new", "actor", "aldoria")
    assert done.exit_code == 1
    assert "already exists" in done.stderr and "never overwrites" in done.stderr
    assert path.read_text(encoding="utf-8") == "name: Aldoria\n"
    # the same id in another kind's folder is refused too: ids are unique across all kinds
    done = cli(project, monkeypatch, "new", "place", "aldoria")
    assert done.exit_code == 1
    assert "already used by content/actors/aldoria.yaml" in done.stderr
    assert not (project / "content" / "places" / "aldoria.yaml").exists()
    # nor is a source's archived text
    (project / "content" / "sources").mkdir()
    (project / "content" / "sources" / "gazette.txt").write_text("The text.\n", encoding="utf-8")
    done = cli(project, monkeypatch, "new", "source", "gazette")
    assert done.exit_code == 1 and "gazette.txt already exists" in done.stderr
    assert not (project / "content" / "sources" / "gazette.yaml").exists()


@pytest.mark.parametrize(("given", "suggestion"), [("Tidewater 2019", "tidewater-2019"),
                                                    ("Port_Vale", "port-vale"), ("naval--drill", "naval-drill")])
def test_new_refuses_an_id_that_is_not_a_slug(given: str, suggestion: str, project: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    done = cli(project, monkeypatch, "new", "exercise", given)
    assert done.exit_code == 2
    assert f"'{given}' is not an id" in done.output
    assert f"try '{suggestion}'" in done.output
    assert not (project / "content" / "exercises").exists()


@pytest.mark.parametrize("given", ["index", "timeline", "a" * 101])
def test_new_refuses_an_id_the_check_would_refuse(given: str, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    done = cli(project, monkeypatch, "new", "actor", given)
    assert done.exit_code == 2
    assert "reserved" in done.output or "at most 100" in done.output
    assert not (project / "content" / "actors").exists()


def test_new_needs_an_existing_content_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    done = cli(tmp_path, monkeypatch, "new", "actor", "aldoria", "--content", "contnet")
    assert done.exit_code == 2
    assert not (tmp_path / "contnet").exists()


def test_schema_reference_in_the_repository_layout() -> None:
    target = REPO / "content" / "exercises" / "not-written.yaml"
    assert scaffold.schema_reference(target, REPO / "content", "exercise") == "../../schemas/exercise.schema.json"


QUOTE = "will hold the naval drill Seaspray near Port Vale"
TEXT = (f"Harbourside Gazette, 2 March 2019\n\nThe Republic of Aldoria {QUOTE} in March, officials said.\n"
        "Port Vale is a city on the eastern shore.\n")
SCAFFOLDS = [("source", "seaspray-report"), ("actor", "aldoria"), ("place", "port-vale"),
             ("exercise", "seaspray-2019"), ("mechanism", "vale-accord"), ("book", "seaspray-book")]
TOP = {"type": {"actors": "state", "places": "city", "sources": "news-report"}, "publisher": "Harbourside Gazette",
       "author": "unknown", "date": "2019-03-02", "reliability": "B", "title": "Seaspray",
       "source": "seaspray-report", "quote": f'"{QUOTE}"', "credibility": "2"}
VALUES = {"status": "planned", "date": "2019-03", "location": "port-vale", "participant": "aldoria",
          "member": "aldoria"}
TODO_LINE = re.compile(r"^(?P<lead>\s*(?:- )?)(?P<key>\w+): TODO(?P<comment>\s+#.*)?$")


def fill(path: Path) -> int:
    """Replace each ``key: TODO`` of a scaffold with a real value for that key (and claim); return how many."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    prop, count = None, 0
    for number, line in enumerate(lines):
        found = re.match(r"^\s*- property: (\w+)", line)
        if found:
            prop = found[1]
        match = TODO_LINE.match(line.rstrip("\n"))
        if not match:
            continue
        key = match["key"]
        if key == "name":
            value = f"Test {path.stem}"
        elif key == "value":
            value = VALUES[prop]  # type: ignore[index]
        elif key == "type":
            value = TOP["type"][path.parent.name]  # type: ignore[index]
        else:
            value = TOP[key]  # type: ignore[assignment]
        lines[number] = f"{match['lead']}{key}: {value}{match['comment'] or ''}\n"
        count += 1
    path.write_text("".join(lines), encoding="utf-8")
    return count


def test_filled_scaffolds_pass_check(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for kind, entity_id in SCAFFOLDS:
        assert cli(project, monkeypatch, "new", kind, entity_id).exit_code == 0
    (project / "content" / "sources" / "seaspray-report.txt").write_text(TEXT, encoding="utf-8")
    filled = {p.name: fill(p) for p in (project / "content").rglob("*.yaml")}
    assert filled == {"seaspray-report.yaml": 7, "aldoria.yaml": 5, "port-vale.yaml": 5, "seaspray-2019.yaml": 20,
                      "vale-accord.yaml": 8, "seaspray-book.yaml": 1}
    assert "TODO" not in "".join(line for p in (project / "content").rglob("*.yaml")
                                 for line in p.read_text(encoding="utf-8").splitlines() if ": TODO" in line)
    done = cli(project, monkeypatch, "check", "--strict", "content")
    assert done.exit_code == 0, done.output
    assert done.stdout.splitlines()[-1].endswith(
        "5 entities (1 exercise, 1 mechanism, 1 actor, 1 place, 1 source), 5 claims, 1 briefing book; "
        "0 errors, 0 warnings")


def test_unfilled_scaffold_fails_check_at_each_placeholder(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for kind, entity_id in SCAFFOLDS:
        assert cli(project, monkeypatch, "new", kind, entity_id).exit_code == 0
    done = cli(project, monkeypatch, "check", "content")
    assert done.exit_code == 1
    assert "Traceback" not in done.output
    *lines, summary = done.stdout.splitlines()
    placeholders = 0
    for path in (project / "content").rglob("*.yaml"):
        placeholders += sum(1 for line in path.read_text(encoding="utf-8").splitlines()
                            if TODO_LINE.match(line))
    assert len(lines) == placeholders + 1, "one error per placeholder, and one for the text note: nothing else"
    assert summary.endswith(f"{placeholders + 1} errors, 0 warnings")
    for line in lines:
        where, severity, message = line.split(": ", 2)
        path, row, col = where.split(":")
        assert severity == "error", line
        if path.endswith(".txt"):
            assert (row, col) == ("1", "1")
            assert message.startswith("archived text is still the placeholder note from briefgen new")
            continue
        assert "still the placeholder TODO (hint: replace it with the real value" in message, line
        text = (project / path).read_text(encoding="utf-8").splitlines()[int(row) - 1]
        assert text[int(col) - 1:].startswith("TODO"), f"{line} does not point at a placeholder: {text!r}"


def test_a_placeholder_hides_nothing_else(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Filled files next to one placeholder: only the placeholder is reported, and real mistakes still are."""
    for kind, entity_id in SCAFFOLDS:
        assert cli(project, monkeypatch, "new", kind, entity_id).exit_code == 0
    (project / "content" / "sources" / "seaspray-report.txt").write_text(TEXT, encoding="utf-8")
    for path in (project / "content").rglob("*.yaml"):
        fill(path)
    drill = project / "content" / "exercises" / "seaspray-2019.yaml"
    text = drill.read_text(encoding="utf-8")
    text = text.replace("value: planned", "value: TODO", 1).replace("value: 2019-03", "value: 2019-13", 1)
    drill.write_text(text, encoding="utf-8")
    done = cli(project, monkeypatch, "check", "--quiet", "content")
    assert done.exit_code == 1
    lines = done.stdout.splitlines()
    assert len(lines) == 2, done.stdout
    assert "claims[0].value: still the placeholder TODO" in lines[0]
    assert "claims[1].value: '2019-13' is not an EDTF date" in lines[1]


# --- briefgen check --format json / --quiet -----------------------------------------------------


def test_check_json_lists_diagnostics_and_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    case = INVALID / "many-errors"
    done = cli(case, monkeypatch, "check", "--format", "json", "content")
    assert done.exit_code == 1
    data = json.loads(done.stdout)
    expected = (case / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert [Diagnostic(d["path"], d["line"], d["col"], Severity(d["severity"]), d["message"], d["hint"]).format()
            for d in data["diagnostics"]] == expected
    assert set(data["diagnostics"][0]) == {"path", "line", "col", "severity", "message", "hint"}
    assert isinstance(data["diagnostics"][0]["line"], int)
    summary = data["summary"]
    assert (summary["errors"], summary["warnings"]) == (len(expected), 0)
    assert summary["files"] > 0
    assert summary["text"].endswith(f"{len(expected)} errors, 0 warnings")


def test_check_json_of_clean_content(monkeypatch: pytest.MonkeyPatch) -> None:
    done = cli(VALID, monkeypatch, "check", "--format", "json", "content")
    assert done.exit_code == 0
    data = json.loads(done.stdout)
    assert data["diagnostics"] == []
    assert data["content"] == "content"
    summary = data["summary"]
    assert summary["entities"] == 9 and summary["claims"] == 17
    assert summary["kinds"] == {"exercise": 2, "mechanism": 1, "actor": 3, "place": 2, "source": 1}
    assert (summary["errors"], summary["warnings"]) == (0, 0)


def test_check_json_warnings_and_strict(monkeypatch: pytest.MonkeyPatch) -> None:
    case = INVALID / "uncited-source"
    done = cli(case, monkeypatch, "check", "--format", "json", "content")
    assert done.exit_code == 0
    assert [d["severity"] for d in json.loads(done.stdout)["diagnostics"]] == ["warning"]
    assert cli(case, monkeypatch, "check", "--format", "json", "--strict", "content").exit_code == 1


def test_check_quiet_prints_only_diagnostics(monkeypatch: pytest.MonkeyPatch) -> None:
    done = cli(VALID, monkeypatch, "check", "--quiet", "content")
    assert (done.exit_code, done.stdout) == (0, "")
    case = INVALID / "many-errors"
    done = cli(case, monkeypatch, "check", "-q", "content")
    assert done.exit_code == 1
    assert done.stdout.splitlines() == (case / "expected.txt").read_text(encoding="utf-8").splitlines()


def test_check_json_quiet_has_no_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    done = cli(INVALID / "tampered-quote", monkeypatch, "check", "--format", "json", "--quiet", "content")
    assert done.exit_code == 1
    data = json.loads(done.stdout)
    assert "summary" not in data and len(data["diagnostics"]) == 1


# --- schema files -------------------------------------------------------------------------------


def test_repository_schemas_are_current(monkeypatch: pytest.MonkeyPatch) -> None:
    done = cli(REPO, monkeypatch, "schema", "--check")
    assert done.exit_code == 0, done.output + "\nrun: briefgen schema --write"
    names = {p.name for p in (REPO / "schemas").glob("*.json")}
    assert names == {f"{k}.schema.json" for k in KINDS} | {"fact-file.schema.json"}
    bundle = json.loads((REPO / "schemas" / "fact-file.schema.json").read_text(encoding="utf-8"))
    assert len(bundle["anyOf"]) == 5
    book = json.loads((REPO / "schemas" / "book.schema.json").read_text(encoding="utf-8"))
    assert "scope" in book["properties"]


def test_schema_check_fails_on_a_tampered_or_missing_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "schemas"
    shutil.copytree(REPO / "schemas", copy)
    assert cli(tmp_path, monkeypatch, "schema", "--check", "schemas").exit_code == 0
    actor = copy / "actor.schema.json"
    actor.write_text(actor.read_text(encoding="utf-8").replace('"state"', '"country"', 1), encoding="utf-8")
    (copy / "place.schema.json").unlink()
    done = cli(tmp_path, monkeypatch, "schema", "--check", "schemas")
    assert done.exit_code == 1
    assert "schemas/actor.schema.json: out of date" in done.stdout
    assert "schemas/place.schema.json: missing" in done.stdout
    assert "briefgen schema --write schemas" in done.stdout
    done = cli(tmp_path, monkeypatch, "schema", "--write", "schemas")
    assert done.exit_code == 0 and "2 of 7" in done.stdout
    assert cli(tmp_path, monkeypatch, "schema", "--check", "schemas").exit_code == 0
    assert actor.read_bytes() == (REPO / "schemas" / "actor.schema.json").read_bytes()


def test_schema_write_and_check_are_exclusive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli(tmp_path, monkeypatch, "schema", "--write", "--check").exit_code == 2
    assert cli(tmp_path, monkeypatch, "schema", "exercise", "--check").exit_code == 2


def test_schema_files_match_the_printed_schemas(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for kind in KINDS:
        done = cli(tmp_path, monkeypatch, "schema", kind)
        assert done.stdout == schemafiles.expected()[f"{kind}.schema.json"]
    assert cli(tmp_path, monkeypatch, "schema").stdout == schemafiles.expected()["fact-file.schema.json"]


# --- pre-commit hook and CI example -------------------------------------------------------------


def test_pre_commit_hook() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == "briefgen-check")
    assert hook["entry"] == "briefgen check"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    assert re.search(hook["files"], "content/exercises/x.yaml")
    assert not re.search(hook["files"], "briefgen/cli.py")


def test_github_actions_example() -> None:
    workflow = yaml.safe_load((REPO / "briefgen" / "starter" / "github" / "briefing.yml").read_text(encoding="utf-8"))
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "push" in triggers
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    uses = [s.get("uses", "").split("@")[0] for s in steps]
    runs = [s.get("run", "") for s in steps]
    assert "actions/checkout" in uses and "actions/setup-python" in uses
    assert next(s for s in steps if s.get("uses", "").startswith("actions/setup-python"))["with"][
        "python-version"] == "3.11"
    order = [next(i for i, r in enumerate(runs) if command in r) for command in
             ("pip install", "briefgen check content", "briefgen schema --check", "briefgen build --strict")]
    assert order == sorted(order)
    assert "actions/upload-pages-artifact" in uses and "actions/deploy-pages" in uses
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"].rstrip("/") == "site"


# --- documentation ------------------------------------------------------------------------------


def test_readme_quick_start_is_two_commands_and_points_editors_to_contributing() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Quick start\s+```sh\n(.*?)```", readme, re.S)
    assert block, "README has a Quick start code block"
    assert [line for line in block[1].splitlines() if line.strip()] == ["make site", "make test"]
    assert "CONTRIBUTING.md" in readme


PREFIX = re.compile(r"^[A-Za-z_]\w*(?:\[\d+\]|\.\w+)*: ")
STOPS = re.compile(r"'[^']*'|[0-9]|[():;/→]")


def stem(message: str) -> str:
    """The fixed words of a diagnostic: the first run of at least six characters without values in it."""
    message = PREFIX.sub("", message, count=1)
    for piece in STOPS.split(message):
        if len(piece.strip(" ,.")) >= 6:
            return piece.strip(" ,.")
    raise AssertionError(f"no fixed words in {message!r}")


#: Messages raised for dates already accepted (never shown to an editor): no row of the guide needs them.
INTERNAL_MESSAGES = {"is not a date briefgen accepts"}


def _literal_parts(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return [v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
    return []


def code_messages() -> dict[str, str]:
    """The fixed words of every message briefgen can emit, by where the code says it: each ``error``/``warning``
    diagnostic's message, and each ``ValueError`` a value's check raises (the check reports its text)."""
    found: dict[str, str] = {}
    for path in sorted((REPO / "briefgen").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            message = None
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("error", "warning"):
                at = 0  # error(path, line, col, message, hint), the place often given as *doc.mark(...)
                for arg in node.args:
                    if at == 3 and not isinstance(arg, ast.Starred):
                        message = arg
                        break
                    at += 2 if isinstance(arg, ast.Starred) else 1
            elif (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)
                  and getattr(node.exc.func, "id", "") == "ValueError" and node.exc.args):
                message = node.exc.args[0]
            for part in _literal_parts(message) if message is not None else ():
                words = re.split(r"[;,(]", part.strip(" :'"))[0].strip()
                if len(words) >= 8 and words not in INTERNAL_MESSAGES:
                    found.setdefault(words, f"{path.name}:{node.lineno}")
    return found


def test_contributing_explains_every_diagnostic_the_code_can_emit() -> None:
    """Not only those of the fixtures: a message added to the code without a row in the guide fails here."""
    guide = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    table = guide[guide.index("## What each error means"):]
    messages = code_messages()
    assert len(messages) > 40, "the code's messages were not found"
    missing = sorted(f"{where}: {words!r}" for words, where in messages.items() if words not in table)
    assert not missing, "CONTRIBUTING.md's tables do not explain:\n" + "\n".join(missing)


def test_contributing_shows_every_key_for_many_sources() -> None:
    guide = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    keys = guide[guide.index("**Every key for many sources"):guide.index("## Mark: TLP and editions")]
    for key in ("url", "archive_url", "retrieved", "date_known", "language", "derived_from", "via", "republish",
                "translation", "translated_by", "as_of", "assessment", "bound", "to", "reliability_note"):
        assert f"`{key}`" in keys, key


def test_contributing_explains_every_diagnostic_the_fixtures_specify() -> None:
    guide = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    table = guide[guide.index("## What each error means"):]
    messages = {line.split(": ", 2)[2].split(" (hint: ")[0]
                for path in INVALID.glob("*/expected.txt") for line in path.read_text(encoding="utf-8").splitlines()}
    messages |= {"name: still the placeholder TODO",
                 "archived text is still the placeholder note from briefgen new"}
    missing = sorted({stem(m) for m in messages if stem(m) not in table})
    assert not missing, f"CONTRIBUTING.md does not explain: {missing}"
    for topic in ("briefgen new", "prefix", "suffix", "credibility", "reliability", "voice", "TLP", "EDTF",
                  "inferred", "part", "yaml.schemas", "edition"):
        assert topic in guide, topic
