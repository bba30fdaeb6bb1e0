"""series: a channel's series of rounds (traject) with a name, a goal and a method; each round
its place in it, its lane (one open round per theme in a channel) and the theme labels its
published summary showed. No identity: the series' owner is a keyed hash, only days are kept.

Revision ID: 0011_series
Revises: 0010_ballots
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_series"
down_revision = "0010_ballots"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "series",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("workspace", sa.String(length=128), nullable=False),
        sa.Column("channel_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("goal", sa.Text(), nullable=True),
        sa.Column("method", sa.String(length=64), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("owner_hash", sa.String(length=64), nullable=False),
        sa.Column("opened_day", sa.Date(), nullable=False),
        sa.Column("closed_day", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_series")),
    )
    op.create_index(
        "uq_series_open_channel",
        "series",
        ["platform", "workspace", "channel_id"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("series_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("series_place", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("lane", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("origin_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("outcome", sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_rounds_series_id_series"),
            "series",
            ["series_id"],
            ["id"],
            ondelete="SET NULL",
        )
        # One open round per lane (theme) in a channel instead of one per channel.
        batch_op.drop_index("uq_rounds_open_channel")
        batch_op.create_index(
            "uq_rounds_open_channel",
            ["platform", "workspace", "channel_id", "lane"],
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.drop_index("uq_rounds_open_channel")
        batch_op.create_index(
            "uq_rounds_open_channel",
            ["platform", "workspace", "channel_id"],
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )
        batch_op.drop_constraint(op.f("fk_rounds_series_id_series"), type_="foreignkey")
        batch_op.drop_column("outcome")
        batch_op.drop_column("origin_id")
        batch_op.drop_column("lane")
        batch_op.drop_column("series_place")
        batch_op.drop_column("series_id")
    op.drop_index("uq_series_open_channel", table_name="series")
    op.drop_table("series")
