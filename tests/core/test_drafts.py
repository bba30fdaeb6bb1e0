"""A summary reaches its host as a draft first (PRODUCT.md §3, Publishing; issue 13 item 8).

The members and answers are those of the issue: Ben de Groot, Wil Janssen, Piet de Boer and
Sanne de Jong, in a dialogue about their neighbourhood. The host (Ben) reviews the draft in
the private chat: renames a theme, takes out a quote that identifies someone, publishes. Nobody
else can touch the draft; what is published is never more than the draft held.
"""

from __future__ import annotations

from sqlalchemy import func, select

from bot.core import drafts
from bot.core.messages import Entry, Outgoing, Quote
from bot.testing import LocalDriver, ManualClock
from storage.models import AnswerRow, DraftRow, ProgressRow, RoundRow
from tests.core.conversation import CHANNEL, choices

MEMBERS = {
    "U01BEN": "Ben de Groot",
    "U02WIL": "Wil Janssen",
    "U03PIET": "Piet de Boer",
    "U04SANNE": "Sanne de Jong",
}
HOST = "U01BEN"
ANSWERS = {
    "U01BEN": (
        "Ik ben buurtsportcoach en ik wil dat kinderen buiten spelen op het grasveld.",
        "Kinderen spelen weer buiten",
        "Een wijk waar kinderen veilig buiten spelen, elke dag.",
        "Het grasveld opknappen, de gemeente en de buurtsportcoach samen.",
    ),
    "U02WIL": (
        "We zijn buren geworden in deze wijk toen het speelveld dichtging.",
        "Buren vinden elkaar",
        "Een wijk met een speelveld waar buren elkaar treffen.",
        "Een buurtfeest op het speelveld, bewoners organiseren het.",
    ),
    "U03PIET": (
        "Als jonge boer ben ik bang dat het grasveld verdwijnt voor nieuwbouw.",
        "Grasveld blijft groen",
        "Een groene wijk met ruimte voor spelen en voor de boer.",
        "Bewoners praten mee over nieuwbouw, de gemeente nodigt uit.",
    ),
}


def setup(local: LocalDriver) -> None:
    local.platform.add_channel(CHANNEL, [local.member(u, n) for u, n in MEMBERS.items()])


async def answer(local: LocalDriver, user: str, texts: tuple[str, ...]) -> None:
    story, headline, dream, idea = texts
    await local.say(user, "knel")
    await local.say(user, story)
    await local.say(user, headline)
    await local.say(user, "5")
    await local.say(user, dream)
    await local.say(user, idea)


async def three_answered(local: LocalDriver, start: str = "start") -> None:
    setup(local)
    await local.command(HOST, CHANNEL, start)
    for user, texts in ANSWERS.items():
        await answer(local, user, texts)


def drafts_in(local: LocalDriver, user: str) -> list[Outgoing]:
    return [m for m in local.inbox(user) if any(c.key == "draft" for c in choices(m))]


def quoted(message: Outgoing) -> str:
    return "\n".join(b.text for b in message.blocks if isinstance(b, Quote))


async def draft_rows(local: LocalDriver) -> list[DraftRow]:
    async with local.app.db.sessions() as session:
        return list((await session.scalars(select(DraftRow))).all())


async def test_close_drafts_the_host_renames_removes_a_quote_and_publishes(
    local: LocalDriver,
) -> None:
    await three_answered(local)
    posts = len(local.channel(CHANNEL))
    closed = await local.command(HOST, CHANNEL, "close")
    assert "concept" in closed.fallback and "gesloten" in closed.fallback
    # The channel hears that the host is checking; no quote, no theme, no count yet.
    after_close = local.channel(CHANNEL)[posts:]
    assert len(after_close) == 1 and "kijkt de samenvatting na" in after_close[0].fallback
    assert not any(isinstance(b, Quote) for b in after_close[0].blocks)

    # The draft reached the host privately: the summary as it would be posted, numbered.
    draft = drafts_in(local, HOST)[-1]
    assert "Concept: De ronde is gesloten" in draft.fallback
    buttons = next(c for c in choices(draft) if c.key == "draft")
    assert [o.value for o in buttons.options] == ["publish", "rename", "remove", "discard"]
    assert [o.label for o in buttons.options] == [
        "Publiceer",
        "Hernoem thema",
        "Verwijder citaat",
        "Annuleer",
    ]
    assert "[1] " in quoted(draft)
    round_id = buttons.round_id
    assert round_id is not None

    # Rename: the button offers the themes and a field; the field comes back with a name.
    form = await local.press(HOST, "draft", "rename", round_id)
    entry = next(b for b in form.blocks if isinstance(b, Entry))
    assert entry.options[0].value == "1" and entry.options[0].label.startswith("1. ")
    assert "hernoem <nummer> <nieuwe naam>" in entry.command
    renamed = await local.press(HOST, entry.key, "1\tSpelen in het groen", round_id)
    assert "1. Spelen in het groen" in renamed.fallback

    # Remove a quote: the list numbers every quote; the press takes that one out.
    (row,) = await draft_rows(local)
    before = drafts.quotes(drafts.loads(row.content))
    listing = await local.press(HOST, "draft", "remove", round_id)
    removal = next(c for c in choices(listing) if c.key == "draft_quote")
    assert len(removal.options) == len(before) >= 2
    gone = before[0]
    edited = await local.press(HOST, "draft_quote", "1", round_id)
    assert gone not in quoted(edited)
    (row,) = await draft_rows(local)
    assert drafts.quotes(drafts.loads(row.content)) == before[1:]

    # Publish: the channel gets the edited summary, without the numbers; the draft is gone.
    done = await local.press(HOST, "draft", "publish", round_id)
    assert "staat nu in het kanaal" in done.fallback
    published = local.channel(CHANNEL)[-1]
    assert "De ronde is gesloten: de oogst" in published.fallback
    assert "Spelen in het groen" in published.fallback
    assert gone not in quoted(published)
    assert "[1]" not in published.fallback and "[2]" not in published.fallback
    for quote in before[1:]:
        assert quote in quoted(published) or quote not in quoted(draft)
    assert await draft_rows(local) == []
    again = await local.command(HOST, CHANNEL, "publiceer")
    assert "geen concept" in again.fallback
    assert local.channel(CHANNEL)[-1] is published, "published once"


