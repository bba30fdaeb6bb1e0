"""Timers across real processes: SIGKILL while a job's message is on its way, then a restart;
two bot processes on one PostgreSQL database; a second process on one SQLite file.

The bot processes are ``tests/core/schedule_harness.py`` (the real App with a clock read
from a file) and ``dialoogbot serve``; what arrived is read from the local platform's
transcripts.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import socket
import sys
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.runtime.app import App
from bot.support.settings import Settings
from bot.testing import LocalDriver, LocalPlatform, ManualClock
from storage.database import Database
from storage.models import FiredJobRow, OutboxRow
from tests.conftest import (
    make_settings,
)
from tests.core.conversation import CHANNEL, HOST, PEOPLE, answer_all
from tests.processes import WatchedProcess

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
FINAL = "De ronde is gesloten: de oogst"
ROOT = Path(__file__).resolve().parents[2]


RUNNING: list[asyncio.subprocess.Process] = []


@pytest.fixture(autouse=True)
async def no_process_left() -> AsyncIterator[None]:
    """A failing test must not leave a bot process behind (or hang waiting for it)."""
    yield
    while RUNNING:
        proc = RUNNING.pop()
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


class BotProcess(WatchedProcess):
    """A harness process; ``wait_for`` reads its output until a marker appears."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        super().__init__(proc)
        RUNNING.append(proc)

    @classmethod
    async def start(
        cls, settings: Settings, clock: Path, transcript: Path, channels: list[str], *extra: str
    ) -> BotProcess:
        env = {
            **os.environ,
            "DIALOOG_DATABASE_URL": settings.database_url,
            "DIALOOG_SECRET_FILE": str(settings.secret_file),
            "DIALOOG_MIN_RESPONDENTS": str(settings.min_respondents),
            "PYTHONPATH": str(ROOT),
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.core.schedule_harness",
            "--clock",
            str(clock),
            "--transcript",
            str(transcript),
            "--channels",
            ",".join(channels),
            "--members",
            ",".join(PEOPLE),
            *extra,
            stdout=asyncio.subprocess.PIPE,
            # Logs go to a file: a pipe nobody reads would fill up and stall the process.
            stderr=transcript.with_suffix(".log").open("a"),
            cwd=ROOT,
            env=env,
        )
        bot = cls(proc)
        await bot.until("ready")
        return bot


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 60.0) -> None:
    """Poll an async condition (the processes run on their own; the test only watches)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.1)


async def counts(settings: Settings) -> tuple[int, int]:
    """(fired jobs, outbox rows) as seen from outside the processes."""
    db = Database(settings.database_url)
    try:
        async with db.sessions() as session:
            fired = await session.scalar(select(func.count()).select_from(FiredJobRow)) or 0
            outbox = await session.scalar(select(func.count()).select_from(OutboxRow)) or 0
    finally:
        await db.engine.dispose()
    return fired, outbox


def transcript(*paths: Path) -> list[dict[str, str]]:
    lines: list[dict[str, str]] = []
    for path in paths:
        if path.exists():
            lines += [json.loads(line) for line in path.read_text().splitlines()]
    return lines


def write_clock(path: Path, moment: dt.datetime) -> None:
    """Move the processes' clock atomically (a reader never sees a half-written file)."""
    fresh = path.with_suffix(".new")
    fresh.write_text(moment.isoformat())
    os.replace(fresh, path)


async def prepare_round(settings: Settings, channels: list[str], answered: bool) -> None:
    """Rounds started in-process (not served), as a host would have done before. They publish
    at the deadline without review (``--publiceer direct``): these tests are about the
    deadline's channel post arriving exactly once; a draft's way is in tests/core/test_drafts.py
    and test_schedules.py."""
    app = await App.create(settings, clock=ManualClock(START))
    platform = LocalPlatform()
    app.add_platform(platform)
    local = LocalDriver(app, platform)
    for channel in channels:
        platform.add_channel(channel, [local.member(u, n) for u, n in PEOPLE.items()])
        await local.command(HOST, channel, "start --deadline 1d --remind 12h --publiceer direct")
    if answered:
        for n, user in enumerate(PEOPLE, start=1):
            await answer_all(local, user, n)
    await app.stop()


@pytest.mark.parametrize("hang", ["job", "before", "after"])
async def test_sigkill_in_the_middle_of_the_deadline_then_restart_posts_the_summary_once(
    tmp_path: Path, hang: str
) -> None:
    settings = make_settings(tmp_path)
    await prepare_round(settings, [CHANNEL], answered=True)
    clock, sent = tmp_path / "clock.txt", tmp_path / "transcript.jsonl"
    write_clock(clock, START + dt.timedelta(days=2))  # down over the deadline: due, late

    first = await BotProcess.start(settings, clock, sent, [CHANNEL], "--hang", hang)
    await first.until("hanging")
    await first.kill()
    if hang == "job":
        # The (late, skipped) reminder slot committed; the close was killed mid-transaction.
        assert await counts(settings) == (1, 0), "killed inside the close: nothing of it kept"
    else:
        assert await counts(settings) == (2, 1), "close and the 12h slot fired; summary queued"

    second = await BotProcess.start(settings, clock, sent, [CHANNEL])
    await until(lambda: _settled(settings, 2))
    await second.stop()

    posts = [s for s in transcript(sent) if s["kind"] == "channel" and FINAL in s["text"]]
    assert len(posts) == 1, "the deadline's summary arrived once"
    assert "Het kan dus wel" in posts[0]["text"]
    reminders = [s for s in transcript(sent) if "herinnering" in s["text"]]
    assert reminders == [], "no reminder after the deadline"
    assert await counts(settings) == (2, 0)


