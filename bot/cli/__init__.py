"""The ``dialoogbot`` command line. Each subcommand lives in its own module with ``register``;
adapters bring theirs (``demo``, ``chat``, ``teams-package``) in their spec."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from bot.cli.lazy import REQUESTED, positionals, register_lazily
from bot.runtime.adapters import commands

# Subcommand name -> (module exposing ``register(subparsers)`` that sets ``func``, help).
COMMANDS = {
    "serve": ("bot.cli.serve", "run the bot (Slack, Teams, health and metrics)"),
    "db": ("bot.cli.db", "database maintenance (upgrade)"),
    "synthesize": ("bot.cli.synthesize", "summarise answers from a CSV file"),
    "bench": ("bot.cli.bench", "run a benchmark (figures printed as a table)"),
}


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dialoogbot",
        description="Anonymous appreciative-inquiry dialogue rounds in Slack and Teams.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug output")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    words = positionals(argv)
    REQUESTED.set(words)
    register_lazily(sub, {**COMMANDS, **commands()}, words[0] if words else None)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.error(f"{args.command} is not available in this installation")
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else getattr(args, "log_level", logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
