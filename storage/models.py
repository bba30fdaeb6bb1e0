"""Database schema. Anonymity lives here: no table that holds answer text has a column that
could hold a platform user id, a name or an exact time (PRODUCT.md §4).

- ``answers`` carry a pseudonym (keyed HMAC, key outside the database) and the day only.
- ``progress`` carries the pseudonym's position in the template, no time.
- Round keys are not kept here at all: each lives in a file of its own outside the database
  (:mod:`storage.keys`), because a deleted row lingers in SQLite's WAL and in PostgreSQL's
  heap and WAL. While a round is open its answers are sealed with a key derived from the
  round key (``answers.sealed``); at close they are written out in plain text and the key
  file destroyed, so an answer erased by *forget me* is unreadable wherever its old bytes
  remain.
- ``drafts`` hold a summary for its host to review: only what would be published.
- ``outbox`` holds messages waiting to be sent: prompts, confirmations and summaries, never an
  answer next to a user id.
- ``downloads`` holds an export waiting for its single download, encrypted with a key that is
  only in the link (bot/runtime/downloads.py); the row is deleted when it is fetched.
- ``inbox`` holds channel commands acknowledged but not yet applied, never an answer or vote.
- ``series`` holds a channel's series of rounds (*traject*): a name, a goal and a method; its
  rounds point at it with their place, and each round keeps the theme labels its published
  summary showed (``rounds.outcome``), what the next round's invitation recaps.
- ``progress.segment`` is the group a pseudonym said it belongs to (bot/core/segments.py),
  stored like an answer.
- ``invitees`` holds who a round invited as keyed hashes with the master key (for the
  thank-you and an action's news after the round key is gone), never a pseudonym.
- ``actions`` are named on purpose (*wie, wat, wanneer*): owner ids, never answers' authors.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    insert,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes on every backend (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class RoundRow(Base):
    """A round in a channel. ``host_hash`` is a keyed hash of the host, not their id."""

    __tablename__ = "rounds"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    workspace: Mapped[str] = mapped_column(String(128))
    channel_id: Mapped[str] = mapped_column(String(128))
    template: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(2))
    # The form of address of a Dutch round: "je" or "u" (bot/core/prompts.py).
    address: Mapped[str] = mapped_column(String(2), default="je", server_default="je")
    timezone: Mapped[str] = mapped_column(String(64))
    theme: Mapped[str | None] = mapped_column(Text)
    opening_story: Mapped[str | None] = mapped_column(Text)
    paced: Mapped[bool] = mapped_column(Boolean, default=False)
    open_phase: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(8), default="open")
    min_respondents: Mapped[int] = mapped_column(Integer)
    deadline: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    host_hash: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    opened_day: Mapped[dt.date] = mapped_column(Date)
    closed_day: Mapped[dt.date | None] = mapped_column(Date)
    # Schedules: reminder slots before the deadline ("24h,2h"; empty: none), and for a paced
    # round the length of a phase and when the open phase opened (None: only `next`).
    reminders: Mapped[str] = mapped_column(String(64), default="")
    phase_seconds: Mapped[int | None] = mapped_column(Integer)
    phase_opened: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # How summaries reach the channel: "review" (a draft to the host first) or "direct".
    publish: Mapped[str] = mapped_column(String(8), default="review", server_default="review")
    # A series' round knows its series and its place in it (1-based).
    series_id: Mapped[str | None] = mapped_column(ForeignKey("series.id", ondelete="SET NULL"))
    series_place: Mapped[int | None] = mapped_column(Integer)
    # One open round per lane in a channel: "" for a round started with `start`, the theme
    # (casefolded) for a theme round started from an exploratory round's button.
    lane: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # The round whose published theme this round took up (its exploratory round).
    origin_id: Mapped[str | None] = mapped_column(String(32))
    # The theme labels of the summary last published for this round (a JSON list): only what
    # the channel has already read.
    outcome: Mapped[str | None] = mapped_column(Text)
    # The self-declared groups participants may choose from before the first question, one
    # per line (bot/core/segments.py); empty: no such question.
    segments: Mapped[str | None] = mapped_column(Text)
    # A closed round whose harvest was published owes its invitees a thank-you (sent by a
    # timer, bot/core/thanks.py): what it produced in one line, and since when it is owed.
    thanks: Mapped[str | None] = mapped_column(Text)
    thanks_due: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # The summary as last posted in the channel (JSON of bot/core/drafts.py, only what was
    # published): a vote or feedback on the round takes its themes as the host named them.
    published: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index(
            "uq_rounds_open_channel",
            "platform",
            "workspace",
            "channel_id",
            "lane",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_rounds_workspace_status", "platform", "workspace", "status"),
    )


class SeriesRow(Base):
    """A series of rounds in a channel (*traject*, PRODUCT.md §2): a name, a goal, the method
    whose sessions its rounds take in order. ``owner_hash`` is a keyed hash of who started it;
    only the day is kept. One open series per channel."""

    __tablename__ = "series"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    workspace: Mapped[str] = mapped_column(String(128))
    channel_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(Text)
    goal: Mapped[str | None] = mapped_column(Text)
    method: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(8), default="open")
    owner_hash: Mapped[str] = mapped_column(String(64))
    opened_day: Mapped[dt.date] = mapped_column(Date)
    closed_day: Mapped[dt.date | None] = mapped_column(Date)

    __table_args__ = (
        Index(
            "uq_series_open_channel",
            "platform",
            "workspace",
            "channel_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )


class DraftRow(Base):
    """A summary waiting for its host's review: exactly what would be published (scrubbed,
    below-threshold phases emptied, as the JSON of :mod:`bot.core.drafts`), never answers as
    given, pseudonyms or user ids. One per round: a new draft replaces it; publishing or
    cancelling deletes it."""

    __tablename__ = "drafts"

    round_id: Mapped[str] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    heading: Mapped[str] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)
    day: Mapped[dt.date] = mapped_column(Date)


class ProgressRow(Base):
    """Where a participant is in the template. No time, no identity beyond the pseudonym."""

    __tablename__ = "progress"

    round_id: Mapped[str] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    pseudonym: Mapped[str] = mapped_column(String(64), primary_key=True)
    step: Mapped[int] = mapped_column(Integer, default=0)
    choice: Mapped[str | None] = mapped_column(String(32))
    awaiting_choice: Mapped[bool] = mapped_column(Boolean, default=False)
    editing: Mapped[bool] = mapped_column(Boolean, default=False)
    # The question (0-based) the next message answers or replaces, when the participant chose
    # one with ``wijzig 2`` or ``beantwoord 2``; empty: the last one (``edit``) or the current.
    target: Mapped[int | None] = mapped_column(Integer)
    # A very short first story waits for "klopt zo" or more words (issue 16, item 4).
    confirming: Mapped[bool] = mapped_column(Boolean, default=False)
    started: Mapped[bool] = mapped_column(Boolean, default=False)
    # Said *forget me*: the row stays (so the invited count does not drop) but the round
    # never contacts this pseudonym again (PRODUCT.md §4.9).
    forgotten: Mapped[bool] = mapped_column(Boolean, default=False)
    # The group this pseudonym said it belongs to (bot/core/segments.py): None while the
    # question is still open, "" when the participant chose not to say. Never a user id.
    segment: Mapped[str | None] = mapped_column(String(64))


class AnswerRow(Base):
    """One answer: pseudonym, phase, text and the day. The id is random, not a sequence.

    While the round is open the text is in ``sealed`` (AES-GCM under the round's key, see
    :meth:`bot.core.pseudonyms.Keyring.seal`) and ``text`` is empty; closing the round opens
    them into ``text`` before its key is destroyed."""

    __tablename__ = "answers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    round_id: Mapped[str] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    pseudonym: Mapped[str] = mapped_column(String(64))
    phase: Mapped[str] = mapped_column(String(64))
    text: Mapped[str | None] = mapped_column(Text)
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    choice: Mapped[str | None] = mapped_column(String(32))
    day: Mapped[dt.date] = mapped_column(Date)

    __table_args__ = (Index("ix_answers_round_pseudonym", "round_id", "pseudonym"),)


class ProcessedEventRow(Base):
    """Platform delivery ids already handled, so a retried delivery changes nothing."""

    __tablename__ = "processed_events"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date)


class OutboxRow(Base):
    """A message waiting to be delivered; deleted once the platform has it."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    platform: Mapped[str] = mapped_column(String(16))
    workspace: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(8))
    channel_id: Mapped[str | None] = mapped_column(String(128))
    user_id: Mapped[str | None] = mapped_column(String(128))
    thread_of: Mapped[str | None] = mapped_column(String(128))
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Which process is sending a ``sending`` row, and until when its claim holds; a row whose
    # lease ran out belongs to a process that died and is settled by any other.
    owner: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # 0: a reply to something a person just did (goes first); 1: fan-out, reminders, digests.
    priority: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __table_args__ = (
        Index("ix_outbox_status_id", "status", "id"),
        Index("ix_outbox_priority_id", "priority", "id"),
    )


