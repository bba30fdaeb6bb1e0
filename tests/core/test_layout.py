"""The rooms of the house keep to their doors: the core imports no runtime, command line,
adapter or platform SDK, and nothing the product ships imports the tests, the test kit or the
benchmarks, or reads the public test data beside the checkout."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLATFORM_SDKS = ("slack_bolt", "slack_sdk", "botbuilder", "botframework")
SDKS = (*PLATFORM_SDKS, "aiohttp", "apscheduler")
# What the product ships, less the test kit (which tests and benchmarks import, never the product).
PRODUCT = ("bot", "adapters", "storage")
TEST_KIT = ROOT / "bot" / "testing"
# A path built to the test data or the tests: ``/ "shared"``, ``"../shared"``, ``joinpath("tests"``.
TEST_PATH = re.compile(r"""(/\s*|joinpath\([^)]*)["'](shared|tests)["']|\.\./(shared|tests)\b""")


def imports(folder: Path) -> Iterator[tuple[Path, str]]:
    """(file, imported module) for every import in the Python files under ``folder``."""
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield path, alias.name
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                yield path, node.module


def outside(module: str, rooms: tuple[str, ...]) -> bool:
    return any(module == room or module.startswith(room + ".") for room in rooms)


def test_the_core_imports_no_runtime_command_line_adapter_or_sdk() -> None:
    forbidden = ("bot.runtime", "bot.cli", "bot.testing", "adapters", *SDKS)
    found = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path, module in imports(ROOT / "bot" / "core")
        if outside(module, forbidden)
    ]
    assert found == []


def test_synthesis_and_support_import_no_runtime_or_adapter() -> None:
    """Synthesis may call an LLM over HTTP (aiohttp), never a chat platform."""
    forbidden = ("bot.runtime", "bot.cli", "adapters", *PLATFORM_SDKS)
    found = [
        f"{path.relative_to(ROOT)} imports {module}"
        for room in ("synthesis", "support")
        for path, module in imports(ROOT / "bot" / room)
        if outside(module, forbidden)
    ]
    assert found == []


def product_files() -> Iterator[Path]:
    for room in PRODUCT:
        for path in sorted((ROOT / room).rglob("*.py")):
            if not path.is_relative_to(TEST_KIT):
                yield path


def test_nothing_the_product_ships_imports_the_tests_the_test_kit_or_the_benchmarks() -> None:
    """``dialoogbot bench`` imports the benchmarks by name at run time, not with an import."""
    forbidden = ("tests", "bot.testing", "benchmarks")
    found = [
        f"{path.relative_to(ROOT)} imports {module}"
        for room in PRODUCT
        for path, module in imports(ROOT / room)
        if not path.is_relative_to(TEST_KIT) and outside(module, forbidden)
    ]
    assert found == []


def test_the_test_kit_imports_no_tests_or_benchmarks() -> None:
    found = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path, module in imports(TEST_KIT)
        if outside(module, ("tests", "benchmarks"))
    ]
    assert found == []


def test_nothing_under_bot_adapters_or_storage_builds_a_path_to_the_test_data_or_tests() -> None:
    """The public test data in ``../shared`` is found by the tests and the benchmarks; the test
    kit is given paths (Slack's OpenAPI description), it does not look for them."""
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for room in PRODUCT
        for path in sorted((ROOT / room).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if TEST_PATH.search(line)
    ]
    assert found == []


def test_the_checker_sees_a_path_to_the_test_data() -> None:
    assert TEST_PATH.search('DATA = Path(__file__).parents[2] / ".." / "shared" / "data"')
    assert TEST_PATH.search('SPEC = REPO.parent / "shared" / "data"')
    assert TEST_PATH.search('FAKE = REPO / "tests" / "slack" / "fake_slack.py"')
    assert TEST_PATH.search("print('expected ../shared/data')")
    assert TEST_PATH.search('root.joinpath("shared", "data")')
    assert not TEST_PATH.search('"shared": list(summary.shared),')


def test_the_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text("import slack_sdk\nfrom bot.runtime.app import App\n")
    seen = [module for _, module in imports(tmp_path)]
    assert outside(seen[0], SDKS) and outside(seen[1], ("bot.runtime",))


def mentions(folder: Path, words: tuple[str, ...]) -> list[tuple[Path, int]]:
    """(file, line number) for every line of the Python files under ``folder`` holding one of
    ``words``."""
    return [
        (path, number)
        for path in sorted(folder.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if any(word in line for word in words)
    ]


def test_every_writer_writes_through_the_database_write_api() -> None:
    """``Database.writing()`` is the one way to write; how it takes turns on SQLite (a lock)
    and how SQLite runs inline (aiosqlite's private ``_execute``) stay inside ``storage/``."""
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for room in ("bot", "adapters")
        for path, number in mentions(ROOT / room, ("write_lock", "_execute"))
    ]
    assert found == []


def test_only_the_inline_sqlite_module_touches_aiosqlites_private_parts() -> None:
    files = {
        path.relative_to(ROOT) for path, _ in mentions(ROOT / "storage", ("_execute", "._thread"))
    }
    assert files == {Path("storage/inline_sqlite.py")}


def test_the_write_api_checker_sees_a_lock_taken_by_hand(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text("async with app.db.write_lock:\n    pass\n")
    assert mentions(tmp_path, ("write_lock",)) == [(tmp_path / "bad.py", 1)]
