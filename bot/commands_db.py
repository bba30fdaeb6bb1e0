"""``dialoogbot db upgrade``: apply the database migrations."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.settings import SettingsError, load_settings
from storage.database import Database


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("db", help="database maintenance")
    actions = parser.add_subparsers(dest="db_action", required=True, metavar="ACTION")
    upgrade = actions.add_parser("upgrade", help="apply all migrations")
    upgrade.set_defaults(func=run_upgrade)


def run_upgrade(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"dialoogbot: {exc}", file=sys.stderr)
        return 2

    async def go() -> None:
        db = Database(settings.database_url)
        try:
            await db.upgrade()
        finally:
            await db.dispose()

    try:
        asyncio.run(go())
    except OSError as exc:
        print(f"dialoogbot: cannot reach the database ({exc})", file=sys.stderr)
        return 2
    print("database is up to date")
    return 0
