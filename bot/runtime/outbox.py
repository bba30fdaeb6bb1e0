"""The persistent outbox: deliveries stored with the state change that caused them."""

from __future__ import annotations

import base64
import functools
import json
import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.messages import (
    Attachment,
    Block,
    Choices,
    Delivery,
    Divider,
    Entry,
    Heading,
    Option,
    Outgoing,
    Quote,
    Target,
    TargetKind,
    Text,
)
from storage.models import OutboxRow


@functools.lru_cache(maxsize=256)
def encode(message: Outgoing) -> str:
    """JSON for the outbox; cached, as a round sends the same message to many people."""
    blocks: list[dict[str, Any]] = []
    for block in message.blocks:
        if isinstance(block, Choices):
            blocks.append(
                {
                    "type": "choices",
                    "key": block.key,
                    "round_id": block.round_id,
                    "options": [[o.value, o.label] for o in block.options],
                }
            )
        elif isinstance(block, Entry):
            blocks.append(
                {
                    "type": "entry",
                    "key": block.key,
                    "round_id": block.round_id,
                    "options": [[o.value, o.label] for o in block.options],
                    "label": block.label,
                    "submit": block.submit,
                    "command": block.command,
                }
            )
        elif isinstance(block, Divider):
            blocks.append({"type": "divider"})
        elif isinstance(block, Attachment):
            # A file waits here until it is delivered; the finished row is deleted with it.
            blocks.append(
                {
                    "type": "attachment",
                    "filename": block.filename,
                    "mime": block.mime,
                    "title": block.title,
                    "data": base64.b64encode(block.data).decode("ascii"),
                }
            )
        else:
            blocks.append({"type": type(block).__name__.lower(), "text": block.text})
    return json.dumps(
        {"lang": message.lang, "blocks": blocks}, ensure_ascii=False, separators=(",", ":")
    )


@functools.lru_cache(maxsize=256)
def decode(payload: str) -> Outgoing:
    """The message stored by :func:`encode`. Messages are immutable, and everyone at the same
    step of a round gets the same one, so a decoded payload is shared."""
    data = json.loads(payload)
    blocks: list[Block] = []
    for raw in data["blocks"]:
        kind = raw["type"]
        if kind == "choices":
            blocks.append(
                Choices(
                    raw["key"],
                    tuple(Option(v, label) for v, label in raw["options"]),
                    raw.get("round_id"),
                )
            )
        elif kind == "entry":
            blocks.append(
                Entry(
                    raw["key"],
                    tuple(Option(v, label) for v, label in raw["options"]),
                    raw["label"],
                    raw["submit"],
                    raw["command"],
                    raw.get("round_id"),
                )
            )
        elif kind == "divider":
            blocks.append(Divider())
        elif kind == "attachment":
            blocks.append(
                Attachment(
                    raw["filename"], raw["mime"], base64.b64decode(raw["data"]), raw["title"]
                )
            )
        elif kind == "heading":
            blocks.append(Heading(raw["text"]))
        elif kind == "quote":
            blocks.append(Quote(raw["text"]))
        else:
            blocks.append(Text(raw["text"]))
    return Outgoing(tuple(blocks), data.get("lang"))


Actor = tuple[str, str, str]  # (platform, workspace, user id) of the person who acted


def is_reply(target: Target, actor: Actor | None) -> bool:
    """A message to the person whose action made it (their confirmation, an error, their
    next prompt): it goes ahead of fan-out, reminders and digests."""
    return (
        actor is not None
        and bool(actor[2])
        and target.kind != TargetKind.CHANNEL
        and (target.platform, target.workspace, target.user_id) == actor
    )


def outbox_rows(deliveries: Sequence[Delivery], actor: Actor | None = None) -> list[dict[str, Any]]:
    """The outbox rows for ``deliveries``, in order; same payloads share text. A message
    that does not say its language gets its delivery's (the turn's when it was made); one to
    ``actor`` is a reply (priority 0), the rest bulk (1)."""
    cache: dict[int, str] = {}
    rows: list[dict[str, Any]] = []
    for delivery in deliveries:
        target = delivery.target
        payload = cache.get(id(delivery.message))
        if payload is None:
            message = delivery.message
            if message.lang is None and delivery.lang is not None:
                message = replace(message, lang=delivery.lang)
            payload = cache[id(delivery.message)] = encode(message)
        rows.append(
            {
                "key": uuid.uuid4().hex,
                "platform": target.platform,
                "workspace": target.workspace,
                "kind": target.kind.value,
                "channel_id": target.channel_id,
                "user_id": target.user_id,
                "payload": payload,
                "status": "pending",
                "attempts": 0,
                "priority": 0 if is_reply(target, actor) else 1,
            }
        )
    return rows


def enqueue(
    session: AsyncSession, deliveries: Sequence[Delivery], actor: Actor | None = None
) -> int:
    """Add ``deliveries`` to the outbox in ``session``'s transaction (see :func:`outbox_rows`)."""
    session.add_all([OutboxRow(**row) for row in outbox_rows(deliveries, actor)])
    return len(deliveries)


def target_of(row: OutboxRow) -> Target:
    return Target(
        TargetKind(row.kind),
        row.platform,
        row.workspace,
        row.channel_id,
        row.user_id,
    )
