"""A fake Slack Web API: an aiohttp server on 127.0.0.1 that keeps users, channels and private
chats, records every call, enforces posting limits with HTTP 429 + ``Retry-After``, and
rejects what Slack would reject: an unknown method or a missing required parameter (checked
against Slack's own OpenAPI description, whose path the caller passes in), a bad token,
Block Kit over its limits, a member that is not in the channel.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

# Where Slack's OpenAPI description sits in the public test data (``slack-web-api/...``).
SPEC_PARTS = ("slack-web-api", "slack_web_openapi_v2.json")
TEAM = "T0001"
BOT_USER = "UBOT0001"
BOT_ID = "BBOT0001"
BOT_TOKEN = "xoxb-fake-bot-token"
APP_TOKEN = "xapp-fake-app-token"
# Methods Slack added after the 2020 description was published (required parameters as
# Slack's method pages list them).
NEWER_METHODS = {
    "apps.connections.open": {"token"},
    "files.getUploadURLExternal": {"token", "filename", "length"},
    "files.completeUploadExternal": {"token", "files"},
}
POSTING = ("chat.postMessage",)


def load_spec(path: Path) -> dict[str, set[str]]:
    """Method name -> required parameter names, from Slack's OpenAPI description."""
    spec = json.loads(path.read_text(encoding="utf-8"))
    methods: dict[str, set[str]] = {}
    for name, operations in spec["paths"].items():
        required: set[str] = set()
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("required"):
                    required.add(parameter["name"])
        methods[name.lstrip("/")] = required
    methods.update(NEWER_METHODS)
    return methods


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int = 200
    error: str | None = None


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    user: str = BOT_USER
    thread_ts: str | None = None
    metadata: dict[str, Any] | None = None


@dataclass
class Upload:
    """A file in Slack's external upload flow: announced, its bytes posted, then shared."""

    id: str
    filename: str
    length: int
    data: bytes | None = None  # posted to the upload URL
    title: str = ""
    channel: str | None = None  # where files.completeUploadExternal shared it


@dataclass
class Limits:
    """Posting limits: a workspace rate (token bucket) and one post per channel interval."""

    workspace_rate: float = 0.0  # posts per second; 0 means unlimited
    workspace_burst: float = 1.0
    channel_interval: float = 0.0  # seconds between posts in one channel; 0 means unlimited
    storm_until: float = 0.0  # every post gets 429 until this moment
    tokens: float = 1.0
    refilled: float = field(default_factory=time.monotonic)
    last_post: dict[str, float] = field(default_factory=dict)
    refused: Counter[str] = field(default_factory=Counter)  # 429s by reason