async def test_the_same_by_typed_words_in_the_channel_and_the_private_chat(
    local: LocalDriver,
) -> None:
    await three_answered(local)
    reply = await local.command(HOST, CHANNEL, "summary")
    assert "concept in je privégesprek" in reply.fallback
    posts = len(local.channel(CHANNEL))
    changed = await local.command(HOST, CHANNEL, "hernoem 1 Buiten spelen")
    assert "aangepast" in changed.fallback
    assert "1. Buiten spelen" in drafts_in(local, HOST)[-1].fallback
    (row,) = await draft_rows(local)
    second = drafts.quotes(drafts.loads(row.content))[1]
    # In the private chat the host's words act on the draft, they are not an answer.
    answers_before = await count(local, AnswerRow)
    edited = await local.say(HOST, "verwijder citaat 2")
    assert second not in quoted(edited)
    assert await count(local, AnswerRow) == answers_before
    usage = await local.say(HOST, "hernoem twee Iets")
    assert "hernoem <nummer> <nieuwe naam>" in usage.fallback
    missing = await local.say(HOST, "hernoem 99 Iets")
    assert "Thema 99 bestaat niet" in missing.fallback
    assert len(local.channel(CHANNEL)) == posts, "nothing published while reviewing"
    await local.say(HOST, "publiceer")
    published = local.channel(CHANNEL)[-1]
    assert "Tussenstand" in published.fallback or "tussenstand" in published.fallback
    assert "Buiten spelen" in published.fallback and second not in quoted(published)
    # The round is still open; a participant's answers still go on as before.
    assert (await latest(local)).status == "open"


async def test_cancel_throws_the_draft_away_and_publishes_nothing(local: LocalDriver) -> None:
    await three_answered(local)
    await local.command(HOST, CHANNEL, "close")
    posts = len(local.channel(CHANNEL))
    round_id = (await latest(local)).id
    reply = await local.press(HOST, "draft", "discard", round_id)
    assert "weggegooid" in reply.fallback
    assert await draft_rows(local) == []
    refused = await local.press(HOST, "draft", "publish", round_id)
    assert "geen concept" in refused.fallback
    assert len(local.channel(CHANNEL)) == posts


async def test_nobody_but_the_host_can_act_on_the_draft(local: LocalDriver) -> None:
    await three_answered(local)
    await local.command(HOST, CHANNEL, "close")
    round_id = (await latest(local)).id
    (before,) = await draft_rows(local)
    posts = len(local.channel(CHANNEL))
    # A participant forging the host's buttons (the round id is in every button's data).
    for action, value in (
        ("draft", "publish"),
        ("draft", "discard"),
        ("draft", "rename"),
        ("draft", "remove"),
        ("draft_rename", "1\tGekaapt"),
        ("draft_quote", "1"),
    ):
        refused = await local.press("U02WIL", action, value, round_id)
        assert "Alleen de gespreksleider van deze ronde" in refused.fallback, (action, value)
    for words in ("publiceer", "hernoem 1 Gekaapt", "verwijder citaat 1", "annuleer"):
        refused = await local.command("U03PIET", CHANNEL, words)
        assert "Alleen de gespreksleider van deze ronde" in refused.fallback, words
    (after,) = await draft_rows(local)
    assert after.content == before.content and after.heading == before.heading
    assert len(local.channel(CHANNEL)) == posts
    assert not drafts_in(local, "U02WIL") and not drafts_in(local, "U03PIET")


