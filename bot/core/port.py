"""The platform port: the small interface every adapter (local, Slack, Teams) implements."""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bot.core.messages import Outgoing


@dataclass(frozen=True, slots=True)
class Member:
    """A channel member as the platform reports it. Never stored next to an answer.

    ``name`` is how people see the member named (an action's owner: "Bram Jansen");
    ``aliases`` the other names the platform knows them by (a Slack display name), which
    the scrubber removes from answers too."""

    user_id: str
    name: str = ""
    is_bot: bool = False
    aliases: tuple[str, ...] = ()


def spoken_names(members: Iterable[Member]) -> list[str]:
    """Every name the members go by: what the scrubber looks for in answers."""
    return [n for m in members for n in (m.name, *m.aliases) if n]


@dataclass(frozen=True, slots=True)
class MessageRef:
    """Where a sent message lives, so it can be updated or threaded under."""

    channel_id: str
    message_id: str


class DeliveryRefused(Exception):
    """The platform will never take this message (blocked bot, deleted user): skip, count."""


class NotInChannel(Exception):
    """The bot cannot see this channel (never added to it, or it does not exist): a command
    there gets a private reply saying so."""


class DeliveryDeferred(Exception):
    """Not now (rate limit exhausted, platform down): the queue tries again after ``delay``."""

    def __init__(self, delay: float, reason: str = "") -> None:
        super().__init__(reason or f"retry in {delay:.1f}s")
        self.delay = delay


# Set while the dispatcher sends a reply to something a person just did (a confirmation, an
# error, their next prompt): a platform's pacer lets such a message ahead of bulk fan-out.
URGENT: ContextVar[bool] = ContextVar("dialoog_urgent", default=False)


@runtime_checkable
class Platform(Protocol):
    """What the core needs from a chat platform. Implementations handle retries and pacing."""

    name: str

    async def send_private(
        self, workspace: str, user_id: str, message: Outgoing, key: str | None = None
    ) -> MessageRef:
        """Send ``message`` in the private chat between the bot and ``user_id``.

        ``key`` is unique per queued delivery; a platform may attach it to the message (for
        example as Slack message metadata) so :meth:`was_delivered` can find it after a crash.
        """
        ...

    async def post_channel(
        self,
        workspace: str,
        channel_id: str,
        message: Outgoing,
        thread_of: str | None = None,
        key: str | None = None,
    ) -> MessageRef:
        """Post ``message`` publicly in ``channel_id`` (optionally as a thread reply)."""
        ...

    async def reply(
        self,
        workspace: str,
        channel_id: str | None,
        user_id: str,
        message: Outgoing,
        key: str | None = None,
    ) -> None:
        """Answer ``user_id`` privately where they are (Slack: ephemeral; Teams: personal chat).
        In the private chat (``channel_id`` None) the answer carries ``key`` as a private
        message does, so that :meth:`was_delivered` can find it after a crash."""
        ...

    async def list_members(self, workspace: str, channel_id: str) -> list[Member]:
        """All members of ``channel_id``, bots included (the core filters them)."""
        ...

    async def was_delivered(
        self, workspace: str, channel_id: str | None, user_id: str | None, key: str
    ) -> bool | None:
        """After a crash mid-send: did the message with ``key`` arrive? ``None``: cannot tell."""
        ...
