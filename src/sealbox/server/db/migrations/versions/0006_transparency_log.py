# SPDX-License-Identifier: AGPL-3.0-or-later
"""transparency log: entries and signed checkpoints (spec/transparency.md); when appeals came in

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("received_at", sa.BigInteger(), nullable=True))
    op.create_table(
        "transparency",
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("entry", sa.LargeBinary(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("idx", name=op.f("pk_transparency")),
    )
    op.create_index("ix_transparency_kind_at", "transparency", ["kind", "at"], unique=False)
    op.create_table(
        "transparency_checkpoints",
        sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("note", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("size", name=op.f("pk_transparency_checkpoints")),
    )


def downgrade() -> None:
    op.drop_table("transparency_checkpoints")
    op.drop_index("ix_transparency_kind_at", table_name="transparency")
    op.drop_table("transparency")
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_column("received_at")
