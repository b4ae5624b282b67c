# SPDX-License-Identifier: AGPL-3.0-or-later
"""removed nodes: what a scope-3 takedown removed from which folder (spec/compliance.md §3.4);
outbox delivery state (spec/compliance.md §10)

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "removed_nodes",
        sa.Column("owner_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("node_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("parent_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("case_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("reason", sa.String(length=24), nullable=False),
        sa.PrimaryKeyConstraint("owner_id", "node_id", name=op.f("pk_removed_nodes")),
    )
    op.create_index(
        "ix_removed_nodes_parent", "removed_nodes", ["owner_id", "parent_id"], unique=False
    )
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(
            sa.Column("state", sa.String(length=10), server_default="pending", nullable=False)
        )
        batch.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("next_attempt_at", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("delivered_at", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("last_error", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        for column in ("last_error", "delivered_at", "next_attempt_at", "attempts", "state"):
            batch.drop_column(column)
    op.drop_index("ix_removed_nodes_parent", table_name="removed_nodes")
    op.drop_table("removed_nodes")
