"""``dialoogbot teams-package``: build the Teams app package (manifest and icons) to sideload."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import urlparse

from adapters.teams.settings import TeamsSettings
from bot.core.prompts import Catalog, PromptError
from bot.support.settings import SettingsError, load_settings

PLACEHOLDER_HOST = "dialoog.example.org"


def run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
        teams = settings.load(TeamsSettings)
        catalog = Catalog.load()
    except (SettingsError, PromptError) as exc:
        print(f"dialoogbot: {exc}", file=sys.stderr)
        return 2
    from adapters.teams.package import PackageError, build

    app_id = args.app_id or teams.app_id
    lang = args.lang or settings.language
    # The host: --host, else the one people reach the bot at (DIALOOG_PUBLIC_URL).
    host = args.host or (urlparse(settings.public_url).hostname if settings.public_url else "")
    if not host:
        host = PLACEHOLDER_HOST
        print(
            f"note: no --host (or DIALOOG_PUBLIC_URL) given, the manifest names {host}; "
            "fine for the Agents Playground, not for a real tenant",
            file=sys.stderr,
        )
    try:
        target = build(Path(args.output), catalog, lang, app_id, host, args.version)
    except PackageError as exc:
        print(f"dialoogbot: {exc}", file=sys.stderr)
        return 2
    print(f"Teams app package written to {target}")
    if not app_id:
        print(
            "note: no MICROSOFT_APP_ID (or --app-id) given, the manifest has a placeholder id; "
            "fine for the Agents Playground, not for a real tenant",
            file=sys.stderr,
        )
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("teams-package", help="build the Teams app package to sideload")
    parser.add_argument("--output", default="dialoogbot-teams.zip", help="the zip to write")
    parser.add_argument("--app-id", help="the bot's Microsoft App ID (default MICROSOFT_APP_ID)")
    parser.add_argument(
        "--host",
        help="your bot's public host, e.g. dialoog.gemeente.nl (default: the host of "
        "DIALOOG_PUBLIC_URL)",
    )
    parser.add_argument("--lang", choices=("nl", "en"), help="the package's language")
    parser.add_argument("--version", default="1.0.0", help="the app version in the manifest")
    parser.set_defaults(func=run)