class LearnedRateRow(Base):
    """The send rate a platform was found to allow for one workspace or tenant, so that a
    restart (or another process on the same database) starts at it instead of guessing."""

    __tablename__ = "learned_rates"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    scope: Mapped[str] = mapped_column(String(128), primary_key=True)
    rate: Mapped[float] = mapped_column(Float)
    # The rate that last drew a 429 (None while none has): the rate stays under it.
    limited_at: Mapped[float | None] = mapped_column(Float)
    updated: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class DownloadRow(Base):
    """A file waiting for its one download (a Teams host's export). ``data`` is encrypted
    with a key that lives only in the link the host got; the row goes when it is fetched,
    and an expired one when anyone asks for it or the next file is offered."""

    __tablename__ = "downloads"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    mime: Mapped[str] = mapped_column(String(120))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    expires: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class InboxRow(Base):
    """A channel command acknowledged to the platform but not yet applied: recorded in a
    committed transaction before the acknowledgement, deleted once applied, replayed at the
    next start when a crash came between. Never a private message or a button press: answers
    and votes are applied before they are acknowledged and never wait here next to a user id
    (PRODUCT.md §4)."""

    __tablename__ = "inbox"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)  # the delivery's event key
    payload: Mapped[str] = mapped_column(Text)
    received: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class FiredJobRow(Base):
    """A timer job that has run (deadline, phase change, reminder slot, weekly digest).

    The key names the job and its occurrence (``close:<round>``, ``digest:<id>:<date>``); the
    row is written in the same transaction as the job's state change and messages, so a retry,
    a restart or a second process finds it done. Only the day is kept.
    """

    __tablename__ = "fired_jobs"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date)


