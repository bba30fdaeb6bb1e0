"""``dialoogbot bench scrub``: how well and how fast quotes are scrubbed of names.

Quality on the labelled neighbourhood answers (:mod:`benchmarks.names_labelled`): every name
must be found (recall 1.0) and precision must stay at or above 0.95. On SIB-200's Dutch
sentences (news text full of real people, places and teams) the number of spans marked is
shown, a sample of them printed to judge by eye. Speed is compared in the same run with the
offline synthesis of the same answers, which every summary runs after scrubbing: scrubbing must
cost at most a fifth of it. ``--deduce`` measures deduce's own pipeline on the same sets
(the first run builds its lookup structures, minutes; it needs about a gigabyte).
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks import DATA
from benchmarks.names_labelled import LABELLED
from benchmarks.synthesis import _met, _table, read_sib, request_for
from bot.core.names import NameFinder
from bot.core.prompts import Catalog
from bot.core.scrub import Scrubber
from bot.synthesis import OfflineSynthesizer

Finder = Callable[[str], list[str]]


def quality(find: Finder) -> tuple[int, int, int, list[str]]:
    """(found, missed, false hits, the false hits and misses) on the labelled answers."""
    found = missed = false = 0
    wrong: list[str] = []
    for text, names in LABELLED:
        spans = find(text)
        for name in names:
            if any(name in span for span in spans):
                found += 1
            else:
                missed += 1
                wrong.append(f"missed {name!r}")
        for span in spans:
            if not any(name in span or span in name for name in names):
                false += 1
                wrong.append(f"marked {span!r}")
    return found, missed, false, wrong


def ours() -> Finder:
    finder = NameFinder.build("nl", [])
    return lambda text: [text[a:b] for a, b in finder.spans(text)]


def deduce_finder() -> Finder:
    from deduce import Deduce  # type: ignore[import-untyped]

    model = Deduce()

    def find(text: str) -> list[str]:
        document = model.deidentify(text)
        return [a.text for a in document.annotations if str(a.tag).startswith("pers")]

    return find


def _row(
    name: str, find: Finder, sib: Sequence[str], load: float
) -> tuple[tuple[object, ...], str, float, float]:
    found, missed, false, wrong = quality(find)
    precision = found / max(found + false, 1)
    recall = found / max(found + missed, 1)
    marked = [(span, text) for text in sib for span in find(text)]
    sample = random.Random(1).sample(marked, min(12, len(marked)))
    shown = "\n".join(f"- {name}: `{span}` in “{text[:80]}…”" for span, text in sample)
    row = (name, f"{precision:.2f}", f"{recall:.2f}", "; ".join(wrong) or "-", len(marked))
    return (*row, f"{load:.1f}"), shown, precision, recall


def run(args: argparse.Namespace) -> int:
    data = Path(args.data)
    if not (data / "sib200").exists():
        print(
            f"bench scrub: no sib200 in {data} (give the data folder with --data)", file=sys.stderr
        )
        return 2
    sib = [row["nl"] for row in read_sib(data, "train") + read_sib(data, "dev")]
    start = time.perf_counter()
    finder = ours()
    finder("Opwarmen met Petra.")
    rows = []
    row, shown, precision, recall = _row("dialoogbot", finder, sib, time.perf_counter() - start)
    rows.append(row)
    samples = shown
    if args.deduce:
        start = time.perf_counter()
        theirs = deduce_finder()
        row, shown, _, _ = _row("deduce 3.0", theirs, sib, time.perf_counter() - start)
        rows.append(row)
        samples += "\n" + shown
    sys.stdout.write(
        _table(
            f"Names in {len(LABELLED)} labelled answers; spans marked in {len(sib)} SIB-200"
            " Dutch sentences",
            ("finder", "precision", "recall", "misses and false hits", "SIB spans", "load s"),
            rows,
        )
    )
    sys.stdout.write("A sample of the SIB-200 spans:\n\n" + samples + "\n\n")

    answers = sib[:200] if args.quick else sib * 4
    scrub = Scrubber.build(
        Catalog.load(), "nl", ["Ben de Groot", "Wil Janssen", "Piet de Boer", "Sanne de Jong"]
    )
    wall = time.perf_counter()
    for text in answers:
        scrub(text)
    scrubbing = time.perf_counter() - wall
    request = request_for(answers, "nl")
    wall = time.perf_counter()
    OfflineSynthesizer().summarize(request)
    synthesis = time.perf_counter() - wall
    sys.stdout.write(
        _table(
            f"Speed on {len(answers)} answers (seconds wall)",
            ("scrubbing", "offline synthesis", "per answer ms", "peak MiB"),
            [
                (
                    f"{scrubbing:.2f}",
                    f"{synthesis:.2f}",
                    f"{scrubbing / len(answers) * 1000:.2f}",
                    f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}",
                )
            ],
        )
    )
    verdicts = [
        f"recall 1.0 on the labelled answers: {_met(recall == 1.0)}",
        f"precision >= 0.95 on the labelled answers: {_met(precision >= 0.95)}",
        f"scrubbing <= 1/5 of synthesis: {_met(scrubbing <= synthesis / 5)}",
    ]
    sys.stdout.write("\n".join(f"- {v}" for v in verdicts) + "\n")
    return 0 if all(v.endswith(": met") for v in verdicts) else 1


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("scrub", help="names found and missed, speed vs synthesis")
    parser.add_argument("--quick", action="store_true", help="fewer answers for the speed part")
    parser.add_argument("--deduce", action="store_true", help="also measure deduce's pipeline")
    parser.add_argument(
        "--data", default=str(DATA), help="the public test data folder (default: %(default)s)"
    )
    parser.set_defaults(func=run)
