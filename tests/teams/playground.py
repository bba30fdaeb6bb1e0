"""Microsoft 365 Agents Playground instances for end-to-end tests.

One instance emulates Teams for one *current user*: a tenant, a team with a channel and a
roster, and that user's personal chat with the bot; it also plays the Bot Framework connector
for the bot's replies (its service URL is ``http://localhost:<port>/_connector``). For several
participants we run one instance per person, all pointing at the same bot.

We talk to an instance the way its web UI does: user messages through its HTTP API
(``POST /_conversation/v1/conversations/{id}/messages``, card buttons through
``POST /_conversation/v1/submit``) and the bot's messages from its conversation websocket
(``/_ws_conversation/v1/conversations/stream``, which also replays what came before).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

PACKAGE = Path(__file__).parent / "playground"
CLI = PACKAGE / "node_modules" / ".bin" / "agentsplayground"

TENANT = "tenant-playground"
BOT_ID = "28:dialoogbot-playground"
BOT_NAME = "dialoogbot"
TEAM = "team-gemeente"
CHANNEL = "channel-dialoog"


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str

    @property
    def personal_chat(self) -> str:
        return f"personal-{self.user_id}"


def installed() -> bool:
    return CLI.exists() and shutil.which("node") is not None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _user(index: int, person: Person) -> dict[str, str]:
    given, _, surname = person.name.partition(" ")
    return {
        "id": person.user_id,
        "name": person.name,
        "userPrincipleName": f"{person.user_id}@example.org",
        "aadObjectId": f"00000000-0000-0000-0000-{index:012d}",
        "givenName": given,
        "surname": surname or given,
        "email": f"{person.user_id}@example.org",
    }


def config(people: list[Person], current: Person) -> dict[str, Any]:
    """The ``.m365agentsplayground.yml`` content (JSON is valid YAML) for ``current``."""
    others = [_user(i, p) for i, p in enumerate(people) if p != current]
    return {
        "version": "0.1.1",
        "tenantId": TENANT,
        "bot": {"id": BOT_ID, "name": BOT_NAME},
        "currentUser": _user(people.index(current), current),
        "users": others,
        "personalChat": {"id": current.personal_chat},
        "groupChat": {"id": "group-chat", "name": "Groepschat"},
        "team": {
            "id": TEAM,
            "name": "Gemeente",
            "aadGroupId": "00000000-0000-0000-0000-100000000000",
            "channels": [{"id": CHANNEL, "name": "Dialoog"}],
        },
    }


@dataclass
class Playground:
    """One running playground for ``person``; ``messages`` fills from the websocket."""

    person: Person
    people: list[Person]
    folder: Path
    bot_url: str
    port: int = field(default_factory=free_port)
    messages: list[dict[str, Any]] = field(default_factory=list)
    _process: asyncio.subprocess.Process | None = None
    _session: aiohttp.ClientSession | None = None
    _reader: asyncio.Task[None] | None = None
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, startup: float = 60.0) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / ".m365agentsplayground.yml").write_text(
            json.dumps(config(self.people, self.person), indent=2), encoding="utf-8"
        )
        env = {
            **os.environ,
            "TEAMSAPPTESTER_BROWSER": "none",
            "TEAMSAPPTESTER_LOGFILE": str(self.folder / "playground.log"),
        }
        self._process = await asyncio.create_subprocess_exec(
            str(CLI), "--app-endpoint", self.bot_url, "--channel-id", "msteams",
            "--port", str(self.port), "--disable-telemetry",
            cwd=self.folder, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        self._session = aiohttp.ClientSession()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + startup
        while True:
            with contextlib.suppress(aiohttp.ClientError):
                async with self._session.get(f"{self.base}/_internal/v1/config") as response:
                    if response.status == 200:
                        break
            if self._process.returncode is not None or loop.time() > deadline:
                raise RuntimeError(f"playground did not start; see {self.folder}/playground.log")
            await asyncio.sleep(0.2)
        socket_ = await self._session.ws_connect(
            f"{self.base}/_ws_conversation/v1/conversations/stream"
        )
        self._reader = asyncio.create_task(self._read(socket_))

    async def _read(self, socket_: aiohttp.ClientWebSocketResponse) -> None:
        async for frame in socket_:
            if frame.type != aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(frame.data)
            if data.get("action") == "createMessage":
                message = dict(data["message"])
                message["conversationId"] = data.get("actionConversationId")
                if message.get("from", {}).get("id") == BOT_ID:
                    self.messages.append(message)
                    self._arrived.set()

    async def stop(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._session is not None:
            await self._session.close()
        if self._process is not None and self._process.returncode is None:
            self._process.terminate()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._process.wait(), 10)
            if self._process.returncode is None:
                self._process.kill()
                await self._process.wait()

    # -- acting as the current user -------------------------------------------------------

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        assert self._session is not None
        async with self._session.post(f"{self.base}{path}", json=body) as response:
            text = await response.text()
            if response.status >= 300:
                raise AssertionError(f"playground {path}: {response.status} {text}")
            return json.loads(text) if text else {}

    async def say(self, text: str) -> None:
        """Type ``text`` in the personal chat with the bot."""
        await self._post(
            f"/_conversation/v1/conversations/{self.person.personal_chat}/messages",
            {"from": {"id": self.person.user_id}, "text": text, "textFormat": "plain"},
        )

    async def mention(self, text: str) -> None:
        """Post ``@dialoogbot text`` in the team channel."""
        tag = f"<at>{BOT_NAME}</at>"
        await self._post(
            f"/_conversation/v1/conversations/{CHANNEL}/messages",
            {
                "from": {"id": self.person.user_id},
                "text": f"{tag} {text}",
                "textFormat": "plain",
                "mentions": [{"mentioned": {"id": BOT_ID}, "text": tag}],
            },
        )

    async def press(
        self, message: dict[str, Any], title: str, inputs: dict[str, str] | None = None
    ) -> None:
        """Press the card button titled ``title`` on the bot's ``message``; ``inputs`` are the
        card's input values, which Teams merges into the button's data."""
        data = None
        for attachment in message.get("attachments") or []:
            for element in (attachment.get("content") or {}).get("body") or []:
                for action in element.get("actions") or []:
                    if action.get("title") == title:
                        data = action["data"]
        assert data is not None, f"no button {title!r}"
        await self._post(
            "/_conversation/v1/submit",
            {
                "conversation": {"id": message["conversationId"]},
                "from": {"id": self.person.user_id},
                "replyToId": message["messageId"],
                "value": {**data, **(inputs or {})},
            },
        )

    # -- reading the bot ------------------------------------------------------------------

    def personal(self) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["conversationId"] == self.person.personal_chat]

    def channel(self) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["conversationId"] == CHANNEL]

    async def wait_for(
        self, found: Callable[[list[dict[str, Any]]], bool], within: float = 30.0
    ) -> None:
        """Until ``found(messages)`` holds (messages from the bot, oldest first)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not found(self.messages):
            self._arrived.clear()
            left = deadline - loop.time()
            if left <= 0:
                raise TimeoutError(f"{self.person.name}: expected message did not arrive")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), left)
