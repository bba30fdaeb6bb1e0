"""The aiohttp server: health, metrics, single-use file downloads (``/files/<token>``), the
privacy statement and terms of use (``/privacy``, ``/terms``, which the Teams app package
links to), and whatever the configured adapters mount (each discovered adapter's ``mount``,
see :mod:`bot.runtime.adapters`).

Slow clients must not crowd out Slack and Teams: a connection gets ``DIALOOG_HEADER_TIMEOUT``
seconds to send its request headers (aiohttp's keep-alive timer, which also runs from the
moment a connection opens), ``DIALOOG_BODY_TIMEOUT`` seconds for the body (408 after that),
and at most ``DIALOOG_MAX_CONNECTIONS`` connections are open at once: at the cap a new
connection takes the place of the oldest one that has not sent a complete request yet, so a
crowd of trickling connections cannot keep a real request out. A reverse proxy in front
(README, Deployment) is still the first line.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.runtime.adapters import discover, resolve
from bot.runtime.app import App
from bot.runtime.downloads import Refusal, file_response, refusal_page
from bot.runtime.legal import legal_page

log = logging.getLogger(__name__)
APP_KEY: web.AppKey[App] = web.AppKey("dialoogbot", App)
# What adapters add to /healthz: name -> the state of their connection ("connected", or
# "unreachable: <why>"). An unreachable platform does not make the server unhealthy: it keeps
# serving the others and reconnects by itself, so /healthz stays 200 and says so.
HEALTH: web.AppKey[dict[str, Callable[[], str]]] = web.AppKey("health")


async def healthz(request: web.Request) -> web.Response:
    app = request.app[APP_KEY]
    platforms = {name: state() for name, state in request.app[HEALTH].items()}
    if await app.db.ping():
        return web.json_response({"status": "ok", **platforms})
    return web.json_response({"status": "database unavailable", **platforms}, status=503)


async def metrics(request: web.Request) -> web.Response:
    app = request.app[APP_KEY]
    await app.dispatcher.pending()
    return web.Response(
        body=app.metrics.render(),
        headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"},
    )


class ConnectionGuard:
    """Counts open connections and tells apart those still waiting for a complete request
    (``waiting``, oldest first) from those that sent one."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.open: set[asyncio.Transport] = set()
        self.waiting: OrderedDict[asyncio.Transport, None] = OrderedDict()
        self.evicted = 0
        self.refused = 0

    def admit(self, transport: asyncio.Transport) -> bool:
        """Room for ``transport``? At the cap, close the oldest connection that has not sent a
        request yet; if every connection is busy with a request, refuse the new one."""
        if len(self.open) >= self.limit:
            if not self.waiting:
                self.refused += 1
                return False
            oldest, _ = self.waiting.popitem(last=False)
            self.open.discard(oldest)
            self.evicted += 1
            oldest.abort()
        self.open.add(transport)
        self.waiting[transport] = None
        return True

    def heard(self, transport: asyncio.BaseTransport | None) -> None:
        """A complete request arrived on ``transport``: it is no longer a candidate."""
        if isinstance(transport, asyncio.Transport):
            self.waiting.pop(transport, None)

    def gone(self, transport: asyncio.Transport) -> None:
        self.open.discard(transport)
        self.waiting.pop(transport, None)


class _Guarded(asyncio.Protocol):
    """aiohttp's protocol for one connection, admitted through a :class:`ConnectionGuard`."""

    def __init__(self, inner: Any, guard: ConnectionGuard) -> None:
        self.inner = inner
        self.guard = guard
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        if not self.guard.admit(transport):
            transport.abort()
            return
        self.transport = transport
        self.inner.connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.transport is not None:
            self.guard.gone(self.transport)
            self.inner.connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.transport is not None:
            self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received() if self.transport is not None else None

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()


GUARD_KEY: web.AppKey[ConnectionGuard] = web.AppKey("connection guard", ConnectionGuard)
BODY_TIMEOUT_KEY: web.AppKey[float] = web.AppKey("body timeout", float)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def slow_clients(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The headers are complete; read the body within the body timeout (the handlers then
    read it from aiohttp's cache)."""
    guard = request.app.get(GUARD_KEY)
    if guard is not None:
        guard.heard(request.transport)
    if request.can_read_body:
        try:
            async with asyncio.timeout(request.app[BODY_TIMEOUT_KEY]):
                await request.read()
        except TimeoutError:
            log.info("request body not complete within the body timeout: closed (408)")
            raise web.HTTPRequestTimeout() from None
    return await handler(request)


class GuardedSite(web.TCPSite):
    """A ``TCPSite`` whose connections pass through a :class:`ConnectionGuard`."""

    def __init__(self, runner: web.AppRunner, host: str, port: int, guard: ConnectionGuard):
        super().__init__(runner, host, port)
        self.guard = guard

    async def start(self) -> None:
        await web.BaseSite.start(self)
        server = self._runner.server
        assert server is not None
        guard = self.guard
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _Guarded(server(), guard), self._host, self._port, backlog=self._backlog,
            reuse_address=self._reuse_address, reuse_port=self._reuse_port,
        )  # fmt: skip


def runner(web_app: web.Application) -> web.AppRunner:
    """The runner for :func:`build_web_app`'s application, with its header timeout."""
    timeout = web_app[APP_KEY].settings.header_timeout
    return web.AppRunner(web_app, access_log=None, keepalive_timeout=timeout)


async def listen(web_runner: web.AppRunner, host: str, port: int) -> GuardedSite:
    """Start serving on ``host:port`` behind the application's connection guard."""
    site = GuardedSite(web_runner, host, port, web_runner.app[GUARD_KEY])
    await site.start()
    return site


async def download(request: web.Request) -> web.Response:
    """A file offered once (bot/runtime/downloads.py): served and deleted, or a page saying
    why not."""
    app = request.app[APP_KEY]
    token = request.match_info["token"]
    found = await app.downloads.take(token)
    if isinstance(found, Refusal):
        lang = app.downloads.language(token) or app.settings.language
        return refusal_page(app.catalog, lang if lang in ("nl", "en") else "nl", found)
    log.info("a download was fetched (%d bytes)", len(found.data))
    return file_response(found)


async def privacy(request: web.Request) -> web.Response:
    return legal_page(request, request.app[APP_KEY], "privacy")


async def terms(request: web.Request) -> web.Response:
    return legal_page(request, request.app[APP_KEY], "terms")


async def build_web_app(app: App) -> tuple[web.Application, list[str]]:
    """The web application and the names of the platforms that were configured."""
    web_app = web.Application(client_max_size=1024 * 1024, middlewares=[slow_clients])
    web_app[GUARD_KEY] = ConnectionGuard(app.settings.max_connections)
    web_app[BODY_TIMEOUT_KEY] = app.settings.body_timeout
    web_app[APP_KEY] = app

    async def halt(_: web.Application) -> None:
        await app.halt()

    # At a stop the requests in flight finish first (each answered once durable); then the
    # timers and the outbox stop, before any adapter closes its connection to its platform:
    # a send cut off by a closed connection may have arrived and would be sent again.
    web_app.on_cleanup.append(halt)

    web_app[HEALTH] = {}
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/metrics", metrics)
    web_app.router.add_get("/files/{token}", download)
    web_app.router.add_get("/privacy", privacy)
    web_app.router.add_get("/terms", terms)
    connected = []
    for spec in discover():
        if spec.mount is not None and await resolve(spec.mount)(app, web_app):
            connected.append(spec.name)
    return web_app, connected
