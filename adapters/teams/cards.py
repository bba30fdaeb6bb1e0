"""Render a platform-neutral :class:`~bot.core.messages.Outgoing` as a Teams Adaptive Card.

Headings and paragraphs become ``TextBlock`` elements (our *bold*/_italic_ mapped to the card's
markdown). Relayed participant text (:class:`~bot.core.messages.Quote`) goes into a
``RichTextBlock`` ``TextRun``, which Teams shows literally: no markdown, no links, no ``<at>``
mentions. Its text is neutralised as well (see :func:`neutralise`), because the plain-text
summary Teams shows in notifications is built from the same words. Choices become
``Action.Submit`` buttons whose data carries the choice key, the value and the round id back to
us (a drop-down for long lists such as the sixteen picture prompts).
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.core.messages import Block, Choices, Divider, Entry, Heading, Outgoing, Quote, Text
from bot.core.prompts import Catalog

CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.4"

# Keys in Action.Submit data; they come back in ``activity.value`` (see activities.py).
ACTION_KEY = "dialoog_action"
VALUE_KEY = "dialoog_value"
ROUND_KEY = "dialoog_round"
REF_KEY = "dialoog_ref"  # which option an Entry's text is for
MAX_ENTRY = 80

# Teams refuses messages over about 28 KB; leave room for the activity around the card.
MAX_CARD_BYTES = 24_000

# More options than this become a drop-down plus one button (Teams shows at most six buttons).
MAX_BUTTONS = 5

_AT_TAG = re.compile(r"<\s*at\b[^>]*>(.*?)<\s*/\s*at\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"</?\s*[a-zA-Z][^>]*>")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
_MENTION_WORD = re.compile(r"@(?=\w)")
_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])")


def neutralise(text: str) -> str:
    """Make relayed text inert in Teams: no mentions, no tags, no HTML entities.

    ``<at>Name</at>`` keeps only the name, other tags are dropped, entities are not decoded (so
    ``&lt;at&gt;`` cannot turn into a tag) and ``@word`` gets a word joiner so it reads the same
    but can never become a mention. Markdown needs no treatment: a ``TextRun`` and the
    notification summary show it literally, and the scrubber's ``[markers]`` stay readable.
    """
    text = _AT_TAG.sub(lambda m: m.group(1), text)
    text = _TAG.sub("", text)
    text = _ENTITY.sub(lambda m: m.group(0).replace("&", "&\u200b"), text)
    text = text.replace("<", "‹").replace(">", "›")
    return _MENTION_WORD.sub("@\u2060", text)


def markdown(text: str) -> str:
    """Our *bold* becomes the card's **bold**; _italic_ is the same. Cards have no inline
    code, so a `word` to type is shown in bold."""
    return _BOLD.sub(r"**\1**", _CODE.sub(r"*\1*", text))


def _text_blocks(text: str, **style: Any) -> list[dict[str, Any]]:
    """One ``TextBlock`` per line: Teams does not reliably break lines inside a block."""
    blocks: list[dict[str, Any]] = []
    gap = False
    for line in text.split("\n"):
        if not line.strip():
            gap = bool(blocks)
            continue
        block: dict[str, Any] = {"type": "TextBlock", "text": markdown(line), "wrap": True}
        block.update(style)
        if blocks:
            block["spacing"] = "Medium" if gap else "None"
        blocks.append(block)
        gap = False
    return blocks or [{"type": "TextBlock", "text": " ", "wrap": True, **style}]


def _submit(title: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Action.Submit", "title": title, "data": data}


def _choices(block: Choices, catalog: Catalog, lang: str) -> list[dict[str, Any]]:
    base: dict[str, Any] = {ACTION_KEY: block.key}
    if block.round_id is not None:
        base[ROUND_KEY] = block.round_id
    if len(block.options) <= MAX_BUTTONS:
        actions = [
            _submit(option.label, {**base, VALUE_KEY: option.value}) for option in block.options
        ]
        return [{"type": "ActionSet", "actions": actions}]
    choice_set = {
        "type": "Input.ChoiceSet",
        "id": VALUE_KEY,
        "style": "compact",
        "isRequired": True,
        "placeholder": catalog.text(lang, "teams.choose_placeholder"),
        "choices": [{"title": option.label, "value": option.value} for option in block.options],
    }
    button = _submit(catalog.text(lang, "teams.choose"), base)
    return [choice_set, {"type": "ActionSet", "actions": [button]}]


def _entry(block: Entry) -> list[dict[str, Any]]:
    """A list to choose from and a text field, sent with one button: Teams puts both inputs'
    values next to the button's data (see activities.py)."""
    data: dict[str, Any] = {ACTION_KEY: block.key}
    if block.round_id is not None:
        data[ROUND_KEY] = block.round_id
    return [
        *_text_blocks(block.label),
        {
            "type": "Input.ChoiceSet",
            "id": REF_KEY,
            "style": "compact",
            "isRequired": True,
            "value": block.options[0].value if block.options else "",
            "choices": [{"title": option.label, "value": option.value} for option in block.options],
        },
        {
            "type": "Input.Text",
            "id": VALUE_KEY,
            "isRequired": True,
            "maxLength": MAX_ENTRY,
            "placeholder": block.label,
        },
        {"type": "ActionSet", "actions": [_submit(block.submit, data)]},
    ]


