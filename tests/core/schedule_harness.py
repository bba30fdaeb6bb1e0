"""A real bot process for the timer tests: ``python -m tests.core.schedule_harness``.

It runs the real :class:`bot.runtime.app.App` — dispatcher, scheduler and APScheduler wake-ups —
against the configured database (``DIALOOG_DATABASE_URL``) with the local platform writing a
transcript. Two things are test-only, and live here rather than in the product: the clock
reads its time from a file (so a test can move time for a process it does not share memory
with), and ``--hang`` makes a timer job or a channel post never return, so the test can
SIGKILL the process in the middle of it.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import signal
import sys
from pathlib import Path

from bot.core.messages import Outgoing
from bot.core.port import Member, MessageRef
from bot.runtime.app import App
from bot.support.settings import load_settings
from bot.testing import LocalPlatform
from storage.database import AlreadyRunning


class FileClock:
    """The time written (ISO 8601) in a file; the test moves it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def now(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.path.read_text().strip())


class HangingPlatform(LocalPlatform):
    """Hangs where a crash hurts most: in the middle of a timer job (``job``: asking for the
    channel's members, which the job fetches before its transaction), or in a channel post
    ``before`` the platform has it or ``after`` it recorded it."""

    async def list_members(self, workspace: str, channel_id: str) -> list[Member]:
        if self.hang == "job":
            print("hanging", flush=True)
            await asyncio.Event().wait()
        return await super().list_members(workspace, channel_id)

    def __init__(self, transcript: Path, hang: str) -> None:
        super().__init__(transcript)
        self.hang = hang

    async def post_channel(
        self,
        workspace: str,
        channel_id: str,
        message: Outgoing,
        thread_of: str | None = None,
        key: str | None = None,
    ) -> MessageRef:
        if self.hang == "after":
            await super().post_channel(workspace, channel_id, message, thread_of, key)
        print("hanging", flush=True)
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


async def run(args: argparse.Namespace) -> int:
    app = await App.create(load_settings(), clock=FileClock(args.clock))
    platform = (
        HangingPlatform(args.transcript, args.hang) if args.hang else LocalPlatform(args.transcript)
    )
    members = [Member(uid, uid) for uid in args.members.split(",")]
    for channel in args.channels.split(","):
        platform.add_channel(channel, members)
    app.add_platform(platform)
    app.scheduler.poll_seconds = args.poll
    app.dispatcher.lease = dt.timedelta(seconds=args.lease)
    try:
        await app.start()
    except AlreadyRunning as exc:
        print(f"dialoogbot: {exc}", file=sys.stderr, flush=True)
        await app.stop()
        return 2
    print("ready", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await app.stop()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clock", type=Path, required=True)
    parser.add_argument("--transcript", type=Path, required=True)
    parser.add_argument("--channels", required=True)
    parser.add_argument("--members", required=True)
    parser.add_argument("--hang", choices=("job", "before", "after"))
    parser.add_argument("--poll", type=float, default=0.1)
    parser.add_argument("--lease", type=float, default=60.0, help="outbox lease, seconds")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
