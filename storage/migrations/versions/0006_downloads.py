"""downloads: an export waiting for its single download, encrypted, until it expires

Revision ID: 0006_downloads
Revises: 0005_starts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_downloads"
# From the core's own head: the core migrates without any adapter (its own branch).
down_revision = "0005_starts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "downloads",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("mime", sa.String(length=120), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("expires", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_downloads")),
    )


def downgrade() -> None:
    op.drop_table("downloads")
