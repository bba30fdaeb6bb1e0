"""The ``dialoogbot`` command line. Each subcommand lives in its own module with ``register``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from bot.plugins import optional_module

# Subcommand modules; each exposes ``register(subparsers)`` which sets ``func`` on its parser.
COMMANDS = (
    "bot.commands_serve",
    "adapters.local.demo",
    "adapters.local.chat",
    "bot.commands_db",
    "bot.synthesis.command",
    "adapters.teams.command",
    "bot.commands_bench",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dialoogbot",
        description="Anonymous appreciative-inquiry dialogue rounds in Slack and Teams.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug output")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module = optional_module(name)
        if module is not None:
            module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else getattr(args, "log_level", logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
