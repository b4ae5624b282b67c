# SPDX-License-Identifier: AGPL-3.0-or-later
"""What the retention job asks of the database (docs/data-inventory.md, "Retention rules"), and
the accounts their holder deleted under a preservation hold (spec/compliance.md §12.4): their
rows leave every live table, kept in ``held_deletions`` until the hold ends."""

import base64
import json
from typing import Any

from sqlalchemy import Connection, LargeBinary, delete, insert, select

from sealbox.server.db import disclosure, schema
from sealbox.server.db.compliance_tables import account_restrictions, cases
from sealbox.server.db.requests import held_accounts
from sealbox.server.db.retention_tables import held_contents, held_deletions
from sealbox.server.db.schema import accounts

# The tables whose rows about an account its deletion removes (accounts.delete_all and the
# foreign keys' cascades), with the content objects they name. Compliance records stay live.
ARCHIVED = (
    "accounts", "sessions", "nodes", "versions", "uploads", "upload_chunks", "feed", "links",
    "content_imports", "shares", "share_rosters", "contacts", "drops", "drop_files", "contents",
)  # fmt: skip


def closed_accounts_due(conn: Connection, cutoff: int) -> list[bytes]:
    """Accounts closed (abuse, spec/compliance.md §7) whose closing case last changed at or
    before ``cutoff`` and that still exist. An appeal decided later moves the case and so
    restarts the period: the period never runs short."""
    query = (
        select(account_restrictions.c.user_id)
        .join(cases, cases.c.case_id == account_restrictions.c.case_id)
        .join(accounts, accounts.c.user_id == account_restrictions.c.user_id)
        .where((account_restrictions.c.status == "closed") & (cases.c.changed_at <= cutoff))
        .order_by(account_restrictions.c.user_id)
    )
    found: list[bytes] = list(conn.execute(query).scalars())
    return [bytes(user_id) for user_id in found]


# Deletions under a hold


def keep_for_hold(conn: Connection, user_id: bytes, deletion_id: bytes, now: int) -> None:
    """Copy every row the account's deletion is about to remove into ``held_deletions``, and
    keep the content objects they name from the collector; run just before the deletion, in
    its transaction."""
    rows = disclosure.rows_about(conn, user_id)
    archive = {table: [_encoded(row) for row in rows[table]] for table in ARCHIVED}
    conn.execute(
        insert(held_deletions).values(
            deletion_id=deletion_id,
            user_id=user_id,
            deleted_at=now,
            archive=json.dumps(archive, sort_keys=True).encode(),
        )
    )
    kept = sorted({bytes(row["content_id"]) for row in rows["contents"]})
    if kept:
        conn.execute(
            insert(held_contents),
            [{"deletion_id": deletion_id, "content_id": content_id} for content_id in kept],
        )


def held_deletions_ended(conn: Connection, now: int) -> list[bytes]:
    """The held deletions whose account is under no hold in force at ``now`` any more."""
    found = [(bytes(r.deletion_id), bytes(r.user_id)) for r in conn.execute(
        select(held_deletions.c.deletion_id, held_deletions.c.user_id)
        .order_by(held_deletions.c.deleted_at, held_deletions.c.deletion_id)
    )]  # fmt: skip
    held = held_accounts(conn, sorted({user_id for _, user_id in found}), now)
    return [deletion_id for deletion_id, user_id in found if user_id not in held]


def erase_held_deletion(conn: Connection, deletion_id: bytes, now: int) -> list[bytes] | None:
    """Erase one held deletion whose hold has ended, checked again in this transaction (None
    if a hold is in force again, or it is gone); returns the content ids it kept, which the
    collector then looks at."""
    user_id = conn.execute(
        select(held_deletions.c.user_id)
        .where(held_deletions.c.deletion_id == deletion_id)
        .with_for_update()
    ).scalar()
    if user_id is None or held_accounts(conn, [bytes(user_id)], now):
        return None
    query = select(held_contents.c.content_id).where(held_contents.c.deletion_id == deletion_id)
    found: list[bytes] = list(conn.execute(query).scalars())
    kept = [bytes(content_id) for content_id in found]
    conn.execute(delete(held_contents).where(held_contents.c.deletion_id == deletion_id))
    conn.execute(delete(held_deletions).where(held_deletions.c.deletion_id == deletion_id))
    return kept


def held_rows(conn: Connection, user_id: bytes) -> dict[str, list[dict[str, Any]]]:
    """The rows the account's deletions under a hold removed, table by table (for a
    disclosure package); empty tables when there were none."""
    found: dict[str, list[dict[str, Any]]] = {table: [] for table in ARCHIVED}
    query = (
        select(held_deletions.c.archive)
        .where(held_deletions.c.user_id == user_id)
        .order_by(held_deletions.c.deleted_at, held_deletions.c.deletion_id)
    )
    archives: list[bytes] = list(conn.execute(query).scalars())
    for archive in archives:
        for table, rows in json.loads(bytes(archive)).items():
            found[table].extend(_decoded(table, row) for row in rows)
    return found


def has_held_deletion(conn: Connection, user_id: bytes) -> bool:
    query = select(held_deletions.c.deletion_id).where(held_deletions.c.user_id == user_id)
    return conn.execute(query.limit(1)).first() is not None


def _encoded(row: dict[str, Any]) -> dict[str, Any]:
    return {
        column: base64.b64encode(bytes(value)).decode()
        if isinstance(value, bytes | bytearray | memoryview)
        else value
        for column, value in row.items()
    }


def _decoded(table: str, row: dict[str, Any]) -> dict[str, Any]:
    columns = schema.metadata.tables[table].c
    return {
        column: base64.b64decode(value)
        if value is not None and isinstance(columns[column].type, LargeBinary)
        else value
        for column, value in row.items()
    }
