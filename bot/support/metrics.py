"""Prometheus metrics: counts only, never a user id or answer text in a label."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest

_HELD: ContextVar[list[Callable[[], None]] | None] = ContextVar("held_counts", default=None)


class Tally:
    """A counter of what changed state. Inside :meth:`Metrics.held` an increment waits until
    the caller knows its transaction committed, so a rolled-back change is never counted."""

    def __init__(self, counter: Any) -> None:
        self._counter = counter

    def inc(self, amount: float = 1) -> None:
        held = _HELD.get()
        if held is None:
            self._counter.inc(amount)
        else:
            held.append(partial(self._counter.inc, amount))

    def labels(self, *values: str) -> Tally:
        return Tally(self._counter.labels(*values))


class Held:
    """Increments kept back by :meth:`Metrics.held`: :meth:`count` them once committed."""

    def __init__(self) -> None:
        self.pending: list[Callable[[], None]] = []

    def count(self) -> None:
        for increment in self.pending:
            increment()
        self.pending.clear()


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.rounds_started = Tally(Counter("dialoog_rounds_started", "Rounds started", registry=r))
        self.rounds_closed = Tally(Counter("dialoog_rounds_closed", "Rounds closed", registry=r))
        self.answers = Tally(Counter("dialoog_answers_stored", "Answers stored", registry=r))
        self.slips = Tally(
            Counter("dialoog_slips", "Questions and stray words answered with help", registry=r)
        )
        self.forgotten = Tally(
            Counter("dialoog_answers_forgotten", "Answers erased by forget me", registry=r)
        )
        self.commands = Tally(
            Counter("dialoog_commands", "Commands handled", ["command"], registry=r)
        )
        self.rejected = Tally(
            Counter("dialoog_rejected", "Inputs refused with a message", registry=r)
        )
        self.duplicates = Tally(
            Counter("dialoog_duplicate_events", "Redelivered events ignored", registry=r)
        )
        self.delivered = Counter(
            "dialoog_deliveries", "Messages delivered", ["platform"], registry=r
        )
        self.refused = Counter(
            "dialoog_deliveries_refused",
            "Messages the platform refused for good",
            ["platform"],
            registry=r,
        )
        self.retried = Counter(
            "dialoog_delivery_retries", "Delivery attempts deferred", ["platform"], registry=r
        )
        self.outbox = Gauge("dialoog_outbox_pending", "Messages waiting in the outbox", registry=r)

    @staticmethod
    @contextmanager
    def held() -> Iterator[Held]:
        """Keep back the increments made inside (in this task) until ``count()``."""
        held = Held()
        token = _HELD.set(held.pending)
        try:
            yield held
        finally:
            _HELD.reset(token)

    @contextmanager
    def attempt(self, again: type[BaseException]) -> Iterator[None]:
        """One attempt at a turn: its increments count when it ends, unless it raises
        ``again`` (it is rolled back and will run again, and must not count twice)."""
        with self.held() as held:
            try:
                yield
            except again:
                raise
            except BaseException:
                held.count()
                raise
            held.count()

    def render(self) -> bytes:
        return generate_latest(self.registry)
