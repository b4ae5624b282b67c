# SPDX-License-Identifier: AGPL-3.0-or-later
"""initial schema

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    _create_accounts()
    _create_contents()
    _create_job_leases()
    _create_feed()
    _create_nodes()
    _create_sessions()
    _create_uploads()
    _create_upload_chunks()
    _create_versions()


def _create_accounts() -> None:
    op.create_table(
        "accounts",
        sa.Column("user_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("kdf_alg", sa.String(length=16), nullable=False),
        sa.Column("kdf_opslimit", sa.BigInteger(), nullable=False),
        sa.Column("kdf_memlimit", sa.BigInteger(), nullable=False),
        sa.Column("kdf_salt", sa.LargeBinary(length=16), nullable=False),
        sa.Column("auth_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("recovery_auth_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("master_key_wrap", sa.LargeBinary(), nullable=False),
        sa.Column("recovery_wrap", sa.LargeBinary(), nullable=False),
        sa.Column("private_keys_wrap", sa.LargeBinary(), nullable=False),
        sa.Column("identity_bundle", sa.LargeBinary(), nullable=False),
        sa.Column("root_key_wrap", sa.LargeBinary(), nullable=False),
        sa.Column("trash_key_wrap", sa.LargeBinary(), nullable=False),
        sa.Column("root_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("trash_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("quota_bytes", sa.BigInteger(), nullable=True),
        sa.Column("feed_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("username", name=op.f("uq_accounts_username")),
    )


def _create_contents() -> None:
    op.create_table(
        "contents",
        sa.Column("content_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("header", sa.LargeBinary(), nullable=False),
        sa.Column("chunk_size", sa.Integer(), nullable=False),
        sa.Column("chunk_count", sa.BigInteger(), nullable=False),
        sa.Column("total_size", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("content_id", name=op.f("pk_contents")),
    )


def _create_job_leases() -> None:
    op.create_table(
        "job_leases",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=32), nullable=False),
        sa.Column("until", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_leases")),
    )


def _create_feed() -> None:
    op.create_table(
        "feed",
        sa.Column("owner_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("node_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("change", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["accounts.user_id"],
            name=op.f("fk_feed_owner_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("owner_id", "seq", "node_id", name=op.f("pk_feed")),
    )


def _create_nodes() -> None:
    op.create_table(
        "nodes",
        sa.Column("owner_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("node_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("parent_id", sa.LargeBinary(length=16), nullable=True),
        sa.Column("node_type", sa.String(length=6), nullable=False),
        sa.Column("record", sa.LargeBinary(), nullable=True),
        sa.Column("content_id", sa.LargeBinary(length=16), nullable=True),
        sa.Column("manifest", sa.LargeBinary(), nullable=True),
        sa.Column("manifest_version", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["content_id"], ["contents.content_id"], name=op.f("fk_nodes_content_id_contents")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["accounts.user_id"],
            name=op.f("fk_nodes_owner_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("owner_id", "node_id", name=op.f("pk_nodes")),
    )
    with op.batch_alter_table("nodes", schema=None) as batch_op:
        batch_op.create_index("ix_nodes_content", ["content_id"], unique=False)
        batch_op.create_index("ix_nodes_owner_parent", ["owner_id", "parent_id"], unique=False)


def _create_sessions() -> None:
    op.create_table(
        "sessions",
        sa.Column("session_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("user_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("created_day", sa.String(length=10), nullable=False),
        sa.Column("last_used_day", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["accounts.user_id"],
            name=op.f("fk_sessions_user_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_sessions_token_hash")),
    )
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sessions_user_id"), ["user_id"], unique=False)


def _create_uploads() -> None:
    op.create_table(
        "uploads",
        sa.Column("content_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("owner_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("header", sa.LargeBinary(), nullable=False),
        sa.Column("chunk_size", sa.Integer(), nullable=False),
        sa.Column("chunk_count", sa.BigInteger(), nullable=False),
        sa.Column("total_size", sa.BigInteger(), nullable=False),
        sa.Column("received_bytes", sa.BigInteger(), nullable=False),
        sa.Column("touched_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["accounts.user_id"],
            name=op.f("fk_uploads_owner_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("content_id", name=op.f("pk_uploads")),
    )
    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_uploads_touched_at"), ["touched_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_uploads_owner_id"), ["owner_id"], unique=False)


def _create_upload_chunks() -> None:
    op.create_table(
        "upload_chunks",
        sa.Column("content_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("chunk_index", sa.BigInteger(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["content_id"],
            ["uploads.content_id"],
            name=op.f("fk_upload_chunks_content_id_uploads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("content_id", "chunk_index", name=op.f("pk_upload_chunks")),
    )


def _create_versions() -> None:
    op.create_table(
        "versions",
        sa.Column("owner_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("node_id", sa.LargeBinary(length=16), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("record", sa.LargeBinary(), nullable=False),
        sa.Column("content_id", sa.LargeBinary(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["content_id"], ["contents.content_id"], name=op.f("fk_versions_content_id_contents")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id", "node_id"],
            ["nodes.owner_id", "nodes.node_id"],
            name="fk_versions_node",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("owner_id", "node_id", "version", name=op.f("pk_versions")),
    )
    with op.batch_alter_table("versions", schema=None) as batch_op:
        batch_op.create_index("ix_versions_content", ["content_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("versions", schema=None) as batch_op:
        batch_op.drop_index("ix_versions_content")

    op.drop_table("versions")
    op.drop_table("upload_chunks")
    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_uploads_owner_id"))
        batch_op.drop_index(batch_op.f("ix_uploads_touched_at"))

    op.drop_table("uploads")
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sessions_user_id"))

    op.drop_table("sessions")
    with op.batch_alter_table("nodes", schema=None) as batch_op:
        batch_op.drop_index("ix_nodes_owner_parent")
        batch_op.drop_index("ix_nodes_content")

    op.drop_table("nodes")
    op.drop_table("feed")
    op.drop_table("job_leases")
    op.drop_table("contents")
    op.drop_table("accounts")
