"""Accounts and sessions: signup, pre-login, login, password change, recovery, deletion.

The server never sees a password. Clients derive an auth key from it and send that; the server
stores only a keyed hash of the auth key and compares in constant time. Session tokens are random
and stored hashed too, so a copy of the database opens no session.
"""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Row, delete, func, insert, select, union, update
from sqlalchemy.exc import IntegrityError

from sealbox.protocol import limits
from sealbox.protocol import models as m
from sealbox.protocol.errors import ErrorCode
from sealbox.server.clock import Clock, day_of
from sealbox.server.db.engine import read_only
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
from sealbox.server.errors import ServiceError, not_found
from sealbox.server.server_keys import ServerKeys
from sealbox.server.settings import Settings

USERNAME = re.compile(limits.USERNAME_PATTERN)
TOKEN_BYTES = 32


@dataclass(frozen=True, slots=True)
class Caller:
    user_id: bytes
    session_id: bytes


@dataclass(frozen=True, slots=True)
class DeletedAccount:
    content_ids: list[bytes]
    upload_ids: list[tuple[bytes, int]]


def normalise_username(raw: str) -> str:
    username = raw.strip().lower()
    if not USERNAME.fullmatch(username):
        raise ServiceError(
            ErrorCode.VALIDATION, "username must be 1-64 characters of a-z, 0-9, '.', '_' or '-'"
        )
    return username


def _kdf_view(row: Row[Any]) -> m.Kdf:
    return m.Kdf(
        alg="argon2id13",
        opslimit=row.kdf_opslimit,
        memlimit=row.kdf_memlimit,
        salt=row.kdf_salt,
    )


def _derived_salt(server_id: bytes, username: str) -> bytes:
    """The salt a client derives for a new password (spec/keys.md, "Derived salt"), for the fake
    pre-login answer. The server never imports the crypto package, hence this one-line twin of
    ``sealbox.crypto.password.derive_salt``; a test keeps the two equal."""
    data = b"sealbox password salt v1\x00" + server_id + username.encode("utf-8")
    return hashlib.blake2b(data, digest_size=32).digest()[: limits.SALT_BYTES]


