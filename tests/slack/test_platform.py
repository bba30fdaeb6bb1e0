"""SlackPlatform against the fake Slack: long summaries continue in a thread, replies are
ephemeral, refusals and rate limits become the outbox's exceptions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from adapters.slack.installations import fixed_token
from adapters.slack.platform import SlackPlatform
from bot.core.messages import Heading, Outgoing, Quote, Text
from bot.core.port import DeliveryDeferred, DeliveryRefused
from bot.testing.fake_slack import BOT_TOKEN, TEAM, FakeSlack
from tests.slack.world import CHANNEL, people


@pytest.fixture
async def platform(fake: FakeSlack) -> AsyncIterator[SlackPlatform]:
    slack = SlackPlatform(fixed_token(BOT_TOKEN), fake.url, workspace_rate=1000)
    slack.channel_interval = 0.0
    yield slack
    await slack.close()


async def test_a_summary_over_50_blocks_continues_in_a_thread(
    fake: FakeSlack, platform: SlackPlatform
) -> None:
    people(fake, 3)
    summary = Outgoing((Heading("Oogst"), *(Quote(f"antwoord {n} " * 40) for n in range(120))))
    ref = await platform.post_channel(TEAM, CHANNEL, summary, key="k-summary")
    first, *rest = fake.posts(CHANNEL)
    assert (first.ts, first.thread_ts) == (ref.message_id, None)
    assert len(rest) == 2 and all(m.thread_ts == first.ts for m in rest)
    assert [len(m.blocks) for m in (first, *rest)] == [50, 50, 21]
    assert first.metadata == {
        "event_type": "dialoogbot_delivery",
        "event_payload": {"key": "k-summary", "pages": 3},
    }
    assert [m.metadata["event_payload"]["key"] for m in rest if m.metadata] == [
        "k-summary/1",
        "k-summary/2",
    ]
    assert not fake.rejected()
    assert await platform.was_delivered(TEAM, CHANNEL, None, "k-summary") is True
    assert await platform.was_delivered(TEAM, CHANNEL, None, "k-other") is False


async def test_after_a_crash_between_pages_only_the_missing_pages_are_posted(
    fake: FakeSlack, platform: SlackPlatform
) -> None:
    """The first page arrived, the process died before the last: recovery must neither call
    the summary delivered (its end would be lost) nor post it again from the start."""
    people(fake, 3)
    summary = Outgoing((Heading("Oogst"), *(Quote(f"antwoord {n} " * 40) for n in range(120))))
    fake.post_delay = 0.3  # Slack stores a post a while before it answers
    sending = asyncio.create_task(platform.post_channel(TEAM, CHANNEL, summary, key="k-long"))
    while len(fake.posts(CHANNEL)) < 2:
        await asyncio.sleep(0.01)
    sending.cancel()  # the crash: page 2 of 3 is stored, page 3 never sent
    await asyncio.gather(sending, return_exceptions=True)
    fake.post_delay = 0.0
    restarted = SlackPlatform(fixed_token(BOT_TOKEN), fake.url, workspace_rate=1000)
    restarted.channel_interval = 0.0
    try:
        assert await restarted.was_delivered(TEAM, CHANNEL, None, "k-long") is False
        ref = await restarted.post_channel(TEAM, CHANNEL, summary, key="k-long")
        assert await restarted.was_delivered(TEAM, CHANNEL, None, "k-long") is True
    finally:
        await restarted.close()
    first, *rest = fake.posts(CHANNEL)
    assert ref.message_id == first.ts
    assert [m.thread_ts for m in rest] == [first.ts, first.ts]
    assert [len(m.blocks) for m in (first, *rest)] == [50, 50, 21]
    assert not fake.rejected()


async def test_a_reply_in_a_channel_is_ephemeral_and_falls_back_to_a_private_chat(
    fake: FakeSlack, platform: SlackPlatform
) -> None:
    people(fake, 3)
    await platform.reply(TEAM, CHANNEL, "UHOST", Outgoing((Text("Alleen voor jou"),)))
    assert [m.user for m in fake.ephemeral] == ["UHOST"]
    fake.add_user("UOUTSIDER", "Olga Outsider")
    await platform.reply(TEAM, CHANNEL, "UOUTSIDER", Outgoing((Text("Privé"),)))
    assert len(fake.private("UOUTSIDER")) == 1


async def test_permanent_errors_are_refused_and_exhausted_rate_limits_deferred(
    fake: FakeSlack, platform: SlackPlatform
) -> None:
    people(fake, 3)
    with pytest.raises(DeliveryRefused):
        await platform.post_channel(TEAM, "CGONE", Outgoing((Text("x"),)))
    for _ in range(20):
        fake.fail_next.append(
            ("chat.postMessage", 429, {"ok": False, "error": "ratelimited", "retry_after": 0})
        )
    with pytest.raises(DeliveryDeferred):
        await platform.send_private(TEAM, "U0001", Outgoing((Text("x"),)), key="k1")
    assert platform.stats["rate_limited"] == 10


async def test_members_are_read_page_by_page_with_names_and_bots_marked(
    fake: FakeSlack, platform: SlackPlatform
) -> None:
    users = people(fake, 7)
    members = await platform.list_members(TEAM, CHANNEL)
    assert [m.user_id for m in members] == ["UHOST", *users, "UOTHERBOT", "UBOT0001"]
    assert {m.user_id for m in members if m.is_bot} == {"UOTHERBOT", "UBOT0001"}
    assert members[1].name.startswith("Anna de Vries")
    assert fake.count("conversations.members") == 4  # ten members, pages of three
