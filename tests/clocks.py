"""A monotonic clock for rate limiters under test: it moves only when the code under test
waits, so pacing is checked exactly and no test sleeps for real time."""

from __future__ import annotations

import asyncio


class ManualMonotonic:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)
