"""Callers waiting on a batch of work (a group commit, a batched delete) and its outcome."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence


def settle(
    waiting: Iterable[asyncio.Future[None]], outcomes: Sequence[BaseException | None]
) -> None:
    """Wake each caller with its own outcome: None for done, else the error to raise."""
    for done, outcome in zip(waiting, outcomes, strict=True):
        if done.done():
            continue
        if outcome is None:
            done.set_result(None)
        else:
            done.set_exception(outcome)


def fail(waiting: Iterable[asyncio.Future[None]], error: BaseException) -> None:
    """The whole batch failed: every caller gets ``error``."""
    for done in waiting:
        if not done.done():
            done.set_exception(error)
