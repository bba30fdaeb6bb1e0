"""address: a round's form of address, je or u (issue 16, item 1). Rounds from before speak
with je, as every round did.

Revision ID: 0012_address
Revises: 0011_series
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_address"
down_revision = "0011_series"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address", sa.String(2), nullable=False, server_default="je"))


def downgrade() -> None:
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.drop_column("address")
