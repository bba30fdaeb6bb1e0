"""Teams is closed unless configured, and nobody chooses where the bot sends.

Without ``MICROSOFT_APP_ID`` every activity gets 401 and nothing leaves the bot; with
``DIALOOG_TEAMS_PLAYGROUND=1`` activities are taken from loopback only and only when they name
a loopback service URL. Each case runs a real botbuilder stack on a real server, next to a fake
"internal admin endpoint" on 127.0.0.1 that must receive nothing, and scans the log for
tracebacks.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

import adapters.teams.mount as teams
from adapters.teams.service_urls import PUBLIC_CLOUD, ServiceUrls
from bot.runtime.app import App
from bot.synthesis.offline import OfflineSynthesizer
from tests.conftest import make_settings
from tests.teams.teams_round import activity

TENANT = "tenant-aanvaller"


class Recorder:
    """Any HTTP server on 127.0.0.1 (think: an internal admin API); records every request."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        async def anything(request: web.Request) -> web.Response:
            self.requests.append(f"{request.method} {request.path}")
            return web.json_response({"id": "1"})

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", anything)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        host, port = self.runner.addresses[0][:2]
        self.url = f"http://{host}:{port}/internal/admin/"

    async def stop(self) -> None:
        assert self.runner is not None
        await self.runner.cleanup()


@pytest.fixture
async def admin() -> AsyncIterator[Recorder]:
    recorder = Recorder()
    await recorder.start()
    yield recorder
    await recorder.stop()


class Bot:
    def __init__(self, app: App, runner: web.AppRunner, url: str, configured: bool) -> None:
        self.app, self.runner, self.url, self.configured = app, runner, url, configured

    async def post(self, body: Any, raw: bytes | None = None, url: str | None = None) -> int:
        data = raw if raw is not None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        async with aiohttp.ClientSession() as session:
            async with session.post(url or self.url, data=data, headers=headers) as response:
                status = response.status
        await self.app.dispatcher.drain()
        return status

    async def stored_references(self) -> int:
        async with self.app.db.sessions() as session:
            count = await session.scalar(text("SELECT count(*) FROM teams_conversation_references"))
        return int(count or 0)

    async def stored_rounds(self) -> int:
        async with self.app.db.sessions() as session:
            return int(await session.scalar(text("SELECT count(*) FROM rounds")) or 0)


async def boot(tmp_path: Path, host: str = "127.0.0.1", **env: object) -> Bot:
    app = await App.create(make_settings(tmp_path, **env), synthesizer=OfflineSynthesizer())
    web_app = web.Application()
    configured = await teams.setup(app, web_app)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, 0)
    await site.start()
    await app.start()
    port = runner.addresses[0][1]
    return Bot(app, runner, f"http://127.0.0.1:{port}{teams.ROUTE}", configured)


async def stop(bot: Bot) -> None:
    await bot.runner.cleanup()
    await bot.app.stop()


def start_round(service_url: str, n: int = 1) -> dict[str, Any]:
    return activity(
        service_url=service_url,
        tenant=TENANT,
        user=(f"29:fake-{n}", f"Nep Persoon {n}"),
        conversation={"id": "19:c@thread.tacv2;messageid=1", "conversationType": "channel"},
        text="start",
        mention_bot=True,
        channel_data={"channel": {"id": "19:c@thread.tacv2"}, "team": {"id": "19:t"}},
    )


def no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.exc_info], "a refusal logged a traceback"


async def test_without_an_app_id_everything_is_refused_and_nothing_is_sent(
    tmp_path: Path, admin: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    bot = await boot(tmp_path)
    try:
        assert not bot.configured
        assert "teams" not in bot.app.platforms
        for n in range(5):
            assert await bot.post(start_round(admin.url, n)) == 401
            personal = activity(
                service_url=admin.url,
                tenant=TENANT,
                user=(f"29:fake-{n}", "Nep"),
                conversation={"id": f"a:personal-{n}", "conversationType": "personal"},
                text="mijn verhaal",
            )
            assert await bot.post(personal) == 401
        assert await bot.stored_references() == 0
        assert await bot.stored_rounds() == 0
        assert admin.requests == []
        assert caplog.text.count("refused an activity (401)") == 10
        no_traceback(caplog)
    finally:
        await stop(bot)


async def test_the_playground_flag_says_so_and_takes_loopback_service_urls_only(
    tmp_path: Path, admin: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    bot = await boot(tmp_path, DIALOOG_TEAMS_PLAYGROUND=True)
    try:
        assert "WITHOUT authentication" in caplog.text
        assert "teams" in bot.app.platforms
        for url in (
            "https://smba.trafficmanager.net/emea/",
            "http://192.0.2.2:3978/",
            "http://10.0.0.1/internal/admin/",
            "http://127.0.0.1.nip.io/",
            "http://user:pw@127.0.0.1/",
            "file:///etc/passwd",
        ):
            assert await bot.post(start_round(url)) == 401, url
        assert await bot.stored_references() == 0
        assert admin.requests == []
        # a loopback service URL (the playground's own connector) is taken
        assert await bot.post(start_round(admin.url)) == 201
        assert await bot.stored_references() > 0
        no_traceback(caplog)
    finally:
        await stop(bot)


def _addresses() -> list[tuple[str]]:
    import socket

    names = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)}
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent for a UDP connect
            names.add(probe.getsockname()[0])
        except OSError:
            pass
    return [(name,) for name in sorted(names)]


