"""``dialoogbot bench <name>``: benchmarks that compare against a baseline in the same run.

The benchmarks live in ``benchmarks/`` at the root of a checkout, outside the packaged code
(they use the test kit and the public test data). An installed package has none and says so.
"""

from __future__ import annotations

import sys
from pathlib import Path

import bot
from bot.cli.lazy import REQUESTED, Subparsers, register_lazily

# The folder holding ``bot/``: in a checkout, the repository root with ``benchmarks/`` beside it.
ROOT = Path(bot.__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"

# Bench name -> (module exposing ``register(subparsers)`` that sets ``func``, help).
BENCHES = {
    "synthesis": ("benchmarks.synthesis", "theme recovery, labels, polis, speed and memory"),
    "slack": ("benchmarks.slack", "answer ingestion vs bare slack-bolt; fan-out vs floor"),
    "teams": ("benchmarks.teams", "fan-out to many Teams participants vs the floor"),
    "scrub": ("benchmarks.scrub", "names found and missed in answers; scrubbing vs synthesis"),
}


def register(sub: Subparsers) -> None:
    parser = sub.add_parser("bench", help="run a benchmark (figures printed as a table)")
    benches = parser.add_subparsers(dest="bench", required=True, metavar="NAME")
    words = REQUESTED.get()
    wanted = words[1] if len(words) > 1 and words[0] == "bench" else None
    if wanted in BENCHES:
        _find_benchmarks()
    register_lazily(benches, BENCHES, wanted)


def _find_benchmarks() -> None:
    """Make the checkout's ``benchmarks`` importable, or end with one line saying why not."""
    if not (BENCHMARKS / "__init__.py").is_file():
        print(
            "dialoogbot bench: benchmarks run from a checkout of the repository "
            f"(there is no {BENCHMARKS})",
            file=sys.stderr,
        )
        raise SystemExit(2)
    if str(ROOT) not in sys.path:
        # Spawned benchmark processes inherit sys.path, so they find the module too.
        sys.path.insert(0, str(ROOT))
