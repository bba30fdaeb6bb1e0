"""Kill the bot with SIGKILL in the middle of a round, start it again: the round goes on
where it was, nothing is lost and nobody gets a message twice."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections import Counter
from pathlib import Path

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
