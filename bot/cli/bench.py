"""``dialoogbot bench <name>``: benchmarks that compare against a baseline in the same run."""

from __future__ import annotations

from bot.runtime.plugins import REQUESTED, Subparsers, register_lazily

# Bench name -> (module exposing ``register(subparsers)`` that sets ``func``, help).
BENCHES = {
    "synthesis": ("bot.synthesis.bench", "theme recovery, labels, polis, speed and memory"),
    "slack": ("adapters.slack.bench", "answer ingestion vs bare slack-bolt; fan-out vs floor"),
    "teams": ("adapters.teams.bench", "fan-out to many Teams participants vs the floor"),
}


def register(sub: Subparsers) -> None:
    parser = sub.add_parser("bench", help="run a benchmark (figures printed as a table)")
    benches = parser.add_subparsers(dest="bench", required=True, metavar="NAME")
    words = REQUESTED.get()
    wanted = words[1] if len(words) > 1 and words[0] == "bench" else None
    register_lazily(benches, BENCHES, wanted)
