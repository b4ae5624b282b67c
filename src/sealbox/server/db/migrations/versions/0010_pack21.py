# SPDX-License-Identifier: AGPL-3.0-or-later
"""inline chunks: the one chunk of each inline content kept in the database, written in the
commit that references it (docs/decisions/2004-inline-contents-in-the-database.md)

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inline_chunks",
        sa.Column("content_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["content_id"],
            ["contents.content_id"],
            name=op.f("fk_inline_chunks_content_id_contents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("content_id", name=op.f("pk_inline_chunks")),
    )


def downgrade() -> None:
    op.drop_table("inline_chunks")