class AccountService:
    def __init__(self, engine: Engine, keys: ServerKeys, clock: Clock, settings: Settings) -> None:
        self._engine = engine
        self._keys = keys
        self._clock = clock
        self._settings = settings

    # Signup and pre-login

    def signup(self, req: m.SignupRequest) -> m.SignupResponse:
        username = normalise_username(req.username)
        if req.root.node_id == req.trash.node_id:
            raise ServiceError(ErrorCode.BAD_REQUEST, "root and trash need different node ids")
        try:
            with self._engine.begin() as conn:
                taken = conn.execute(
                    select(accounts.c.username, accounts.c.user_id).where(
                        (accounts.c.username == username) | (accounts.c.user_id == req.user_id)
                    )
                ).first()
                if taken is not None:
                    if taken.username == username:
                        raise ServiceError(ErrorCode.USERNAME_TAKEN, "username is taken")
                    raise ServiceError(ErrorCode.USER_ID_TAKEN, "user id is taken")
                conn.execute(
                    insert(accounts).values(
                        user_id=req.user_id,
                        username=username,
                        email=req.email,
                        kdf_alg=req.kdf.alg,
                        kdf_opslimit=req.kdf.opslimit,
                        kdf_memlimit=req.kdf.memlimit,
                        kdf_salt=req.kdf.salt,
                        auth_hash=self._keys.auth_hash(req.auth_key),
                        recovery_auth_hash=self._keys.auth_hash(req.recovery_auth_key),
                        master_key_wrap=req.master_key_wrap,
                        recovery_wrap=req.recovery_wrap,
                        private_keys_wrap=req.private_keys_wrap,
                        identity_bundle=req.identity_bundle,
                        root_key_wrap=req.root_key_wrap,
                        trash_key_wrap=req.trash_key_wrap,
                        root_id=req.root.node_id,
                        trash_id=req.trash.node_id,
                        quota_bytes=None,
                        feed_seq=0,
                    )
                )
                for folder in (req.root, req.trash):
                    conn.execute(
                        insert(nodes).values(
                            owner_id=req.user_id,
                            node_id=folder.node_id,
                            parent_id=None,
                            node_type="folder",
                            record=None,
                            content_id=None,
                            manifest=folder.manifest,
                            manifest_version=1,
                        )
                    )
        except IntegrityError as exc:
            # A concurrent signup took the name or id between our check and the insert.
            raise ServiceError(ErrorCode.USERNAME_TAKEN, "username or user id is taken") from exc
        return m.SignupResponse(user_id=req.user_id, username=username)

    def prelogin(self, raw_username: str) -> m.PreloginResponse:
        username = raw_username.strip().lower()
        with read_only(self._engine) as conn:
            row = conn.execute(
                select(
                    accounts.c.user_id,
                    accounts.c.kdf_opslimit,
                    accounts.c.kdf_memlimit,
                    accounts.c.kdf_salt,
                ).where(accounts.c.username == username)
            ).first()
        server_id = self._keys.server_id
        if row is not None:
            return m.PreloginResponse(user_id=row.user_id, server_id=server_id, kdf=_kdf_view(row))
        # Unknown names get stable, plausible answers so the endpoint does not reveal who exists:
        # the salt is the one a client derives for a new account of that name.
        return m.PreloginResponse(
            user_id=self._keys.fake(b"user-id", username, limits.ID_BYTES),
            server_id=server_id,
            kdf=m.Kdf(
                alg="argon2id13",
                opslimit=self._settings.fake_kdf_opslimit,
                memlimit=self._settings.fake_kdf_memlimit,
                salt=_derived_salt(server_id, username),
            ),
        )

    # Login and sessions

    def _check_auth(self, stored: bytes | None, presented: bytes) -> None:
        digest = self._keys.auth_hash(presented)
        # Compare even when the account is missing, so timing does not tell the cases apart.
        ok = hmac.compare_digest(stored or bytes(32), digest) and stored is not None
        if not ok:
            raise ServiceError(ErrorCode.BAD_CREDENTIALS, "wrong username or auth key")

    def login(self, req: m.LoginRequest) -> m.LoginResponse:
        username = req.username.strip().lower()
        with self._engine.begin() as conn:
            row = conn.execute(
                select(accounts.c.user_id, accounts.c.auth_hash).where(
                    accounts.c.username == username
                )
            ).first()
            if row is None:
                self._check_auth(None, req.auth_key)  # spends the same time, then raises
                raise ServiceError(ErrorCode.BAD_CREDENTIALS, "wrong username or auth key")
            self._check_auth(row.auth_hash, req.auth_key)
            session_id, token = self._new_session(conn, row.user_id)
            account = self._account_view(conn, row.user_id)
        return m.LoginResponse(session_id=session_id, token=token, account=account)

    def _new_session(self, conn: Connection, user_id: bytes) -> tuple[bytes, str]:
        token_bytes = secrets.token_bytes(TOKEN_BYTES)
        session_id = secrets.token_bytes(limits.ID_BYTES)
        today = day_of(self._clock)
        conn.execute(
            insert(sessions).values(
                session_id=session_id,
                token_hash=self._keys.token_hash(token_bytes),
                user_id=user_id,
                created_day=today,
                last_used_day=today,
            )
        )
        return session_id, m.b64encode(token_bytes)

    def authenticate(self, token: str) -> Caller:
        try:
            token_bytes = m.b64decode(token)
        except ValueError:
            token_bytes = b""
        if len(token_bytes) != TOKEN_BYTES:
            raise ServiceError(ErrorCode.UNAUTHORIZED, "missing or invalid session token")
        token_hash = self._keys.token_hash(token_bytes)
        today = day_of(self._clock)
        with read_only(self._engine) as conn:
            row = conn.execute(
                select(sessions.c.session_id, sessions.c.user_id, sessions.c.last_used_day).where(
                    sessions.c.token_hash == token_hash
                )
            ).first()
        if row is None:
            raise ServiceError(ErrorCode.UNAUTHORIZED, "missing or invalid session token")
        if row.last_used_day != today:
            # At most one write per session per day.
            with self._engine.begin() as conn:
                conn.execute(
                    update(sessions)
                    .where(sessions.c.session_id == row.session_id)
                    .values(last_used_day=today)
                )
        return Caller(user_id=row.user_id, session_id=row.session_id)

    def list_sessions(self, caller: Caller) -> m.SessionList:
        with read_only(self._engine) as conn:
            rows = conn.execute(
                select(sessions)
                .where(sessions.c.user_id == caller.user_id)
                .order_by(sessions.c.created_day, sessions.c.session_id)
            ).all()
        return m.SessionList(
            sessions=[
                m.SessionView(
                    session_id=r.session_id,
                    created_day=r.created_day,
                    last_used_day=r.last_used_day,
                    current=r.session_id == caller.session_id,
                )
                for r in rows
            ]
        )

    def revoke(self, caller: Caller, session_id: bytes) -> None:
        with self._engine.begin() as conn:
            gone = conn.execute(
                delete(sessions).where(
                    (sessions.c.session_id == session_id) & (sessions.c.user_id == caller.user_id)
                )
            ).rowcount
        if gone == 0:
            raise not_found("session")

    def revoke_others(self, caller: Caller) -> m.RevokedCount:
        with self._engine.begin() as conn:
            gone = conn.execute(
                delete(sessions).where(
                    (sessions.c.user_id == caller.user_id)
                    & (sessions.c.session_id != caller.session_id)
                )
            ).rowcount
        return m.RevokedCount(revoked=gone)

    # The account itself

    def _account_view(self, conn: Connection, user_id: bytes) -> m.AccountView:
        row = conn.execute(select(accounts).where(accounts.c.user_id == user_id)).first()
        if row is None:
            raise not_found("account")
        return m.AccountView(
            user_id=row.user_id,
            username=row.username,
            email=row.email,
            kdf=_kdf_view(row),
            master_key_wrap=row.master_key_wrap,
            recovery_wrap=row.recovery_wrap,
            private_keys_wrap=row.private_keys_wrap,
            identity_bundle=row.identity_bundle,
            root_key_wrap=row.root_key_wrap,
            trash_key_wrap=row.trash_key_wrap,
            root_id=row.root_id,
            trash_id=row.trash_id,
            used_bytes=usage(conn, user_id),
            quota_bytes=(
                row.quota_bytes if row.quota_bytes is not None else self._settings.default_quota
            ),
        )

    def account(self, caller: Caller) -> m.AccountView:
        with read_only(self._engine) as conn:
            return self._account_view(conn, caller.user_id)

    def change_password(self, caller: Caller, req: m.PasswordChangeRequest) -> m.RevokedCount:
        with self._engine.begin() as conn:
            stored: bytes = conn.execute(
                select(accounts.c.auth_hash)
                .where(accounts.c.user_id == caller.user_id)
                .with_for_update()
            ).scalar_one()
            self._check_auth(stored, req.old_auth_key)
            self._swap_credentials(conn, caller.user_id, req.kdf, req.auth_key, req.master_key_wrap)
            gone = conn.execute(
                delete(sessions).where(
                    (sessions.c.user_id == caller.user_id)
                    & (sessions.c.session_id != caller.session_id)
                )
            ).rowcount
        return m.RevokedCount(revoked=gone)

    def _swap_credentials(
        self, conn: Connection, user_id: bytes, kdf: m.Kdf, auth_key: bytes, master_key_wrap: bytes
    ) -> None:
        conn.execute(
            update(accounts)
            .where(accounts.c.user_id == user_id)
            .values(
                kdf_alg=kdf.alg,
                kdf_opslimit=kdf.opslimit,
                kdf_memlimit=kdf.memlimit,
                kdf_salt=kdf.salt,
                auth_hash=self._keys.auth_hash(auth_key),
                master_key_wrap=master_key_wrap,
            )
        )

    def recovery(self, req: m.RecoveryRequest) -> m.RecoveryResponse:
        """Hand out the recovery wrap to whoever proves the recovery key (no session needed)."""
        username = req.username.strip().lower()
        with self._engine.connect() as conn:
            row = conn.execute(
                select(
                    accounts.c.user_id, accounts.c.recovery_auth_hash, accounts.c.recovery_wrap
                ).where(accounts.c.username == username)
            ).first()
        self._check_auth(None if row is None else row.recovery_auth_hash, req.recovery_auth_key)
        assert row is not None  # _check_auth raised otherwise
        return m.RecoveryResponse(user_id=row.user_id, recovery_wrap=row.recovery_wrap)

    def recovery_reset(self, req: m.RecoveryResetRequest) -> m.RevokedCount:
        if (req.new_recovery_auth_key is None) != (req.new_recovery_wrap is None):
            raise ServiceError(
                ErrorCode.BAD_REQUEST,
                "new_recovery_auth_key and new_recovery_wrap go together",
            )
        username = req.username.strip().lower()
        with self._engine.begin() as conn:
            row = conn.execute(
                select(accounts.c.user_id, accounts.c.recovery_auth_hash)
                .where(accounts.c.username == username)
                .with_for_update()
            ).first()
            if row is None:
                self._check_auth(None, req.recovery_auth_key)  # spends the same time, then raises
                raise ServiceError(ErrorCode.BAD_CREDENTIALS, "wrong username or auth key")
            self._check_auth(row.recovery_auth_hash, req.recovery_auth_key)
            self._swap_credentials(conn, row.user_id, req.kdf, req.auth_key, req.master_key_wrap)
            if req.new_recovery_auth_key is not None and req.new_recovery_wrap is not None:
                conn.execute(
                    update(accounts)
                    .where(accounts.c.user_id == row.user_id)
                    .values(
                        recovery_auth_hash=self._keys.auth_hash(req.new_recovery_auth_key),
                        recovery_wrap=req.new_recovery_wrap,
                    )
                )
            # Whoever forgot the password may have lost a device too: every session ends.
            gone = conn.execute(delete(sessions).where(sessions.c.user_id == row.user_id)).rowcount
        return m.RevokedCount(revoked=gone)

    def delete_account(self, caller: Caller, auth_key: bytes) -> DeletedAccount:
        """Delete the account and everything it owns; returns what the collector must look at."""
        with self._engine.begin() as conn:
            stored: bytes = conn.execute(
                select(accounts.c.auth_hash)
                .where(accounts.c.user_id == caller.user_id)
                .with_for_update()
            ).scalar_one()
            self._check_auth(stored, auth_key)
            content_ids: set[bytes] = set(
                conn.execute(
                    select(nodes.c.content_id).where(
                        (nodes.c.owner_id == caller.user_id) & nodes.c.content_id.is_not(None)
                    )
                ).scalars()
            )
            content_ids.update(
                conn.execute(
                    select(versions.c.content_id).where(versions.c.owner_id == caller.user_id)
                ).scalars()
            )
            content_ids.update(
                conn.execute(
                    select(drop_files.c.content_id)
                    .select_from(drop_files.join(drops, drops.c.drop_id == drop_files.c.drop_id))
                    .where(drops.c.owner_id == caller.user_id)
                ).scalars()
            )
            upload_ids = [
                (r.content_id, r.chunk_count)
                for r in conn.execute(
                    select(uploads.c.content_id, uploads.c.chunk_count).where(
                        uploads.c.owner_id == caller.user_id
                    )
                )
            ]
            conn.execute(delete(versions).where(versions.c.owner_id == caller.user_id))
            conn.execute(delete(nodes).where(nodes.c.owner_id == caller.user_id))
            conn.execute(delete(uploads).where(uploads.c.owner_id == caller.user_id))
            conn.execute(delete(sessions).where(sessions.c.user_id == caller.user_id))
            conn.execute(delete(accounts).where(accounts.c.user_id == caller.user_id))
        return DeletedAccount(content_ids=sorted(content_ids), upload_ids=upload_ids)

    def set_quota(self, username: str, quota_bytes: int | None) -> None:
        with self._engine.begin() as conn:
            changed = conn.execute(
                update(accounts)
                .where(accounts.c.username == normalise_username(username))
                .values(quota_bytes=quota_bytes)
            ).rowcount
        if changed == 0:
            raise not_found("account")


def usage(conn: Connection, user_id: bytes) -> int:
    """Ciphertext bytes the account references: each distinct content object counted once."""
    # Files waiting in the account's drops count too, so drops cannot fill a server unmetered.
    referenced = union(
        select(nodes.c.content_id.label("cid")).where(
            (nodes.c.owner_id == user_id) & nodes.c.content_id.is_not(None)
        ),
        select(versions.c.content_id).where(versions.c.owner_id == user_id),
        select(drop_files.c.content_id)
        .select_from(drop_files.join(drops, drops.c.drop_id == drop_files.c.drop_id))
        .where(drops.c.owner_id == user_id),
    ).subquery()
    total: int = conn.execute(
        select(func.coalesce(func.sum(contents.c.total_size), 0)).where(
            contents.c.content_id.in_(select(referenced.c.cid))
        )
    ).scalar_one()
    return int(total)
