"""Acknowledged work runs in the background, but one person's messages keep their order."""

from __future__ import annotations

import asyncio

from adapters.slack.wiring import SlackAdapter


async def test_one_persons_work_runs_in_arrival_order_others_run_alongside() -> None:
    adapter = SlackAdapter.__new__(SlackAdapter)  # only the task bookkeeping is needed
    adapter._tasks, adapter._last, adapter.failures = set(), {}, 0
    done: list[str] = []

    async def work(name: str, delay: float) -> None:
        await asyncio.sleep(delay)
        done.append(name)

    adapter.spawn(work("anna-1", 0.05), "answer", "T:anna")
    adapter.spawn(work("anna-2", 0.0), "answer", "T:anna")
    adapter.spawn(work("bram-1", 0.01), "answer", "T:bram")
    adapter.spawn(work("anna-3", 0.0), "answer", "T:anna")
    await adapter.settle()
    assert [d for d in done if d.startswith("anna")] == ["anna-1", "anna-2", "anna-3"]
    assert done.index("bram-1") < done.index("anna-1")
    assert adapter._last == {}


async def test_a_failure_is_logged_and_does_not_block_the_next() -> None:
    adapter = SlackAdapter.__new__(SlackAdapter)
    adapter._tasks, adapter._last, adapter.failures = set(), {}, 0
    done: list[str] = []

    async def boom() -> None:
        raise RuntimeError("database away")

    async def fine() -> None:
        done.append("fine")

    adapter.spawn(boom(), "answer", "T:anna")
    adapter.spawn(fine(), "answer", "T:anna")
    await adapter.settle()
    assert done == ["fine"] and adapter.failures == 1
