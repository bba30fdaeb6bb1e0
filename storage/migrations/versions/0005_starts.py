"""starts: rounds started in the past hour, for the limits per channel and per person

Revision ID: 0005_starts
Revises: 0004_keys_outside
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_starts"
down_revision = "0004_keys_outside"  # core only: a database without adapters has it too
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "starts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("workspace", sa.String(length=128), nullable=False),
        sa.Column("channel_id", sa.String(length=128), nullable=False),
        sa.Column("starter_hash", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_starts")),
    )
    op.create_index(
        "ix_starts_channel",
        "starts",
        ["platform", "workspace", "channel_id", "started_at"],
        unique=False,
    )
    op.create_index("ix_starts_starter", "starts", ["starter_hash", "started_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_starts_starter", table_name="starts")
    op.drop_index("ix_starts_channel", table_name="starts")
    op.drop_table("starts")
