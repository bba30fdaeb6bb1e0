"""A whole round on Slack: ``/dialoog start`` opens the form, prompts arrive in private chats,
answers come back as ``message.im`` events, the summary lands in the channel."""

from __future__ import annotations

from bot.testing.fake_slack import BOT_USER, FakeSlack
from tests.slack.world import CHANNEL, World, people, text_of

STORIES = [
    "De buurtapp bracht mensen samen: https://example.org <!channel> *echt* @here",
    "Bij de buurtapp hielpen buren elkaar met boodschappen, Bram Jansen regelde het",
    "De buurtapp zorgde dat ouderen samen boodschappen deden <@U0002>",
]
HEADLINES = ["Buurtapp verbindt", "Buren doen samen boodschappen", "Buurtapp helpt ouderen"]
DREAMS = ["Een wijk waar iedereen elkaar kent", "Samen de wijk groen maken", "Een wijk vol buren"]
IDEAS = [
    "Een buurtfeest, de gemeente betaalt",
    "Moestuin, bewoners beginnen",
    "Buurtapp voor iedereen",
]


async def test_a_whole_round_from_the_form_to_the_summary(world: World, fake: FakeSlack) -> None:
    users = people(fake, 3)
    await world.boot()

    # The host types a bare /dialoog start: Slack gets an empty ack, the form opens.
    response = await world.command("UHOST", "start")
    assert response.status == 200
    await world.settle()
    assert len(fake.views) == 1
    view = fake.views[0]
    assert view["title"]["text"] == "Nieuwe dialoogronde"

    status, answer = await world.submit(
        "UHOST", view, {"theme": "Samen in de wijk", "deadline": "3d", "threshold": "3"}
    )
    assert status == 200, answer
    await world.settle()

    # The channel hears that a round started; every human member gets an invitation, the
    # bots and the app itself do not.
    assert "Samen in de wijk" in text_of(fake.posts(CHANNEL)[0])
    invited = set(fake.ims)
    assert invited == set(users) | {"UHOST"}
    assert BOT_USER not in invited and "UOTHERBOT" not in invited

    everyone = [*users, "UHOST"]
    for n, user in enumerate(everyone[:3]):
        # Knel or kiem by button, then the story; each answer is confirmed privately.
        before = len(fake.private(user))
        invitation = world.last_private(user)
        await world.press(user, invitation, "kiem")
        await world.settle()
        assert len(fake.private(user)) == before + 1
        # The pressed row of buttons gives way to the choice; the skip button stays.
        rows = [b for b in invitation.blocks if b["type"] == "actions"]
        assert [e["value"] for b in rows for e in b["elements"]] == ["skip"]
        assert any(b["type"] == "context" and "✓" in str(b) for b in invitation.blocks)
        for text in (STORIES[n], HEADLINES[n]):
            before = len(fake.private(user))
            await world.dm(user, text)
            await world.settle()
            assert len(fake.private(user)) == before + 1
        # The dream phase offers the 16 picture prompts as buttons.
        prompt = world.last_private(user)
        pictures = [
            e
            for b in prompt.blocks
            if b.get("type") == "actions"
            for e in b["elements"]
            if e["value"].isdigit()
        ]
        assert len(pictures) == 16
        await world.press(user, prompt, str(n + 1))
        await world.dm(user, DREAMS[n])
        await world.dm(user, IDEAS[n])
        await world.settle()
    assert "UHOST" in fake.ims  # the host took part as the third participant

    await world.command("UHOST", "close")
    await world.settle()
    # The summary reaches the host as a draft first; the host publishes it with its button.
    draft = world.last_private("UHOST")
    assert "Concept" in text_of(draft)
    await world.press("UHOST", draft, "publish")
    await world.settle()

    summary = "\n".join(text_of(m) for m in fake.posts(CHANNEL)[1:])
    assert "Buurtapp" in summary or "buurtapp" in summary
    # Anonymous text can never ping, link or impersonate in the channel.
    for message in fake.posts(CHANNEL):
        text = text_of(message)
        for dangerous in ("<!channel>", "<!here>", "<@U", "<http", "@here", "@channel"):
            assert dangerous not in text
    assert not fake.rejected(), fake.rejected()


async def test_a_form_with_a_bad_threshold_is_sent_back_and_starts_nothing(
    world: World, fake: FakeSlack
) -> None:
    people(fake, 3)
    await world.boot()
    await world.command("UHOST", "start")
    await world.settle()
    status, answer = await world.submit("UHOST", fake.views[0], {"threshold": "0"})
    await world.settle()
    assert status == 200
    assert answer["response_action"] == "errors" and "threshold" in answer["errors"]
    assert fake.posts(CHANNEL) == [] and fake.ims == {}
