"""Platform-neutral messages: what adapters hand to the core and what the core hands back.

Adapters translate a platform request into an :class:`Incoming`; the core answers with
:class:`Delivery` items, each an :class:`Outgoing` for one :class:`Target`. Adapters render
``Outgoing`` to Block Kit, an Adaptive Card or console text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Timer:
    """A job that fell due: close a round, open its next phase, send a reminder slot, or post
    a weekly digest. ``ref`` is the round's or digest's id; ``arg`` the phase number, the
    reminder slot or the digest's day."""

    kind: str
    ref: str
    arg: str
    due: dt.datetime


@dataclass(frozen=True, slots=True)
class Incoming:
    """One thing a person (or a timer) did: a command, a private text or a button press.

    ``channel_id`` is ``None`` for a private chat with the bot. ``action`` and ``value`` are
    set for a button or card submit (``action`` is a :class:`Choices` key); ``round_id``
    travels with a button so it reaches the right round. ``event_id`` lets the core drop
    deliveries it has seen before. A timer enters as an ``Incoming`` with nobody behind it
    (``user_id`` empty) and its :class:`Timer`.
    """

    platform: str
    workspace: str
    user_id: str
    text: str = ""
    channel_id: str | None = None
    action: str | None = None
    value: str | None = None
    round_id: str | None = None
    event_id: str | None = None
    timer: Timer | None = None

    @property
    def is_private(self) -> bool:
        return self.channel_id is None


@dataclass(frozen=True, slots=True)
class Heading:
    text: str


@dataclass(frozen=True, slots=True)
class Text:
    """A paragraph. ``markdown`` is limited to *bold*, _italic_ and bullet lists."""

    text: str


@dataclass(frozen=True, slots=True)
class Quote:
    """Anonymous text relayed from participants; adapters must neutralise mentions in it."""

    text: str


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class Choices:
    """Buttons (or numbered options in a console). ``key`` comes back as ``Incoming.action``."""

    key: str
    options: tuple[Option, ...]
    round_id: str | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """A short text to type for one of ``options`` (a new name for theme 2). Slack opens a
    form, Teams shows a text field beside a list, a console says which ``command`` to type.
    It comes back as ``Incoming.action == key`` and ``Incoming.value == "<option>\t<text>"``.
    """

    key: str
    options: tuple[Option, ...]
    label: str  # what to type
    submit: str  # the send button
    command: str  # the words that do the same, e.g. "hernoem <nummer> <nieuwe naam>"
    round_id: str | None = None


@dataclass(frozen=True, slots=True)
class Divider:
    pass


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file for one person (an export): each adapter delivers it as a real file (Slack's
    upload, a single-use download link in Teams, a file on disk locally). ``title`` is what
    a person reads; ``filename`` carries the extension that tells their computer what it is."""

    filename: str
    mime: str
    data: bytes
    title: str

    def __repr__(self) -> str:  # the bytes are long and say nothing in a log or an assert
        return f"Attachment({self.filename!r}, {self.mime!r}, {len(self.data)} bytes)"


Block = Heading | Text | Quote | Choices | Entry | Divider | Attachment


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message: an ordered tuple of blocks plus a plain-text fallback. ``lang`` is the
    language its texts are in, for the few words an adapter adds itself (a card's button)."""

    blocks: tuple[Block, ...]
    lang: str | None = None

    @property
    def fallback(self) -> str:
        parts: list[str] = []
        for block in self.blocks:
            if isinstance(block, Heading | Text | Quote):
                parts.append(block.text)
            elif isinstance(block, Choices):
                parts.append(" / ".join(option.label for option in block.options))
            elif isinstance(block, Entry):
                parts.append(block.command)
            elif isinstance(block, Attachment):
                parts.append(block.title)
        return "\n".join(parts)

    @property
    def attachments(self) -> tuple[Attachment, ...]:
        return tuple(b for b in self.blocks if isinstance(b, Attachment))

    def without_attachments(self, *extra: Block) -> Outgoing:
        """This message with its files taken out and ``extra`` blocks added (what an adapter
        says instead: a link, a path)."""
        kept = tuple(b for b in self.blocks if not isinstance(b, Attachment))
        return Outgoing(kept + extra, self.lang)

    @classmethod
    def text(cls, *paragraphs: str) -> Outgoing:
        return cls(tuple(Text(p) for p in paragraphs))


class TargetKind(StrEnum):
    REPLY = "reply"  # privately to the sender, where they are (Slack ephemeral, console)
    PRIVATE = "private"  # the private chat between the bot and a person
    CHANNEL = "channel"  # a public post in a channel


@dataclass(frozen=True, slots=True)
class Target:
    kind: TargetKind
    platform: str
    workspace: str
    channel_id: str | None = None
    user_id: str | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    """A message for one target, in the language of the turn that made it (``lang`` fills
    in a message that does not say its own)."""

    target: Target
    message: Outgoing
    lang: str | None = None
