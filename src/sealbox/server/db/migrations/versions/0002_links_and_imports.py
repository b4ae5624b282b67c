# SPDX-License-Identifier: AGPL-3.0-or-later
"""links, content imports, shares and drops

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _create_links()
    _create_content_imports()
    _create_shares()
    _create_drops()
    _create_drop_files()


def _create_links() -> None:
    op.create_table(
        "links",
        sa.Column("link_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("owner_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("node_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("node_type", sa.String(length=6), nullable=False),
        sa.Column("secret", sa.LargeBinary(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=True),
        sa.Column("max_downloads", sa.BigInteger(), nullable=True),
        sa.Column("downloads", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id", "node_id"],
            ["nodes.owner_id", "nodes.node_id"],
            name="fk_links_node",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("link_id", name=op.f("pk_links")),
    )
    with op.batch_alter_table("links", schema=None) as batch_op:
        batch_op.create_index("ix_links_owner", ["owner_id"], unique=False)


def _create_content_imports() -> None:
    op.create_table(
        "content_imports",
        sa.Column("content_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("importer_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("link_id", sa.LargeBinary(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["content_id"],
            ["contents.content_id"],
            name=op.f("fk_content_imports_content_id_contents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["importer_id"],
            ["accounts.user_id"],
            name=op.f("fk_content_imports_importer_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "content_id", "importer_id", "link_id", name=op.f("pk_content_imports")
        ),
    )
    with op.batch_alter_table("content_imports", schema=None) as batch_op:
        batch_op.create_index("ix_content_imports_link", ["link_id"], unique=False)


def _create_shares() -> None:
    op.create_table(
        "shares",
        sa.Column("share_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("owner_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("folder_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("recipient_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("rights", sa.Integer(), nullable=False),
        sa.Column("envelope", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id", "folder_id"],
            ["nodes.owner_id", "nodes.node_id"],
            name="fk_shares_node",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["accounts.user_id"],
            name=op.f("fk_shares_recipient_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("share_id", name=op.f("pk_shares")),
    )
    with op.batch_alter_table("shares", schema=None) as batch_op:
        batch_op.create_index("ix_shares_owner_folder", ["owner_id", "folder_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_shares_recipient_id"), ["recipient_id"], unique=False)


def _create_drops() -> None:
    op.create_table(
        "drops",
        sa.Column("drop_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("owner_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("folder_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("key_wrap", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id", "folder_id"],
            ["nodes.owner_id", "nodes.node_id"],
            name="fk_drops_node",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("drop_id", name=op.f("pk_drops")),
    )
    with op.batch_alter_table("drops", schema=None) as batch_op:
        batch_op.create_index("ix_drops_owner", ["owner_id"], unique=False)


def _create_drop_files() -> None:
    op.create_table(
        "drop_files",
        sa.Column("content_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("drop_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["content_id"],
            ["contents.content_id"],
            name=op.f("fk_drop_files_content_id_contents"),
        ),
        sa.ForeignKeyConstraint(
            ["drop_id"],
            ["drops.drop_id"],
            name=op.f("fk_drop_files_drop_id_drops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("content_id", name=op.f("pk_drop_files")),
    )
    with op.batch_alter_table("drop_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_drop_files_drop_id"), ["drop_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("drop_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_drop_files_drop_id"))
    op.drop_table("drop_files")
    with op.batch_alter_table("drops", schema=None) as batch_op:
        batch_op.drop_index("ix_drops_owner")
    op.drop_table("drops")
    with op.batch_alter_table("shares", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shares_recipient_id"))
        batch_op.drop_index("ix_shares_owner_folder")
    op.drop_table("shares")
    with op.batch_alter_table("content_imports", schema=None) as batch_op:
        batch_op.drop_index("ix_content_imports_link")
    op.drop_table("content_imports")
    with op.batch_alter_table("links", schema=None) as batch_op:
        batch_op.drop_index("ix_links_owner")
    op.drop_table("links")
