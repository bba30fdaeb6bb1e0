"""Socket Mode degrades, it does not take the server down: with Slack unreachable the server
still answers /healthz (saying so), /metrics and Teams; one log line per attempt, no
traceback; when Slack comes back the bot connects by itself. A wrong token stops start-up with
one line naming the variable."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from adapters.slack.mount import SOCKET
from adapters.slack.settings import SlackSettings
from bot.runtime.app import App
from bot.runtime.server import build_web_app
from bot.support.settings import SettingsError, load_settings
from bot.synthesis import OfflineSynthesizer
from bot.testing.fake_slack import APP_TOKEN, BOT_TOKEN, FakeSlack
from tests.conftest import make_settings, shared_data


def _free_port() -> int:
    """A port nobody listens on (connections to it are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    def __init__(self, app: App, server: TestServer) -> None:
        self.app = app
        self.server = server

    async def get(self, path: str) -> tuple[int, str]:
        async with aiohttp.ClientSession() as http, http.get(self.server.make_url(path)) as r:
            return r.status, await r.text()


@pytest.fixture
async def port() -> int:
    return _free_port()


@pytest.fixture
async def served(tmp_path: Path, port: int) -> AsyncIterator[Served]:
    settings = load_settings(
        DIALOOG_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        DIALOOG_SECRET_FILE=tmp_path / "bot.secret",
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_APP_TOKEN=APP_TOKEN,
        SLACK_API_URL=f"http://127.0.0.1:{port}/api/",
        DIALOOG_TEAMS_PLAYGROUND="1",
    )
    app = await App.create(settings, synthesizer=OfflineSynthesizer())
    web_app, connected = await build_web_app(app)
    assert "slack" in connected
    link = web_app[SOCKET]
    link.first_delay, link.max_delay = 0.2, 0.4  # the test does not wait a minute
    server = TestServer(web_app, host="127.0.0.1")
    await server.start_server()
    await app.start()
    yield Served(app, server)
    await server.close()
    await app.stop()


async def test_with_slack_unreachable_the_server_answers_and_says_so(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    started = time.monotonic()
    status, body = await served.get("/healthz")
    assert status == 200 and time.monotonic() - started < 5
    assert '"slack": "unreachable' in body or '"slack": "connecting' in body
    assert (await served.get("/metrics"))[0] == 200
    # Teams' route is mounted and served (POST only: a GET is 405, not 404).
    status, _ = await served.get("/api/messages")
    assert status == 405

    await asyncio.sleep(1.5)
    status, body = await served.get("/healthz")
    assert status == 200 and "unreachable: ClientConnectorError" in body
    attempts = [r for r in caplog.records if r.name == "adapters.slack.socket"]
    assert len(attempts) >= 2
    assert all("attempt" in r.getMessage() and r.exc_info is None for r in attempts)
    assert not [r for r in caplog.records if r.exc_info], "no tracebacks"
    assert not any(APP_TOKEN in r.getMessage() for r in caplog.records)


async def test_when_slack_comes_back_the_bot_connects_by_itself(served: Served, port: int) -> None:
    await asyncio.sleep(0.5)
    assert "unreachable" in (await served.get("/healthz"))[1]
    fake = FakeSlack(shared_data("slack-web-api", "slack_web_openapi_v2.json"))
    await fake.start(port)
    try:
        for _ in range(100):
            if fake.sockets and '"slack": "connected"' in (await served.get("/healthz"))[1]:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("did not reconnect")
        assert fake.count("apps.connections.open") >= 1
        # The connection drops (Slack restarts): reported, then re-established.
        await fake.sockets[-1].close()
        for _ in range(200):
            if len(fake.sockets) >= 2 and "connected" in (await served.get("/healthz"))[1]:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("did not reconnect after the drop")
    finally:
        await fake.stop()


@pytest.mark.parametrize(
    ("env", "line"),
    [
        (
            {"SLACK_APP_TOKEN": APP_TOKEN},
            "SLACK_APP_TOKEN needs SLACK_BOT_TOKEN (xoxb-...) beside it",
        ),
        (
            {"SLACK_APP_TOKEN": "xoxb-not-an-app-token", "SLACK_BOT_TOKEN": BOT_TOKEN},
            "SLACK_APP_TOKEN must be an app-level token (xapp-...)",
        ),
        (
            {"SLACK_APP_TOKEN": APP_TOKEN, "SLACK_BOT_TOKEN": "xoxp-a-user-token"},
            "SLACK_BOT_TOKEN must be a bot token (xoxb-...)",
        ),
    ],
)
def test_a_token_of_the_wrong_kind_stops_start_up_with_one_line(
    tmp_path: Path, env: dict[str, str], line: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        make_settings(tmp_path, **env).load(SlackSettings)
    assert str(raised.value) == line
