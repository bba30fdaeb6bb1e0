"""Quotes leave the bot without names, addresses, numbers, mentions or links (§4.6)."""

from __future__ import annotations

from bot.core.prompts import Catalog
from bot.core.scrub import Scrubber
from bot.testing import LocalDriver
from tests.core.conversation import CHANNEL, HOST, PEOPLE, answer_all, setup_channel


def test_scrubber_replaces_identifying_details() -> None:
    scrub = Scrubber.build(Catalog.load(), "nl", ["Anna de Vries", "bram.jansen"])
    text = scrub(
        "Anna en Bram belden 06-12345678, mailden anna@gemeente.nl, zie https://x.nl en "
        "<@U123|bram> @piet; in 2024 kwamen 1200 mensen bij De Vries' huis"
    )
    assert text == (
        "[naam] en [naam] belden [telefoonnummer], mailden [e-mailadres], zie [link] en "
        "[vermelding] [vermelding]; in 2024 kwamen 1200 mensen bij De [naam]' huis"
    )


def test_scrubber_leaves_ordinary_words_alone() -> None:
    scrub = Scrubber.build(Catalog.load(), "en", ["Jan van der Berg"])
    assert scrub("We met in January at the van near the mountain.") == (
        "We met in January at the van near the mountain."
    )


async def test_summary_quotes_are_scrubbed(local: LocalDriver) -> None:
    setup_channel(local)
    await local.command(HOST, CHANNEL, "start")
    for n, user in enumerate(PEOPLE, start=1):
        await answer_all(local, user, n)
    await local.say("U02BRAM", "edit")
    await local.say(
        "U02BRAM", "Chloé en ik bellen 0612345678 of mail bram@wijk.nl, zie www.wijk.nl"
    )
    await local.command(HOST, CHANNEL, "close")
    await local.command(HOST, CHANNEL, "publiceer")
    summary = local.channel(CHANNEL)[-1].fallback
    assert "0612345678" not in summary and "bram@wijk.nl" not in summary
    assert "Chloé" not in summary and "www.wijk.nl" not in summary
    assert "[naam] en ik bellen [telefoonnummer] of mail [e-mailadres], zie [link]" in summary
