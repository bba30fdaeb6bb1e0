"""``dialoogbot bench slack``: answer ingestion against a bare slack-bolt app (with and without a
fan-out running), a participant's confirmation while a fan-out runs, and fan-outs under
workspace limits the bot is not told (50/s, 20/s, 100/s), also with a SIGKILL half-way,
each against the floor those limits allow.

The app under test (dialoogbot, or the bare bolt app) runs in a process of its own, as it
would in production; the fake Slack Web API (``bot.testing.fake_slack``, checking calls against
Slack's OpenAPI description in the public test data) and the load generator share another.
Requests are correctly signed and go through the real bolt stack; dialoogbot stores into its
real database (SQLite in a temporary folder).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import json
import logging
import multiprocessing
import statistics
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.say.async_say import AsyncSay
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import func, make_url, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.slack.mount import ADAPTER
from benchmarks import DATA
from bot.core.summary import Synthesizer
from bot.runtime.app import App, OnFirstUse, freeze_startup_objects
from bot.runtime.server import build_web_app
from bot.support.settings import load_settings
from bot.testing.fake_slack import (
    BOT_TOKEN,
    BOT_USER,
    SPEC_PARTS,
    TEAM,
    FakeSlack,
    message_event,
    signed_headers,
)
from storage.models import AnswerRow

SECRET = "bench-signing-secret"
CHANNEL = "CBENCH"
ANSWERS = ("kiem: De buurtapp bracht ons samen", "Buurtapp verbindt", "Een groene wijk", "Moestuin")


async def _serve(web_app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}/slack/events"


def _offline() -> Synthesizer:
    from bot.synthesis import OfflineSynthesizer

    return OfflineSynthesizer()


# -- the process under test --------------------------------------------------------------------
async def _ours(
    api_url: str,
    token: str,
    folder: Path,
    database_url: str,
    env: dict[str, Any],
    interval: float,
) -> tuple[web.AppRunner, str, Callable[[], Awaitable[None]]]:
    settings = load_settings(
        DIALOOG_DATABASE_URL=database_url,
        DIALOOG_SECRET_FILE=folder / "bench.secret",
        DIALOOG_MIN_RESPONDENTS=3,
        SLACK_BOT_TOKEN=token,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=api_url,
        **env,
    )
    app = await App.create(settings, synthesizer=OnFirstUse(_offline))  # loaded as serve does
    web_app, _ = await build_web_app(app)
    platform = web_app[ADAPTER].platform
    platform.channel_interval = interval
    if not interval:  # ingestion only, against a fake without limits: no pacing either
        platform.rates.start = platform.rates.ceiling = 1e6
    runner, url = await _serve(web_app)
    await app.start()
    freeze_startup_objects()  # as serve does

    async def stop() -> None:
        await runner.cleanup()
        await app.stop()

    return runner, url, stop


async def _bare(
    api_url: str, token: str
) -> tuple[web.AppRunner, str, Callable[[], Awaitable[None]]]:
    """A bare slack-bolt app that only replies to each message (``say``), sharing one HTTP
    session like ours does."""
    session = aiohttp.ClientSession()
    bolt = AsyncApp(
        signing_secret=SECRET,
        client=AsyncWebClient(token=token, base_url=api_url, session=session),
    )

    @bolt.event("message")
    async def echo(event: dict[str, Any], say: AsyncSay) -> None:
        await say(text=event.get("text", ""))

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    web_app = web.Application()
    web_app.router.add_post("/slack/events", events)
    runner, url = await _serve(web_app)

    async def stop() -> None:
        await runner.cleanup()
        await session.close()

    return runner, url, stop


async def _child_main(kind: str, options: dict[str, Any], conn: Connection) -> None:
    logging.getLogger().setLevel(logging.WARNING)
    if kind == "ours":
        _, url, stop = await _ours(
            options["api_url"],
            options["token"],
            Path(options["folder"]),
            options["database_url"],
            options.get("env", {}),
            options.get("interval", 1.0),
        )
    else:
        _, url, stop = await _bare(options["api_url"], options["token"])
    conn.send(url)
    await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # wait for "stop"
    await stop()
    conn.send("stopped")


def _child(kind: str, options: dict[str, Any], conn: Connection) -> None:
    asyncio.run(_child_main(kind, options, conn))


class Served:
    """The app under test in its own process; ``url`` is its ``/slack/events``."""

    def __init__(self, kind: str, **options: Any) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child_conn = context.Pipe()
        self._process = context.Process(target=_child, args=(kind, options, child_conn))
        self.url = ""

    async def __aenter__(self) -> Served:
        self._process.start()
        loop = asyncio.get_running_loop()
        self.url = await loop.run_in_executor(None, self._conn.recv)
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown, no grace; whatever was being sent stays ``sending``."""
        self._process.kill()
        self._process.join()
        self.killed = True

    async def __aexit__(self, *exc: object) -> None:
        if getattr(self, "killed", False):
            return
        loop = asyncio.get_running_loop()
        self._conn.send("stop")
        await loop.run_in_executor(None, self._conn.recv)
        await loop.run_in_executor(None, self._process.join)


