# SPDX-License-Identifier: AGPL-3.0-or-later
"""The database schema (SQLAlchemy Core). docs/data-inventory.md explains every column.

The same tables serve SQLite and PostgreSQL. Nothing here holds an address, a user agent, a file
name or a plaintext size: names, sizes and keys stay inside the sealed blobs clients send.
"""

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

accounts = Table(
    "accounts",
    metadata,
    Column("user_id", LargeBinary(16), primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("email", String(254), nullable=True),
    Column("kdf_alg", String(16), nullable=False),
    Column("kdf_opslimit", BigInteger, nullable=False),
    Column("kdf_memlimit", BigInteger, nullable=False),
    Column("kdf_salt", LargeBinary(16), nullable=False),
    Column("auth_hash", LargeBinary(32), nullable=False),
    Column("recovery_auth_hash", LargeBinary(32), nullable=False),
    Column("master_key_wrap", LargeBinary, nullable=False),
    Column("recovery_wrap", LargeBinary, nullable=False),
    Column("private_keys_wrap", LargeBinary, nullable=False),
    Column("identity_bundle", LargeBinary, nullable=False),
    Column("root_key_wrap", LargeBinary, nullable=False),
    Column("trash_key_wrap", LargeBinary, nullable=False),
    Column("root_id", LargeBinary(16), nullable=False),
    Column("trash_id", LargeBinary(16), nullable=False),
    # NULL means the server-wide default applies.
    Column("quota_bytes", BigInteger, nullable=True),
    # Last sequence number handed out to this account's change feed.
    Column("feed_seq", BigInteger, nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("session_id", LargeBinary(16), primary_key=True),
    Column("token_hash", LargeBinary(32), nullable=False, unique=True),
    Column(
        "user_id",
        LargeBinary(16),
        ForeignKey("accounts.user_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    # Days, not instants: enough to recognise a session, too coarse to trace a person.
    Column("created_day", String(10), nullable=False),
    Column("last_used_day", String(10), nullable=False),
    # The device name, sealed by the account holder (spec/keys.md, "Device names"): opaque here.
    Column("device", LargeBinary, nullable=True),
)

contents = Table(
    "contents",
    metadata,
    Column("content_id", LargeBinary(16), primary_key=True),
    Column("header", LargeBinary, nullable=False),
    Column("chunk_size", Integer, nullable=False),
    Column("chunk_count", BigInteger, nullable=False),
    Column("total_size", BigInteger, nullable=False),
)

nodes = Table(
    "nodes",
    metadata,
    Column(
        "owner_id",
        LargeBinary(16),
        ForeignKey("accounts.user_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("node_id", LargeBinary(16), primary_key=True),
    Column("parent_id", LargeBinary(16), nullable=True),
    Column("node_type", String(6), nullable=False),
    Column("record", LargeBinary, nullable=True),
    Column("content_id", LargeBinary(16), ForeignKey("contents.content_id"), nullable=True),
    Column("manifest", LargeBinary, nullable=True),
    Column("manifest_version", BigInteger, nullable=True),
    # A folder's children in node id order: listings read them so, and send them as they read.
    Index("ix_nodes_owner_parent_node", "owner_id", "parent_id", "node_id"),
    Index("ix_nodes_content", "content_id"),
)

versions = Table(
    "versions",
    metadata,
    Column("owner_id", LargeBinary(16), primary_key=True),
    Column("node_id", LargeBinary(16), primary_key=True),
    Column("version", BigInteger, primary_key=True),
    Column("record", LargeBinary, nullable=False),
    Column("content_id", LargeBinary(16), ForeignKey("contents.content_id"), nullable=False),
    ForeignKeyConstraint(
        ["owner_id", "node_id"],
        ["nodes.owner_id", "nodes.node_id"],
        ondelete="CASCADE",
        name="fk_versions_node",
    ),
    Index("ix_versions_content", "content_id"),
)

uploads = Table(
    "uploads",
    metadata,
    Column("content_id", LargeBinary(16), primary_key=True),
    Column(
        "owner_id",
        LargeBinary(16),
        ForeignKey("accounts.user_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("header", LargeBinary, nullable=False),
    Column("chunk_size", Integer, nullable=False),
    Column("chunk_count", BigInteger, nullable=False),
    Column("total_size", BigInteger, nullable=False),
    Column("received_bytes", BigInteger, nullable=False),
    # Unix seconds of the last open or chunk; the upload expires a configured time after it, so a
    # changed setting applies to uploads already under way.
    Column("touched_at", BigInteger, nullable=False, index=True),
)

upload_chunks = Table(
    "upload_chunks",
    metadata,
    Column(
        "content_id",
        LargeBinary(16),
        ForeignKey("uploads.content_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("chunk_index", BigInteger, primary_key=True),
    Column("size", BigInteger, nullable=False),
)

feed = Table(
    "feed",
    metadata,
    Column(
        "owner_id",
        LargeBinary(16),
        ForeignKey("accounts.user_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("seq", BigInteger, primary_key=True),
    Column("node_id", LargeBinary(16), primary_key=True),
    Column("change", String(8), nullable=False),
)

job_leases = Table(
    "job_leases",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("holder", String(32), nullable=False),
    Column("until", BigInteger, nullable=False),
)

links = Table(
    "links",
    metadata,
    Column("link_id", LargeBinary(16), primary_key=True),
    Column("owner_id", LargeBinary(16), nullable=False),
    Column("node_id", LargeBinary(16), nullable=False),
    Column("node_type", String(6), nullable=False),
    # Sealed under the link key, which only the URL's fragment holds.
    Column("secret", LargeBinary, nullable=False),
    # Unix seconds on the server's clock; NULL for a link that does not expire.
    Column("expires_at", BigInteger, nullable=True),
    Column("max_downloads", BigInteger, nullable=True),
    Column("downloads", BigInteger, nullable=False),
    # A link dies with its node (deleting a node deletes every link to it).
    ForeignKeyConstraint(
        ["owner_id", "node_id"],
        ["nodes.owner_id", "nodes.node_id"],
        ondelete="CASCADE",
        name="fk_links_node",
    ),
    Index("ix_links_owner", "owner_id"),
)

content_imports = Table(
    "content_imports",
    metadata,
    # Lineage for takedowns: which content object an account imported through which link. The
    # link id is kept after the link is revoked, since a takedown must still reach the copies.
    Column(
        "content_id",
        LargeBinary(16),
        ForeignKey("contents.content_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "importer_id",
        LargeBinary(16),
        ForeignKey("accounts.user_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("link_id", LargeBinary(16), primary_key=True),
    Index("ix_content_imports_link", "link_id"),
)

shares = Table(
    "shares",
    metadata,
    Column("share_id", LargeBinary(16), primary_key=True),
    Column("owner_id", LargeBinary(16), nullable=False),
    Column("folder_id", LargeBinary(16), nullable=False),
    Column(
        "recipient_id",
        LargeBinary(16),
        ForeignKey("accounts.user_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    # 1 read, 2 write.
    Column("rights", Integer, nullable=False),
    # Signed by the owner, the folder key sealed to the recipient: opaque to the server.
    Column("envelope", LargeBinary, nullable=False),
    # A share dies with its folder.
    ForeignKeyConstraint(
        ["owner_id", "folder_id"],
        ["nodes.owner_id", "nodes.node_id"],
        ondelete="CASCADE",
        name="fk_shares_node",
    ),
    Index("ix_shares_owner_folder", "owner_id", "folder_id"),
)

share_rosters = Table(
    "share_rosters",
    metadata,
    # The latest roster the owner wrote for a shared folder: signed by the owner, opaque to the
    # server, handed to members with their incoming shares (spec/sharing.md, "Share roster").
    Column("owner_id", LargeBinary(16), primary_key=True),
    Column("folder_id", LargeBinary(16), primary_key=True),
    Column("roster", LargeBinary, nullable=False),
    ForeignKeyConstraint(
        ["owner_id", "folder_id"],
        ["nodes.owner_id", "nodes.node_id"],
        ondelete="CASCADE",
        name="fk_share_rosters_node",
    ),
)

contacts = Table(
    "contacts",
    metadata,
    # One row per pair of accounts: an invitation from inviter to invitee until the invitee
    # accepts it (accepted = 1). Only accepted contacts can share with each other, so nobody
    # receives shares from strangers.
    Column(
        "inviter_id",
        LargeBinary(16),
        ForeignKey("accounts.user_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "invitee_id",
        LargeBinary(16),
        ForeignKey("accounts.user_id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
    # No time is kept: nothing needs it, and the server keeps no times of what people do.
    Column("accepted", Integer, nullable=False),
)

drops = Table(
    "drops",
    metadata,
    Column("drop_id", LargeBinary(16), primary_key=True),
    Column("owner_id", LargeBinary(16), nullable=False),
    Column("folder_id", LargeBinary(16), nullable=False),
    # The drop's X25519 public key (it is in the link too) and its secret key wrapped under the
    # folder key: opaque to the server.
    Column("public_key", LargeBinary(32), nullable=False),
    Column("key_wrap", LargeBinary, nullable=False),
    # Unix seconds on the server's clock; NULL for a drop link that does not expire. The collector
    # deletes expired drops (and their waiting files).
    Column("expires_at", BigInteger, nullable=True),
    ForeignKeyConstraint(
        ["owner_id", "folder_id"],
        ["nodes.owner_id", "nodes.node_id"],
        ondelete="CASCADE",
        name="fk_drops_node",
    ),
    Index("ix_drops_owner", "owner_id"),
)

drop_files = Table(
    "drop_files",
    metadata,
    # A delivered file waiting for the owner: its content object and the sealed drop upload.
    Column("content_id", LargeBinary(16), ForeignKey("contents.content_id"), primary_key=True),
    Column(
        "drop_id",
        LargeBinary(16),
        ForeignKey("drops.drop_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("sealed", LargeBinary, nullable=False),
)


# The compliance tables live in their own module on the same metadata (spec/compliance.md), and
# so do the requests register's, the retention job's, the transparency log's and inline chunks.
from sealbox.server.db import (  # noqa: E402, F401
    compliance_tables,
    inline_chunks,
    request_tables,
    retention_tables,
    transparency,
)
