"""Limits on who can make noise: starts per channel and per person per hour, and
DIALOOG_HOSTS restricting who may start at all. A refused start gets a private reply and
changes nothing: no channel post, no invitations."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.runtime.app import App
from bot.testing import LocalDriver, LocalPlatform, ManualClock
from tests.conftest import make_settings
from tests.core.conversation import CHANNEL, HOST, PEOPLE, setup_channel
from tests.core.test_bad_input import snapshot

OTHER = "C-ANDER"


async def driver(tmp_path: Path, clock: ManualClock, **env: object) -> LocalDriver:
    app = await App.create(make_settings(tmp_path, **env), clock=clock)
    platform = LocalPlatform()
    app.add_platform(platform)
    local = LocalDriver(app, platform)
    setup_channel(local)
    local.platform.add_channel(OTHER, [local.member(u, n) for u, n in PEOPLE.items()])
    return local


@pytest.fixture
async def limited(tmp_path: Path, clock: ManualClock) -> AsyncIterator[LocalDriver]:
    local = await driver(
        tmp_path,
        clock,
        DIALOOG_STARTS_PER_HOUR_CHANNEL=2,
        DIALOOG_STARTS_PER_HOUR_PERSON=3,
    )
    yield local
    await local.app.stop()


async def test_a_channel_gets_at_most_n_starts_an_hour(
    limited: LocalDriver, clock: ManualClock
) -> None:
    users = list(PEOPLE)
    for n in range(2):
        await limited.command(users[n], CHANNEL, 'start --theme "Samen"')
        await limited.command(users[n], CHANNEL, "close")
    posts, invitations = len(limited.channel(CHANNEL)), len(limited.inbox(users[3]))
    before = await snapshot(limited)
    reply = await limited.command(users[2], CHANNEL, 'start --theme "Nog een"')
    assert "het afgelopen uur al 2 rondes gestart" in reply.fallback
    assert await snapshot(limited) == before
    assert len(limited.channel(CHANNEL)) == posts  # no channel post
    assert len(limited.inbox(users[3])) == invitations  # no invitations
    # another channel is not affected, and an hour later this one is open again
    await limited.command(users[2], OTHER, 'start --theme "Elders"')
    assert len(limited.channel(OTHER)) == 1
    clock.advance(minutes=61)
    await limited.command(users[2], CHANNEL, 'start --theme "Later"')
    assert len(limited.channel(CHANNEL)) == posts + 1


async def test_a_person_gets_at_most_n_starts_an_hour_over_all_channels(
    limited: LocalDriver,
) -> None:
    third = "C-DERDE"
    limited.platform.add_channel(third, [limited.member(u, n) for u, n in PEOPLE.items()])
    for channel in (CHANNEL, OTHER, third):
        await limited.command(HOST, channel, 'start --theme "Samen"')
        await limited.command(HOST, channel, "close")
    before = await snapshot(limited)
    reply = await limited.command(HOST, OTHER, 'start --theme "Vierde"')
    assert "Je hebt het afgelopen uur al 3 rondes gestart" in reply.fallback
    assert await snapshot(limited) == before
    # someone else can still start there
    await limited.command("U02BRAM", OTHER, 'start --theme "Bram"')
    assert "Bram" in limited.channel(OTHER)[-1].fallback


async def test_refused_starts_are_not_counted(limited: LocalDriver) -> None:
    for _ in range(5):
        await limited.command(HOST, CHANNEL, "start --lang fr")  # refused: bad language
    await limited.command(HOST, CHANNEL, 'start --theme "Samen"')
    assert len(limited.channel(CHANNEL)) == 1


async def test_the_default_limits_are_sane(tmp_path: Path, clock: ManualClock) -> None:
    local = await driver(tmp_path, clock)
    try:
        settings = local.app.settings
        assert 1 <= settings.starts_per_hour_channel <= 10
        assert settings.starts_per_hour_channel <= settings.starts_per_hour_person <= 20
        # the flood of the issue: a member starting and closing 8 rounds in a row
        refusals = []
        for _ in range(8):
            reply = await local.command("U02BRAM", CHANNEL, 'start --theme "Spam"')
            refusals.append("het afgelopen uur al" in reply.fallback)
            await local.command("U02BRAM", CHANNEL, "close")
        assert refusals.count(False) == settings.starts_per_hour_channel
        assert all(refusals[settings.starts_per_hour_channel :])
    finally:
        await local.app.stop()


async def test_hosts_list_restricts_who_may_start(tmp_path: Path, clock: ManualClock) -> None:
    local = await driver(tmp_path, clock, DIALOOG_HOSTS=f"{HOST}, U09ELDERS")
    try:
        before = await snapshot(local)
        reply = await local.command("U02BRAM", CHANNEL, 'start --theme "Samen"')
        assert "alleen aangewezen personen" in reply.fallback
        assert await snapshot(local) == before
        assert local.channel(CHANNEL) == []
        await local.command(HOST, CHANNEL, 'start --theme "Samen"')
        assert len(local.channel(CHANNEL)) == 1
    finally:
        await local.app.stop()


async def test_channel_managers_may_start_when_the_platform_says_so(
    tmp_path: Path, clock: ManualClock
) -> None:
    local = await driver(tmp_path, clock, DIALOOG_HOSTS="channel-managers,U09ELDERS")
    try:
        local.platform.managers.add("U03CHLOE")
        reply = await local.command("U02BRAM", CHANNEL, 'start --theme "Samen"')
        assert "beheerders van het kanaal" in reply.fallback
        assert local.channel(CHANNEL) == []
        await local.command("U03CHLOE", CHANNEL, 'start --theme "Samen"')
        assert len(local.channel(CHANNEL)) == 1
    finally:
        await local.app.stop()


@pytest.mark.parametrize("value", ["U1 U2", "a, b c"])
def test_a_malformed_hosts_setting_is_one_clear_line(tmp_path: Path, value: str) -> None:
    from bot.support.settings import SettingsError

    with pytest.raises(SettingsError) as caught:
        make_settings(tmp_path, DIALOOG_HOSTS=value)
    assert str(caught.value).startswith("DIALOOG_HOSTS:")
