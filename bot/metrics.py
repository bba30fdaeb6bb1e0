"""Prometheus metrics: counts only, never a user id or answer text in a label."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.rounds_started = Counter("dialoog_rounds_started", "Rounds started", registry=r)
        self.rounds_closed = Counter("dialoog_rounds_closed", "Rounds closed", registry=r)
        self.answers = Counter("dialoog_answers_stored", "Answers stored", registry=r)
        self.forgotten = Counter(
            "dialoog_answers_forgotten", "Answers erased by forget me", registry=r
        )
        self.commands = Counter("dialoog_commands", "Commands handled", ["command"], registry=r)
        self.rejected = Counter("dialoog_rejected", "Inputs refused with a message", registry=r)
        self.duplicates = Counter(
            "dialoog_duplicate_events", "Redelivered events ignored", registry=r
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

    def render(self) -> bytes:
        return generate_latest(self.registry)
