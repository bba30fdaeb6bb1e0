"""delivery pace: outbox priority (replies before fan-out) and learned send rates

Revision ID: 0008_delivery_pace
Revises: 0007_inbox
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_delivery_pace"
down_revision = "0007_inbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="1"))
    op.create_index("ix_outbox_priority_id", "outbox", ["priority", "id"])
    op.create_table(
        "learned_rates",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("scope", sa.String(length=128), nullable=False),
        sa.Column("rate", sa.Float(), nullable=False),
        sa.Column("limited_at", sa.Float(), nullable=True),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "scope", name=op.f("pk_learned_rates")),
    )


def downgrade() -> None:
    op.drop_table("learned_rates")
    op.drop_index("ix_outbox_priority_id", table_name="outbox")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("priority")
