# SPDX-License-Identifier: AGPL-3.0-or-later
"""Tables of notice and action (spec/compliance.md), on the schema's metadata.

Ids and metadata only: link, node, content and account ids the server already holds, what
notifiers and counter-notifiers declare (the law requires it), hashes from the inspector, and
times. Never a link key, a URL fragment, a file name, plaintext or an address.
"""

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from sealbox.server.db.schema import metadata

ID = 16

operator_tokens = Table(
    "operator_tokens",
    metadata,
    # Operators, the inspector and trusted flaggers: separate from user accounts.
    Column("name", String(64), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("token_hash", LargeBinary(32), nullable=False, unique=True),
    Column("revoked", Integer, nullable=False),
)

cases = Table(
    "cases",
    metadata,
    Column("case_id", LargeBinary(ID), primary_key=True),
    # copyright, csam, violent_extremism, other_illegal
    Column("kind", String(24), nullable=False),
    Column("state", String(16), nullable=False, index=True),
    Column("scope", String(12), nullable=True),
    Column("priority", Integer, nullable=False),
    Column("received_at", BigInteger, nullable=False),
    Column("changed_at", BigInteger, nullable=False),
    Column("notifier_name", String(300), nullable=False),
    Column("notifier_contact", String(300), nullable=False),
    Column("flagger", String(64), nullable=True),
    # JSON: the notice's other elements (signature, works, explanation, statements, file ids).
    Column("elements", Text, nullable=False),
    Column("missing", Text, nullable=False),
    Column("fingerprint", String(64), nullable=True, index=True),
    Column("counter_notice", Text, nullable=True),
    Column("restore_not_before", BigInteger, nullable=True),
    Column("restore_not_after", BigInteger, nullable=True),
    # JSON: the statement of reasons of the latest decision, and its public id.
    Column("decision", Text, nullable=True),
    Column("puid", String(36), nullable=True, unique=True),
)

case_links = Table(
    "case_links",
    metadata,
    Column(
        "case_id",
        LargeBinary(ID),
        ForeignKey("cases.case_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("link_id", LargeBinary(ID), primary_key=True),
    Index("ix_case_links_link", "link_id"),
)

case_subjects = Table(
    "case_subjects",
    metadata,
    # The accounts a case concerns: the owners of its links and of the nodes it removed.
    Column(
        "case_id",
        LargeBinary(ID),
        ForeignKey("cases.case_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("user_id", LargeBinary(ID), primary_key=True),
    # owner (of a named link), holder (of a removed copy), importer, resharer
    Column("relation", String(12), nullable=False),
    Index("ix_case_subjects_user", "user_id"),
)

blocked_links = Table(
    "blocked_links",
    metadata,
    # Kept after the link row is gone (scope 3 removes nodes and their links), so a visitor
    # still learns why.
    Column("link_id", LargeBinary(ID), primary_key=True),
    Column("case_id", LargeBinary(ID), nullable=False, index=True),
    Column("reason", String(24), nullable=False),
)

blocked_contents = Table(
    "blocked_contents",
    metadata,
    Column("content_id", LargeBinary(ID), primary_key=True),
    Column("case_id", LargeBinary(ID), nullable=False, index=True),
    Column("reason", String(24), nullable=False),
)

removed_nodes = Table(
    "removed_nodes",
    metadata,
    # Nodes a scope-3 takedown removed, by the folder they were in, so that the folder's listing
    # can say which of its manifest's entries a decision removed (spec/compliance.md §3.4).
    Column("owner_id", LargeBinary(ID), primary_key=True),
    Column("node_id", LargeBinary(ID), primary_key=True),
    Column("parent_id", LargeBinary(ID), nullable=False),
    Column("case_id", LargeBinary(ID), nullable=False),
    Column("reason", String(24), nullable=False),
    Index("ix_removed_nodes_parent", "owner_id", "parent_id"),
)

strikes = Table(
    "strikes",
    metadata,
    Column("case_id", LargeBinary(ID), primary_key=True),
    Column("user_id", LargeBinary(ID), primary_key=True),
    Column("at", BigInteger, nullable=False),
    Index("ix_strikes_user", "user_id"),
)

account_restrictions = Table(
    "account_restrictions",
    metadata,
    Column("user_id", LargeBinary(ID), primary_key=True),
    # suspended (strikes) or closed (abuse)
    Column("status", String(12), nullable=False),
    Column("case_id", LargeBinary(ID), nullable=False),
)

appeals = Table(
    "appeals",
    metadata,
    Column("appeal_id", LargeBinary(ID), primary_key=True),
    Column("case_id", LargeBinary(ID), nullable=False, index=True),
    Column("appellant_id", LargeBinary(ID), nullable=False),
    Column("reason", Text, nullable=False),
    Column("state", String(8), nullable=False),
    Column("decided_by", String(64), nullable=True),
    Column("outcome_reason", Text, nullable=True),
    # When the appeal came in (seconds, UTC); the transparency log's appeal entries need it.
    Column("received_at", BigInteger, nullable=True),
)

audit_log = Table(
    "audit_log",
    metadata,
    # Append-only: no repository function updates or deletes a row.
    Column("entry_id", Integer, primary_key=True, autoincrement=True),
    Column("operator", String(64), nullable=False),
    Column("action", String(48), nullable=False),
    Column("target", String(64), nullable=False),
    Column("at", BigInteger, nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    # Messages to complainants and users, delivered by the operator's mailer.
    Column("message_id", LargeBinary(ID), primary_key=True),
    Column("channel", String(300), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    # Delivery (sealbox admin outbox send): pending, delivered, or failed after every retry.
    Column("state", String(10), nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", BigInteger, nullable=True),
    Column("delivered_at", BigInteger, nullable=True),
    Column("last_error", String(300), nullable=True),
)

evidence = Table(
    "evidence",
    metadata,
    # Hashes and metadata of inspected content, never the content, until expires_at.
    Column("case_id", LargeBinary(ID), primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("md5", String(32), nullable=False),
    Column("pdq", String(64), nullable=True),
    Column("size", BigInteger, nullable=False),
    Column("matched", String(300), nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False, index=True),
)
