"""``dialoogbot demo``: a complete round with simulated participants, summary printed.

Runs on a fresh machine with no accounts: a throw-away SQLite database, the local adapter and
the bundled sample answers in ``prompts/samples/``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from adapters.local.platform import LocalDriver, LocalPlatform
from adapters.local.render import as_text
from bot.core.prompts import PromptError, default_root
from bot.runtime.app import App
from bot.support.settings import SettingsError, load_settings

FIRST = [
    "Anna",
    "Bram",
    "Chloé",
    "Daan",
    "Emma",
    "Fatima",
    "Gijs",
    "Hanna",
    "Ibrahim",
    "Joost",
    "Kim",
    "Lars",
    "Mila",
    "Noah",
    "Olga",
    "Pieter",
    "Roos",
    "Sem",
    "Tess",
    "Umut",
]
LAST = [
    "de Vries",
    "Jansen",
    "Bakker",
    "Visser",
    "Meijer",
    "El Amrani",
    "Mulder",
    "Yilmaz",
    "Peters",
    "Hendriks",
    "Dekker",
    "Verbeek",
]
CHANNEL = "C-DEMO"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("demo", help="run a complete round with simulated participants")
    parser.add_argument("--participants", type=int, default=25, help="how many (3-500)")
    parser.add_argument("--lang", choices=("nl", "en"), default="nl")
    parser.set_defaults(func=run, log_level=logging.WARNING)


def load_samples(lang: str) -> dict[str, Any]:
    path = default_root() / "samples" / f"answers.{lang}.toml"
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PromptError(f"{path}: cannot be read ({exc})") from None


def run(args: argparse.Namespace) -> int:
    if not 3 <= args.participants <= 500:
        print("dialoogbot: --participants must be between 3 and 500", file=sys.stderr)
        return 2
    try:
        print(asyncio.run(demo(args.participants, args.lang)))
    except (SettingsError, PromptError) as exc:
        print(f"dialoogbot: {exc}", file=sys.stderr)
        return 2
    return 0


async def demo(participants: int, lang: str) -> str:
    samples = load_samples(lang)
    with tempfile.TemporaryDirectory(prefix="dialoogbot-demo-") as folder:
        settings = load_settings(
            DIALOOG_DATABASE_URL=f"sqlite+aiosqlite:///{Path(folder) / 'demo.db'}",
            DIALOOG_SECRET_FILE=Path(folder) / "demo.secret",
            DIALOOG_LANGUAGE=lang,
        )
        app = await App.create(settings)
        platform = LocalPlatform()
        app.add_platform(platform)
        local = LocalDriver(app, platform)
        people = [
            local.member(f"U{i:04d}", f"{FIRST[i % len(FIRST)]} {LAST[i % len(LAST)]}")
            for i in range(participants)
        ]
        platform.add_channel(CHANNEL, people)
        host = people[0].user_id
        theme = samples["theme"].replace('"', "'")
        story = samples["opening_story"].replace('"', "'")
        await local.command(
            host, CHANNEL, f'start --lang {lang} --theme "{theme}" --story "{story}"'
        )
        entries = samples["participants"]
        for i, person in enumerate(people):
            entry = entries[i % len(entries)]
            user = person.user_id
            await local.say(user, entry["choice"])
            await local.say(user, entry["story"])
            await local.say(user, entry["headline"])
            if entry.get("picture"):
                await local.say(user, entry["picture"])
            await local.say(user, entry["dream"])
            await local.say(user, entry["ideas"])
        await local.command(host, CHANNEL, "close")
        # The summary reached the host as a draft; the demo's host publishes it as it is.
        await local.command(host, CHANNEL, "publish")
        await app.stop()
        return as_text(platform.posts[CHANNEL][-1])
