"""Files the bot writes or reads keep §4 too: a private database, a private secret, an export
that a spreadsheet cannot run (issue 13, item 7)."""

from __future__ import annotations

import csv
import io
import os
import stat
from pathlib import Path

import pytest

from bot.core.cells import spreadsheet_safe
from bot.core.pseudonyms import SecretError
from bot.runtime.app import App
from bot.support.settings import Settings
from bot.testing import LocalDriver
from tests.conftest import make_settings
from tests.core.conversation import CHANNEL, HOST, PEOPLE, answer_all, setup_channel
from tests.core.test_export import exported


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


async def test_the_sqlite_database_and_its_companions_are_private(
    local: LocalDriver, settings: Settings
) -> None:
    setup_channel(local)
    await local.command(HOST, CHANNEL, "start")
    await answer_all(local, "U02BRAM", 2)
    database = Path(settings.database_url.split("///", 1)[1])
    files = [database, *(database.with_name(database.name + e) for e in ("-wal", "-shm"))]
    assert all(f.exists() for f in files), "WAL mode keeps a -wal and a -shm file"
    old = os.umask(0o022)
    os.umask(old)
    assert old & 0o077 != 0o077, "with this umask SQLite alone would make them readable"
    assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}


async def test_an_existing_world_readable_database_is_made_private(tmp_path: Path) -> None:
    database = tmp_path / "old.db"
    database.touch()
    database.chmod(0o644)
    settings = make_settings(tmp_path, database_url=f"sqlite+aiosqlite:///{database}")
    app = await App.create(settings)
    try:
        assert mode(database) == 0o600
    finally:
        await app.stop()


@pytest.mark.parametrize("unsafe", [0o644, 0o640, 0o604, 0o660])
async def test_a_secret_file_others_can_read_stops_start_up_with_one_line(
    tmp_path: Path, unsafe: int
) -> None:
    settings = make_settings(tmp_path)
    secret = Path(settings.secret_file)
    secret.write_text("ab" * 32 + "\n")
    secret.chmod(unsafe)
    with pytest.raises(SecretError) as raised:
        await App.create(settings)
    message = str(raised.value)
    assert "\n" not in message and "chmod 600" in message and f"{unsafe:04o}" in message
    assert not (tmp_path / "test.db").exists(), "nothing was created"
    secret.chmod(0o600)
    app = await App.create(settings)
    await app.stop()


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_that_starts_like_a_formula_is_text(start: str) -> None:
    assert spreadsheet_safe(f"{start}WEBSERVICE(A1)") == f"'{start}WEBSERVICE(A1)"
    assert spreadsheet_safe(f"Zie {start}1") == f"Zie {start}1"


async def test_the_csv_export_neutralises_formulas_in_answers(local: LocalDriver) -> None:
    setup_channel(local)
    await local.command(HOST, CHANNEL, "start")
    for n, user in enumerate(PEOPLE, start=1):
        await answer_all(local, user, n)
    formulas = ['=WEBSERVICE("x")&A1', "+1+1 meer buren", "-2 minder regels", "@(A1:A9) som"]
    for user, formula in zip(PEOPLE, formulas, strict=True):
        await local.say(user, "wijzig")
        await local.say(user, formula)
    await local.command(HOST, CHANNEL, "close")
    await local.command(HOST, CHANNEL, "export csv")
    found = exported(local, HOST)
    assert found is not None
    text = found[1].removeprefix("\ufeff")  # the BOM Dutch Excel needs
    cells = [cell for row in csv.reader(io.StringIO(text), delimiter=";") for cell in row]
    for formula in formulas:
        assert f"'{formula}" in cells
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
