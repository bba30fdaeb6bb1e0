"""A whole dialoogbot with Slack connected to the fake Slack API, driven by signed requests.

Tests read like conversations: ``await world.command("UHOST", "start")``, ``await
world.dm("U1", "my story")``, then look at what the fake Slack received.
"""

from __future__ import annotations

import itertools
import json
import time
import urllib.parse
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.slack.mount import ADAPTER
from adapters.slack.wiring import SlackAdapter
from bot.runtime.app import App
from bot.runtime.server import build_web_app
from bot.support.settings import load_settings
from bot.synthesis import OfflineSynthesizer
from bot.testing.fake_slack import (
    BOT_TOKEN,
    TEAM,
    FakeSlack,
    Message,
    message_event,
    signed_headers,
)

SECRET = "test-signing-secret"
CHANNEL = "C0001"


class World:
    """The bot's server, its App and the fake Slack it talks to."""

    def __init__(self, fake: FakeSlack, tmp: Path, database_url: str | None = None) -> None:
        self.fake = fake
        self.tmp = tmp
        self.database_url = database_url or f"sqlite+aiosqlite:///{tmp / 'bot.db'}"
        self.app: App | None = None
        self.server: TestServer | None = None
        self.http: aiohttp.ClientSession | None = None
        self._ids = itertools.count(1)

    async def boot(self, dispatch: bool = True, **env: object) -> None:
        """Start (or restart) the bot process on the same database."""
        values: dict[str, object] = {
            "DIALOOG_DATABASE_URL": self.database_url,
            "DIALOOG_SECRET_FILE": self.tmp / "bot.secret",
            "DIALOOG_LANGUAGE": "nl",
            "DIALOOG_MIN_RESPONDENTS": 3,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": self.fake.url,
        }
        settings = load_settings(**{**values, **env})
        self.app = await App.create(settings, synthesizer=OfflineSynthesizer())
        web_app, connected = await build_web_app(self.app)
        assert "slack" in connected
        self.web_app: web.Application = web_app
        self.adapter.platform.channel_interval = 0.05  # tests do not wait a second per post
        self.server = TestServer(web_app, host="127.0.0.1")
        await self.server.start_server()
        self.http = aiohttp.ClientSession()
        if dispatch:
            await self.app.start()

    @property
    def adapter(self) -> SlackAdapter:
        return self.web_app[ADAPTER]

    async def shutdown(self) -> None:
        if self.http is not None:
            await self.http.close()
        if self.server is not None:
            await self.server.close()
        if self.app is not None:
            await self.app.stop()

    # -- requests -------------------------------------------------------------------------
    async def post(
        self, body: str, content_type: str, headers: dict[str, str] | None = None
    ) -> aiohttp.ClientResponse:
        assert self.server is not None and self.http is not None
        all_headers = {"Content-Type": content_type, **signed_headers(SECRET, body)}
        all_headers.update(headers or {})
        url = str(self.server.make_url("/slack/events"))
        async with self.http.post(url, data=body.encode(), headers=all_headers) as response:
            await response.read()
            return response

    async def event(self, payload: dict[str, Any], **headers: str) -> aiohttp.ClientResponse:
        return await self.post(json.dumps(payload), "application/json", headers)

    async def dm(self, user: str, text: str, event_id: str | None = None) -> aiohttp.ClientResponse:
        event_id = event_id or f"Ev{next(self._ids):06d}"
        return await self.event(message_event(user, text, event_id))

    async def event_retry(
        self, user: str, text: str, event_id: str, attempt: int
    ) -> aiohttp.ClientResponse:
        """Slack delivering ``event_id`` again, as it does when an ack seemed late."""
        headers = {"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": "http_timeout"}
        return await self.event(message_event(user, text, event_id), **headers)

    async def command(self, user: str, text: str, channel: str = CHANNEL) -> aiohttp.ClientResponse:
        form = {
            "token": "verification-token",
            "team_id": TEAM,
            "channel_id": channel,
            "user_id": user,
            "user_name": user.lower(),
            "command": "/dialoog",
            "text": text,
            "trigger_id": f"trigger.{next(self._ids)}",
            "response_url": "https://hooks.slack.test/commands/1",
            "api_app_id": "A0001",
        }
        return await self.post(urllib.parse.urlencode(form), "application/x-www-form-urlencoded")

    async def interaction(self, payload: dict[str, Any]) -> aiohttp.ClientResponse:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return await self.post(body, "application/x-www-form-urlencoded")

    async def press(self, user: str, message: Message, value: str) -> aiohttp.ClientResponse:
        """Press the button with ``value`` on ``message`` (in the private chat)."""
        for block in message.blocks:
            for element in block.get("elements", []):
                if element.get("type") == "button" and element.get("value") == value:
                    trigger = f"trigger.{next(self._ids)}"
                    return await self.interaction(
                        button_press(user, message, block, element, trigger)
                    )
        raise AssertionError(f"no button {value!r} on the message")

    async def submit(self, user: str, view: dict[str, Any], values: dict[str, str]) -> Any:
        """Submit the modal ``view`` with ``values`` (block id -> value) filled in."""
        state: dict[str, Any] = {}
        for block in view["blocks"]:
            block_id = block["block_id"]
            element = block["element"]
            value = values.get(block_id)
            if element["type"] in ("static_select", "radio_buttons"):
                chosen = element.get("initial_option") if value is None else {"value": value}
                entry = {"type": element["type"], "selected_option": chosen}
            else:
                entry = {"type": element["type"], "value": value}
                if value is None and "initial_value" in element:
                    entry["value"] = element["initial_value"]
            state[block_id] = {block["element"]["action_id"]: entry}
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM},
            "user": {"id": user, "team_id": TEAM},
            "api_app_id": "A0001",
            "trigger_id": f"trigger.{next(self._ids)}",
            "view": {**view, "id": "V1", "state": {"values": state}},
        }
        response = await self.interaction(payload)
        text = await response.text()  # read already; the body stays with the response
        return response.status, (json.loads(text) if text.startswith("{") else text)

    async def settle(self) -> None:
        """Everything acknowledged is handled and everything queued is sent."""
        assert self.app is not None
        await self.adapter.settle()
        await self.app.dispatcher.drain()

    # -- reading what Slack received --------------------------------------------------------
    def last_private(self, user: str) -> Message:
        messages = self.fake.private(user)
        assert messages, f"{user} got no private message"
        return messages[-1]


