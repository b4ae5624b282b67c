"""Helpers shared by the services for talking to the database."""

from collections.abc import Iterable, Iterator
from typing import TypeVar

from sqlalchemy import Connection, Row, select

from sealbox.server.db.schema import accounts
from sealbox.server.errors import not_found

T = TypeVar("T")

# Keeps IN (...) lists well under SQLite's and PostgreSQL's parameter limits.
BATCH = 500


def batched(items: Iterable[T], size: int = BATCH) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def lock_account(conn: Connection, user_id: bytes) -> Row[tuple[bytes, bytes, int, int | None]]:
    """Lock the account row for the rest of the transaction.

    Every change to an account's drive takes this lock first, which serialises them per account on
    PostgreSQL (SQLite serialises all writers anyway) and keeps the feed sequence gap-free.
    """
    row = conn.execute(
        select(accounts.c.root_id, accounts.c.trash_id, accounts.c.feed_seq, accounts.c.quota_bytes)
        .where(accounts.c.user_id == user_id)
        .with_for_update()
    ).first()
    if row is None:
        raise not_found("account")
    return row
