"""Render a platform-neutral :class:`~bot.core.messages.Outgoing` as Slack Block Kit.

Slack's limits (Block Kit reference): at most 50 blocks per message, a section's text at most
3,000 characters, a header at most 150, a button label at most 75, at most 25 elements in an
actions block. Long text is split over several sections at paragraph, line or word
boundaries; :func:`pages` cuts the blocks into messages of at most 50 so a long summary can
continue in a thread. Anonymous :class:`~bot.core.messages.Quote` text is neutralised.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from adapters.slack.neutral import neutralise, neutralise_mrkdwn
from bot.core.messages import Choices, Divider, Entry, Heading, Outgoing, Quote, Text

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_HEADER = 150
MAX_BUTTON = 75
MAX_ACTIONS = 25
MAX_FALLBACK = 3000
CONTINUED = "…"  # the notification text of a continuation page in the thread
ACTION_PREFIX = "dialoog|"
ENTRY_ACTION = "dialoog_entry"  # action ids of buttons that open a form (an Entry)

Block = dict[str, Any]


def _cut(text: str, transform: Callable[[str], str], limit: int) -> list[str]:
    """Split ``text`` so each piece, once transformed, is at most ``limit`` characters."""
    pieces: list[str] = []
    rest = text
    while len(transform(rest)) > limit:
        low, high = 1, len(rest)
        while low < high:  # the longest prefix that fits
            mid = (low + high + 1) // 2
            if len(transform(rest[:mid])) <= limit:
                low = mid
            else:
                high = mid - 1
        cut = low
        for separator in ("\n\n", "\n", " "):
            at = rest.rfind(separator, 0, low)
            if at > low // 2:
                cut = at + len(separator)
                break
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest.strip():
        pieces.append(rest)
    return pieces


def _section(text: dict[str, Any]) -> Block:
    return {"type": "section", "text": text}


def _text_blocks(text: str) -> list[Block]:
    # The core's own texts may use *bold* and _italic_, so only pings and links are disarmed
    # (a theme or headline typed by a person can be part of them).
    return [
        _section({"type": "mrkdwn", "text": neutralise(piece)})
        for piece in _cut(text, neutralise, MAX_SECTION)
    ]


def _quote_blocks(text: str) -> list[Block]:
    return [
        _section({"type": "plain_text", "text": neutralise(piece), "emoji": True})
        for piece in _cut(text, neutralise, MAX_SECTION)
    ]


def _heading_blocks(text: str) -> list[Block]:
    if len(neutralise(text)) <= MAX_HEADER:
        return [{"type": "header", "text": {"type": "plain_text", "text": neutralise(text)}}]
    return _text_blocks(f"*{text}*")


def _label(text: str) -> str:
    text = neutralise(text)
    return text if len(text) <= MAX_BUTTON else text[: MAX_BUTTON - 1] + "…"


def _choice_blocks(choices: Choices) -> list[Block]:
    blocks: list[Block] = []
    options = choices.options
    for n, start in enumerate(range(0, len(options), MAX_ACTIONS)):
        elements = [
            {
                "type": "button",
                "action_id": f"dialoog:{start + i}",
                "text": {"type": "plain_text", "text": _label(option.label), "emoji": True},
                "value": option.value,
            }
            for i, option in enumerate(options[start : start + MAX_ACTIONS])
        ]
        block_id = f"{ACTION_PREFIX}{choices.key}|{choices.round_id or ''}|{n}"
        blocks.append({"type": "actions", "block_id": block_id, "elements": elements})
    return blocks


def _entry_blocks(entry: Entry) -> list[Block]:
    """A button per option; pressing one opens a form with one text field (wiring.py). The
    button's value carries what the form needs, so no state is kept between the two."""
    blocks = _text_blocks(entry.label)
    options = entry.options
    for n, start in enumerate(range(0, len(options), MAX_ACTIONS)):
        elements = [
            {
                "type": "button",
                "action_id": f"{ENTRY_ACTION}:{start + i}",
                "text": {"type": "plain_text", "text": _label(option.label), "emoji": True},
                "value": json.dumps(
                    {
                        "key": entry.key,
                        "ref": option.value,
                        "round": entry.round_id,
                        "label": entry.label[:300],
                        "title": _label(option.label),
                        "submit": entry.submit[:24],
                    },
                    ensure_ascii=False,
                ),
            }
            for i, option in enumerate(options[start : start + MAX_ACTIONS])
        ]
        block_id = f"{ACTION_PREFIX}{entry.key}|{entry.round_id or ''}|{n}"
        blocks.append({"type": "actions", "block_id": block_id, "elements": elements})
    return blocks


