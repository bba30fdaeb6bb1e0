"""inbox: channel commands acknowledged before they are applied, replayed after a crash

Revision ID: 0007_inbox
Revises: 0006_downloads
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_inbox"
down_revision = "0006_downloads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_inbox")),
    )


def downgrade() -> None:
    op.drop_table("inbox")