def text_of(message: Message) -> str:
    """All visible text of a posted message (blocks and fallback)."""
    parts = [message.text]
    for block in message.blocks:
        text = block.get("text")
        if isinstance(text, dict):
            parts.append(str(text.get("text", "")))
        for element in block.get("elements", []):
            parts.append(str((element.get("text") or {}).get("text", "")))
    return "\n".join(parts)


def people(fake: FakeSlack, count: int, channel: str = CHANNEL) -> list[str]:
    """A channel with a host ``UHOST``, ``count`` participants, a bot and the app itself."""
    names = ["Anna de Vries", "Bram Jansen", "Carla Bakker", "Daan Visser", "Eva Smit"]
    users = [f"U{n:04d}" for n in range(1, count + 1)]
    fake.add_user("UHOST", "Hanna Host")
    for n, user in enumerate(users):
        fake.add_user(user, names[n % len(names)] + ("" if n < len(names) else f" {n}"))
    fake.add_user("UOTHERBOT", "Other Bot", is_bot=True)
    fake.add_channel(channel, ["UHOST", *users, "UOTHERBOT", "UBOT0001"])
    return users


def button_press(
    user: str, message: Message, block: dict[str, Any], element: dict[str, Any], trigger: str
) -> dict[str, Any]:
    """A press on the button ``element`` of ``block`` in ``message``, as Slack sends it: the
    whole message comes along."""
    return {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": user, "team_id": TEAM},
        "api_app_id": "A0001",
        "trigger_id": trigger,
        "channel": {"id": message.channel},
        "container": {"type": "message", "message_ts": message.ts},
        "message": {
            "type": "message",
            "ts": message.ts,
            "text": message.text,
            "blocks": message.blocks,
        },
        "actions": [
            {
                "type": "button",
                "block_id": block["block_id"],
                "action_id": element["action_id"],
                "value": element["value"],
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