class FakeSlack:
    """The fake API, given the path of Slack's OpenAPI description (the methods and required
    parameters it accepts). ``await fake.start()``; then ``fake.url`` is the ``SLACK_API_URL``."""

    def __init__(self, spec: Path, page_size: int = 100) -> None:
        self.methods = load_spec(spec)
        self.page_size = page_size
        self.calls: list[Call] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, list[str]] = {}
        self.creators: dict[str, str] = {}  # channel id -> the user who created it
        self.ims: dict[str, str] = {}  # user id -> D channel id
        self.messages: list[Message] = []
        self.ephemeral: list[Message] = []
        self.views: list[dict[str, Any]] = []
        self.uploads: dict[str, Upload] = {}
        self.tokens = {BOT_TOKEN, APP_TOKEN}
        self.limits = Limits()
        self.fail_next: list[tuple[str, int, dict[str, Any]]] = []  # (method, status, body)
        self.post_delay = 0.0  # seconds between storing a post and answering (crash window)
        self.sockets: list[web.WebSocketResponse] = []  # Socket Mode connections
        self.socket_acks: list[str] = []
        self._ts = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""
        self.add_user(BOT_USER, "dialoogbot", is_bot=True)

    # -- state ---------------------------------------------------------------------------
    def add_user(
        self, user_id: str, name: str, is_bot: bool = False, is_admin: bool = False
    ) -> None:
        self.users[user_id] = {
            "id": user_id,
            "team_id": TEAM,
            "name": name.lower().replace(" ", "."),
            "real_name": name,
            "is_bot": is_bot,
            "is_admin": is_admin,
            "profile": {"real_name": name, "display_name": name.split()[0]},
        }

    def add_channel(self, channel_id: str, members: list[str], creator: str | None = None) -> None:
        self.channels[channel_id] = list(members)
        self.creators[channel_id] = creator or (members[0] if members else "")

    def im_of(self, user_id: str) -> str:
        if user_id not in self.ims:
            self.ims[user_id] = "D" + user_id[1:]
            self.channels[self.ims[user_id]] = [user_id, BOT_USER]
        return self.ims[user_id]

    def posts(self, channel: str | None = None) -> list[Message]:
        return [m for m in self.messages if channel is None or m.channel == channel]

    def private(self, user_id: str) -> list[Message]:
        return self.posts(self.ims.get(user_id, "-"))

    def files_in(self, channel: str) -> list[Upload]:
        """The files shared in ``channel`` (a user id means their private chat)."""
        channel = self.ims.get(channel, channel)
        return [u for u in self.uploads.values() if u.channel == channel]

    def count(self, method: str, ok_only: bool = True) -> int:
        return sum(1 for c in self.calls if c.method == method and (c.error is None or not ok_only))

    def rejected(self) -> list[Call]:
        """Calls Slack would have refused for a reason other than a rate limit."""
        return [c for c in self.calls if c.error not in (None, "ratelimited")]

    def delivery_keys(self) -> Counter[str]:
        return Counter(
            str(m.metadata["event_payload"]["key"])
            for m in self.messages
            if m.metadata and "key" in (m.metadata.get("event_payload") or {})
        )

    def limit(
        self, workspace_rate: float, burst: float = 1.0, channel_interval: float = 1.0
    ) -> None:
        """Enforce a workspace-wide post rate (with a burst allowance) and a channel interval."""
        self.limits.workspace_rate = workspace_rate
        self.limits.workspace_burst = self.limits.tokens = burst
        self.limits.refilled = time.monotonic()
        self.limits.channel_interval = channel_interval

    def storm(self, seconds: float) -> None:
        self.limits.storm_until = time.monotonic() + seconds

    # -- server --------------------------------------------------------------------------
    async def start(self, port: int = 0) -> str:
        """Listen on ``port`` (0: any free one); returns the API's URL."""
        app = web.Application(client_max_size=10 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._handle)
        app.router.add_get("/socket-mode", self._socket)
        app.router.add_post("/upload/{file_id}", self._upload)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/api/"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: say hello, then record the envelope ids the app acknowledges."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_json(
            {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0001"}}
        )
        async for message in ws:
            data = json.loads(message.data) if isinstance(message.data, str) else {}
            if "envelope_id" in data:
                self.socket_acks.append(str(data["envelope_id"]))
        return ws

    async def push(self, kind: str, payload: dict[str, Any]) -> str:
        """Send an envelope (``events_api``, ``slash_commands``, ``interactive``) over the
        latest Socket Mode connection; returns its id."""
        envelope_id = f"env-{next(self._ts)}"
        await self.sockets[-1].send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind != "events_api",
            }
        )
        return envelope_id

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                params.update(dict(await request.post()))
        for name in ("blocks", "metadata", "view"):
            if isinstance(params.get(name), str):
                params[name] = json.loads(params[name])
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            params.setdefault("token", auth.removeprefix("Bearer "))
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        call = Call(method, params)
        self.calls.append(call)
        status, body, headers = self._answer(method, params)
        if method in POSTING and status == 200 and self.post_delay:
            await asyncio.sleep(self.post_delay)
        call.status = status
        if not body.get("ok", True) or status != 200:
            call.error = str(body.get("error", f"http_{status}"))
        return web.json_response(body, status=status, headers=headers)

    def _answer(
        self, method: str, params: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        if method not in self.methods:
            return 404, {"ok": False, "error": "unknown_method"}, {}
        missing = sorted(self.methods[method] - params.keys())
        if method == "oauth.v2.access":
            missing = [m for m in missing if m != "token"]
        if missing:
            return 200, {"ok": False, "error": "invalid_arguments", "missing": missing}, {}
        if method != "oauth.v2.access" and params.get("token") not in self.tokens:
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        for i, (name, status, body) in enumerate(self.fail_next):
            if name == method:
                del self.fail_next[i]
                retry = {"Retry-After": str(body.get("retry_after", 1))} if status == 429 else {}
                return status, body, retry
        if method in POSTING:
            wait = self._rate_limit(str(params.get("channel", "")))
            if wait > 0:
                return (
                    429,
                    {"ok": False, "error": "ratelimited"},
                    {"Retry-After": str(math.ceil(wait))},
                )
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return 200, {"ok": True}, {}
        return 200, handler(params), {}

    def _rate_limit(self, channel: str) -> float:
        """Seconds to wait before this post would be allowed; 0 admits it (and counts it)."""
        limits = self.limits
        now = time.monotonic()
        if now < limits.storm_until:
            limits.refused["storm"] += 1
            return limits.storm_until - now
        if limits.channel_interval:
            since = now - limits.last_post.get(channel, -math.inf)
            if since < limits.channel_interval * 0.95:  # a little clock slack for the client
                limits.refused["channel"] += 1
                return limits.channel_interval - since
        if limits.workspace_rate:
            limits.tokens = min(
                limits.workspace_burst,
                limits.tokens + (now - limits.refilled) * limits.workspace_rate,
            )
            limits.refilled = now
            if limits.tokens < 1:
                limits.refused["workspace"] += 1
                return (1 - limits.tokens) / limits.workspace_rate
            limits.tokens -= 1
        limits.last_post[channel] = now
        return 0.0

    # -- methods ---------------------------------------------------------------------------
    def _next_ts(self) -> str:
        return f"{1_700_000_000 + next(self._ts)}.000100"

    def _resolve(self, channel: str) -> str | None:
        if channel in self.users:
            return self.im_of(channel)
        return channel if channel in self.channels else None

    @staticmethod
    def _blocks_error(blocks: Any) -> str | None:
        if not isinstance(blocks, list) or len(blocks) > 50:
            return "invalid_blocks"
        for block in blocks:
            text = block.get("text") or {}
            limit = 150 if block.get("type") == "header" else 3000
            if text and not 1 <= len(text.get("text", "")) <= limit:
                return "invalid_blocks"
            elements = block.get("elements") or []
            if block.get("type") == "actions" and len(elements) > 25:
                return "invalid_blocks"
            if block.get("type") == "context" and len(elements) > 10:
                return "invalid_blocks"
            for element in elements:
                if element.get("type") == "button":
                    label = (element.get("text") or {}).get("text", "")
                    if not 1 <= len(label) <= 75:
                        return "invalid_blocks"
                elif element.get("type") in ("plain_text", "mrkdwn"):  # a context's text
                    if not 1 <= len(str(element.get("text", ""))) <= 3000:
                        return "invalid_blocks"
        return None

    def _m_auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://fake.slack.test/",
            "team": "Fake",
            "team_id": TEAM,
            "user": "dialoogbot",
            "user_id": BOT_USER,
            "bot_id": BOT_ID,
        }

    def _m_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve(str(params["channel"]))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if not params.get("text") and not params.get("blocks"):
            return {"ok": False, "error": "no_text"}
        if "blocks" in params and (error := self._blocks_error(params["blocks"])):
            return {"ok": False, "error": error}
        if BOT_USER not in self.channels[channel]:
            return {"ok": False, "error": "not_in_channel"}
        message = Message(
            channel,
            self._next_ts(),
            str(params.get("text", "")),
            list(params.get("blocks") or []),
            thread_ts=params.get("thread_ts"),
            metadata=params.get("metadata"),
        )
        self.messages.append(message)
        return {"ok": True, "channel": channel, "ts": message.ts, "message": {"text": message.text}}

    def _m_chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve(str(params["channel"]))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if params["user"] not in self.channels[channel]:
            return {"ok": False, "error": "user_not_in_channel"}
        if "blocks" in params and (error := self._blocks_error(params["blocks"])):
            return {"ok": False, "error": error}
        message = Message(
            channel,
            self._next_ts(),
            str(params.get("text", "")),
            list(params.get("blocks") or []),
            user=str(params["user"]),
        )
        self.ephemeral.append(message)
        return {"ok": True, "message_ts": message.ts}

    def _m_chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        for message in self.messages:
            if message.channel == params["channel"] and message.ts == params["ts"]:
                if "blocks" in params and (error := self._blocks_error(params["blocks"])):
                    return {"ok": False, "error": error}
                message.blocks = list(params.get("blocks") or [])
                message.text = str(params.get("text", message.text))
                return {"ok": True, "channel": message.channel, "ts": message.ts}
        return {"ok": False, "error": "message_not_found"}

    def _page(self, items: list[Any], params: dict[str, Any]) -> tuple[list[Any], str]:
        start = int(params.get("cursor") or 0)
        limit = min(int(params.get("limit") or self.page_size), self.page_size)
        end = start + limit
        return items[start:end], (str(end) if end < len(items) else "")

    async def _upload(self, request: web.Request) -> web.Response:
        """Step 2 of the external upload: the bytes, posted to the URL step 1 gave (no token:
        the URL is the permission). Slack answers 200 with a plain ``OK``."""
        upload = self.uploads.get(request.match_info["file_id"])
        data = await request.read()
        self.calls.append(Call("upload", {"file_id": request.match_info["file_id"]}))
        if upload is None or upload.data is not None:
            return web.Response(status=404, text="not found")
        if len(data) != upload.length:
            return web.Response(status=400, text="length mismatch")
        upload.data = data
        return web.Response(text="OK - " + str(len(data)))

    def _m_files_getUploadURLExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        try:
            length = int(params["length"])
        except (TypeError, ValueError):
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._ts):08d}"
        self.uploads[file_id] = Upload(file_id, str(params["filename"]), length)
        base = self.url.removesuffix("/api/")
        return {"ok": True, "upload_url": f"{base}/upload/{file_id}", "file_id": file_id}

    def _m_files_completeUploadExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        files = params["files"]
        files = json.loads(files) if isinstance(files, str) else files
        found = [self.uploads.get(str(f.get("id"))) for f in files]
        if not files or any(u is None or u.data is None or u.channel for u in found):
            return {"ok": False, "error": "file_not_found"}
        channel = params.get("channel_id")
        if channel is not None:
            resolved = self._resolve(str(channel))
            if resolved is None:
                return {"ok": False, "error": "channel_not_found"}
            if BOT_USER not in self.channels[resolved]:
                return {"ok": False, "error": "not_in_channel"}
            channel = resolved
        shared = []
        for upload, given in zip(found, files, strict=True):
            assert upload is not None
            upload.title = str(given.get("title") or upload.filename)
            upload.channel = channel
            shared.append({"id": upload.id, "name": upload.filename, "title": upload.title})
        return {"ok": True, "files": shared}

    def _m_conversations_members(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = params.get("channel")
        if channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        page, cursor = self._page(self.channels[channel], params)
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": cursor}}

    def _m_conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = params.get("channel")
        if channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        creator = self.creators.get(str(channel), "")
        return {"ok": True, "channel": {"id": channel, "creator": creator, "is_member": True}}

    def _m_users_list(self, params: dict[str, Any]) -> dict[str, Any]:
        page, cursor = self._page(list(self.users.values()), params)
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": cursor}}

    def _m_users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(params.get("user")))
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    def _m_conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        user = str(params.get("users", ""))
        if user not in self.users:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "channel": {"id": self.im_of(user)}}

    def _m_conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        """The channel's messages outside threads, newest first."""
        channel = params.get("channel")
        if channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        found = [m for m in reversed(self.messages) if m.channel == channel and not m.thread_ts]
        return self._listing(found, params)

    def _m_conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        """The thread's parent first, then its replies, oldest first (as Slack answers)."""
        channel = params.get("channel")
        if channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        ts = str(params.get("ts"))
        parent = [m for m in self.messages if m.channel == channel and m.ts == ts]
        if not parent:
            return {"ok": False, "error": "thread_not_found"}
        replies = [m for m in self.messages if m.channel == channel and m.thread_ts == ts]
        return self._listing([*parent, *replies], params)

    def _listing(self, messages: list[Message], params: dict[str, Any]) -> dict[str, Any]:
        """One page of ``messages`` as history and replies list them; metadata on request."""
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        found = [
            {
                "ts": m.ts,
                "text": m.text,
                "user": m.user,
                **({"thread_ts": m.thread_ts} if m.thread_ts else {}),
                **({"metadata": m.metadata} if with_metadata and m.metadata else {}),
            }
            for m in messages
        ]
        page, cursor = self._page(found, params)
        return {
            "ok": True,
            "messages": page,
            "has_more": bool(cursor),
            "response_metadata": {"next_cursor": cursor},
        }

    def _m_apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("token") != APP_TOKEN:
            return {"ok": False, "error": "invalid_auth"}
        return {
            "ok": True,
            "url": self.url.replace("http://", "ws://").replace("/api/", "/socket-mode"),
        }

    def _m_views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        view = params["view"]
        if not isinstance(view, dict) or len(view.get("blocks", [])) > 100:
            return {"ok": False, "error": "invalid_arguments"}
        if len(view.get("title", {}).get("text", "")) > 24:
            return {"ok": False, "error": "invalid_arguments"}
        self.views.append(view)
        return {"ok": True, "view": {"id": f"V{len(self.views)}", **view}}

    def _m_oauth_v2_access(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("code") != "good-code":
            return {"ok": False, "error": "invalid_code"}
        token = "xoxb-installed-token"
        self.tokens.add(token)
        return {
            "ok": True,
            "app_id": "A0001",
            "authed_user": {"id": "U0000HOST"},
            "scope": "commands,chat:write",
            "token_type": "bot",
            "access_token": token,
            "bot_user_id": BOT_USER,
            "team": {"id": "T0002", "name": "Installed"},
            "enterprise": None,
            "is_enterprise_install": False,
        }


# -- signed requests, as Slack sends them -------------------------------------------------
def signed_headers(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """``X-Slack-Signature`` and ``X-Slack-Request-Timestamp`` for ``body``."""
    from slack_sdk.signature import SignatureVerifier

    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    assert signature is not None  # None only when the timestamp or body is
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}


def message_event(user: str, text: str, event_id: str, team: str = TEAM) -> dict[str, Any]:
    """The ``event_callback`` body of a ``message.im`` event."""
    return {
        "token": "verification-token",
        "team_id": team,
        "api_app_id": "A0001",
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "event": {
            "type": "message",
            "channel": "D" + user[1:],
            "channel_type": "im",
            "user": user,
            "text": text,
            "ts": f"{time.time():.6f}",
            "team": team,
        },
    }
