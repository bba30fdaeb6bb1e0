"""Private messages that arrive together on SQLite are written together (group commit).

What people see and what is stored must be the same as when each message is handled on its
own: refusals, repeated events, *forget me* and *edit* in the middle of a batch included.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import event, func, select

from bot.core.messages import Incoming
from bot.core.pseudonyms import Keyring
from bot.runtime.app import App
from bot.testing import LocalDriver, LocalPlatform, ManualClock
from storage.models import AnswerRow, ProgressRow
from tests.conftest import (
    drop_postgres_database,
    fresh_postgres_database,
    make_settings,
    postgres_url_or_skip,
)

CHANNEL = "C-BATCH"
PEOPLE = [f"U{n:03d}" for n in range(24)]


def private(user: str, text: str, event_id: str | None = None) -> Incoming:
    return Incoming("local", "local", user, text, None, event_id=event_id)


def messages() -> list[Incoming]:
    """Ordinary answers from everyone, with the unusual cases mixed in."""
    batch: list[Incoming] = []
    for n, user in enumerate(PEOPLE):
        batch.append(private(user, "knel", f"choice-{user}"))
        batch.append(private(user, f"Het wijkhuis sloot en niemand wist waarheen ({n}).", None))
    batch += [
        private("U001", "   "),  # refused: an empty answer
        private("U002", "Twee keer bezorgd", "twice"),
        private("U002", "Twee keer bezorgd", "twice"),  # Slack's retry: ignored
        private("U003", "vergeet mij"),
        private("U003", "Na vergeten geen ronde meer"),  # refused: no round
        private("U004", "wijzig"),
        private("U004", "Een betere kop"),
        private("U005", "choice-U005 again", "choice-U005"),  # repeated from an earlier batch
        private("U006", "overslaan"),
        private("U007", "help"),
    ]
    batch += [private(user, f"Kop {n}", f"kop-{user}") for n, user in enumerate(PEOPLE[8:])]
    return batch


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def pair(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[LocalDriver, LocalDriver]]:
    """Two bots, one fed a batch at once and one fed message by message, on the database
    the parameter names (PostgreSQL locks the batch's rows instead of one writer at a time)."""
    base = postgres_url_or_skip() if request.param == "postgres" else None
    drivers = []
    urls: list[str] = []
    for name in ("together", "apart"):
        folder = tmp_path / name
        folder.mkdir()
        url = await fresh_postgres_database(base) if base else None
        if url:
            urls.append(url)
        app = await App.create(make_settings(folder, url), clock=ManualClock())
        platform = LocalPlatform()
        app.add_platform(platform)
        driver = LocalDriver(app, platform)
        platform.add_channel(CHANNEL, [driver.member(u, f"Persoon {u}") for u in PEOPLE])
        await driver.command(PEOPLE[0], CHANNEL, 'start --theme "Samen"')
        drivers.append(driver)
    yield drivers[0], drivers[1]
    for driver in drivers:
        await driver.app.stop()
    for url in urls:
        assert base is not None
        await drop_postgres_database(base, url)


def counts(app: App) -> dict[str, float]:
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(app.metrics.render().decode()):
        for sample in family.samples:
            if sample.name.endswith("_total"):
                label = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
                found[f"{sample.name}{{{label}}}"] = sample.value
    return found


async def stored(app: App) -> tuple[list[str], list[tuple[int, str | None, bool]]]:
    async with app.db.sessions() as session:
        # Sealed while the round is open (storage/models.py): opened with the round's key.
        texts = sorted(
            Keyring.open_sealed(key, row.round_id, row.id, row.sealed)
            for row in await session.scalars(select(AnswerRow))
            if (key := app.keyring.round_key(row.round_id)) is not None and row.sealed
        )
        progress = sorted(
            (row.step, row.choice, row.awaiting_choice)
            for row in await session.scalars(select(ProgressRow))
        )
    return texts, progress


async def test_a_batch_gives_what_one_message_at_a_time_gives(
    pair: tuple[LocalDriver, LocalDriver], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    together, apart = pair
    for incoming in messages():
        await apart.app.handle(incoming)
    await apart.app.dispatcher.drain()

    results = await asyncio.gather(
        *(together.app.handle(incoming) for incoming in messages()), return_exceptions=True
    )
    assert [r for r in results if r is not None] == []
    await together.app.dispatcher.drain()

    for user in PEOPLE:
        seen = [m.fallback for m in together.platform.private[user]]
        assert seen == [m.fallback for m in apart.platform.private[user]], user
    assert await stored(together.app) == await stored(apart.app)
    texts, _ = await stored(together.app)
    assert texts.count("Twee keer bezorgd") == 1
    assert "Na vergeten geen ronde meer" not in texts
    assert counts(together.app) == counts(apart.app)
    metrics = counts(together.app)
    assert metrics["dialoog_duplicate_events_total{}"] == 2
    assert metrics["dialoog_answers_stored_total{}"] == len(texts) + 1  # U003's were erased

    # The batches that were applied again (a refusal, a repeated event) left no answer text
    # or user id in any log line, tracebacks of database errors included (PRODUCT.md §4).
    logged = "\n".join(
        f"{r.getMessage()}\n{caplog.handler.formatter.formatException(r.exc_info) if r.exc_info else ''}"  # noqa: E501
        for r in caplog.records
    )
    assert "applied again" in logged
    for secret in [*PEOPLE, "wijkhuis", "Twee keer bezorgd", "Een betere kop", "Kop 3"]:
        assert secret not in logged, secret


async def test_a_batch_of_plain_answers_takes_a_handful_of_statements(
    pair: tuple[LocalDriver, LocalDriver],
) -> None:
    """One query for everyone's progress and one insert per table, not a dozen statements
    per answer: under load each statement is a wait."""
    together, _ = pair
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(together.app.db.engine.sync_engine, "before_cursor_execute", count)
    await asyncio.gather(
        *(together.app.handle(private(u, "kiem", f"c-{u}")) for u in PEOPLE),
    )
    assert len(statements) <= 12, statements
    async with together.app.db.sessions() as session:
        chosen = await session.scalar(
            select(func.count()).select_from(ProgressRow).where(ProgressRow.choice == "kiem")
        )
    assert chosen == len(PEOPLE)


async def test_a_burst_of_retries_after_a_crash_stays_on_the_fast_path(
    pair: tuple[LocalDriver, LocalDriver], caplog: pytest.LogCaptureFixture
) -> None:
    """Slack re-sends what it got no answer for; those already applied are dropped with one
    query, and the new answers among them are still written together (no savepoint per
    message), so the retries are answered well within Slack's three seconds."""
    caplog.set_level(logging.DEBUG)
    together, _ = pair
    first = [private(u, "kiem", f"c-{u}") for u in PEOPLE[:12]]
    await asyncio.gather(*(together.app.handle(incoming) for incoming in first))
    retries = [*first, *(private(u, "kiem", f"c-{u}") for u in PEOPLE[12:])]
    await asyncio.gather(*(together.app.handle(incoming) for incoming in retries))
    assert "applied again" not in caplog.text
    assert counts(together.app)["dialoog_duplicate_events_total{}"] == 12
    async with together.app.db.sessions() as session:
        chosen = await session.scalar(
            select(func.count()).select_from(ProgressRow).where(ProgressRow.choice == "kiem")
        )
    assert chosen == len(PEOPLE)
