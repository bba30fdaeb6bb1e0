"""``dialoogbot db upgrade``: apply the database migrations and say which ones ran."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from bot.runtime.adapters import database
from bot.support.settings import SettingsError, load_settings
from storage.database import Applied


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("db", help="database maintenance")
    actions = parser.add_subparsers(dest="db_action", required=True, metavar="ACTION")
    upgrade = actions.add_parser("upgrade", help="apply all migrations")
    # The report below says what ran; Alembic's own INFO lines would say it twice (-v shows them).
    upgrade.set_defaults(func=run_upgrade, log_level=logging.WARNING)


def report(where: str, applied: Sequence[Applied], revisions: Sequence[str]) -> str:
    """What an upgrade did, for a person: each migration applied (grouped per migration branch
    when the migrations have branch labels) and the revision the database is now at."""
    at = ", ".join(revisions) or "none"
    at = f"revision {at}" if len(revisions) < 2 else f"revisions {at}"
    if not applied:
        return f"{where} is up to date ({at})"
    groups: dict[str, list[Applied]] = {}
    for migration in applied:
        groups.setdefault(", ".join(migration.branches), []).append(migration)
    lines = [f"{where}: applied {len(applied)} migration{'s' if len(applied) != 1 else ''}"]
    for branch, migrations in groups.items():
        indent = "  "
        if branch:
            lines.append(f"  {branch}:")
            indent = "    "
        width = max(len(m.revision) for m in migrations)
        lines.extend(f"{indent}{m.revision:<{width}}  {m.message}".rstrip() for m in migrations)
    lines.append(f"{where} is now at {at}")
    return "\n".join(lines)


def run_upgrade(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"dialoogbot: {exc}", file=sys.stderr)
        return 2

    async def go() -> str:
        db = database(settings)
        try:
            applied = await db.upgrade()
            return report(db.where, applied, await db.current_revisions())
        finally:
            await db.dispose()

    try:
        print(asyncio.run(go()))
    except OSError as exc:
        print(f"dialoogbot: cannot reach the database ({exc})", file=sys.stderr)
        return 2
    return 0
