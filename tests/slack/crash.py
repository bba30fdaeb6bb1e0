"""A crash harness: a real ``dialoogbot serve`` process with Slack connected to the fake Slack
API, many people answering at once with signed events, and a crash in the middle (the bot
SIGKILLed or stopped, or its PostgreSQL server restarted). Afterwards Slack's retries are played:
only what was not acknowledged is sent again, with Slack's retry headers.

What it measures, per run: how many answers were acknowledged (HTTP 200 within Slack's three
seconds), how many are stored, how many acknowledged answers are lost, and how many
confirmations ("Ik heb je antwoord opgeslagen") each person got.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import aiohttp
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import create_async_engine

from bot.core.pseudonyms import Keyring, load_or_create_secret
from bot.testing.fake_slack import BOT_TOKEN, TEAM, FakeSlack, message_event, signed_headers
from storage.keys import KeyFiles
from storage.models import AnswerRow, OutboxRow
from tests.processes import WatchedProcess
from tests.slack.world import CHANNEL, SECRET, text_of

SLACK_TIMEOUT = 3.0  # Slack counts an answer later than this as not acknowledged
CONFIRMED = "Ik heb je antwoord opgeslagen"
STORY = "Verhaal nummer {n}: in onze wijk ging het buurthuis weer open."


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class BotProcess(WatchedProcess):
    """``dialoogbot serve`` on its own port; its output is read all the time (a full pipe
    would stall it) and kept for the failure message."""

    def __init__(self, proc: asyncio.subprocess.Process, port: int) -> None:
        super().__init__(proc)
        self.port = port
        self.url = f"http://127.0.0.1:{port}/slack/events"
        self._reader: asyncio.Task[None] | None = None

    @classmethod
    async def start(cls, folder: Path, env: dict[str, str]) -> BotProcess:
        port = free_port()
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "serve",
            "--port",
            str(port),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            cwd=folder,
            env={**os.environ, "PYTHONPATH": str(Path.cwd()), **env},
        )
        bot = cls(proc, port)
        await bot.until("dialoogbot listening on")
        bot._reader = asyncio.create_task(bot._read())
        return bot

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        while chunk := await self.proc.stdout.read(65536):
            self.output += chunk.decode(errors="replace")

    async def ended(self) -> None:
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)


@dataclass
class Person:
    user: str
    text: str
    event_id: str
    acknowledged_first: bool = False  # in the run that crashed
    acknowledged: bool = False  # in the end, counting Slack's retries
    attempts: int = 0


@dataclass
class Outcome:
    """What one run measured."""

    people: list[Person]
    stored: Counter[str]
    confirmations: Counter[str]
    outbox_left: int
    seconds: float
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def acknowledged_first(self) -> set[str]:
        return {p.text for p in self.people if p.acknowledged_first}

    @property
    def lost(self) -> int:
        """Acknowledged answers (which Slack never sends again) that are not stored."""
        return sum(1 for p in self.people if p.acknowledged and not self.stored[p.text])

    def summary(self) -> dict[str, Any]:
        return {
            "acknowledged_before_crash": len(self.acknowledged_first),
            "acknowledged_in_the_end": sum(p.acknowledged for p in self.people),
            "stored": sum(self.stored.values()),
            "stored_twice": sum(1 for n in self.stored.values() if n > 1),
            "lost_after_ack": self.lost,
            "confirmed_twice": sum(1 for n in self.confirmations.values() if n > 1),
            "stored_unconfirmed": sum(
                1 for p in self.people if self.stored[p.text] and not self.confirmations[p.user]
            ),
            "outbox_left": self.outbox_left,
            "seconds": round(self.seconds, 1),
            **self.extra,
        }

    def check(self) -> None:
        """Every acknowledged answer stored exactly once; every stored answer confirmed
        exactly once; nothing stored that nobody sent."""
        by_text = {p.text: p for p in self.people}
        assert set(self.stored) <= set(by_text), "an answer nobody sent"
        for person in self.people:
            stored = self.stored[person.text]
            if person.acknowledged:
                assert stored == 1, f"{person.user}: acknowledged, stored {stored} times"
            assert self.confirmations[person.user] == (1 if stored else 0), (
                f"{person.user}: stored {stored}, confirmed {self.confirmations[person.user]}"
            )
        assert all(p.acknowledged for p in self.people), "Slack's retries all answered"
        assert self.outbox_left == 0


class Scenario:
    """One bot, ``count`` people in a round, the fake Slack; ``run(crash)`` plays it."""

    def __init__(self, folder: Path, fake: FakeSlack, database_url: str, count: int) -> None:
        self.folder = folder
        self.fake = fake
        self.database_url = database_url
        self.count = count
        self.users = [f"U{n:04d}" for n in range(1, count + 1)]
        self.env = {
            "DIALOOG_DATABASE_URL": database_url,
            "DIALOOG_SECRET_FILE": str(folder / "bot.secret"),
            "DIALOOG_LANGUAGE": "nl",
            "DIALOOG_MIN_RESPONDENTS": "3",
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.url,
            "SLACK_WORKSPACE_RATE": "1000",
        }
        fake.add_user("UHOST", "Hanna Host")
        for n, user in enumerate(self.users):
            fake.add_user(user, f"Deelnemer {n}")
        fake.add_channel(CHANNEL, ["UHOST", *self.users, "UBOT0001"])
        self.bot: BotProcess | None = None
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=SLACK_TIMEOUT))

    async def close(self) -> None:
        await self.http.close()
        if self.bot is not None and self.bot.proc.returncode is None:
            await self.bot.kill()

    async def boot(self) -> BotProcess:
        self.bot = await BotProcess.start(self.folder, self.env)
        return self.bot

    async def post(self, body: str, content_type: str, headers: dict[str, str]) -> int | None:
        """Slack's side of one request: the status, or None without an answer in time."""
        assert self.bot is not None
        all_headers = {"Content-Type": content_type, **signed_headers(SECRET, body), **headers}
        try:
            async with self.http.post(self.bot.url, data=body.encode(), headers=all_headers) as r:
                await r.read()
                return r.status
        except (aiohttp.ClientError, TimeoutError, OSError):
            return None

    async def answer(self, person: Person) -> bool:
        retry = (
            {"X-Slack-Retry-Num": str(person.attempts), "X-Slack-Retry-Reason": "http_error"}
            if person.attempts
            else {}
        )
        person.attempts += 1
        event = message_event(person.user, person.text, person.event_id)
        status = await self.post(json.dumps(event), "application/json", retry)
        return status == 200

    async def prepare(self) -> list[Person]:
        """Start a round; everyone chooses *kiem*, so that the next message is their story."""
        form = {
            "team_id": TEAM,
            "channel_id": CHANNEL,
            "user_id": "UHOST",
            "command": "/dialoog",
            "text": 'start --theme "Samen" --min 3',
            "trigger_id": "trigger.start",
            "api_app_id": "A0001",
        }
        body = urllib.parse.urlencode(form)
        assert await self.post(body, "application/x-www-form-urlencoded", {}) == 200
        await self.until(lambda: all(len(self.fake.private(u)) >= 1 for u in self.users))
        await self.retries([Person(u, "kiem", f"EvKiem{u}") for u in self.users])
        await self.until(lambda: all(len(self.fake.private(u)) >= 2 for u in self.users))
        return [Person(u, STORY.format(n=n), f"EvStory{u}") for n, u in enumerate(self.users, 1)]

    async def until(self, condition: Callable[[], bool], timeout: float = 40.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                output = self.bot.output[-3000:] if self.bot else ""
                raise AssertionError(f"timed out waiting; bot output:\n{output}")
            await asyncio.sleep(0.05)

    async def burst(
        self, people: list[Person], crash_after: int, crash: Callable[[], Awaitable[None]]
    ) -> None:
        """Everyone sends their story at once; after ``crash_after`` acknowledgements the
        crash happens while the rest are in flight."""
        acknowledged = 0
        crashed = asyncio.Event()

        async def one(person: Person) -> None:
            nonlocal acknowledged
            person.acknowledged_first = person.acknowledged = await self.answer(person)
            if person.acknowledged:
                acknowledged += 1
                if acknowledged >= crash_after:
                    crashed.set()

        async def crash_once() -> None:
            await crashed.wait()
            await crash()

        crasher = asyncio.create_task(crash_once())
        await asyncio.gather(*map(one, people))
        crashed.set()  # fewer acknowledgements than planned: crash now, after the burst
        await crasher

    async def retries(self, people: list[Person], rounds: int = 20) -> None:
        """Slack re-sends each unacknowledged event (up to three times in reality; here until
        it is answered, a few seconds apart, with the retry headers)."""
        for _ in range(rounds):
            waiting = [p for p in people if not p.acknowledged]
            if not waiting:
                return
            answered = await asyncio.gather(*map(self.answer, waiting))
            for person, ok in zip(waiting, answered, strict=True):
                person.acknowledged = ok
            if any(not p.acknowledged for p in people):
                await asyncio.sleep(1.0)

    def opened(self, row: Any) -> str | None:
        """An answer's text as the bot reads it: sealed with its round's key while the round
        is open (the key in its file beside the secret file), plain after close."""
        if row.text is not None or row.sealed is None:
            return cast(str | None, row.text)
        secret = self.folder / "bot.secret"
        keyring = Keyring(load_or_create_secret(secret), KeyFiles(secret.with_suffix(".keys")))
        key = keyring.round_key(row.round_id)
        assert key is not None, "an open round's key file"
        return Keyring.open_sealed(key, row.round_id, row.id, row.sealed)

    async def settled(self, people: list[Person]) -> Outcome:
        """Wait until the outbox is empty and nothing new was stored for two seconds (or 30 s
        in all), then count what is stored and what Slack received."""
        engine = create_async_engine(self.database_url)
        try:
            deadline = time.monotonic() + 30
            left, texts, still_since = -1, [], time.monotonic()
            while time.monotonic() < deadline:
                async with engine.connect() as connection:
                    left = int(
                        await connection.scalar(select(func.count()).select_from(OutboxRow)) or 0
                    )
                    rows = (await connection.execute(select(AnswerRow))).all()
                    now = [self.opened(row) for row in rows]
                if left or len(now) != len(texts):
                    still_since = time.monotonic()
                texts = now
                if not left and time.monotonic() - still_since > 2.0:
                    break
                await asyncio.sleep(0.2)
        finally:
            await engine.dispose()
        confirmations: Counter[str] = Counter()
        for person in people:
            confirmations[person.user] = sum(
                CONFIRMED in text_of(m) for m in self.fake.private(person.user)
            )
        return Outcome(people, Counter(texts), confirmations, left, 0.0)

    async def expire_leases(self) -> None:
        """On PostgreSQL another process may own a ``sending`` row for a minute (its lease);
        a killed process's leases are let run out instead of waiting that minute."""
        if self.database_url.startswith("sqlite"):
            return
        engine = create_async_engine(self.database_url)
        try:
            async with engine.begin() as connection:
                await connection.execute(
                    update(OutboxRow).where(OutboxRow.status == "sending").values(lease_until=None)
                )
        finally:
            await engine.dispose()


async def bot_crash(scenario: Scenario, how: str, seed: int) -> Outcome:
    """Answers in flight, the bot SIGKILLed (``kill``) or stopped (``term``) after a random
    number of acknowledgements, a new process started, Slack's retries played."""
    began = time.monotonic()
    first = await scenario.boot()
    people = await scenario.prepare()
    crash_after = random.Random(seed).randint(10, scenario.count // 2)

    async def crash() -> None:
        if how == "kill":
            await first.kill()
        else:
            await first.stop()
        await first.ended()

    await scenario.burst(people, crash_after, crash)
    await scenario.expire_leases()
    await scenario.boot()
    await scenario.retries(people)
    outcome = await scenario.settled(people)
    outcome.seconds = time.monotonic() - began
    outcome.extra = {"crash": how, "after_acks": crash_after, "seed": seed}
    return outcome


# -- a PostgreSQL server of the test's own ---------------------------------------------------
def postgres_binaries() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if found:
        return found[-1].parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


class OwnPostgres:
    """``initdb`` in a temporary folder and a server on its own port: this one may be
    stopped, crashed and restarted; the shared test server never is."""

    def __init__(self) -> None:
        binaries = postgres_binaries()
        if binaries is None:
            message = "PostgreSQL binaries (initdb, pg_ctl) not found"
            if os.environ.get("CI") == "true":
                pytest.fail(message)
            pytest.skip(message)
        self.bin = binaries
        self.folder = Path(tempfile.mkdtemp(prefix="dialoog-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.url = f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"
        # PostgreSQL refuses to run as root; a root test run uses the postgres account.
        self._as: list[str] = []
        if os.geteuid() == 0:
            if shutil.which("runuser") is None:
                pytest.skip("running as root without runuser: cannot start PostgreSQL")
            self._as = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.folder, "postgres")

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as, *args], check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        if not self.data.exists():
            self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
                      "-A", "trust", "--no-sync")  # fmt: skip
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=on"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-w",
                  "-l", str(self.folder / "log"), "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self, mode: str) -> None:
        self.stop(mode)
        self.start()

    def remove(self) -> None:
        try:
            self.stop("immediate")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.folder, ignore_errors=True)


async def database_restart(
    scenario: Scenario, server: OwnPostgres, mode: str, seed: int
) -> Outcome:
    """Answers in flight, the PostgreSQL server stopped (``fast`` or ``immediate``) and started
    again after a random number of acknowledgements; the bot runs on; Slack's retries played."""
    began = time.monotonic()
    await scenario.boot()
    people = await scenario.prepare()
    crash_after = random.Random(seed).randint(10, scenario.count // 2)

    async def crash() -> None:
        await asyncio.to_thread(server.restart, mode)

    await scenario.burst(people, crash_after, crash)
    await scenario.retries(people)
    outcome = await scenario.settled(people)
    outcome.seconds = time.monotonic() - began
    outcome.extra = {"crash": f"postgres {mode}", "after_acks": crash_after, "seed": seed}
    return outcome
