"""Database schema. Anonymity lives here: no table that holds answer text has a column that
could hold a platform user id, a name or an exact time (PRODUCT.md §4).

- ``answers`` carry a pseudonym (keyed HMAC, key outside the database) and the day only.
- ``progress`` carries the pseudonym's position in the template, no time.
- ``round_keys`` holds each round's pseudonym key, wrapped with the secret from the secret
  file; the row is deleted when the round closes, after which nobody can link answers.
- ``outbox`` holds messages waiting to be sent: prompts, confirmations and summaries, never an
  answer next to a user id.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    text,
)
from sqlalchemy.engine import Dialect
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

    __table_args__ = (
        Index(
            "uq_rounds_open_channel",
            "platform",
            "workspace",
            "channel_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_rounds_workspace_status", "platform", "workspace", "status"),
    )


class RoundKeyRow(Base):
    """The round's pseudonym key, encrypted with the secret file's key. Deleted at close."""

    __tablename__ = "round_keys"

    round_id: Mapped[str] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)


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
    started: Mapped[bool] = mapped_column(Boolean, default=False)


class AnswerRow(Base):
    """One answer: pseudonym, phase, text and the day. The id is random, not a sequence."""

    __tablename__ = "answers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    round_id: Mapped[str] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    pseudonym: Mapped[str] = mapped_column(String(64))
    phase: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
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

    __table_args__ = (Index("ix_outbox_status_id", "status", "id"),)