def _outside() -> list[str]:
    """This machine's own non-loopback IPv4 addresses (found at collection, before the
    tests' socket guard is on)."""
    return [a[0] for a in _addresses() if not a[0].startswith("127.") and ":" not in a[0]]


OUTSIDE = _outside()


# The guard lets tests reach 127.0.0.1 only; this one calls this machine's own other address.
@pytest.mark.allow_hosts(["127.0.0.1", "::1", *OUTSIDE])
async def test_the_playground_takes_activities_from_loopback_only(
    tmp_path: Path, admin: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    bot = await boot(tmp_path, host="0.0.0.0", DIALOOG_TEAMS_PLAYGROUND=True)
    try:
        outside = OUTSIDE
        if not outside:
            pytest.skip("this machine has no non-loopback IPv4 address to call from")
        url = bot.url.replace("127.0.0.1", outside[0])
        assert await bot.post(start_round(admin.url), url=url) == 401
        assert await bot.stored_references() == 0
        assert admin.requests == []
        assert "non-loopback address" in caplog.text
        no_traceback(caplog)
    finally:
        await stop(bot)


MALFORMED: list[tuple[str, bytes]] = [
    ("not json", b"{not json"),
    ("a list", b"[]"),
    ("null", b"null"),
    ("a number", b"42"),
    ("invalid utf-8", b'{"type": "message", "text": "\xff\xfe"}'),
    ("10,000 deep", b"[" * 10_000 + b"]" * 10_000),
    ("10,000 deep object", b'{"a":' * 10_000 + b"1" + b"}" * 10_000),
    (
        "deep in an activity",
        b'{"type": "message", "channelData": ' + b"[" * 100 + b"]" * 100 + b"}",
    ),
    ("no type", b'{"text": "hallo"}'),
    ("type of the wrong kind", b'{"type": 5}'),
    ("from of the wrong kind", b'{"type": "message", "from": "x"}'),
    ("conversation a list", b'{"type": "message", "conversation": []}'),
    ("serviceUrl a number", b'{"type": "message", "serviceUrl": 5}'),
    ("NUL in a user id", b'{"type": "message", "from": {"id": "29:a\\u0000b"}}'),
    ("lone surrogate in a name", b'{"type": "message", "from": {"id": "29:a", "name": "\\ud800"}}'),
]


@pytest.mark.parametrize(("what", "body"), MALFORMED, ids=[m[0] for m in MALFORMED])
async def test_a_malformed_body_gets_400_without_a_traceback(
    tmp_path: Path,
    admin: Recorder,
    caplog: pytest.LogCaptureFixture,
    what: str,
    body: bytes,
) -> None:
    caplog.set_level(logging.INFO)
    bot = await boot(tmp_path, DIALOOG_TEAMS_PLAYGROUND=True)
    try:
        assert await bot.post(None, raw=body) == 400, what
        assert "refused an activity (400)" in caplog.text
        assert await bot.stored_references() == 0
        assert admin.requests == []
        no_traceback(caplog)
    finally:
        await stop(bot)


async def test_a_body_that_is_not_json_by_its_type_gets_415(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await boot(tmp_path, DIALOOG_TEAMS_PLAYGROUND=True)
    try:
        async with aiohttp.ClientSession() as session:
            async with session.post(bot.url, data=b"type=message") as response:
                assert response.status == 415
        no_traceback(caplog)
    finally:
        await stop(bot)


@given(
    scheme=st.sampled_from(["http", "https", "ftp", "file", ""]),
    host=st.one_of(
        st.sampled_from(
            [
                "smba.trafficmanager.net",
                "evil.smba.trafficmanager.net",
                "smba.trafficmanager.net.evil.example",
                "webchat.botframework.com",
                "botframework.com.evil.example",
                "127.0.0.1",
                "localhost",
                "[::1]",
                "169.254.169.254",
            ]
        ),
        st.text(min_size=0, max_size=30),
    ),
    path=st.text(max_size=20),
)
def test_only_bot_framework_hosts_over_https_are_allowed(scheme: str, host: str, path: str) -> None:
    urls = ServiceUrls(PUBLIC_CLOUD)
    url = f"{scheme}://{host}/{path}"
    allowed = urls.allowed(url)
    if allowed:
        assert scheme == "https"
        assert (
            host == "smba.trafficmanager.net"
            or host.endswith(".botframework.com")
            or (host == "smba.infra.gcc.teams.microsoft.com")
        )
    playground = ServiceUrls(PUBLIC_CLOUD, playground=True).allowed(url)
    if playground:
        assert host in ("127.0.0.1", "localhost", "[::1]")


@pytest.mark.parametrize("text", ["nul\u0000byte", "los \ud800 stuk"])
async def test_text_no_database_stores_gets_a_reply_in_the_personal_chat(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, text: str
) -> None:
    from bot.testing.fake_connector import FakeConnector
    from tests.teams.teams_round import card_text

    connector = FakeConnector()
    await connector.start()
    bot = await boot(tmp_path, DIALOOG_TEAMS_PLAYGROUND=True)
    try:
        personal = activity(
            service_url=connector.url,
            tenant=TENANT,
            user=("29:anna", "Anna de Vries"),
            conversation={"id": "a:personal-29:anna", "conversationType": "personal"},
            text=text,
        )
        assert await bot.post(personal) == 201
        replies = [card_text(r.activity) for r in connector.received]
        assert any("Dit teken kan ik niet opslaan" in reply for reply in replies)
        no_traceback(caplog)
    finally:
        await stop(bot)
        await connector.stop()
