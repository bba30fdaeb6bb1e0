"""A real child process whose standard output the test reads, for crash-and-restart tests."""

from __future__ import annotations

import asyncio
import signal


class WatchedProcess:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.output = ""

    async def until(self, marker: str, start: int = 0) -> None:
        """Read output until ``marker`` appears after position ``start``."""
        assert self.proc.stdout is not None
        while marker not in self.output[start:]:
            chunk = await asyncio.wait_for(self.proc.stdout.read(4096), timeout=60)
            if not chunk:
                raise AssertionError(f"process ended before {marker!r}:\n{self.output}")
            self.output += chunk.decode()

    async def kill(self) -> None:
        """SIGKILL: no clean-up runs, as in a crash."""
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(self.proc.wait(), timeout=30)
