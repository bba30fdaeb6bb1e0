"""The aiohttp server: health, metrics, single-use file downloads (``/files/<token>``), the
privacy statement and terms of use (``/privacy``, ``/terms``, which the Teams app package
links to), and whatever the configured adapters mount (each discovered adapter's ``mount``,
see :mod:`bot.runtime.adapters`)."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.runtime.adapters import discover, resolve
from bot.runtime.app import App
from bot.runtime.downloads import Refusal, file_response, refusal_page
from bot.runtime.legal import legal_page

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
    web_app = web.Application(client_max_size=1024 * 1024)
    web_app[APP_KEY] = app
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