def render(message: Outgoing, catalog: Catalog, lang: str) -> dict[str, Any]:
    """The Adaptive Card (the attachment's ``content``) for ``message``."""
    body: list[dict[str, Any]] = []
    separator = False
    for block in message.blocks:
        elements: list[dict[str, Any]]
        if isinstance(block, Divider):
            separator = True
            continue
        if isinstance(block, Heading):
            elements = _text_blocks(block.text, weight="Bolder", size="Medium")
        elif isinstance(block, Text):
            elements = _text_blocks(block.text)
        elif isinstance(block, Quote):
            run = {"type": "TextRun", "text": neutralise(block.text), "italic": True}
            elements = [{"type": "RichTextBlock", "inlines": [run]}]
        elif isinstance(block, Entry):
            elements = _entry(block)
        elif isinstance(block, Choices):
            elements = _choices(block, catalog, lang)
        else:  # a file: the platform offers it as a download link (adapters/teams/platform.py)
            continue
        if separator:
            elements[0]["separator"] = True
            separator = False
        body.extend(elements)
    return {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body}


def render_parts(
    message: Outgoing, catalog: Catalog, lang: str, limit: int = MAX_CARD_BYTES
) -> list[tuple[Outgoing, dict[str, Any]]]:
    """``message`` as one card, or as several in order when one would pass Teams' size limit
    (about 28 KB per message): a long summary becomes consecutive posts."""
    card = render(message, catalog, lang)
    if _size(card) <= limit or len(message.blocks) < 2:
        return [(message, card)]
    parts: list[tuple[Outgoing, dict[str, Any]]] = []
    blocks: list[Block] = []
    for block in message.blocks:
        candidate = Outgoing((*blocks, block))
        if blocks and _size(render(candidate, catalog, lang)) > limit:
            done = Outgoing(tuple(blocks))
            parts.append((done, render(done, catalog, lang)))
            blocks = [block]
        else:
            blocks.append(block)
    last = Outgoing(tuple(blocks))
    parts.append((last, render(last, catalog, lang)))
    return parts


def _size(card: dict[str, Any]) -> int:
    return len(json.dumps(card, ensure_ascii=False).encode("utf-8"))


def summary(message: Outgoing, limit: int = 200) -> str:
    """Plain text for notifications and the chat list; quotes neutralised, shortened."""
    parts = [
        neutralise(block.text) if isinstance(block, Quote) else _plain(block.text)
        for block in message.blocks
        if isinstance(block, Heading | Text | Quote)
    ]
    text = " ".join(" ".join(parts).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _plain(text: str) -> str:
    return re.sub(r"(?<!\w)[*_]|[*_](?!\w)", "", text)