async def test_a_new_summary_replaces_the_draft_and_a_closed_rounds_draft_waits(
    local: LocalDriver,
) -> None:
    await three_answered(local)
    await local.command(HOST, CHANNEL, "summary")
    (first,) = await draft_rows(local)
    await answer(
        local,
        "U04SANNE",
        (
            "Het speelveld bracht mijn straat samen, jong en oud.",
            "Speelveld verbindt de straat",
            "Een wijk waar iedereen het speelveld gebruikt.",
            "Een moestuin naast het speelveld, de school helpt.",
        ),
    )
    await local.command(HOST, CHANNEL, "summary")
    (second,) = await draft_rows(local)
    assert "Speelveld verbindt de straat" in second.content
    assert "Speelveld verbindt de straat" not in first.content
    # Closing makes the final draft; it outlives the round and a next round in the channel.
    await local.command(HOST, CHANNEL, "close")
    await local.command("U02WIL", CHANNEL, "start")
    (waiting,) = await draft_rows(local)
    assert waiting.heading.startswith("De ronde is gesloten")
    await local.command(HOST, CHANNEL, "publiceer")
    assert "Speelveld verbindt de straat" in local.channel(CHANNEL)[-1].fallback
    assert await draft_rows(local) == []


async def test_review_at_the_deadline_drafts_for_the_host(
    local: LocalDriver, clock: ManualClock
) -> None:
    await three_answered(local, "start --deadline 1d --remind off")
    clock.advance(days=1, minutes=1)
    await local.app.scheduler.run_due()
    await local.app.dispatcher.drain()
    assert (await latest(local)).status == "closed"
    assert "kijkt de samenvatting na" in local.channel(CHANNEL)[-1].fallback
    draft = drafts_in(local, HOST)[-1]
    assert "Concept: De ronde is gesloten" in draft.fallback
    assert not drafts_in(local, "U02WIL")
    await local.command(HOST, CHANNEL, "publish")
    assert "Kinderen spelen weer buiten" in local.channel(CHANNEL)[-1].fallback


async def test_direct_publishing_posts_at_the_deadline_without_review(
    local: LocalDriver, clock: ManualClock
) -> None:
    await three_answered(local, "start --deadline 1d --remind off --publiceer direct")
    row = await latest(local)
    assert row.publish == "direct"
    clock.advance(days=1, minutes=1)
    await local.app.scheduler.run_due()
    await local.app.dispatcher.drain()
    final = local.channel(CHANNEL)[-1]
    assert "De ronde is gesloten: de oogst" in final.fallback
    assert "Kinderen spelen weer buiten" in final.fallback
    assert await draft_rows(local) == [] and not drafts_in(local, HOST)


async def test_a_bad_publish_mode_is_refused_and_starts_nothing(local: LocalDriver) -> None:
    setup(local)
    refused = await local.command(HOST, CHANNEL, "start --publiceer morgen")
    assert "`--publiceer morgen` ken ik niet" in refused.fallback
    assert local.channel(CHANNEL) == []
    english = await local.command(HOST, CHANNEL, "start --lang en --publish review")
    assert "host" in english.fallback
    assert (await latest(local)).publish == "review"


async def test_the_draft_holds_only_what_would_be_published(local: LocalDriver) -> None:
    """No pseudonym, user id, member name or contact detail; no answer of a phase too few
    people answered; the host's preview shows nothing the draft does not hold."""
    setup(local)
    await local.command(HOST, CHANNEL, "start")
    for user, texts in ANSWERS.items():
        story, headline, dream, idea = texts
        if user == "U02WIL":
            story = "We zijn buren geworden; Sanne de Jong (sanne@voorbeeld.nl, 06-12345678) belde."
        await local.say(user, "knel")
        await local.say(user, story)
        await local.say(user, headline)
        await local.say(user, "5")
        await local.say(user, dream)
        if user != "U03PIET":  # two ideas only: below the threshold of three
            await local.say(user, f"{idea} (alleen twee)")
    async with local.app.db.sessions() as session:
        pseudonyms = set((await session.scalars(select(ProgressRow.pseudonym))).all())
    await local.command(HOST, CHANNEL, "summary")
    (row,) = await draft_rows(local)
    stored = f"{row.heading}\n{row.content}"
    assert "buren geworden" in stored, "the draft holds the summary"
    for secret in [*MEMBERS, *MEMBERS.values(), "sanne@voorbeeld.nl", "06-12345678"]:
        assert secret not in stored, secret
    assert not any(p in stored or p[:8] in stored for p in pseudonyms)
    assert "(alleen twee)" not in stored
    assert "(alleen twee)" not in drafts_in(local, HOST)[-1].fallback


async def count(local: LocalDriver, model: type) -> int:
    async with local.app.db.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def latest(local: LocalDriver) -> RoundRow:
    async with local.app.db.sessions() as session:
        row = await session.scalar(select(RoundRow).order_by(RoundRow.seq.desc()))
    assert row is not None
    return row
