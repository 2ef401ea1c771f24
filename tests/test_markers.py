"""The suite's markers keep the quick loop quick: every test that drives Chromium is marked ``browser``, and
``make test`` still runs every test while ``make quick`` leaves out ``slow`` and ``browser``.

Read from the test files' source, so a browser test added later fails here, in the quick loop, until it is
marked.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from projects import REPO, TESTS

DRIVES_CHROMIUM = re.compile(r"playwright|chromium", re.IGNORECASE)
"""What a test that drives the browser names: Playwright, or Chromium (also through a benchmark that runs it)."""


MODULE_MARK = "pytestmark = pytest.mark.browser"


def _marks(node: ast.expr) -> set[str]:
    """The names of the ``pytest.mark.<name>`` in a decorator or a ``pytestmark`` value."""
    if isinstance(node, ast.List | ast.Tuple):
        return {name for item in node.elts for name in _marks(item)}
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) and node.value.attr == "mark":
        return {node.attr}
    return set()


def _is_fixture(function: ast.FunctionDef) -> bool:
    return any("fixture" in ast.unparse(d) for d in function.decorator_list)


def unmarked_browser_code(path: Path) -> list[str]:
    """What in a test module drives Chromium without the ``browser`` mark: the module (when it imports or sets up
    the browser outside its tests), or each test that does."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    module_marks: set[str] = set()
    functions: list[ast.FunctionDef] = []
    outside: list[str] = []  # the module's code other than its tests
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets):
            module_marks |= _marks(node.value)
        elif isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            functions.append(node)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # a docstring may say what the browser tests are
        else:
            outside.append(ast.unparse(node))
    if "browser" in module_marks:
        return []
    if any(DRIVES_CHROMIUM.search(code) for code in outside):
        return [f"{path.name}: sets up the browser outside its tests; mark the module ({MODULE_MARK})"]
    return [f"{path.name}::{f.name}" for f in functions
            if DRIVES_CHROMIUM.search(ast.unparse(f)) and not _is_fixture(f)
            and "browser" not in {m for d in f.decorator_list for m in _marks(d)}]


def test_every_test_that_drives_chromium_is_marked_browser() -> None:
    modules = sorted(TESTS.glob("test_*.py"))
    assert len(modules) > 20
    unmarked = [problem for path in modules if path.name != Path(__file__).name
                for problem in unmarked_browser_code(path)]
    assert not unmarked, "drives Chromium but is not marked browser:\n" + "\n".join(unmarked)


def test_the_guard_sees_an_unmarked_browser_test_and_a_marked_one(tmp_path: Path) -> None:
    """It cannot pass by seeing nothing."""
    (tmp_path / "test_plain.py").write_text(
        "from playwright.sync_api import sync_playwright\n\ndef test_x():\n    pass\n")
    (tmp_path / "test_one.py").write_text(
        "import pytest\n\n@pytest.mark.browser\ndef test_a():\n    from playwright.sync_api import sync_playwright\n\n"
        "def test_b():\n    launch('/usr/bin/chromium')\n\ndef test_c():\n    pass\n")
    (tmp_path / "test_module.py").write_text(
        "import pytest\nfrom playwright.sync_api import expect\n\n"
        "pytestmark = [pytest.mark.slow, pytest.mark.browser]\n")
    assert unmarked_browser_code(tmp_path / "test_plain.py") == [
        f"test_plain.py: sets up the browser outside its tests; mark the module ({MODULE_MARK})"]
    assert unmarked_browser_code(tmp_path / "test_one.py") == ["test_one.py::test_b"]
    assert unmarked_browser_code(tmp_path / "test_module.py") == []


def _recipe(makefile: str, target: str) -> str:
    found = re.search(rf"^{target}:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert found, f"no {target} target in the Makefile"
    return found[1]


@pytest.mark.parametrize("target", ["test", "quick"])
def test_make_test_runs_everything_and_make_quick_leaves_out_slow_and_browser(target: str) -> None:
    recipe = _recipe((REPO / "Makefile").read_text(encoding="utf-8"), target)
    pytest_line = next(line for line in recipe.splitlines() if "$(BIN)/pytest" in line)
    if target == "test":
        assert " -m " not in pytest_line and " -k " not in pytest_line, f"make test must run every test: {pytest_line}"
    else:
        assert re.search(r"""-m ["']not slow and not browser["']""", pytest_line), pytest_line
