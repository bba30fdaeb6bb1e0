"""The aiohttp server: health, metrics, and whatever the configured adapters mount (each
discovered adapter's ``mount``, see :mod:`bot.runtime.adapters`)."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.runtime.adapters import discover, resolve
from bot.runtime.app import App

log = logging.getLogger(__name__)
APP_KEY: web.AppKey[App] = web.AppKey("dialoogbot", App)


async def healthz(request: web.Request) -> web.Response:
    app = request.app[APP_KEY]
    if await app.db.ping():
        return web.json_response({"status": "ok"})
    return web.json_response({"status": "database unavailable"}, status=503)


async def metrics(request: web.Request) -> web.Response:
    app = request.app[APP_KEY]
    await app.dispatcher.pending()
    return web.Response(
        body=app.metrics.render(),
        headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"},
    )


async def build_web_app(app: App) -> tuple[web.Application, list[str]]:
    """The web application and the names of the platforms that were configured."""
    web_app = web.Application(client_max_size=1024 * 1024)
    web_app[APP_KEY] = app

    async def halt(_: web.Application) -> None:
        await app.halt()

    # At a stop the requests in flight finish first (each answered once durable); then the
    # timers and the outbox stop, before any adapter closes its connection to its platform:
    # a send cut off by a closed connection may have arrived and would be sent again.
    web_app.on_cleanup.append(halt)
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/metrics", metrics)
    connected = []
    for spec in discover():
        if spec.mount is not None and await resolve(spec.mount)(app, web_app):
            connected.append(spec.name)
    return web_app, connected
