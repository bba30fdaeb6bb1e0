"""A Teams host's export: a link in their personal chat to a signed, expiring, single-use
download on the bot's own server. It downloads once, then refuses; an expired, forged or
altered link opens nothing; the file waits in the database encrypted."""

from __future__ import annotations

import io
import re
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import docx
import openpyxl
import pytest
from aiohttp import web
from sqlalchemy import select

from bot.runtime.app import App
from bot.runtime.downloads import Refusal
from bot.runtime.server import build_web_app
from bot.synthesis.offline import OfflineSynthesizer
from bot.testing.clock import ManualClock
from bot.testing.fake_connector import FakeConnector
from storage.models import DownloadRow
from tests.conftest import make_settings
from tests.teams.teams_round import card_text
from tests.teams.test_round_fake_connector import HEADLINES, HOST, PEOPLE, Bot

LINK = re.compile(r"\((http://127\.0\.0\.1:\d+/files/[A-Za-z0-9_.-]+)\)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server(Bot):
    """The whole server (build_web_app: /api/messages, /files, /privacy, /terms)."""

    clock: ManualClock
    base: str


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[Server]:
    connector = FakeConnector(members=[{"id": u, "name": n} for u, n in PEOPLE.items()])
    await connector.start()
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    clock = ManualClock()
    settings = make_settings(tmp_path, DIALOOG_PUBLIC_URL=base, DIALOOG_TEAMS_PLAYGROUND=True)
    app = await App.create(settings, clock=clock, synthesizer=OfflineSynthesizer())
    web_app, _connected = await build_web_app(app)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    driver = Server(app, f"{base}api/messages", connector)
    driver.clock, driver.base = clock, base
    yield driver
    await driver.session.close()
    await runner.cleanup()
    await app.stop()
    await connector.stop()


async def closed_round(bot: Server) -> None:
    await bot.in_channel(HOST, 'start --theme "Samen in de wijk"')
    for n, user in enumerate(PEOPLE, start=1):
        await bot.personal(user, "kiem")
        await bot.personal(user, f"Het buurthuis bleef open dankzij vrijwilligers, verhaal {n}.")
        await bot.personal(user, HEADLINES[n - 1])
    await bot.in_channel(HOST, "close")


def link_in(bot: Server, user: str) -> str:
    """The link in the newest message that has one (the note "it is in our private chat"
    may arrive before or after it)."""
    for sent in reversed(bot.inbox(user)):
        found = LINK.findall(card_text(sent))
        if found:
            assert len(found) == 1
            return str(found[0])
    raise AssertionError(f"{user} got no download link")


async def get(bot: Server, url: str) -> tuple[int, dict[str, str], bytes]:
    async with bot.session.get(url) as response:
        return response.status, dict(response.headers), await response.read()


async def test_the_link_downloads_once_then_refuses(server: Server) -> None:
    await closed_round(server)
    others = {user: len(server.inbox(user)) for user in PEOPLE if user != HOST}
    await server.in_channel(HOST, "export xlsx")
    link = link_in(server, HOST)
    assert link.startswith(server.base + "files/")
    (text,) = [card_text(a) for a in server.inbox(HOST) if link in card_text(a)]
    assert "één keer" in text and "24 uur" in text
    # Nobody else got anything, and nothing of it went to the channel.
    assert {user: len(server.inbox(user)) for user in others} == others
    assert "/files/" not in str(server.chat("19:dialoog@thread.tacv2"))

    # The file waits encrypted: the database holds no readable workbook.
    async with server.app.db.sessions() as session:
        (row,) = (await session.scalars(select(DownloadRow))).all()
    assert b"Krantenkop" not in row.data and not row.data.startswith(b"PK")

    status, headers, body = await get(server, link)
    assert status == 200
    assert headers["Content-Type"].startswith("application/vnd.openxmlformats")
    disposition = headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and disposition.endswith(".xlsx")
    assert headers["Cache-Control"] == "no-store"
    book = openpyxl.load_workbook(io.BytesIO(body))
    rows = list(book["Krantenkop"].iter_rows(min_row=3, values_only=True))
    assert {r[2] for r in rows} == set(HEADLINES)

    status, _headers, page = await get(server, link)
    assert status == 410
    assert "al gedownload" in page.decode() and "één keer" in page.decode()
    async with server.app.db.sessions() as session:
        assert (await session.scalars(select(DownloadRow))).all() == []


async def test_an_expired_link_is_refused_and_its_file_removed(server: Server) -> None:
    await closed_round(server)
    await server.in_channel(HOST, "export")
    link = link_in(server, HOST)
    server.clock.advance(hours=24, seconds=1)
    status, _headers, page = await get(server, link)
    assert status == 410 and "verlopen" in page.decode()
    async with server.app.db.sessions() as session:
        assert (await session.scalars(select(DownloadRow))).all() == []


async def test_forged_and_altered_links_open_nothing(server: Server) -> None:
    await closed_round(server)
    await server.in_channel(HOST, "export docx")
    link = link_in(server, HOST)
    payload, signature = link.rsplit("/", 1)[1].split(".")
    flipped = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    for bad in (
        f"{server.base}files/{flipped}.{signature}",  # another id or expiry, same signature
        f"{server.base}files/{payload}.{signature[::-1]}",  # a made-up signature
        f"{server.base}files/{payload}",  # no signature
        f"{server.base}files/not-a-token",
    ):
        status, _headers, page = await get(server, bad)
        assert status == 404 and "klopt niet" in page.decode(), bad
    # The real link still works after all that, once.
    status, _headers, body = await get(server, link)
    assert status == 200
    report = docx.Document(io.BytesIO(body))
    assert any("Samen in de wijk" in p.text for p in report.paragraphs)


async def test_a_link_from_another_installation_opens_nothing(
    server: Server, tmp_path: Path
) -> None:
    """A token signed with another secret file is a forgery here."""
    other = await App.create(make_settings(tmp_path / "other"))
    try:
        token = await other.downloads.offer("x.csv", "text/csv", b"a;b\r\n", "en")
    finally:
        await other.stop()
    assert await server.app.downloads.take(token) is Refusal.INVALID


async def test_privacy_and_terms_are_served_in_both_languages(server: Server) -> None:
    for path, dutch, english in (
        ("privacy", "Wat de bot bewaart", "What the bot stores"),
        ("terms", "Meedoen is vrijwillig", "Taking part is voluntary"),
    ):
        status, headers, page = await get(server, f"{server.base}{path}")
        assert status == 200 and headers["Content-Type"].startswith("text/html")
        assert dutch in page.decode()
        async with server.session.get(
            f"{server.base}{path}", headers={"Accept-Language": "en-GB,en;q=0.9"}
        ) as response:
            assert english in await response.text()
        status, _headers, page = await get(server, f"{server.base}{path}?lang=en")
        assert status == 200 and english in page.decode()
        assert "<li>" in page.decode() and "**" not in page.decode()  # rendered Markdown
    status, _headers, page = await get(server, f"{server.base}privacy")
    assert "minstens 3 mensen" in page.decode()  # the threshold in force
    assert "vergeet mij" in page.decode()


async def test_a_teams_download_link_needs_the_public_url(tmp_path: Path) -> None:
    """Without DIALOOG_PUBLIC_URL a link points at this machine, and a bad value is refused
    at start with one line."""
    from bot.support.settings import SettingsError

    with pytest.raises(SettingsError, match="DIALOOG_PUBLIC_URL"):
        make_settings(tmp_path, DIALOOG_PUBLIC_URL="dialoog.gemeente.nl")
    app = await App.create(make_settings(tmp_path))
    try:
        token = await app.downloads.offer("x.csv", "text/csv", b"a;b\r\n", "nl")
        assert app.downloads.link(token).startswith("http://127.0.0.1:3978/files/")
    finally:
        await app.stop()


async def test_the_download_pages_are_in_the_link_s_language(server: Server) -> None:
    token = await server.app.downloads.offer("x.csv", "text/csv", b"a;b\r\n", "en")
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{server.base}files/{token}") as response:
            assert response.status == 200
        async with session.get(f"{server.base}files/{token}") as response:
            assert response.status == 410
            assert "already been downloaded" in await response.text()
