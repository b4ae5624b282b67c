# SPDX-License-Identifier: AGPL-3.0-or-later
"""Accounts and their sessions: every statement on them, the account lock and the usage sum."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, union, update
from sqlalchemy.sql.elements import BindParameter

from sealbox.protocol import models as m
from sealbox.server.db.compliance_tables import account_restrictions
from sealbox.server.db.engine import fields
from sealbox.server.db.schema import (
    accounts,
    contents,
    drop_files,
    drops,
    nodes,
    sessions,
    uploads,
    versions,
)
from sealbox.server.errors import not_found


@dataclass(frozen=True, slots=True)
class AccountLock:
    """The account row's fields a change to the drive needs, read under the row's lock."""

    root_id: bytes
    trash_id: bytes
    feed_seq: int
    quota_bytes: int | None


@dataclass(frozen=True, slots=True)
class Credential:
    user_id: bytes
    auth_hash: bytes


@dataclass(frozen=True, slots=True)
class Session:
    session_id: bytes
    user_id: bytes
    last_used_day: str
    restriction: str | None  # "suspended" or "closed" (compliance_tables.account_restrictions)


@dataclass(frozen=True, slots=True)
class Owned:
    """What an account owns that the collector must look at once it is gone."""

    content_ids: set[bytes]
    uploads: list[tuple[bytes, int]]


def lock(conn: Connection, user_id: bytes) -> AccountLock:
    """Lock the account row for the rest of the transaction.

    Every change to an account's drive takes this lock first, which serialises them per account on
    PostgreSQL (SQLite serialises all writers anyway) and keeps the feed sequence gap-free.
    Raises NOT_FOUND for an account that is gone.
    """
    row = conn.execute(_LOCK, {"user_id": user_id}).first()
    if row is None:
        raise not_found("account")
    return AccountLock(*fields(row))


# The statements of every authenticated request, built once: building a statement and its cache
# key each time cost more CPU than running it (0.6 of the 0.8 ms of an account view).
_USER: BindParameter[bytes] = bindparam("user_id")
_REFERENCED = union(
    select(nodes.c.content_id.label("cid")).where(
        (nodes.c.owner_id == _USER) & nodes.c.content_id.is_not(None)
    ),
    select(versions.c.content_id).where(versions.c.owner_id == _USER),
    select(drop_files.c.content_id)
    .select_from(drop_files.join(drops, drops.c.drop_id == drop_files.c.drop_id))
    .where(drops.c.owner_id == _USER),
).subquery()
_USAGE = select(func.coalesce(func.sum(contents.c.total_size), 0)).where(
    contents.c.content_id.in_(select(_REFERENCED.c.cid))
)
_LOCK = (
    select(accounts.c.root_id, accounts.c.trash_id, accounts.c.feed_seq, accounts.c.quota_bytes)
    .where(accounts.c.user_id == bindparam("user_id"))
    .with_for_update()
)
_VIEW = select(accounts).where(accounts.c.user_id == _USER)
# The account's restriction comes with its session: one statement for what every authenticated
# write checks (a restricted account's writes are refused, services/enforcement.py).
_SESSION_BY_TOKEN = (
    select(
        sessions.c.session_id,
        sessions.c.user_id,
        sessions.c.last_used_day,
        account_restrictions.c.status,
    )
    .select_from(
        sessions.outerjoin(
            account_restrictions, account_restrictions.c.user_id == sessions.c.user_id
        )
    )
    .where(sessions.c.token_hash == bindparam("token_hash"))
)


def usage(conn: Connection, user_id: bytes) -> int:
    """Ciphertext bytes the account references: each distinct content object counted once.
    Files waiting in the account's drops count too, so drops cannot fill a server unmetered."""
    total: int = conn.execute(_USAGE, {"user_id": user_id}).scalar_one()
    return int(total)


# Signup and credentials


def taken_by(conn: Connection, username: str, user_id: bytes) -> str | None:
    """Which of the two is taken already: "username", "user id", or None."""
    row = conn.execute(
        select(accounts.c.username, accounts.c.user_id).where(
            (accounts.c.username == username) | (accounts.c.user_id == user_id)
        )
    ).first()
    if row is None:
        return None
    return "username" if row.username == username else "user id"


def create(conn: Connection, values: dict[str, Any], folders: list[m.FolderInit]) -> None:
    """Insert the account row (its columns in ``values``) and its root and trash folders."""
    conn.execute(insert(accounts).values(**values))
    for folder in folders:
        conn.execute(
            insert(nodes).values(
                owner_id=values["user_id"],
                node_id=folder.node_id,
                parent_id=None,
                node_type="folder",
                record=None,
                content_id=None,
                manifest=folder.manifest,
                manifest_version=1,
            )
        )


def kdf_of(conn: Connection, username: str) -> tuple[bytes, m.Kdf] | None:
    """The user id and KDF settings of the account of that name."""
    row = conn.execute(select(accounts).where(accounts.c.username == username)).first()
    return None if row is None else (row.user_id, _kdf(row))


def _kdf(row: Any) -> m.Kdf:
    return m.Kdf(
        alg="argon2id13", opslimit=row.kdf_opslimit, memlimit=row.kdf_memlimit, salt=row.kdf_salt
    )


def login_credential(conn: Connection, username: str) -> Credential | None:
    row = conn.execute(
        select(accounts.c.user_id, accounts.c.auth_hash).where(accounts.c.username == username)
    ).first()
    return None if row is None else Credential(*fields(row))


def recovery_credential(conn: Connection, username: str, *, lock: bool = False) -> Any:
    """The user id, recovery auth hash and recovery wrap of the account of that name."""
    query = select(
        accounts.c.user_id, accounts.c.recovery_auth_hash, accounts.c.recovery_wrap
    ).where(accounts.c.username == username)
    row = conn.execute(query.with_for_update() if lock else query).first()
    return row


