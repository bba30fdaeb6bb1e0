"""The rooms of the house keep to their doors: the core imports no runtime, command line,
adapter or platform SDK, and nothing the product ships imports the tests."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLATFORM_SDKS = ("slack_bolt", "slack_sdk", "botbuilder", "botframework")
SDKS = (*PLATFORM_SDKS, "aiohttp", "apscheduler")


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
