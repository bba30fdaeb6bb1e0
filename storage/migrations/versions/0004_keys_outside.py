"""round keys out of the database, answers sealed while a round is open, forget me
remembered as a flag

Round keys move from the ``round_keys`` table into one file per round in the key directory
(``DIALOOG_KEY_DIR``); the table is dropped. Answers get a ``sealed`` column and ``text``
may be empty while the round is open. Progress rows get ``forgotten``.

Revision ID: 0004_keys_outside
Revises: 0003_drafts
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import context, op

from storage.keys import KeyFiles

revision = "0004_keys_outside"
down_revision = "0003_drafts"
branch_labels = None
depends_on = None


def _key_files() -> KeyFiles | None:
    directory = context.config.attributes.get("key_dir")
    return KeyFiles(Path(directory)) if directory is not None else None


def upgrade() -> None:
    connection = op.get_bind()
    keys = connection.execute(sa.text("SELECT round_id, wrapped FROM round_keys")).all()
    if keys:
        files = _key_files()
        if files is None:
            raise RuntimeError(
                "round keys must move to a key directory: upgrade with `dialoogbot db upgrade` "
                "(DIALOOG_KEY_DIR, default beside DIALOOG_SECRET_FILE)"
            )
        for round_id, wrapped in keys:
            files.write(round_id, bytes(wrapped))
    op.drop_table("round_keys")

    with op.batch_alter_table("progress", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("forgotten", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sealed", sa.LargeBinary(), nullable=True))
        batch_op.alter_column("text", existing_type=sa.Text(), nullable=True)


def downgrade() -> None:
    connection = op.get_bind()
    sealed = connection.execute(
        sa.text("SELECT count(*) FROM answers WHERE text IS NULL")
    ).scalar_one()
    if sealed:
        raise RuntimeError("close the open rounds first: their answers are sealed")
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.alter_column("text", existing_type=sa.Text(), nullable=False)
        batch_op.drop_column("sealed")
    with op.batch_alter_table("progress", schema=None) as batch_op:
        batch_op.drop_column("forgotten")
    round_keys = op.create_table(
        "round_keys",
        sa.Column("round_id", sa.String(length=32), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
            name=op.f("fk_round_keys_round_id_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("round_id", name=op.f("pk_round_keys")),
    )
    files = _key_files()
    if files is not None:
        open_rounds = set(
            connection.execute(sa.text("SELECT id FROM rounds WHERE status = 'open'")).scalars()
        )
        rows = [
            {"round_id": round_id, "wrapped": files.read(round_id)}
            for round_id in files.round_ids()
            if round_id in open_rounds
        ]
        op.bulk_insert(round_keys, [row for row in rows if row["wrapped"] is not None])
