"""``dialoogbot bench teams``: fan-out of a round's first prompt to many Teams participants.

The real path is measured: the core starts a round for a team whose roster (read page by page)
has ``--participants`` members, writes one prompt per person into the persistent outbox, and
the core's dispatcher sends them through :class:`TeamsPlatform` (botbuilder's CloudAdapter,
pacing, retries) to a local fake connector that enforces Teams' published limits and answers
429 beyond them. Some people have blocked the bot (403). With ``--restart`` the bot is stopped
half-way (in-flight sends cancelled) and a new one resumes from the same database.

Every participant is assumed to have greeted the bot before (their conversation references
are stored), as Teams requires for a personal chat. The floor is what the per-tenant limit
allows: the k-th request of a sliding window of ``rate`` per second cannot go before
``floor(k / rate)`` seconds. The bot is not told the tenant's limit: it starts at Teams'
published 50/s and learns the rest from 429s (``--rate`` below 50 is a stricter tenant).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from pathlib import Path
from typing import Any

from aiohttp import web

from adapters.teams.pacing import PER_CONVERSATION
from adapters.teams.platform import TeamsPlatform
from adapters.teams.references import CHANNEL, TENANT, USER
from bot.core.messages import Incoming
from bot.testing.fake_connector import FakeConnector

TENANT_ID = "tenant-bench"
CHANNEL_ID = "19:bench@thread.tacv2"
TEAM_ID = "19:bench-team@thread.tacv2"
BOT = {"id": "28:dialoogbot-bench", "name": "dialoogbot"}
HOST = "29:host"


def _reference(url: str, conversation: str, user: str | None) -> dict[str, Any]:
    reference: dict[str, Any] = {
        "bot": BOT,
        "conversation": {"id": conversation, "tenantId": TENANT_ID},
        "channelId": "msteams",
        "serviceUrl": url,
    }
    if user is not None:
        reference["user"] = {"id": user}
    return reference


def _is_first_prompt(activity: dict[str, Any]) -> bool:
    for attachment in activity.get("attachments") or []:
        for element in (attachment.get("content") or {}).get("body") or []:
            for action in element.get("actions") or []:
                if (action.get("data") or {}).get("dialoog_action") == "knel_kiem":
                    return True
    return False


async def _start_bot(folder: Path) -> tuple[Any, TeamsPlatform]:
    from adapters.teams.mount import setup
    from bot.runtime.app import App
    from bot.support.settings import load_settings
    from bot.synthesis.offline import OfflineSynthesizer

    settings = load_settings(
        DIALOOG_DATABASE_URL=f"sqlite+aiosqlite:///{folder / 'bench.db'}",
        DIALOOG_SECRET_FILE=folder / "bench.secret",
        DIALOOG_TEAMS_PLAYGROUND=True,  # no Azure: the fake connector on 127.0.0.1
    )
    app = await App.create(settings, synthesizer=OfflineSynthesizer())
    await setup(app, web.Application())
    platform = app.platforms["teams"]
    assert isinstance(platform, TeamsPlatform)
    return app, platform


async def fan_out(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    n, blocked_n, rate = args.participants, args.blocked, args.rate
    people = [f"29:p{i:05d}" for i in range(n)]
    blocked = {f"a:{p}" for p in people[1 : 1 + blocked_n * 97 : 97][:blocked_n]}
    connector = FakeConnector(
        members=[{"id": HOST, "name": "Host"}]
        + [{"id": p, "name": f"Deelnemer {i}"} for i, p in enumerate(people)],
        blocked=blocked,
        per_conversation=PER_CONVERSATION,
        per_tenant=((1.0, rate),),
    )
    url = await connector.start()
    app, platform = await _start_bot(folder)
    store = platform.store
    await store.save_many(
        [(TENANT_ID, USER, p, _reference(url, f"a:{p}", p)) for p in [HOST, *people]]
        + [
            (
                TENANT_ID,
                CHANNEL,
                CHANNEL_ID,
                {**_reference(url, CHANNEL_ID, None), "teamId": TEAM_ID},
            )
        ]
        + [(TENANT_ID, TENANT, "", _reference(url, "", None))]
    )
    started = time.perf_counter()
    await app.handle(
        Incoming(
            "teams", TENANT_ID, HOST, 'start --theme "bench"', CHANNEL_ID, event_id="bench-start"
        )
    )
    queued = time.perf_counter()
    refused = 0
    if args.restart:
        await app.start()
        seen = prompted = 0
        while prompted < n // 2:
            connector.arrived.clear()
            await connector.arrived.wait()
            fresh = connector.received[seen:]
            seen += len(fresh)
            prompted += sum(1 for item in fresh if _is_first_prompt(item.activity))
        # A crash, not a shutdown: no grace, so in-flight sends are cancelled where they are
        # (waiting for their turn, or mid-request) and their outbox rows stay 'sending'.
        await app.dispatcher.stop(grace=0)
        await app.stop()
        # Counted after the stop: sends started while stopping may still have met a 403.
        refused += platform.refused
        throttled_before = platform.throttled
        app, platform = await _start_bot(folder)
        platform.throttled += throttled_before
    await app.start()
    await app.dispatcher.drain(timeout=24 * 3600)
    finished = time.perf_counter()
    refused += platform.refused
    rates = platform.pacer.rates
    learned = (await rates.get(TENANT_ID)).rate if rates is not None else float("nan")
    await app.stop()
    await connector.stop()

    prompts = [r for r in connector.received if _is_first_prompt(r.activity)]
    per_person: dict[str, int] = {}
    for item in prompts:
        per_person[item.conversation_id] = per_person.get(item.conversation_id, 0) + 1
    expected = {f"a:{p}" for p in [HOST, *people]} - blocked
    lost = len(expected - set(per_person))
    twice = sum(count - 1 for count in per_person.values())
    span = connector.received[-1].at - connector.received[0].at if connector.received else 0.0
    requests = connector.statuses[201]
    floor = (requests - 1) // rate
    return {
        "participants": n,
        "blocked": len(blocked),
        "requests": requests,
        "start_to_queued_s": queued - started,
        "fan_out_s": finished - queued,
        "span_s": span,
        "floor_s": floor,
        "ratio": (finished - queued) / floor if floor else float("nan"),
        "lost": lost,
        "twice": twice,
        "refused_403": refused,
        "answered_429": connector.statuses[429],
        "retried_429": platform.throttled,
        "learned_rate": learned,
    }


def run(args: argparse.Namespace) -> int:
    logging.getLogger("adapters.teams").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="dialoog-bench-teams-") as folder:
        result = asyncio.run(fan_out(args, Path(folder)))
    rows = [
        ("participants", result["participants"]),
        ("blocked the bot (403 expected)", result["blocked"]),
        ("requests accepted by the connector", result["requests"]),
        ("start command until queued (s)", f"{result['start_to_queued_s']:.1f}"),
        ("fan-out, queued until all sent (s)", f"{result['fan_out_s']:.1f}"),
        ("first to last request at the connector (s)", f"{result['span_s']:.1f}"),
        (f"floor at {args.rate}/s per tenant (s)", result["floor_s"]),
        ("fan-out / floor", f"{result['ratio']:.3f}"),
        ("lost", result["lost"]),
        ("sent twice", result["twice"]),
        ("refused (403, skipped and counted)", result["refused_403"]),
        ("429 answered by the connector", result["answered_429"]),
        ("tenant rate learned by the bot (/s)", f"{result['learned_rate']:.1f}"),
        ("restart half-way", "yes" if args.restart else "no"),
    ]
    width = max(len(name) for name, _ in rows)
    print("Teams fan-out against a fake connector with Teams' limits")
    for name, value in rows:
        print(f"  {name.ljust(width)}  {value}")
    ok = result["lost"] == 0 and result["twice"] == 0 and result["ratio"] <= 1.1
    print("  within 1.1x of the floor, nothing lost, nothing twice:", "yes" if ok else "NO")
    return 0 if ok else 1


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("teams", help="fan-out to many Teams participants (fake connector)")
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--blocked", type=int, default=25, help="people who blocked the bot")
    parser.add_argument(
        "--rate",
        type=int,
        default=50,
        help="the fake tenant's limit, requests per second (the bot is not told)",
    )
    parser.add_argument("--restart", action="store_true", help="stop and resume half-way")
    parser.set_defaults(func=run)