# -- the database ------------------------------------------------------------------------------
async def _database(base: str | None, folder: str) -> tuple[str, Callable[[], Awaitable[None]]]:
    """SQLite in ``folder``, or a fresh database on the PostgreSQL server of ``base``."""
    if not base:
        return f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}", _nothing
    name = f"bench_{uuid.uuid4().hex[:10]}"
    engine = create_async_engine(base, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))

    async def drop() -> None:
        async with engine.connect() as connection:
            await connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        await engine.dispose()

    return make_url(base).set(database=name).render_as_string(hide_password=False), drop


async def _nothing() -> None:
    return None


# -- load --------------------------------------------------------------------------------------
class Load:
    """Signed ``message.im`` events at a fixed concurrency; acknowledgement latencies kept."""

    def __init__(self, url: str, concurrency: int) -> None:
        self.url = url
        self.concurrency = concurrency
        self.latencies: list[float] = []
        self.failures = 0
        self._ids = itertools.count(1)

    async def _send(self, http: aiohttp.ClientSession, user: str, text: str) -> None:
        body = json.dumps(message_event(user, text, f"Ev{next(self._ids):08d}"))
        headers = {"Content-Type": "application/json", **signed_headers(SECRET, body)}
        started = time.perf_counter()
        async with http.post(self.url, data=body.encode(), headers=headers) as response:
            await response.read()
            if response.status != 200:
                self.failures += 1
        self.latencies.append(time.perf_counter() - started)

    async def run(self, users: list[str], texts: tuple[str, ...]) -> None:
        """Each worker takes one person at a time and sends that person's answers in order."""
        queue = iter(users)
        connector = aiohttp.TCPConnector(limit=self.concurrency)
        async with aiohttp.ClientSession(connector=connector) as http:

            async def worker() -> None:
                for user in queue:
                    for text in texts:
                        await self._send(http, user, text)

            await asyncio.gather(*(worker() for _ in range(self.concurrency)))

    def p99_ms(self) -> float:
        return statistics.quantiles(self.latencies, n=100)[98] * 1000


async def _until(condition: Callable[[], Awaitable[bool]], limit: float = 3600.0) -> None:
    deadline = time.perf_counter() + limit
    while not await condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the benchmark did not finish")
        await asyncio.sleep(0.02)


async def _start_round(url: str, channel: str = CHANNEL) -> None:
    """``/dialoog start`` from the host, signed like Slack signs it."""
    body = urllib.parse.urlencode(
        {
            "team_id": TEAM,
            "channel_id": channel,
            "user_id": "UHOST",
            "user_name": "host",
            "command": "/dialoog",
            "text": 'start --theme "Bench" --min 3',
            "trigger_id": "trigger.bench",
        }
    )
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        **signed_headers(SECRET, body),
    }
    async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=headers) as r:
        if r.status != 200:
            raise RuntimeError(f"/dialoog start answered {r.status}")


