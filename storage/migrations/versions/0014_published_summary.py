"""published summary: a round keeps the summary as it was last posted (JSON, only what the
channel read), so a vote or feedback stage after ``publiceer`` takes the themes and ideas as
the host named them (issue 17). No identity, no time.

Revision ID: 0014_published_summary
Revises: 0013_actions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_published_summary"
down_revision = "0013_actions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.drop_column("published")
