"""On Slack too, quotes keep Dutch words that are also members' names and lose the names
(issue 13, PRODUCT.md §4.6): members Ben de Groot, Wil Janssen, Piet de Boer, Sanne de Jong."""

from __future__ import annotations

from bot.testing.fake_slack import FakeSlack
from tests.slack.world import CHANNEL, World, text_of

MEMBERS = {
    "U0001": "Ben de Groot",
    "U0002": "Wil Janssen",
    "U0003": "Piet de Boer",
    "U0004": "Sanne de Jong",
}
STORIES = {
    "U0001": "Ik ben buurtsportcoach en ik wil dat kinderen buiten spelen, zegt Petra Smit "
    "van de woningcorporatie",
    "U0002": "We zijn groot geworden in deze wijk, zei Piet",
    "U0003": "Als jonge boer ben ik bang voor het water, bel 06 - 12 34 56 78",
}


async def test_the_channel_post_keeps_ben_wil_and_boer_and_scrubs_the_names(
    world: World, fake: FakeSlack
) -> None:
    fake.add_user("UHOST", "Hanna Host")
    for user, name in MEMBERS.items():
        fake.add_user(user, name)
    fake.add_channel(CHANNEL, ["UHOST", *MEMBERS, "UBOT0001"])
    await world.boot()
    await world.command("UHOST", 'start --theme "Samen in de wijk" --min 3')
    await world.settle()
    for user, story in STORIES.items():
        await world.dm(user, "knel")
        await world.dm(user, story)
        await world.settle()
    told = text_of(world.last_private("U0001"))
    assert "wordt in citaten: [naam]." in told
    assert "Petra" not in told and "woningcorporatie" not in told
    assert "[telefoonnummer]" in text_of(world.last_private("U0003"))

    await world.command("UHOST", "close")
    await world.settle()
    await world.command("UHOST", "publiceer")
    await world.settle()
    posted = "\n".join(text_of(m) for m in fake.posts(CHANNEL)[1:])
    # Three people answered, so all three stories are quoted.
    assert (
        "Ik ben buurtsportcoach en ik wil dat kinderen buiten spelen, zegt [naam] "
        "van de woningcorporatie" in posted
    )
    assert "Als jonge boer ben ik bang voor het water, bel [telefoonnummer]" in posted
    assert "We zijn groot geworden in deze wijk, zei [naam]" in posted
    for leaked in ("Piet", "Petra", "Smit", "12 34 56 78", "*naam"):
        assert leaked not in posted
    assert not fake.rejected(), fake.rejected()
