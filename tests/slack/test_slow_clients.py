"""Slow clients do not crowd out Slack: the server as ``serve`` runs it (header and body
timeouts, a cap on connections), a crowd of connections trickling their headers a byte at a
time, and a real signed request that still gets its acknowledgement."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot.runtime.app import App
from bot.runtime.server import GUARD_KEY, build_web_app, listen, runner
from bot.support.settings import load_settings
from bot.synthesis import OfflineSynthesizer
from bot.testing.fake_slack import BOT_TOKEN, FakeSlack, message_event, signed_headers
from tests.slack.world import SECRET

CROWD = 120
CAP = 40


async def serve(fake: FakeSlack, tmp_path: Path, **env: object) -> tuple[App, web.AppRunner, str]:
    settings = load_settings(
        DIALOOG_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        DIALOOG_SECRET_FILE=tmp_path / "bot.secret",
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake.url,
        **env,
    )
    app = await App.create(settings, synthesizer=OfflineSynthesizer())
    web_app, _ = await build_web_app(app)
    web_runner = runner(web_app)
    await web_runner.setup()
    site = await listen(web_runner, "127.0.0.1", 0)
    await app.start()
    return app, web_runner, f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]


@pytest.fixture
async def crowded(fake: FakeSlack, tmp_path: Path) -> AsyncIterator[tuple[App, web.AppRunner, str]]:
    app, web_runner, url = await serve(
        fake, tmp_path, DIALOOG_MAX_CONNECTIONS=CAP, DIALOOG_HEADER_TIMEOUT=600
    )
    yield app, web_runner, url
    await web_runner.cleanup()
    await app.stop()


async def trickle(port: int, stop: asyncio.Event) -> bool:
    """Open a connection and send a request's headers one byte a second until ``stop``;
    True when the server closed the connection first."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nX-Slow: " + b"a" * 1000
    try:
        for byte in head:
            writer.write(bytes([byte]))
            try:
                await writer.drain()
            except ConnectionError:
                return True
            try:
                async with asyncio.timeout(0.2):
                    if await reader.read(1) == b"":
                        return True
            except TimeoutError:
                pass
            except ConnectionError:
                return True
            if stop.is_set():
                return False
        return False
    finally:
        writer.close()


async def test_a_signed_request_gets_through_a_crowd_of_trickling_connections(
    crowded: tuple[App, web.AppRunner, str],
) -> None:
    _app, web_runner, url = crowded
    port = int(url.rsplit(":", 1)[1])
    stop = asyncio.Event()
    crowd = [asyncio.create_task(trickle(port, stop)) for _ in range(CROWD)]
    await asyncio.sleep(1.5)  # every connection is open and trickling
    guard = web_runner.app[GUARD_KEY]
    assert len(guard.open) == CAP
    body = json.dumps(message_event("U1", "hallo", "Ev000001"))
    headers = {"Content-Type": "application/json", **signed_headers(SECRET, body)}
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{url}/slack/events", data=body, headers=headers) as response:
            assert response.status == 200
    stop.set()
    closed = await asyncio.gather(*crowd)
    # the crowd beyond the cap was closed to make room (the oldest first), the real request
    # was not refused
    assert sum(closed) >= CROWD - CAP
    assert guard.evicted >= CROWD - CAP + 1
    assert guard.refused == 0


async def test_headers_that_never_finish_are_cut_off(fake: FakeSlack, tmp_path: Path) -> None:
    app, web_runner, url = await serve(fake, tmp_path, DIALOOG_HEADER_TIMEOUT=1)
    try:
        port = int(url.rsplit(":", 1)[1])
        closed = await trickle(port, asyncio.Event())
        assert closed  # long before the 1000 bytes of headers are sent
    finally:
        await web_runner.cleanup()
        await app.stop()


async def test_a_body_that_never_finishes_gets_408(fake: FakeSlack, tmp_path: Path) -> None:
    app, web_runner, url = await serve(fake, tmp_path, DIALOOG_BODY_TIMEOUT=1)
    try:
        port = int(url.rsplit(":", 1)[1])
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100000\r\n\r\n{"
        )
        await writer.drain()
        async with asyncio.timeout(30):
            status = await reader.readline()
        writer.close()
        assert status.startswith(b"HTTP/1.1 408")
    finally:
        await web_runner.cleanup()
        await app.stop()