def parse_block_id(block_id: str) -> tuple[str, str | None] | None:
    """``(choices key, round id)`` from a button's block id, or None if it is not ours."""
    if not block_id.startswith(ACTION_PREFIX):
        return None
    parts = block_id[len(ACTION_PREFIX) :].split("|")
    if len(parts) != 3 or not parts[0]:
        return None
    return parts[0], parts[1] or None


def after_press(body: dict[str, Any]) -> tuple[str, str, list[Block], str] | None:
    """``(channel, ts, blocks, text)`` of the message whose button was pressed, with that row
    of buttons replaced by what was chosen, as Slack apps do: the chat shows the choice and
    the same buttons cannot be pressed again. None when the press is not on our message."""
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    actions = body.get("actions") or []
    if not message.get("ts") or not channel or not actions:
        return None  # e.g. an ephemeral message: Slack sends no copy of it
    pressed = actions[0]
    block_id = str(pressed.get("block_id") or "")
    if parse_block_id(block_id) is None:
        return None
    group = block_id.rsplit("|", 1)[0] + "|"  # every row of the same choice
    blocks: list[Block] = list(message.get("blocks") or [])
    label = next(
        (
            str((element.get("text") or {}).get("text") or "")
            for block in blocks
            if block.get("block_id") == block_id
            for element in block.get("elements") or []
            if element.get("action_id") == pressed.get("action_id")
        ),
        None,
    )
    if label is None:
        return None
    kept: list[Block] = []
    for block in blocks:
        if block.get("type") == "actions" and str(block.get("block_id", "")).startswith(group):
            if label is not None:
                # plain_text: the label was neutralised when posted, and cannot ping anyone.
                text = {"type": "plain_text", "text": f"✓ {label}", "emoji": True}
                kept.append({"type": "context", "elements": [text]})
                label = None
            continue
        kept.append(block)
    return str(channel), str(message["ts"]), kept, str(message.get("text") or " ")


@functools.lru_cache(maxsize=256)
def rendered(message: Outgoing) -> tuple[tuple[list[Block], ...], str]:
    """``(pages, fallback)`` of ``message``. Everyone at the same step of a round gets the
    same message, so it is rendered once; the blocks are shared and never changed."""
    return tuple(pages(render(message))), fallback(message)


def render(message: Outgoing) -> list[Block]:
    """All blocks of ``message`` in order, each within Slack's per-block limits."""
    blocks: list[Block] = []
    for block in message.blocks:
        if isinstance(block, Heading):
            blocks.extend(_heading_blocks(block.text))
        elif isinstance(block, Text):
            blocks.extend(_text_blocks(block.text))
        elif isinstance(block, Quote):
            blocks.extend(_quote_blocks(block.text))
        elif isinstance(block, Choices):
            blocks.extend(_choice_blocks(block))
        elif isinstance(block, Entry):
            blocks.extend(_entry_blocks(block))
        elif isinstance(block, Divider):
            blocks.append({"type": "divider"})
    return blocks


def pages(blocks: list[Block], size: int = MAX_BLOCKS) -> list[list[Block]]:
    """Cut ``blocks`` into messages of at most ``size`` blocks (at least one message)."""
    return [blocks[i : i + size] for i in range(0, len(blocks), size)] or [[]]


def fallback(message: Outgoing) -> str:
    """The notification text: neutralised like the blocks, cut to a readable length."""
    parts: list[str] = []
    for block in message.blocks:
        if isinstance(block, Heading | Text):
            parts.append(neutralise(block.text))
        elif isinstance(block, Quote):
            parts.append(neutralise_mrkdwn(block.text))
        elif isinstance(block, Choices):
            parts.append(" / ".join(neutralise(option.label) for option in block.options))
        elif isinstance(block, Entry):
            parts.append(neutralise(block.label))
    text = "\n".join(parts).strip() or " "
    return text if len(text) <= MAX_FALLBACK else text[: MAX_FALLBACK - 1] + "…"