def auth_hash_locked(conn: Connection, user_id: bytes) -> bytes:
    stored: bytes = conn.execute(
        select(accounts.c.auth_hash).where(accounts.c.user_id == user_id).with_for_update()
    ).scalar_one()
    return stored


def update_columns(conn: Connection, user_id: bytes, values: dict[str, Any]) -> None:
    conn.execute(update(accounts).where(accounts.c.user_id == user_id).values(**values))


def set_quota(conn: Connection, username: str, quota_bytes: int | None) -> bool:
    changed = conn.execute(
        update(accounts).where(accounts.c.username == username).values(quota_bytes=quota_bytes)
    ).rowcount
    return bool(changed)


def view(conn: Connection, user_id: bytes, default_quota: int | None) -> m.AccountView | None:
    row = conn.execute(_VIEW, {"user_id": user_id}).first()
    if row is None:
        return None
    return m.AccountView(
        user_id=row.user_id,
        username=row.username,
        email=row.email,
        kdf=_kdf(row),
        master_key_wrap=row.master_key_wrap,
        recovery_wrap=row.recovery_wrap,
        private_keys_wrap=row.private_keys_wrap,
        identity_bundle=row.identity_bundle,
        root_key_wrap=row.root_key_wrap,
        trash_key_wrap=row.trash_key_wrap,
        root_id=row.root_id,
        trash_id=row.trash_id,
        used_bytes=usage(conn, user_id),
        quota_bytes=row.quota_bytes if row.quota_bytes is not None else default_quota,
    )


def user_id_of(conn: Connection, username: str) -> bytes | None:
    found: bytes | None = conn.execute(
        select(accounts.c.user_id).where(accounts.c.username == username)
    ).scalar()
    return found


def bundle(conn: Connection, username: str) -> m.UserBundle | None:
    row = conn.execute(
        select(accounts.c.user_id, accounts.c.username, accounts.c.identity_bundle).where(
            accounts.c.username == username
        )
    ).first()
    return (
        None
        if row is None
        else m.UserBundle(
            user_id=row.user_id, username=row.username, identity_bundle=row.identity_bundle
        )
    )


def exists(conn: Connection, user_id: bytes) -> bool:
    return (
        conn.execute(select(accounts.c.user_id).where(accounts.c.user_id == user_id)).first()
        is not None
    )


def delete_all(conn: Connection, user_id: bytes) -> Owned:
    """Delete the account and everything it owns but its contents, which may be shared."""
    content_ids: set[bytes] = set(
        conn.execute(
            select(nodes.c.content_id).where(
                (nodes.c.owner_id == user_id) & nodes.c.content_id.is_not(None)
            )
        ).scalars()
    )
    content_ids.update(
        conn.execute(select(versions.c.content_id).where(versions.c.owner_id == user_id)).scalars()
    )
    content_ids.update(
        conn.execute(
            select(drop_files.c.content_id)
            .select_from(drop_files.join(drops, drops.c.drop_id == drop_files.c.drop_id))
            .where(drops.c.owner_id == user_id)
        ).scalars()
    )
    owned_uploads = [
        (r.content_id, r.chunk_count)
        for r in conn.execute(
            select(uploads.c.content_id, uploads.c.chunk_count).where(uploads.c.owner_id == user_id)
        )
    ]
    conn.execute(delete(versions).where(versions.c.owner_id == user_id))
    conn.execute(delete(nodes).where(nodes.c.owner_id == user_id))
    conn.execute(delete(uploads).where(uploads.c.owner_id == user_id))
    conn.execute(delete(sessions).where(sessions.c.user_id == user_id))
    conn.execute(delete(accounts).where(accounts.c.user_id == user_id))
    return Owned(content_ids=content_ids, uploads=owned_uploads)


# Sessions


def add_session(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(sessions).values(**values))


def session_by_token(conn: Connection, token_hash: bytes) -> Session | None:
    row = conn.execute(_SESSION_BY_TOKEN, {"token_hash": token_hash}).first()
    return None if row is None else Session(*fields(row))


def touch_session(conn: Connection, session_id: bytes, day: str) -> None:
    conn.execute(
        update(sessions).where(sessions.c.session_id == session_id).values(last_used_day=day)
    )


def session_list(conn: Connection, user_id: bytes, current: bytes) -> list[m.SessionView]:
    rows = conn.execute(
        select(sessions)
        .where(sessions.c.user_id == user_id)
        .order_by(sessions.c.created_day, sessions.c.session_id)
    )
    return [
        m.SessionView(
            session_id=r.session_id,
            created_day=r.created_day,
            last_used_day=r.last_used_day,
            current=r.session_id == current,
            device=r.device,
        )
        for r in rows
    ]


def set_session_device(conn: Connection, user_id: bytes, session_id: bytes, device: bytes) -> bool:
    """Store a session's sealed device name; False when the account has no such session."""
    changed = conn.execute(
        update(sessions)
        .where((sessions.c.session_id == session_id) & (sessions.c.user_id == user_id))
        .values(device=device)
    ).rowcount
    return bool(changed)


def end_session(conn: Connection, user_id: bytes, session_id: bytes) -> bool:
    gone = conn.execute(
        delete(sessions).where(
            (sessions.c.session_id == session_id) & (sessions.c.user_id == user_id)
        )
    ).rowcount
    return bool(gone)


def end_sessions(conn: Connection, user_id: bytes, *, keep: bytes | None = None) -> int:
    """End the account's sessions but ``keep``; returns how many ended."""
    where = sessions.c.user_id == user_id
    if keep is not None:
        where = where & (sessions.c.session_id != keep)
    return int(conn.execute(delete(sessions).where(where)).rowcount)