class ReminderSentRow(Base):
    """A reminder slot (``24h``) already sent to a pseudonym: at most one per person per slot.
    No user id and no time."""

    __tablename__ = "reminders_sent"

    round_id: Mapped[str] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    pseudonym: Mapped[str] = mapped_column(String(64), primary_key=True)
    slot: Mapped[str] = mapped_column(String(16), primary_key=True)


class DigestRow(Base):
    """A channel's weekly digest: weekday (0 = Monday) and local time in ``timezone``.

    ``owner_hash`` is a keyed hash of who set it (only they change or stop it); ``since`` is
    when it was set, so no occurrence before that is owed.
    """

    __tablename__ = "digests"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    workspace: Mapped[str] = mapped_column(String(128))
    channel_id: Mapped[str] = mapped_column(String(128))
    weekday: Mapped[int] = mapped_column(Integer)
    at_time: Mapped[str] = mapped_column(String(5))
    timezone: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(2))
    owner_hash: Mapped[str] = mapped_column(String(64))
    since: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("uq_digests_channel", "platform", "workspace", "channel_id", unique=True),
    )


def columns(row: Base) -> dict[str, Any]:
    """The column values of ``row`` (for :func:`insert_rows`)."""
    return {column.key: getattr(row, column.key) for column in row.__table__.columns}


