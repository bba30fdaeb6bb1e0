"""Teams: conversation references and delivered keys (adapters/teams/references.py)

Revision ID: teams_0001
Revises: slack_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "teams_0001"
down_revision = "slack_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "teams_conversation_references",
        sa.Column("tenant_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("conversation_id", sa.String(length=500), nullable=False),
        sa.Column("service_url", sa.String(length=500), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "kind", "key"),
    )
    op.create_index(
        "ix_teams_conversation_references_conversation_id",
        "teams_conversation_references",
        ["conversation_id"],
    )
    op.create_table(
        "teams_deliveries",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_teams_deliveries_day", "teams_deliveries", ["day"])


def downgrade() -> None:
    op.drop_index("ix_teams_deliveries_day", table_name="teams_deliveries")
    op.drop_table("teams_deliveries")
    op.drop_index(
        "ix_teams_conversation_references_conversation_id",
        table_name="teams_conversation_references",
    )
    op.drop_table("teams_conversation_references")
