# SPDX-License-Identifier: AGPL-3.0-or-later
"""Every row the server holds about one account, table by table, for a disclosure package
(spec/compliance.md, "Requests for data"; docs/data-inventory.md).

Rows are tied to a person in two ways: directly, by a column holding their user id
(``DIRECT``), or through a row that is (``THROUGH``: an upload's chunks, the content objects the
account's files, versions, uploads and drops name, a drop's waiting files, the compliance cases
it is a subject of and what they blocked; operators' audit entries naming it or its cases).
Tables in neither
hold nothing about a person, and docs/data-inventory.md lists them so ("Not about a person");
a test keeps the three in step with the schema.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import or_, select

from sealbox.server.db import schema
from sealbox.server.db.batching import batched
from sealbox.server.db.engine import Connection

DIRECT: Mapping[str, tuple[str, ...]] = {
    "accounts": ("user_id",),
    "sessions": ("user_id",),
    "nodes": ("owner_id",),
    "versions": ("owner_id",),
    "uploads": ("owner_id",),
    "feed": ("owner_id",),
    "links": ("owner_id",),
    "content_imports": ("importer_id",),
    "shares": ("owner_id", "recipient_id"),
    "share_rosters": ("owner_id",),
    "contacts": ("inviter_id", "invitee_id"),
    "drops": ("owner_id",),
    "case_subjects": ("user_id",),
    "strikes": ("user_id",),
    "account_restrictions": ("user_id",),
    "appeals": ("appellant_id",),
    "data_requests": ("user_id",),
    "preservation_holds": ("user_id",),
    "removed_nodes": ("owner_id",),
    "held_deletions": ("user_id",),
}
# table -> (its column, the table and column whose disclosed rows it follows)
THROUGH: Mapping[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "upload_chunks": ("content_id", (("uploads", "content_id"),)),
    "drop_files": ("drop_id", (("drops", "drop_id"),)),
    "contents": (
        "content_id",
        (("nodes", "content_id"), ("versions", "content_id"), ("drop_files", "content_id")),
    ),
    "cases": (
        "case_id",
        (
            ("case_subjects", "case_id"),
            ("strikes", "case_id"),
            ("appeals", "case_id"),
            ("account_restrictions", "case_id"),
        ),
    ),
    "case_links": ("case_id", (("cases", "case_id"),)),
    "blocked_links": ("case_id", (("cases", "case_id"),)),
    "blocked_contents": ("case_id", (("cases", "case_id"),)),
    "evidence": ("case_id", (("cases", "case_id"),)),
    "held_contents": ("deletion_id", (("held_deletions", "deletion_id"),)),
}


def rows_about(conn: Connection, user_id: bytes) -> dict[str, list[dict[str, Any]]]:
    """The rows of every table that are about ``user_id``, each as a column -> value mapping."""
    found: dict[str, list[dict[str, Any]]] = {}
    for name, columns in DIRECT.items():
        table = schema.metadata.tables[name]
        query = select(table).where(or_(*(table.c[column] == user_id for column in columns)))
        found[name] = [dict(row._mapping) for row in conn.execute(query)]
    for name, (column, sources) in THROUGH.items():
        table = schema.metadata.tables[name]
        keys = {row[source_column] for source, source_column in sources for row in found[source]}
        keys.discard(None)
        found[name] = _rows_where_in(conn, name, column, sorted(keys))
    found["audit_log"] = _audit_entries(conn, user_id, found["cases"])
    return found


def _audit_entries(
    conn: Connection, user_id: bytes, cases: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Operators' audit entries whose target is the account or one of its cases (targets are
    ids in hex)."""
    targets = [user_id.hex(), *(bytes(case["case_id"]).hex() for case in cases)]
    return _rows_where_in(conn, "audit_log", "target", targets)


def _rows_where_in(
    conn: Connection, name: str, column: str, keys: Sequence[Any]
) -> list[dict[str, Any]]:
    """The rows of table ``name`` whose ``column`` is one of ``keys``, a batch per query."""
    table = schema.metadata.tables[name]
    rows: list[dict[str, Any]] = []
    for batch in batched(keys):
        query = select(table).where(table.c[column].in_(batch))
        rows.extend(dict(row._mapping) for row in conn.execute(query))
    return rows


def columns_of(table: str) -> list[str]:
    return [column.name for column in schema.metadata.tables[table].columns]


def all_tables() -> list[str]:
    return sorted(schema.metadata.tables)


def user_id_of(conn: Connection, username: str) -> bytes | None:
    accounts = schema.accounts
    row = conn.execute(select(accounts.c.user_id).where(accounts.c.username == username)).first()
    return None if row is None else bytes(row.user_id)


def username_of(conn: Connection, user_id: bytes) -> str | None:
    accounts = schema.accounts
    found: str | None = conn.execute(
        select(accounts.c.username).where(accounts.c.user_id == user_id)
    ).scalar()
    return found
