"""The aiohttp server: health, metrics, and whatever the configured adapters mount (each
discovered adapter's ``mount``, see :mod:`bot.runtime.adapters`)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiohttp import web

from bot.runtime.adapters import discover, resolve
from bot.runtime.app import App

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


async def build_web_app(app: App) -> tuple[web.Application, list[str]]:
    """The web application and the names of the platforms that were configured."""
    web_app = web.Application(client_max_size=1024 * 1024)
    web_app[APP_KEY] = app
    web_app[HEALTH] = {}
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/metrics", metrics)
    connected = []
    for spec in discover():
        if spec.mount is not None and await resolve(spec.mount)(app, web_app):
            connected.append(spec.name)
    return web_app, connected