@pytest.mark.postgres
async def test_two_processes_on_postgres_fire_each_job_once(pg_url: str, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, pg_url)
    channels = [f"C-TEAM-{n}" for n in range(1, 4)]
    await prepare_round(settings, channels, answered=False)
    clock = tmp_path / "clock.txt"
    write_clock(clock, START + dt.timedelta(hours=11, minutes=59))
    outs = [tmp_path / "a.jsonl", tmp_path / "b.jsonl"]
    bots = await asyncio.gather(
        *(BotProcess.start(settings, clock, out, channels, "--poll", "0.02") for out in outs)
    )
    await asyncio.sleep(0.5)
    assert await counts(settings) == (0, 0)

    write_clock(clock, START + dt.timedelta(hours=12))  # every round's 12h reminder is due
    await until(lambda: _settled(settings, 3))
    write_clock(clock, START + dt.timedelta(days=1))  # every deadline
    await until(lambda: _settled(settings, 6))
    await asyncio.sleep(0.5)  # room for a second run, if there were one
    await asyncio.gather(*(bot.stop() for bot in bots))

    sent = transcript(*outs)
    reminders = Counter((s["to"]) for s in sent if "herinnering" in s["text"])
    assert reminders == {user: 3 for user in PEOPLE}, "one reminder per person per round"
    finals = [s["to"] for s in sent if s["kind"] == "channel" and FINAL in s["text"]]
    assert sorted(finals) == channels, "each round closed once"
    keys = Counter(s["key"] for s in sent if s["key"])
    assert max(keys.values()) == 1, "no delivery twice"
    assert await counts(settings) == (6, 0)
    logs = "".join(out.with_suffix(".log").read_text() for out in outs)
    runs = Counter(
        line.split()[3]
        for line in logs.splitlines()
        if line.endswith(")") and " fired (due " in line
    )
    assert len(runs) == 6 and set(runs.values()) == {1}, "each job ran in one process, once"
    assert "Traceback" not in logs


@pytest.mark.postgres
async def test_a_live_process_keeps_its_sends_and_a_dead_ones_are_taken_over(
    pg_url: str, tmp_path: Path
) -> None:
    """Process A hangs posting the deadline's summary; process B, started meanwhile, must
    leave that send alone while A lives (A renews its lease), and take it over once A is
    killed and the lease runs out. The summary arrives once."""
    settings = make_settings(tmp_path, pg_url)
    await prepare_round(settings, [CHANNEL], answered=True)
    clock = tmp_path / "clock.txt"
    write_clock(clock, START + dt.timedelta(days=2))
    a_out, b_out = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    lease = ("--lease", "2")
    first = await BotProcess.start(settings, clock, a_out, [CHANNEL], "--hang", "before", *lease)
    await first.until("hanging")
    second = await BotProcess.start(settings, clock, b_out, [CHANNEL], *lease)
    await asyncio.sleep(5)  # two and a half leases: A renews, B must not recover
    assert transcript(a_out, b_out) == []
    assert await counts(settings) == (2, 1)

    await first.kill()
    await until(lambda: _settled(settings, 2))
    await second.stop()
    posts = [s for s in transcript(a_out, b_out) if s["kind"] == "channel"]
    assert len(posts) == 1 and FINAL in posts[0]["text"]


async def _settled(settings: Settings, fired: int) -> bool:
    return await counts(settings) == (fired, 0)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_second_process_on_one_sqlite_file_says_so_and_exits(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DIALOOG_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        "DIALOOG_SECRET_FILE": str(tmp_path / "bot.secret"),
        "PYTHONPATH": str(ROOT),
    }

    async def serve() -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "serve",
            "--port",
            str(free_port()),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=tmp_path,
            env=env,
        )

    first = await serve()
    RUNNING.append(first)
    assert first.stderr is not None
    seen = b""
    while b"listening" not in seen:
        chunk = await asyncio.wait_for(first.stderr.read(4096), timeout=60)
        assert chunk, seen.decode()
        seen += chunk
    second = await serve()
    _, err = await asyncio.wait_for(second.communicate(), timeout=60)
    assert second.returncode == 2
    lines = err.decode().strip().splitlines()
    # Which file, which process, and how to choose another file; no PostgreSQL for a newcomer.
    assert lines == [
        f"dialoogbot: {tmp_path / 'bot.db'} is in use by another dialoogbot process "
        f"(pid {first.pid}); a SQLite file serves one process at a time. Stop that process, "
        "or give this one another file, e.g. DIALOOG_DATABASE_URL=sqlite+aiosqlite:///other.db"
    ]
    first.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(first.wait(), timeout=30) == 0