FANOUT_CHANNEL = "CFANOUT"
# Ingestion is about the path from a signed answer to its stored row and confirmation: the fake
# enforces no limit there, so the bot does not pace either (see _ours).
UNPACED: dict[str, Any] = {}


async def _slack(people: list[str], spec: Path, others: list[str] | None = None) -> FakeSlack:
    """The fake with ``people`` in the bench channel and ``others`` in a second channel."""
    fake = FakeSlack(spec, page_size=1000)
    await fake.start()
    for user in ["UHOST", *people, *(others or [])]:
        fake.add_user(user, f"Person {user}")
        fake.im_of(user)
    fake.add_channel(CHANNEL, ["UHOST", *people, BOT_USER])
    if others:
        fake.add_channel(FANOUT_CHANNEL, ["UHOST", *others, BOT_USER])
    return fake


def _result(expected: int, elapsed: float, load: Load) -> dict[str, float]:
    return {
        "answers": expected,
        "per_second": expected / elapsed,
        "p99_ms": load.p99_ms(),
        "failures": load.failures,
    }


async def ingest_bare(users: int, concurrency: int, spec: Path) -> dict[str, float]:
    people = [f"U{n:06d}" for n in range(users)]
    fake = await _slack(people, spec)
    expected = users * len(ANSWERS)
    try:
        async with Served("bare", api_url=fake.url, token=BOT_TOKEN) as served:
            load = Load(served.url, concurrency)
            started = time.perf_counter()
            await load.run(people, ANSWERS)

            async def replied() -> bool:
                return int(fake.count("chat.postMessage")) >= expected

            await _until(replied)
            elapsed = time.perf_counter() - started
    finally:
        await fake.stop()
    return _result(expected, elapsed, load)


async def ingest_ours(
    users: int, concurrency: int, database: str | None, spec: Path, fanout_members: int = 0
) -> dict[str, float]:
    """Until every answer is stored in the database and its confirmation reached Slack; with
    ``fanout_members``, a round for that many people in another channel starts as the answers
    begin, so its invitations go out while they come in."""
    people = [f"U{n:06d}" for n in range(users)]
    others = [f"UF{n:06d}" for n in range(fanout_members)]
    fake = await _slack(people, spec, others)
    expected = users * len(ANSWERS)
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = await _database(database, tmp)
        engine = create_async_engine(url)
        options = {"api_url": fake.url, "token": BOT_TOKEN, "folder": tmp}
        options["database_url"] = url
        try:
            async with Served("ours", env=UNPACED, interval=0.0, **options) as served:
                await _start_round(served.url)

                async def invited() -> bool:
                    return all(fake.private(u) for u in people)

                await _until(invited)

                def confirmations() -> int:
                    return sum(len(fake.private(u)) - 1 for u in people)

                load = Load(served.url, concurrency)
                started = time.perf_counter()
                if others:
                    await _start_round(served.url, FANOUT_CHANNEL)
                await load.run(people, ANSWERS)

                async def stored() -> bool:
                    async with engine.connect() as connection:
                        query = select(func.count()).select_from(AnswerRow)
                        return int((await connection.scalar(query)) or 0) >= expected

                async def confirmed() -> bool:
                    return confirmations() >= expected

                acked = time.perf_counter() - started
                await _until(stored)
                all_stored = time.perf_counter() - started
                await _until(confirmed)
                elapsed = time.perf_counter() - started
                fanned = sum(1 for u in others if fake.private(u))
        finally:
            await engine.dispose()
            await drop()
            await fake.stop()
    return {
        **_result(expected, elapsed, load),
        "acked_s": acked,
        "stored_s": all_stored,
        "fanned_out": fanned,
    }