async def insert_rows(session: AsyncSession, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` into ``model``'s table as one executemany, past the ORM."""
    if rows:
        await session.execute(insert(cast(Table, model.__table__)), rows)


class StartRow(Base):
    """A round started in the past hour, for the limits on starts per channel and per person
    (bot/core/starts.py). The person is a keyed hash (the key lives outside the database);
    rows older than an hour are deleted by the next start."""

    __tablename__ = "starts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    workspace: Mapped[str] = mapped_column(String(128))
    channel_id: Mapped[str] = mapped_column(String(128))
    starter_hash: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_starts_channel", "platform", "workspace", "channel_id", "started_at"),
        Index("ix_starts_starter", "starter_hash", "started_at"),
    )


class StageRow(Base):
    """A stage after a round's close where participants fill in a ballot: a dot-vote or
    reactions to the draft harvest (bot/core/ballots.py). ``items`` are the options or
    statements (JSON, taken from the synthesis or the host's list, never a person's answer as
    given); ``results`` the tallies written at close. No identity, only days."""

    __tablename__ = "stages"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    round_id: Mapped[str] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # 1 for the round's first stage, then 2, …
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(8), default="open")
    items: Mapped[str] = mapped_column(Text)
    dots: Mapped[int] = mapped_column(Integer, default=0)
    per_option: Mapped[int] = mapped_column(Integer, default=0)
    min_respondents: Mapped[int] = mapped_column(Integer)
    deadline: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    opened_day: Mapped[dt.date] = mapped_column(Date)
    closed_day: Mapped[dt.date | None] = mapped_column(Date)
    results: Mapped[str | None] = mapped_column(Text)


class BallotRow(Base):
    """One person's ballot in a stage: the stage's pseudonym (a keyed hash whose key file is
    destroyed when the stage closes), the choices as JSON and the day of the last change. A
    row with no choices is an invitation not yet used. No user id, no name, no time."""

    __tablename__ = "ballots"

    stage_id: Mapped[str] = mapped_column(
        ForeignKey("stages.id", ondelete="CASCADE"), primary_key=True
    )
    pseudonym: Mapped[str] = mapped_column(String(64), primary_key=True)
    choices: Mapped[str] = mapped_column(Text, default="{}")
    day: Mapped[dt.date | None] = mapped_column(Date)


class BallotCommentRow(Base):
    """A comment added to a statement of a feedback stage. Sealed under the stage's key while
    it is open (like answers); at close opened into ``text``, its pseudonym dropped and the
    rows rewritten in the order of their random ids."""

    __tablename__ = "ballot_comments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    stage_id: Mapped[str] = mapped_column(ForeignKey("stages.id", ondelete="CASCADE"), index=True)
    pseudonym: Mapped[str | None] = mapped_column(String(64))
    item: Mapped[int] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    day: Mapped[dt.date] = mapped_column(Date)


class InviteeRow(Base):
    """Who a round invited, as a keyed hash of the person (the master key, as for the host:
    a dump alone cannot say who), so that a thank-you after the close and the news that an
    action is done reach the invitees once the round key is gone. ``quiet`` is set by
    *forget me*: the round never contacts that person again (PRODUCT.md §4.9). No pseudonym,
    no answer, no time: nothing here joins with ``answers`` or ``progress``."""

    __tablename__ = "invitees"

    round_id: Mapped[str] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    person_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    quiet: Mapped[bool] = mapped_column(Boolean, default=False)


class ActionRow(Base):
    """An action agreed (*wie, wat, wanneer*, bot/core/actions.py). Actions are not
    anonymous: the owner is a named person who accepts it. An action never holds answer text
    beside a user id unless the host promoted a published idea (already posted in the
    channel, and its owner is not its author)."""

    __tablename__ = "actions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    workspace: Mapped[str] = mapped_column(String(128))
    channel_id: Mapped[str] = mapped_column(String(128))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, … per channel, as people type it
    round_id: Mapped[str | None] = mapped_column(
        ForeignKey("rounds.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[str] = mapped_column(String(128))
    owner_name: Mapped[str] = mapped_column(String(200))
    recorder_id: Mapped[str] = mapped_column(String(128))
    due: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    remind_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(8), default="open")  # open, doing, done
    accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(8))  # a voice: nl, nl-u or en
    timezone: Mapped[str] = mapped_column(String(64))
    day: Mapped[dt.date] = mapped_column(Date)

    __table_args__ = (
        Index(
            "uq_actions_channel_number",
            "platform",
            "workspace",
            "channel_id",
            "number",
            unique=True,
        ),
    )
