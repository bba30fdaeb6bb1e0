"""Issue 16, item 3: in an English round every private reply is English, ``help`` included,
even where the bot's default language is Dutch; without a round the default holds."""

from __future__ import annotations

from pathlib import Path

from adapters.local.platform import LocalPlatform
from bot.core.prompts import Catalog
from bot.runtime.app import App
from bot.testing import LocalDriver
from bot.testing.clock import ManualClock
from tests.conftest import make_settings
from tests.core.conversation import CHANNEL, HOST, setup_channel

PARTICIPANT = "U02BRAM"


async def test_private_help_and_refusals_speak_the_round_s_language(local: LocalDriver) -> None:
    catalog = Catalog.load()
    setup_channel(local)
    # No round yet: the default (Dutch).
    dutch = await local.say(PARTICIPANT, "help")
    assert dutch.fallback == catalog.text("nl", "help.private")

    await local.command(HOST, CHANNEL, "start --lang en")
    english = await local.say(PARTICIPANT, "help")
    assert english.fallback == catalog.text("en", "help.private")
    # A channel command typed privately is refused in English too.
    refused = await local.say(PARTICIPANT, "status")
    assert refused.fallback == catalog.text("en", "error.use_in_channel")
    # Answers, skips and edits were English already; they stay so.
    stored = await local.say(PARTICIPANT, "kiem")
    assert "Dank" not in stored.fallback and "Bedankt" not in stored.fallback
    # Forget me, in English, and after it (no round any more) the default again.
    forgotten = await local.say(PARTICIPANT, "forget me")
    english_lead = catalog.text("en", "answer.forgotten", answers="0", open_rounds="1").split(":")[
        0
    ]
    assert forgotten.fallback.startswith(english_lead + ":")
    again = await local.say(PARTICIPANT, "help")
    assert again.fallback == catalog.text("nl", "help.private")


async def test_a_dutch_round_stays_dutch_in_an_english_installation(tmp_path: Path) -> None:
    catalog = Catalog.load()
    app = await App.create(make_settings(tmp_path, DIALOOG_LANGUAGE="en"), clock=ManualClock())
    platform = LocalPlatform()
    app.add_platform(platform)
    local = LocalDriver(app, platform)
    try:
        setup_channel(local)
        assert (await local.say(PARTICIPANT, "help")).fallback == catalog.text("en", "help.private")
        await local.command(HOST, CHANNEL, "start --lang nl")
        reply = await local.say(PARTICIPANT, "help")
        assert reply.fallback == catalog.text("nl", "help.private")
        refused = await local.say(PARTICIPANT, "close")
        assert refused.fallback == catalog.text("nl", "error.use_in_channel")
    finally:
        await app.stop()
