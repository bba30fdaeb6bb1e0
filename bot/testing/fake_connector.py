"""A local Bot Framework connector that behaves like Teams where it matters for delivery.

It serves the connector routes ``TeamsPlatform`` uses (send, update, create conversation, paged
roster) on 127.0.0.1, enforces Teams' published limits with sliding windows (per conversation
7/s, 8/2s, 60/30s, 1800/h; per tenant 50/s) and answers 429 with ``Retry-After`` beyond them,
answers 403 for people who blocked the bot, and can be told to fail the next requests with a
given status. It records every accepted activity, so tests and ``dialoogbot bench teams`` can
count what arrived and what arrived twice. Used only by tests and the benchmark.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from adapters.teams.pacing import PER_CONVERSATION, PER_TENANT, Window


@dataclass
class Received:
    conversation_id: str
    activity: dict[str, Any]
    activity_id: str
    at: float = field(default_factory=time.monotonic)


@dataclass
class FakeConnector:
    """Start with :meth:`start`; ``url`` is the service URL to put in conversation references."""

    members: list[dict[str, Any]] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)  # conversation ids that answer 403
    per_conversation: tuple[Window, ...] = PER_CONVERSATION
    per_tenant: tuple[Window, ...] = PER_TENANT
    received: list[Received] = field(default_factory=list)
    updated: list[Received] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: deque[tuple[int, float | None]] = field(default_factory=deque)
    url: str = ""
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _conversation_log: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _tenant_log: deque[float] = field(default_factory=deque)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)  # set on every accepted send
    _runner: web.AppRunner | None = None

    def fail_next(self, status: int, times: int = 1, retry_after: float | None = None) -> None:
        """The next ``times`` requests get ``status`` (with ``Retry-After`` if given)."""
        self.failures.extend([(status, retry_after)] * times)

    def per_conversation_count(self) -> Counter[str]:
        return Counter(item.conversation_id for item in self.received)

    async def start(self, port: int = 0) -> str:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{cid}/activities", self._send)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._send)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._update)
        app.router.add_get("/v3/conversations/{cid}/pagedmembers", self._paged_members)
        app.router.add_get("/v3/conversations/{cid}/members/{mid}", self._member)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        host, bound_port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{bound_port}/"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # -- limits ------------------------------------------------------------------------------

    @staticmethod
    def _wait(log: deque[float], windows: tuple[Window, ...], now: float) -> float:
        longest = max(seconds for seconds, _ in windows)
        while log and log[0] <= now - longest:
            log.popleft()
        wait = 0.0
        for seconds, limit in windows:
            if len(log) >= limit:
                wait = max(wait, log[len(log) - limit] + seconds - now)
        return wait

    def _gate(self, conversation_id: str | None) -> web.Response | None:
        if self.failures:
            status, retry_after = self.failures.popleft()
            return self._answer(status, retry_after)
        now = time.monotonic()
        wait = self._wait(self._tenant_log, self.per_tenant, now)
        if conversation_id is not None:
            log = self._conversation_log[conversation_id]
            wait = max(wait, self._wait(log, self.per_conversation, now))
        if wait > 0:
            return self._answer(429, wait)
        self._tenant_log.append(now)
        if conversation_id is not None:
            self._conversation_log[conversation_id].append(now)
        return None

    def _answer(self, status: int, retry_after: float | None) -> web.Response:
        self.statuses[status] += 1
        headers = {} if retry_after is None else {"Retry-After": str(math.ceil(retry_after))}
        body = {"error": {"code": str(status), "message": "fake connector"}}
        return web.json_response(body, status=status, headers=headers)

    # -- routes ------------------------------------------------------------------------------

    async def _send(self, request: web.Request) -> web.Response:
        conversation_id = request.match_info["cid"]
        if conversation_id in self.blocked:
            return self._answer(403, None)
        refused = self._gate(conversation_id)
        if refused is not None:
            return refused
        activity = await request.json()
        activity_id = str(next(self._ids))
        self.received.append(Received(conversation_id, activity, activity_id))
        self.arrived.set()
        self.statuses[201] += 1
        return web.json_response({"id": activity_id}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        refused = self._gate(request.match_info["cid"])
        if refused is not None:
            return refused
        activity = await request.json()
        aid = request.match_info["aid"]
        self.updated.append(Received(request.match_info["cid"], activity, aid))
        return web.json_response({"id": aid})

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        member = (body.get("members") or [{}])[0].get("id", "")
        conversation_id = f"a:personal-{member}"
        if conversation_id in self.blocked:
            return self._answer(403, None)
        refused = self._gate(None)
        if refused is not None:
            return refused
        return web.json_response({"id": conversation_id}, status=201)

    async def _member(self, request: web.Request) -> web.Response:
        """One member of the team roster (with ``userRole``, as Teams gives it)."""
        wanted = request.match_info["mid"]
        for member in self.members:
            if member.get("id") == wanted:
                return web.json_response(member)
        return web.json_response({"error": {"code": "MemberNotFoundInConversation"}}, status=404)

    async def _paged_members(self, request: web.Request) -> web.Response:
        refused = self._gate(request.match_info["cid"])
        if refused is not None:
            return refused
        size = int(request.query.get("pageSize") or 500)
        start = int(request.query.get("continuationToken") or 0)
        page = self.members[start : start + size]
        body: dict[str, Any] = {"members": page}
        if start + size < len(self.members):
            body["continuationToken"] = str(start + size)
        return web.json_response(body)
