"""drafts: a summary reaches its host for review before the channel; rounds.publish

Revision ID: 0003_drafts
Revises: 0002_schedules (the core chain; the adapters branch off 0002 too)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_drafts"
down_revision = "0002_schedules"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("publish", sa.String(length=8), nullable=False, server_default="review")
        )
    op.create_table(
        "drafts",
        sa.Column("round_id", sa.String(length=32), nullable=False),
        sa.Column("heading", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_drafts_round_id_rounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("round_id", name=op.f("pk_drafts")),
    )


def downgrade() -> None:
    op.drop_table("drafts")
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.drop_column("publish")