async def reply_during_fanout(
    members: int, limit: float, probes: int, database: str | None, spec: Path
) -> dict[str, Any]:
    """While invitations to ``members`` go out under a workspace limit of ``limit``/s (the
    bot not told), people who have their invitation answer it: seconds from the signed answer
    until its confirmation reached Slack."""
    people = [f"U{n:06d}" for n in range(members)]
    fake = await _slack(people, spec)
    fake.limit(limit, burst=max(1.0, limit / 10), channel_interval=1.0)
    waits: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = await _database(database, tmp)
        options = {"api_url": fake.url, "token": BOT_TOKEN, "folder": tmp, "database_url": url}
        try:
            async with Served("ours", **options) as served:
                load = Load(served.url, 1)
                await _start_round(served.url)
                spacing = members / limit / (probes + 1)
                async with aiohttp.ClientSession() as http:
                    for n in range(probes):
                        await asyncio.sleep(spacing if n else min(spacing, 2.0))
                        ready = [u for u in people if len(fake.private(u)) == 1]
                        if not ready:
                            break
                        person = ready[len(ready) // 2]
                        sent = time.perf_counter()
                        await load._send(
                            http, person, "kiem: een antwoord tijdens de uitnodigingen"
                        )

                        async def confirmed(person: str = person) -> bool:
                            return len(fake.private(person)) >= 2

                        await _until(confirmed, 60.0)
                        waits.append(time.perf_counter() - sent)
                invited = sum(1 for u in people if fake.private(u))
        finally:
            await drop()
            await fake.stop()
    return {"waits": waits, "invited_at_end": invited, "members": members}


async def fanout(
    participants: int,
    limit: float,
    storm: float,
    database: str | None,
    spec: Path,
    kill: bool = False,
) -> dict[str, Any]:
    """Invitations to ``participants`` under a workspace limit the bot is not told, 1/s per
    channel (and optionally a 429 storm); the time from ``/dialoog start`` until the last
    invitation arrived. With ``kill`` the bot is SIGKILLed when half have gone out and a new
    process resumes from the same database."""
    people = [f"U{n:06d}" for n in range(participants)]
    fake = await _slack(people, spec)
    fake.limit(limit, burst=max(1.0, limit / 10), channel_interval=1.0)  # "short bursts"
    messages = participants + 2  # everyone, the host, and the post in the channel
    restart_s = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = await _database(database, tmp)
        options = {"api_url": fake.url, "token": BOT_TOKEN, "folder": tmp, "database_url": url}
        try:
            served = Served("ours", **options)
            await served.__aenter__()
            started = time.perf_counter()
            await _start_round(served.url)

            async def first_post() -> bool:
                return bool(fake.messages)

            await _until(first_post)
            posting = time.perf_counter()
            if storm:
                await asyncio.sleep(min(5.0, messages / limit / 3))
                fake.storm(storm)
            if kill:

                async def half() -> bool:
                    return len(fake.messages) >= messages // 2

                await _until(half)
                served.kill()
                killed = time.perf_counter()
                served = Served("ours", **options)
                await served.__aenter__()
                before = len(fake.messages)

                async def resumed() -> bool:
                    return len(fake.messages) > before

                await _until(resumed)
                restart_s = time.perf_counter() - killed

            async def all_sent() -> bool:
                return len(fake.delivery_keys()) >= messages

            await _until(all_sent)
            finished = time.perf_counter()
            await asyncio.sleep(2.0)  # anything sent twice would arrive now
            await served.__aexit__(None, None, None)
        finally:
            await drop()
            await fake.stop()
    keys = fake.delivery_keys()
    floor = messages / limit + storm
    return {
        "participants": participants,
        "limit": limit,
        "queued_s": posting - started,
        "seconds": finished - posting,
        "floor_s": floor,
        "restart_s": restart_s,
        "delivered": len(keys),
        "lost": messages - len(keys),
        "twice": sum(1 for n in keys.values() if n > 1),
        "rate_limited": fake.count("chat.postMessage", ok_only=False)
        - fake.count("chat.postMessage"),
        "reasons": ", ".join(f"{n} {why}" for why, n in sorted(fake.limits.refused.items())),
    }


def _table(title: str, header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    lines = [f"\n{title}\n", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def _slack_side_without_gc() -> Iterator[None]:
    """The fake Slack and the load generator share this process. A garbage-collection pause
    here would queue requests and then handle them back to back: a burst that the fake's rate
    limiter answers with 429s that real Slack (which times arrival) would not send. The app
    under test, in its own process, keeps Python's normal collector."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _floats(text: str) -> list[float]:
    return [float(part) for part in text.split(",") if part.strip()]


async def _ingest(args: argparse.Namespace, spec: Path) -> None:
    users = max(1, args.answers // len(ANSWERS))
    runs: list[tuple[dict[str, float], dict[str, float], dict[str, float]]] = []
    for _ in range(args.rounds):
        # Bare and ours take turns, so a change in the machine's load hits all alike.
        bare = await ingest_bare(users, args.concurrency, spec)
        ours = await ingest_ours(users, args.concurrency, args.database_url, spec)
        busy = await ingest_ours(
            users, args.concurrency, args.database_url, spec, fanout_members=args.fanout_members
        )
        runs.append((bare, ours, busy))
    title = (
        f"Ingestion: {users * len(ANSWERS)} signed message.im answers at concurrency "
        f"{args.concurrency}, {'PostgreSQL' if args.database_url else 'SQLite'} "
        f"(app under test in its own process), {args.rounds} alternating rounds; 'busy': "
        f"a round for {args.fanout_members} other people starts as the answers begin"
    )
    rows = []
    speed: dict[str, list[float]] = {"quiet": [], "busy": []}
    ack: dict[str, list[float]] = {"quiet": [], "busy": []}
    for n, (bare, ours, busy) in enumerate(runs, 1):
        for name, run in (("quiet", ours), ("busy", busy)):
            speed[name].append(run["per_second"] / bare["per_second"])
            ack[name].append(run["p99_ms"] / bare["p99_ms"])
            rows.append(
                (
                    f"{n} {name}",
                    f"{bare['per_second']:.0f}",
                    f"{run['per_second']:.0f}",
                    f"{speed[name][-1]:.2f}x",
                    f"{bare['p99_ms']:.1f}",
                    f"{run['p99_ms']:.1f}",
                    f"{ack[name][-1]:.2f}x",
                    f"{bare['failures'] + run['failures']:.0f}",
                )
            )
    for name in ("quiet", "busy"):
        rows.append(
            (
                f"median {name} (targets: >= 0.5x, <= 2x)",
                "",
                "",
                f"{statistics.median(speed[name]):.2f}x",
                "",
                "",
                f"{statistics.median(ack[name]):.2f}x",
                "",
            )
        )
    header = (
        "round",
        "bare answers/s",
        "dialoogbot answers/s",
        "ratio",
        "bare p99 ack ms",
        "dialoogbot p99 ack ms",
        "ratio",
        "failed",
    )
    sys.stdout.write(_table(title, header, rows))
    last = runs[-1][2]
    sys.stdout.write(
        f"\nbusy, last round: {last['fanned_out']:.0f} of {args.fanout_members} invitations "
        f"out by the time all {last['answers']:.0f} answers were confirmed "
        f"({last['answers'] / last['per_second']:.1f} s); acknowledged after "
        f"{last['acked_s']:.1f} s, stored after {last['stored_s']:.1f} s\n"
    )


async def _replies(args: argparse.Namespace, spec: Path) -> None:
    r = await reply_during_fanout(
        args.reply_members, args.reply_limit, args.probes, args.database_url, spec
    )
    waits = r["waits"]
    title = (
        f"A confirmation while a fan-out runs: {r['members']} invitations under a workspace "
        f"limit of {args.reply_limit:g}/s (the bot not told), 1/s per channel; people who got "
        "their invitation answer it"
    )
    header = ("answers", "median s", "max s (target <= 2)", "invitations out at the end")
    row = (
        str(len(waits)),
        f"{statistics.median(waits):.2f}" if waits else "-",
        f"{max(waits):.2f}" if waits else "-",
        f"{r['invited_at_end']} of {r['members']}",
    )
    sys.stdout.write(_table(title, header, [row]))


async def _fanouts(args: argparse.Namespace, spec: Path) -> None:
    rows = []
    runs = [(size, limit, False) for size in args.participants for limit in args.limits]
    runs += [(size, limit, True) for size in args.kill_participants for limit in args.kill_limits]
    for size, limit, kill in runs:
        r = await fanout(size, limit, args.storm, args.database_url, spec, kill=kill)
        rows.append(
            (
                f"{size}",
                f"{limit:g}/s",
                "yes" if kill else "no",
                f"{r['seconds']:.1f}",
                f"{r['floor_s']:.1f}",
                f"{r['seconds'] / r['floor_s']:.3f}",
                f"{r['delivered']:.0f}",
                f"{r['lost']:.0f}",
                f"{r['twice']:.0f}",
                f"{r['rate_limited']:.0f} ({r['reasons'] or 'none'})",
                f"{r['restart_s']:.1f}" if kill else "",
            )
        )
    title = (
        "Fan-out under workspace limits the bot is not told (it starts at "
        "SLACK_WORKSPACE_RATE=10/s), 1/s per channel"
        + (f", a {args.storm:g} s 429 storm" if args.storm else "")
        + "; floor = messages / limit"
    )
    header = (
        "members",
        "limit",
        "SIGKILL half-way",
        "seconds",
        "floor s",
        "ratio (<= 1.1)",
        "delivered",
        "lost",
        "twice",
        "429s",
        "kill to first post s",
    )
    sys.stdout.write(_table(title, header, rows))


async def _main(args: argparse.Namespace) -> int:
    spec = Path(args.data).joinpath(*SPEC_PARTS)
    if args.only in (None, "ingest"):
        await _ingest(args, spec)
    if args.only in (None, "replies"):
        await _replies(args, spec)
    if args.only in (None, "fanout"):
        await _fanouts(args, spec)
    return 0


def run(args: argparse.Namespace) -> int:
    spec = Path(args.data).joinpath(*SPEC_PARTS)
    if not spec.is_file():
        print(f"bench slack: no Slack OpenAPI description at {spec} (see --data)", file=sys.stderr)
        return 2
    if not getattr(args, "verbose", False):
        logging.getLogger().setLevel(logging.WARNING)
    with _slack_side_without_gc():
        return asyncio.run(_main(args))


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "slack", help="answer ingestion vs a bare slack-bolt app; fan-out vs the rate-limit floor"
    )
    parser.add_argument("--answers", type=int, default=2000, help="answers to ingest")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternating ingestion rounds (median reported)"
    )
    parser.add_argument(
        "--fanout-members",
        type=int,
        default=1000,
        help="invitations going out during the 'busy' ingestion",
    )
    parser.add_argument(
        "--participants",
        type=lambda t: [int(x) for x in _floats(t)],
        default=[1000],
        help="fan-out sizes, comma-separated (10000 takes minutes per limit)",
    )
    parser.add_argument(
        "--limits",
        type=_floats,
        default=[50.0, 20.0, 100.0],
        help="the fake's workspace limits in posts per second (the bot is not told)",
    )
    parser.add_argument(
        "--kill-participants",
        type=lambda t: [int(x) for x in _floats(t)],
        default=[1000],
        help="fan-out sizes run with a SIGKILL half-way (empty: none)",
    )
    parser.add_argument("--kill-limits", type=_floats, default=[50.0])
    parser.add_argument("--storm", type=float, default=0.0, help="seconds of 429s mid fan-out")
    parser.add_argument("--reply-members", type=int, default=1000)
    parser.add_argument("--reply-limit", type=float, default=50.0)
    parser.add_argument("--probes", type=int, default=10, help="answers during the fan-out")
    parser.add_argument("--only", choices=("ingest", "replies", "fanout"))
    parser.add_argument(
        "--data", default=str(DATA), help="the public test data folder (default: %(default)s)"
    )
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL URL (postgresql+asyncpg://…) to bench on instead of SQLite",
    )
    parser.set_defaults(func=run)
