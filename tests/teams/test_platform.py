"""TeamsPlatform against a fake Bot Framework connector on 127.0.0.1: what arrives, retries on
429/412/502/504 honouring Retry-After, 403 skipped and counted, the roster page by page."""

from __future__ import annotations

import datetime as dt

import pytest

from adapters.teams.platform import TeamsPlatform
from adapters.teams.references import CHANNEL, ReferenceStore
from adapters.teams.references import TENANT as TENANT_KIND
from bot.core.messages import Choices, Option, Outgoing, Quote, Text
from bot.core.port import DeliveryDeferred, DeliveryRefused
from bot.testing.fake_connector import FakeConnector
from tests.teams.conftest import BOT, TENANT, Sleeps, add_people

PROMPT = Outgoing(
    (
        Text("Knel of kiem?"),
        Choices("knel_kiem", (Option("knel", "Knel"), Option("kiem", "Kiem")), "r-1"),
    )
)


async def test_a_prompt_arrives_as_an_adaptive_card_in_the_personal_chat(
    platform: TeamsPlatform, store: ReferenceStore, connector: FakeConnector
) -> None:
    await add_people(store, connector.url, "29:bram")
    ref = await platform.send_private(TENANT, "29:bram", PROMPT, key="k1")
    (got,) = connector.received
    assert got.conversation_id == "a:personal-29:bram"
    assert ref.message_id == got.activity_id
    (attachment,) = got.activity["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert attachment["content"]["type"] == "AdaptiveCard"
    assert got.activity["recipient"]["id"] == "29:bram"
    assert got.activity["from"]["id"] == BOT["id"]
    assert "replyToId" not in got.activity
    assert "text" not in got.activity  # the card alone: Teams would otherwise split it in two


@pytest.mark.parametrize("status", [429, 412, 502, 504])
async def test_transient_answers_are_retried_and_delivered_once(
    platform: TeamsPlatform,
    store: ReferenceStore,
    connector: FakeConnector,
    sleeps: Sleeps,
    status: int,
) -> None:
    await add_people(store, connector.url, "29:bram")
    connector.fail_next(status, times=2, retry_after=3 if status == 429 else None)
    await platform.send_private(TENANT, "29:bram", PROMPT)
    assert len(connector.received) == 1
    assert len(sleeps.waits) == 2
    if status == 429:
        assert all(wait >= 3 for wait in sleeps.waits)  # Retry-After honoured
        assert platform.throttled == 2


async def test_a_person_who_blocked_the_bot_is_refused_not_retried(
    platform: TeamsPlatform, store: ReferenceStore, connector: FakeConnector, sleeps: Sleeps
) -> None:
    await add_people(store, connector.url, "29:blocked")
    connector.blocked.add("a:personal-29:blocked")
    with pytest.raises(DeliveryRefused):
        await platform.send_private(TENANT, "29:blocked", PROMPT)
    assert sleeps.waits == [] and platform.refused == 1
    assert connector.statuses[403] == 1


async def test_endless_throttling_hands_the_message_back_to_the_queue(
    platform: TeamsPlatform, store: ReferenceStore, connector: FakeConnector
) -> None:
    await add_people(store, connector.url, "29:bram")
    connector.fail_next(429, times=10, retry_after=2)
    with pytest.raises(DeliveryDeferred) as caught:
        await platform.send_private(TENANT, "29:bram", PROMPT)
    assert caught.value.delay >= 2
    assert connector.received == []


async def channel_setup(store: ReferenceStore, url: str) -> None:
    await store.save(
        TENANT,
        CHANNEL,
        "19:dialoog",
        {
            "bot": BOT,
            "conversation": {"id": "19:dialoog", "conversationType": "channel", "tenantId": TENANT},
            "channelId": "msteams",
            "serviceUrl": url,
            "teamId": "19:team",
        },
    )


async def test_the_summary_is_a_new_channel_post_and_can_be_threaded(
    platform: TeamsPlatform, store: ReferenceStore, connector: FakeConnector
) -> None:
    await channel_setup(store, connector.url)
    summary = Outgoing((Text("Samenvatting"), Quote("<at>Bram</at> zei iets")))
    ref = await platform.post_channel(TENANT, "19:dialoog", summary, key="s1")
    (got,) = connector.received
    assert got.conversation_id == "19:dialoog" and ref.channel_id == "19:dialoog"
    assert "<at>" not in str(got.activity)
    await platform.post_channel(TENANT, "19:dialoog", Outgoing.text("in de draad"), thread_of="77")
    assert connector.received[-1].conversation_id == "19:dialoog;messageid=77"


async def test_the_roster_is_read_page_by_page(
    platform: TeamsPlatform, store: ReferenceStore, connector: FakeConnector
) -> None:
    await channel_setup(store, connector.url)
    connector.members = [{"id": f"29:m{n}", "name": f"Lid {n}"} for n in range(1234)]
    members = await platform.list_members(TENANT, "19:dialoog")
    assert len(members) == 1234 and members[-1].name == "Lid 1233"
    assert not any(m.is_bot for m in members)


async def test_someone_who_never_wrote_gets_a_new_personal_chat_which_is_remembered(
    platform: TeamsPlatform, store: ReferenceStore, connector: FakeConnector
) -> None:
    await store.save(
        TENANT,
        TENANT_KIND,
        "",
        {
            "bot": BOT,
            "serviceUrl": connector.url,
            "channelId": "msteams",
            "conversation": {"id": ""},
        },
    )
    await platform.send_private(TENANT, "29:new", PROMPT)
    assert connector.received[0].conversation_id == "a:personal-29:new"
    stored = await store.get(TENANT, "user", "29:new")
    assert stored is not None and stored["conversation"]["id"] == "a:personal-29:new"


async def test_no_channel_reference_means_refused(platform: TeamsPlatform) -> None:
    with pytest.raises(DeliveryRefused):
        await platform.post_channel(TENANT, "19:unknown", Outgoing.text("x"))


async def test_after_a_crash_a_sent_key_is_known_and_an_unsent_one_is_not(
    platform: TeamsPlatform, store: ReferenceStore, connector: FakeConnector
) -> None:
    await add_people(store, connector.url, "29:bram")
    await platform.send_private(TENANT, "29:bram", PROMPT, key="row-1")
    assert await platform.was_delivered(TENANT, None, "29:bram", "row-1") is True
    assert await platform.was_delivered(TENANT, None, "29:bram", "row-2") is None
    await store.forget_deliveries(today=dt.date.today() + dt.timedelta(days=30))
    assert await platform.was_delivered(TENANT, None, "29:bram", "row-1") is None


async def test_a_summary_too_big_for_one_message_arrives_as_consecutive_posts(
    platform: TeamsPlatform, store: ReferenceStore, connector: FakeConnector
) -> None:
    await channel_setup(store, connector.url)
    quotes = tuple(Quote(f"Antwoord {n}: " + "woorden " * 150) for n in range(60))
    ref = await platform.post_channel(TENANT, "19:dialoog", Outgoing(quotes), key="big")
    assert len(connector.received) > 1
    assert ref.message_id == connector.received[0].activity_id
    assert await platform.was_delivered(TENANT, "19:dialoog", None, "big") is True


async def test_each_retry_is_reported_with_its_status(
    store: ReferenceStore, connector: FakeConnector, platform: TeamsPlatform
) -> None:
    seen: list[str] = []
    platform.on_retry = seen.append
    await add_people(store, connector.url, "29:bram")
    connector.fail_next(429, retry_after=1)
    connector.fail_next(502)
    await platform.send_private(TENANT, "29:bram", PROMPT)
    assert seen == ["429", "502"]
