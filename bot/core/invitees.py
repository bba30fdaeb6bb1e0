"""Who a round invited, kept so that messages after its close still reach them: the
thank-you with the result (issue 18, item 6) and the news that an action from the round is
done (item 5).

Once a round is closed its pseudonym key is gone, so its progress rows no longer say who was
invited. ``invitees`` keeps each invited person as a keyed hash with the master key (as the
host's, :meth:`~bot.core.pseudonyms.Keyring.host_hash`): a database dump alone cannot say who
was invited, and nothing in it joins with answers or progress. Who is reached is found by
hashing the channel's members at the time; *forget me* marks its person ``quiet`` and the
round never contacts them again (PRODUCT.md §4.9). Everyone invited gets the same message,
whether they answered or not: nothing sent says who took part.
"""

from __future__ import annotations

from sqlalchemy import insert, select, update

from bot.core.port import Member
from bot.core.rounds import RoundContext
from bot.core.turn import Turn
from storage.models import InviteeRow, RoundRow


def person_hash(turn: Turn, row: RoundRow, user_id: str) -> str:
    return turn.store.keyring.host_hash(row.id, row.platform, row.workspace, user_id)


async def record(turn: Turn, ctx: RoundContext, members: list[Member]) -> None:
    """Keep the round's invitees (at its start), in a shuffled order: their hashes."""
    hashes = sorted({person_hash(turn, ctx.row, m.user_id) for m in members})
    if hashes:
        await turn.session.execute(
            insert(InviteeRow),
            [{"round_id": ctx.id, "person_hash": h, "quiet": False} for h in hashes],
        )


async def quiet(turn: Turn, ctx: RoundContext, user_id: str) -> None:
    """*Forget me*: the round's later messages skip this person."""
    await turn.session.execute(
        update(InviteeRow)
        .where(
            InviteeRow.round_id == ctx.id,
            InviteeRow.person_hash == person_hash(turn, ctx.row, user_id),
        )
        .values(quiet=True),
        execution_options={"synchronize_session": False},
    )


async def quiet_closed(turn: Turn, platform: str, workspace: str, user_id: str) -> None:
    """*Forget me* after a round closed: its answers can no longer be linked to anyone, but its
    later messages (a thank-you, an action's news) still pass this person by."""
    round_ids = list(
        await turn.session.scalars(
            select(RoundRow.id).where(
                RoundRow.platform == platform,
                RoundRow.workspace == workspace,
                RoundRow.status == "closed",
            )
        )
    )
    hashes = [
        turn.store.keyring.host_hash(round_id, platform, workspace, user_id)
        for round_id in round_ids
    ]
    if hashes:
        await turn.session.execute(
            update(InviteeRow).where(InviteeRow.person_hash.in_(hashes)).values(quiet=True),
            execution_options={"synchronize_session": False},
        )


async def reachable(turn: Turn, row: RoundRow, members: list[Member]) -> list[str]:
    """The user ids among ``members`` whom the round invited and may still contact."""
    wanted = set(
        await turn.session.scalars(
            select(InviteeRow.person_hash).where(
                InviteeRow.round_id == row.id, InviteeRow.quiet.is_(False)
            )
        )
    )
    return [m.user_id for m in members if person_hash(turn, row, m.user_id) in wanted]
