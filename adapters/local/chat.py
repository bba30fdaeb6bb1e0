"""``dialoogbot chat``: the local adapter in the terminal. Act as host and as participants.

Lines starting with ``/`` are console commands; anything else is typed in the private chat
of the current person. State lives in the database, so quitting (or a crash) and starting
again goes on where the round was. That database is ``dialoogbot-chat.db`` unless
DIALOOG_DATABASE_URL is set: ``serve`` holds ``dialoogbot.db`` while it runs (one process per
SQLite file), and ``chat`` should work beside ``make run`` in the same folder.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import sys
from pathlib import Path

from adapters.local.platform import PLATFORM, WORKSPACE, LocalPlatform, Sent
from adapters.local.render import as_text
from bot.core.messages import Choices, Incoming, Outgoing
from bot.core.port import Member
from bot.core.prompts import PromptError
from bot.core.pseudonyms import SecretError
from bot.runtime.app import App
from bot.support.settings import SettingsError, load_settings
from storage.database import AlreadyRunning

CHANNEL = "dialoog"
DATABASE = "sqlite+aiosqlite:///dialoogbot-chat.db"
USAGE = """console commands:
  /as NAME            act as NAME (joins the channel)
  /dialoog WORDS      a command in the channel, e.g. /dialoog start --theme "Samen"
  /press N            press button N of your last message with buttons
  /members            who is in the channel
  /quit               leave (the round stays in the database)
anything else is typed in NAME's private chat with the bot"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("chat", help="talk to the bot in the terminal as host and participants")
    parser.add_argument(
        "--members", default="anna,bram,chloe,daan", help="comma-separated names in the channel"
    )
    parser.add_argument(
        "--transcript",
        type=Path,
        default=Path("dialoogbot-chat.jsonl"),
        help="file recording what was delivered (lets a restart resume exactly)",
    )
    parser.set_defaults(func=run, log_level=logging.WARNING)


def user_id(name: str) -> str:
    return "U-" + re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")


class Console:
    def __init__(self, app: App, platform: LocalPlatform, names: list[str]) -> None:
        self.app = app
        self.platform = platform
        self.members = [Member(user_id(n), n) for n in names]
        platform.add_channel(CHANNEL, self.members)
        self.current = self.members[0].user_id if self.members else user_id("host")
        self.printed = 0

    def name_of(self, uid: str) -> str:
        return next((m.name for m in self.members if m.user_id == uid), uid)

    def flush(self) -> None:
        for sent in self.platform.sent[self.printed :]:
            print(self.format(sent), flush=True)
        self.printed = len(self.platform.sent)

    def format(self, sent: Sent) -> str:
        where = f"#{CHANNEL}" if sent.kind == "channel" else f"private → {self.name_of(sent.to)}"
        body = as_text(sent.message).replace("\n", "\n    ")
        return f"[{where}]\n    {body}"

    async def line(self, text: str) -> bool:
        text = text.strip()
        if not text:
            return True
        if text in ("/quit", "/exit"):
            return False
        if text.startswith("/as "):
            name = text[4:].strip()
            uid = user_id(name)
            if all(m.user_id != uid for m in self.members):
                self.members.append(Member(uid, name))
                self.platform.add_channel(CHANNEL, self.members)
            self.current = uid
            print(f"(you are now {name})", flush=True)
            return True
        if text == "/members":
            print(", ".join(m.name for m in self.members), flush=True)
            return True
        if text.startswith("/press"):
            await self.press(text[6:].strip())
        elif text.startswith("/dialoog"):
            await self.handle(
                Incoming(
                    PLATFORM,
                    WORKSPACE,
                    self.current,
                    text[8:].strip(),
                    CHANNEL,
                )
            )
        elif text.startswith("/"):
            print(USAGE, flush=True)
        else:
            await self.handle(Incoming(PLATFORM, WORKSPACE, self.current, text, None))
        return True

    async def press(self, number: str) -> None:
        buttons = self.last_buttons()
        flat = [(c, o) for c in buttons for o in c.options]
        if not number.isdigit() or not 1 <= int(number) <= len(flat):
            print(f"(press a number from 1 to {len(flat)})" if flat else "(no buttons)", flush=True)
            return
        choices, option = flat[int(number) - 1]
        await self.handle(
            Incoming(
                PLATFORM,
                WORKSPACE,
                self.current,
                "",
                None,
                action=choices.key,
                value=option.value,
                round_id=choices.round_id,
            )
        )

    def last_buttons(self) -> list[Choices]:
        inbox: list[Outgoing] = self.platform.private.get(self.current, [])
        for message in reversed(inbox):
            found = [b for b in message.blocks if isinstance(b, Choices)]
            if found:
                return found
        return []

    async def handle(self, incoming: Incoming) -> None:
        await self.app.handle(incoming)
        await self.app.dispatcher.drain()
        self.flush()


async def chat(names: list[str], transcript: Path) -> int:
    settings = load_settings().with_default_database(DATABASE)
    app = await App.create(settings, migrate=False)
    try:
        # Before migrating: a second process on one SQLite file stops here, touching nothing.
        app.db.claim_single_process()
        await app.upgrade()
    except BaseException:
        await app.stop()
        raise
    platform = LocalPlatform(transcript, files=Path("dialoogbot-exports"))
    app.add_platform(platform)
    console = Console(app, platform, names)
    await app.dispatcher.recover()
    await app.dispatcher.drain()
    console.flush()
    print(
        f"dialoogbot chat: channel #{CHANNEL} with {', '.join(names)} (database {app.db.where}); "
        "type /help for help.",
        flush=True,
    )
    await app.scheduler.start()  # deadlines, phase changes, reminders, digests
    follower = asyncio.create_task(follow(app, console), name="follow timers")
    loop = asyncio.get_running_loop()
    try:
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line or not await console.line(line):
                break
    finally:
        follower.cancel()
        await asyncio.gather(follower, return_exceptions=True)
        await app.stop()
    return 0


async def follow(app: App, console: Console, every: float = 1.0) -> None:
    """Deliver and print what timers queued while nobody typed."""
    while True:
        await asyncio.sleep(every)
        if await app.dispatcher.pending():
            await app.dispatcher.drain()
            console.flush()


def run(args: argparse.Namespace) -> int:
    names = [n.strip() for n in args.members.split(",") if n.strip()]
    try:
        return asyncio.run(chat(names, args.transcript))
    except (SettingsError, PromptError, SecretError, AlreadyRunning) as exc:
        print(f"dialoogbot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
