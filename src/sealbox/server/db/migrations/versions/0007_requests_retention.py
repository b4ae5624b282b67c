# SPDX-License-Identifier: AGPL-3.0-or-later
"""requests for user data, preservation holds, blob tombstones (spec/compliance.md §12, §13)

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "data_requests",
        sa.Column("request_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("authority", sa.String(length=300), nullable=False),
        sa.Column("instrument", sa.String(length=300), nullable=False),
        sa.Column("offence", sa.String(length=24), nullable=False),
        sa.Column("data_asked", sa.Text(), nullable=False),
        sa.Column("user_id", sa.LargeBinary(length=16), nullable=True),
        sa.Column("court_order", sa.Integer(), nullable=False),
        sa.Column("emergency_grounds", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("received_at", sa.BigInteger(), nullable=False),
        sa.Column("validated_at", sa.BigInteger(), nullable=True),
        sa.Column("restraint", sa.String(length=12), nullable=True),
        sa.Column("restraint_until", sa.BigInteger(), nullable=True),
        sa.Column("notice_due_at", sa.BigInteger(), nullable=True),
        sa.Column("notified_at", sa.BigInteger(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("data_disclosed", sa.Text(), nullable=False),
        sa.Column("answered_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_data_requests")),
    )
    op.create_index(op.f("ix_data_requests_user_id"), "data_requests", ["user_id"])
    op.create_index(op.f("ix_data_requests_notice_due_at"), "data_requests", ["notice_due_at"])
    op.create_table(
        "preservation_holds",
        sa.Column("hold_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("user_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("request_id", sa.LargeBinary(length=16), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("renewals", sa.Integer(), nullable=False),
        sa.Column("released_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("hold_id", name=op.f("pk_preservation_holds")),
    )
    op.create_index(op.f("ix_preservation_holds_user_id"), "preservation_holds", ["user_id"])
    op.create_index(op.f("ix_preservation_holds_expires_at"), "preservation_holds", ["expires_at"])

    op.create_table(
        "blob_tombstones",
        sa.Column("content_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("content_id", name=op.f("pk_blob_tombstones")),
    )
    op.create_index(op.f("ix_blob_tombstones_deleted_at"), "blob_tombstones", ["deleted_at"])


def downgrade() -> None:
    op.drop_table("blob_tombstones")
    op.drop_table("preservation_holds")
    op.drop_table("data_requests")
