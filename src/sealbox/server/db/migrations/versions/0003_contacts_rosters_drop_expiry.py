# SPDX-License-Identifier: AGPL-3.0-or-later
"""contacts, share rosters and drop-link expiry

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("inviter_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("invitee_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inviter_id"],
            ["accounts.user_id"],
            name=op.f("fk_contacts_inviter_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invitee_id"],
            ["accounts.user_id"],
            name=op.f("fk_contacts_invitee_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("inviter_id", "invitee_id", name=op.f("pk_contacts")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contacts_invitee_id"), ["invitee_id"], unique=False)
    op.create_table(
        "share_rosters",
        sa.Column("owner_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("folder_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("roster", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id", "folder_id"],
            ["nodes.owner_id", "nodes.node_id"],
            name="fk_share_rosters_node",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("owner_id", "folder_id", name=op.f("pk_share_rosters")),
    )
    with op.batch_alter_table("drops", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("drops", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
    op.drop_table("share_rosters")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contacts_invitee_id"))
    op.drop_table("contacts")
