# SPDX-License-Identifier: AGPL-3.0-or-later
"""held deletions: an account its holder deleted under a preservation hold, kept out of every
live table until the hold ends (spec/compliance.md §12.4)

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "held_deletions",
        sa.Column("deletion_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("user_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("deleted_at", sa.BigInteger(), nullable=False),
        sa.Column("archive", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("deletion_id", name=op.f("pk_held_deletions")),
    )
    op.create_index(op.f("ix_held_deletions_user_id"), "held_deletions", ["user_id"])
    op.create_table(
        "held_contents",
        sa.Column("deletion_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("content_id", sa.LargeBinary(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["deletion_id"],
            ["held_deletions.deletion_id"],
            name=op.f("fk_held_contents_deletion_id_held_deletions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["content_id"],
            ["contents.content_id"],
            name=op.f("fk_held_contents_content_id_contents"),
        ),
        sa.PrimaryKeyConstraint("deletion_id", "content_id", name=op.f("pk_held_contents")),
    )
    op.create_index("ix_held_contents_content", "held_contents", ["content_id"])


def downgrade() -> None:
    op.drop_index("ix_held_contents_content", table_name="held_contents")
    op.drop_table("held_contents")
    op.drop_index(op.f("ix_held_deletions_user_id"), table_name="held_deletions")
    op.drop_table("held_deletions")
