"""Kill the bot with SIGKILL in the middle of a round, start it again: the round goes on
where it was, nothing is lost and nobody gets a message twice."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from bot.core.summary import AnswerText, PhaseInfo, SynthesisRequest
from bot.runtime.app import OnFirstUse
from bot.synthesis import OfflineSynthesizer
from tests.processes import WatchedProcess

STORY = "Ons buurthuis ging dicht en niemand wist waarheen."


class ChatProcess(WatchedProcess):
    """``dialoogbot chat`` as a real process, driven through its terminal."""

    @classmethod
    async def start(cls, folder: Path) -> ChatProcess:
        env = {
            **os.environ,
            "DIALOOG_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'bot.db'}",
            "DIALOOG_SECRET_FILE": str(folder / "bot.secret"),
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "chat",
            "--members",
            "anna,bram,chloe",
            "--transcript",
            str(folder / "transcript.jsonl"),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            cwd=folder,
            env=env,
        )
        chat = cls(proc)
        await chat.until("dialoogbot chat:")
        return chat

    async def send(self, line: str, expect: str) -> str:
        assert self.proc.stdin is not None
        start = len(self.output)
        self.proc.stdin.write((line + "\n").encode())
        await self.proc.stdin.drain()
        await self.until(expect, start)
        return self.output[start:]


async def test_sigkill_mid_round_then_restart_goes_on(tmp_path: Path) -> None:
    first = await ChatProcess.start(tmp_path)
    await first.send('/dialoog start --theme "Samen"', "Jij bent de gespreksleider")
    await first.send("/as bram", "(you are now bram)")
    await first.send("knel", "Vertel nu je antwoord")
    await first.send(STORY, "Vraag 2 van 4: Krantenkop")
    await first.kill()

    second = await ChatProcess.start(tmp_path)
    await second.send("/as bram", "(you are now bram)")
    out = await second.send("Buurt zonder dak", "Vraag 3 van 4: Droom")
    assert "opgeslagen" in out
    for name, headline in (("anna", "Het kan dus wel"), ("chloe", "Oma leert bellen")):
        await second.send(f"/as {name}", f"(you are now {name})")
        await second.send("kiem", "Vertel nu je antwoord")
        await second.send(f"Een verhaal van {name} over de wijk.", "Krantenkop")
        await second.send(headline, "Droom")
    await second.send("/as anna", "(you are now anna)")
    status = await second.send("/dialoog status", "begonnen")
    assert "begonnen: 3" in status
    summary = await second.send("/dialoog close", "De ronde is gesloten")
    assert "Buurt zonder dak" in summary and "Het kan dus wel" in summary
    await second.send("/quit", "")
    await second.proc.wait()

    sent = [json.loads(line) for line in (tmp_path / "transcript.jsonl").read_text().splitlines()]
    invitations = Counter(s["to"] for s in sent if "uitgenodigd" in s["text"])
    assert invitations == {"U-anna": 1, "U-bram": 1, "U-chloe": 1}
    keys = Counter(s["key"] for s in sent if s["key"])
    assert keys and max(keys.values()) == 1, "no delivery sent twice"


def test_a_restarted_bot_does_not_load_synthesis_before_it_sends() -> None:
    """scikit-learn and SciPy take seconds to import: a bot restarted after a crash starts its
    outbox without them (``serve`` loads them in the background once it is sending, the first
    summary at the latest)."""
    code = (
        "import sys, bot.cli, bot.cli.serve, bot.runtime.app, adapters.slack.mount, "
        "adapters.teams.mount; print(sorted(m for m in ('sklearn', 'scipy') if m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert done.stdout.strip() == "[]"


async def test_the_default_synthesizer_is_made_once_when_the_first_summary_is_asked(
    tmp_path: Path,
) -> None:
    made: list[OfflineSynthesizer] = []

    def make() -> OfflineSynthesizer:
        made.append(OfflineSynthesizer())
        return made[-1]

    synthesizer = OnFirstUse(make)
    assert made == []
    request = SynthesisRequest(
        "nl",
        (PhaseInfo("kiem", "Wat bracht je hier?", "text"),),
        tuple(AnswerText(n, "kiem", f"De buurtapp bracht ons samen ({n})") for n in range(4)),
    )
    first, second = await asyncio.gather(
        synthesizer.synthesize(request), synthesizer.synthesize(request)
    )
    assert len(made) == 1
    assert first == second == await made[0].synthesize(request)
