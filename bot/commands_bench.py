"""``dialoogbot bench <name>``: benchmarks that compare against a baseline in the same run."""

from __future__ import annotations

import argparse

from bot.plugins import optional_module

# Each bench module exposes ``register(subparsers)`` and sets ``func`` on its parser.
BENCHES = ("bot.synthesis.bench", "adapters.slack.bench", "adapters.teams.bench")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("bench", help="run a benchmark (figures printed as a table)")
    benches = parser.add_subparsers(dest="bench", required=True, metavar="NAME")
    for name in BENCHES:
        module = optional_module(name)
        if module is not None:
            module.register(benches)
