"""actions agreed (wie, wat, wanneer) and who took part without saying who (issue 18, items
4-6): the ``actions`` table, the ``invitees`` of a round as keyed hashes (for the thank-you
and the news of a finished action after the round key is gone), the groups a round offers
(``rounds.segments``) and the one a pseudonym chose (``progress.segment``), and the
thank-you a closed round owes once its harvest is published (``rounds.thanks``,
``rounds.thanks_due``).

Revision ID: 0013_actions
Revises: 0012_address
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_actions"
down_revision = "0012_address"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("segments", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("thanks", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("thanks_due", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("progress", schema=None) as batch_op:
        batch_op.add_column(sa.Column("segment", sa.String(length=64), nullable=True))
    op.create_table(
        "invitees",
        sa.Column("round_id", sa.String(length=32), nullable=False),
        sa.Column("person_hash", sa.String(length=64), nullable=False),
        sa.Column("quiet", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
            name=op.f("fk_invitees_round_id_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("round_id", "person_hash", name=op.f("pk_invitees")),
    )
    op.create_table(
        "actions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("workspace", sa.String(length=128), nullable=False),
        sa.Column("channel_id", sa.String(length=128), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.String(length=32), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.String(length=128), nullable=False),
        sa.Column("owner_name", sa.String(length=200), nullable=False),
        sa.Column("recorder_id", sa.String(length=128), nullable=False),
        sa.Column("due", sa.DateTime(timezone=True), nullable=False),
        sa.Column("remind_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
            name=op.f("fk_actions_round_id_rounds"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actions")),
    )
    op.create_index(op.f("ix_actions_round_id"), "actions", ["round_id"], unique=False)
    op.create_index(
        "uq_actions_channel_number",
        "actions",
        ["platform", "workspace", "channel_id", "number"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_actions_channel_number", table_name="actions")
    op.drop_index(op.f("ix_actions_round_id"), table_name="actions")
    op.drop_table("actions")
    op.drop_table("invitees")
    with op.batch_alter_table("progress", schema=None) as batch_op:
        batch_op.drop_column("segment")
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.drop_column("thanks_due")
        batch_op.drop_column("thanks")
        batch_op.drop_column("segments")
