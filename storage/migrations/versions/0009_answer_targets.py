"""answer targets: which earlier question a participant's next message answers, and a short
first story waiting to be confirmed (issue 16, item 4). No time, no identity.

Revision ID: 0009_answer_targets
Revises: 0008_delivery_pace
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_answer_targets"
down_revision = "0008_delivery_pace"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("progress", schema=None) as batch_op:
        batch_op.add_column(sa.Column("target", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("confirming", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("progress", schema=None) as batch_op:
        batch_op.drop_column("confirming")
        batch_op.drop_column("target")
