"""The local platform: in-process, for tests, the demo and the console.

It keeps channels with members, every private chat and every channel post in memory, and can
append each delivery to a transcript file (JSON lines) so that a restarted process can tell
what already arrived. A file (an export) is written to a folder, and the message says where.
"""

from __future__ import annotations

import json
import tempfile
import uuid
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from bot.core.messages import Incoming, Outgoing, Text
from bot.core.port import Member, MessageRef
from bot.core.prompts import Catalog
from bot.runtime.app import App

PLATFORM = "local"
WORKSPACE = "local"


@dataclass(frozen=True)
class Sent:
    kind: str
    to: str
    message: Outgoing
    key: str | None


class LocalPlatform:
    """Implements :class:`bot.core.port.Platform` in memory."""

    name = PLATFORM

    def __init__(
        self,
        transcript: Path | None = None,
        files: Path | None = None,
        catalog: Catalog | None = None,
    ) -> None:
        self._files = files  # None: a new temporary folder at the first file
        self._catalog = catalog
        self.channels: dict[str, list[Member]] = {}
        self.private: dict[str, list[Outgoing]] = defaultdict(list)
        self.posts: dict[str, list[Outgoing]] = defaultdict(list)
        self.sent: list[Sent] = []
        self.transcript = transcript
        self.managers: set[str] = set()  # who manages every channel (DIALOOG_HOSTS)
        self._delivered: set[str] = set()
        if transcript is not None and transcript.exists():
            for line in transcript.read_text(encoding="utf-8").splitlines():
                key = json.loads(line).get("key")
                if key:
                    self._delivered.add(key)

    def add_channel(self, channel_id: str, members: list[Member]) -> None:
        self.channels[channel_id] = list(members)

    def _record(self, kind: str, to: str, message: Outgoing, key: str | None) -> MessageRef:
        self.sent.append(Sent(kind, to, message, key))
        if key:
            self._delivered.add(key)
        if self.transcript is not None:
            with self.transcript.open("a", encoding="utf-8") as handle:
                handle.write(
                    json.dumps(
                        {"kind": kind, "to": to, "key": key, "text": message.fallback},
                        ensure_ascii=False,
                    )
                    + "\n"
                )
        return MessageRef(to, uuid.uuid4().hex)

    def _saved(self, message: Outgoing) -> Outgoing:
        """``message`` with a line saying where each of its files was written (the files
        stay in the message, for a test to read)."""
        if not message.attachments:
            return message
        if self._files is None:
            self._files = Path(tempfile.mkdtemp(prefix="dialoogbot-files-"))
        self._files.mkdir(parents=True, exist_ok=True)
        catalog = self._catalog = self._catalog or Catalog.load()
        lines = []
        for attachment in message.attachments:
            path = self._files / Path(attachment.filename).name
            path.write_bytes(attachment.data)
            lines.append(catalog.text(message.lang or "nl", "harvest.file_saved", path=path))
        return Outgoing((*message.blocks, Text("\n".join(lines))), message.lang)

    async def send_private(
        self, workspace: str, user_id: str, message: Outgoing, key: str | None = None
    ) -> MessageRef:
        message = self._saved(message)
        self.private[user_id].append(message)
        return self._record("private", user_id, message, key)

    async def post_channel(
        self,
        workspace: str,
        channel_id: str,
        message: Outgoing,
        thread_of: str | None = None,
        key: str | None = None,
    ) -> MessageRef:
        self.posts[channel_id].append(message)
        return self._record("channel", channel_id, message, key)

    async def reply(
        self,
        workspace: str,
        channel_id: str | None,
        user_id: str,
        message: Outgoing,
        key: str | None = None,
    ) -> None:
        message = self._saved(message)
        self.private[user_id].append(message)
        self._record("reply", user_id, message, key if channel_id is None else None)

    async def list_members(self, workspace: str, channel_id: str) -> list[Member]:
        return list(self.channels.get(channel_id, []))

    async def is_channel_manager(self, workspace: str, channel_id: str, user_id: str) -> bool:
        return user_id in self.managers

    async def was_delivered(
        self, workspace: str, channel_id: str | None, user_id: str | None, key: str
    ) -> bool | None:
        return key in self._delivered


class LocalDriver:
    """Drives an :class:`App` as people would: type in a channel, a private chat, press a button.

    Each call waits until every resulting message is delivered, so tests read like
    conversations.
    """

    def __init__(self, app: App, platform: LocalPlatform) -> None:
        self.app = app
        self.platform = platform
        self.names: dict[str, str] = {}

    def member(self, user_id: str, name: str) -> Member:
        self.names[user_id] = name
        return Member(user_id, name)

    async def command(
        self, user_id: str, channel_id: str, text: str, event_id: str | None = None
    ) -> Outgoing:
        """``/dialoog <text>`` in ``channel_id``; returns the private reply to the sender."""
        return await self.exchange(
            Incoming(
                PLATFORM,
                WORKSPACE,
                user_id,
                text,
                channel_id,
                event_id=event_id,
            )
        )

    async def say(self, user_id: str, text: str, event_id: str | None = None) -> Outgoing:
        """Text in the private chat with the bot; returns the bot's last reply."""
        return await self.exchange(
            Incoming(
                PLATFORM,
                WORKSPACE,
                user_id,
                text,
                None,
                event_id=event_id,
            )
        )

    async def press(self, user_id: str, action: str, value: str, round_id: str | None) -> Outgoing:
        return await self.exchange(
            Incoming(
                PLATFORM,
                WORKSPACE,
                user_id,
                "",
                None,
                action=action,
                value=value,
                round_id=round_id,
            )
        )

    async def exchange(self, incoming: Incoming) -> Outgoing:
        """Hand ``incoming`` to the bot, deliver everything, return the sender's last reply."""
        before = len(self.platform.private[incoming.user_id])
        await self.app.handle(incoming)
        await self.app.dispatcher.drain()
        return self._last_since(incoming.user_id, before)

    def _last_since(self, user_id: str, before: int) -> Outgoing:
        messages = self.platform.private[user_id][before:]
        return messages[-1] if messages else Outgoing(())

    def inbox(self, user_id: str) -> list[Outgoing]:
        return self.platform.private[user_id]

    def channel(self, channel_id: str) -> list[Outgoing]:
        return self.platform.posts[channel_id]
