"""ballots: dot-voting and reactions to the draft harvest (issue 17). A stage per vote or
feedback round; ballots and comments under the stage's pseudonym and the day only.

Revision ID: 0010_ballots
Revises: 0009_answer_targets
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_ballots"
down_revision = "0009_answer_targets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stages",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("round_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("items", sa.Text(), nullable=False),
        sa.Column("dots", sa.Integer(), nullable=False),
        sa.Column("per_option", sa.Integer(), nullable=False),
        sa.Column("min_respondents", sa.Integer(), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("opened_day", sa.Date(), nullable=False),
        sa.Column("closed_day", sa.Date(), nullable=True),
        sa.Column("results", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
            name=op.f("fk_stages_round_id_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stages")),
    )
    op.create_index(op.f("ix_stages_round_id"), "stages", ["round_id"], unique=False)
    op.create_table(
        "ballots",
        sa.Column("stage_id", sa.String(length=32), nullable=False),
        sa.Column("pseudonym", sa.String(length=64), nullable=False),
        sa.Column("choices", sa.Text(), nullable=False),
        sa.Column("day", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["stages.id"],
            name=op.f("fk_ballots_stage_id_stages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("stage_id", "pseudonym", name=op.f("pk_ballots")),
    )
    op.create_table(
        "ballot_comments",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("stage_id", sa.String(length=32), nullable=False),
        sa.Column("pseudonym", sa.String(length=64), nullable=True),
        sa.Column("item", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("sealed", sa.LargeBinary(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["stages.id"],
            name=op.f("fk_ballot_comments_stage_id_stages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballot_comments")),
    )
    op.create_index(
        op.f("ix_ballot_comments_stage_id"), "ballot_comments", ["stage_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_ballot_comments_stage_id"), table_name="ballot_comments")
    op.drop_table("ballot_comments")
    op.drop_table("ballots")
    op.drop_index(op.f("ix_stages_round_id"), table_name="stages")
    op.drop_table("stages")
