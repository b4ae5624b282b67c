# SPDX-License-Identifier: AGPL-3.0-or-later
"""Accounts and sessions: signup, pre-login, login, password change, recovery, deletion.

The server never sees a password. Clients derive an auth key from it and send that; the server
stores only a keyed hash of the auth key and compares in constant time. Session tokens are random
and stored hashed too, so a copy of the database opens no session.
"""

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from anyio import to_thread

from sealbox.protocol import limits
from sealbox.protocol import models as m
from sealbox.protocol.errors import ErrorCode
from sealbox.server.clock import Clock, day_of
from sealbox.server.db import accounts, retention
from sealbox.server.db.engine import Connection, Engine, IntegrityError, read_only, writing
from sealbox.server.db.requests import held_accounts
from sealbox.server.errors import ServiceError, not_found
from sealbox.server.server_keys import ServerKeys
from sealbox.server.services.collector import Collector
from sealbox.server.services.enforcement import refuse_restriction
from sealbox.server.services.log_port import TransparencyLog, no_log
from sealbox.server.settings import Settings

USERNAME = re.compile(limits.USERNAME_PATTERN)
TOKEN_BYTES = 32
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Caller:
    user_id: bytes
    session_id: bytes


@dataclass(frozen=True, slots=True)
class DeletedAccount:
    content_ids: list[bytes]
    upload_ids: list[tuple[bytes, int]]


def _read_nothing(_conn: Connection, _user_id: bytes) -> None:
    return None


def normalise_username(raw: str) -> str:
    username = raw.strip().lower()
    if not USERNAME.fullmatch(username):
        raise ServiceError(
            ErrorCode.VALIDATION, "username must be 1-64 characters of a-z, 0-9, '.', '_' or '-'"
        )
    return username


def _derived_salt(server_id: bytes, username: str) -> bytes:
    """The salt a client derives for a new password (spec/keys.md, "Derived salt"), for the fake
    pre-login answer. The server never imports the crypto package, hence this one-line twin of
    ``sealbox.crypto.password.derive_salt``; a test keeps the two equal."""
    data = b"sealbox password salt v1\x00" + server_id + username.encode("utf-8")
    return hashlib.blake2b(data, digest_size=32).digest()[: limits.SALT_BYTES]


class AccountService:
    def __init__(
        self,
        engine: Engine,
        keys: ServerKeys,
        clock: Clock,
        settings: Settings,
        collector: Collector,
        log: TransparencyLog = no_log,
    ) -> None:
        self._log = log
        self._engine = engine
        self._keys = keys
        self._clock = clock
        self._settings = settings
        self._collector = collector

    # Signup and pre-login

    def signup(self, req: m.SignupRequest) -> m.SignupResponse:
        username = normalise_username(req.username)
        if req.root.node_id == req.trash.node_id:
            raise ServiceError(ErrorCode.BAD_REQUEST, "root and trash need different node ids")
        values = {
            "user_id": req.user_id,
            "username": username,
            "email": req.email,
            "kdf_alg": req.kdf.alg,
            "kdf_opslimit": req.kdf.opslimit,
            "kdf_memlimit": req.kdf.memlimit,
            "kdf_salt": req.kdf.salt,
            "auth_hash": self._keys.auth_hash(req.auth_key),
            "recovery_auth_hash": self._keys.auth_hash(req.recovery_auth_key),
            "master_key_wrap": req.master_key_wrap,
            "recovery_wrap": req.recovery_wrap,
            "private_keys_wrap": req.private_keys_wrap,
            "identity_bundle": req.identity_bundle,
            "root_key_wrap": req.root_key_wrap,
            "trash_key_wrap": req.trash_key_wrap,
            "root_id": req.root.node_id,
            "trash_id": req.trash.node_id,
            "quota_bytes": None,
            "feed_seq": 0,
        }
        try:
            with writing(self._engine) as conn:
                taken = accounts.taken_by(conn, username, req.user_id)
                if taken == "username":
                    raise ServiceError(ErrorCode.USERNAME_TAKEN, "username is taken")
                if taken is not None:
                    raise ServiceError(ErrorCode.USER_ID_TAKEN, "user id is taken")
                accounts.create(conn, values, [req.root, req.trash])
        except IntegrityError as exc:
            # A concurrent signup took the name or id between our check and the insert.
            raise ServiceError(ErrorCode.USERNAME_TAKEN, "username or user id is taken") from exc
        return m.SignupResponse(user_id=req.user_id, username=username)

    def prelogin(self, raw_username: str) -> m.PreloginResponse:
        username = raw_username.strip().lower()
        with read_only(self._engine) as conn:
            found = accounts.kdf_of(conn, username)
        server_id = self._keys.server_id
        if found is not None:
            return m.PreloginResponse(user_id=found[0], server_id=server_id, kdf=found[1])
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
        with writing(self._engine) as conn:
            found = accounts.login_credential(conn, username)
            if found is None:
                self._check_auth(None, req.auth_key)  # spends the same time, then raises
                raise ServiceError(ErrorCode.BAD_CREDENTIALS, "wrong username or auth key")
            self._check_auth(found.auth_hash, req.auth_key)
            session_id, token = self._new_session(conn, found.user_id)
            account = self._account_view(conn, found.user_id)
        return m.LoginResponse(session_id=session_id, token=token, account=account)

    def _new_session(self, conn: Connection, user_id: bytes) -> tuple[bytes, str]:
        token_bytes = secrets.token_bytes(TOKEN_BYTES)
        session_id = secrets.token_bytes(limits.ID_BYTES)
        today = day_of(self._clock)
        accounts.add_session(
            conn,
            {
                "session_id": session_id,
                "token_hash": self._keys.token_hash(token_bytes),
                "user_id": user_id,
                "created_day": today,
                "last_used_day": today,
            },
        )
        return session_id, m.b64encode(token_bytes)

    def authenticate(self, token: str, writes: bool = False) -> Caller:
        """The session's caller. With ``writes``, a suspended or closed account is refused
        (``account_suspended``), read in the same transaction as the session: one worker-thread
        hop and one transaction for every authenticated request."""
        caller, _ = self.authenticate_and_read(token, writes, _read_nothing)
        return caller

    def authenticate_and_read(
        self, token: str, writes: bool, read: Callable[[Connection, bytes], T]
    ) -> tuple[Caller, T]:
        """``authenticate``, then ``read(conn, user_id)`` in the same read transaction once the
        caller is known (and, with ``writes``, not restricted): a chunk upload's own checks ride
        along with its authentication."""
        try:
            token_bytes = m.b64decode(token)
        except ValueError:
            token_bytes = b""
        if len(token_bytes) != TOKEN_BYTES:
            raise ServiceError(ErrorCode.UNAUTHORIZED, "missing or invalid session token")
        token_hash = self._keys.token_hash(token_bytes)
        today = day_of(self._clock)
        with read_only(self._engine) as conn:
            session = accounts.session_by_token(conn, token_hash)
            if session is None:
                raise ServiceError(ErrorCode.UNAUTHORIZED, "missing or invalid session token")
            if writes:
                refuse_restriction(session.restriction)
            found = read(conn, session.user_id)
        if session.last_used_day != today:
            # At most one write per session per day.
            with writing(self._engine) as conn:
                accounts.touch_session(conn, session.session_id, today)
        return Caller(user_id=session.user_id, session_id=session.session_id), found

    def list_sessions(self, caller: Caller) -> m.SessionList:
        with read_only(self._engine) as conn:
            found = accounts.session_list(conn, caller.user_id, caller.session_id)
        return m.SessionList(sessions=found)

    def revoke(self, caller: Caller, session_id: bytes) -> None:
        with writing(self._engine) as conn:
            gone = accounts.end_session(conn, caller.user_id, session_id)
        if not gone:
            raise not_found("session")

    def name_session(self, caller: Caller, session_id: bytes, device: bytes) -> None:
        """Store the sealed device name of one of the caller's sessions."""
        with writing(self._engine) as conn:
            found = accounts.set_session_device(conn, caller.user_id, session_id, device)
        if not found:
            raise not_found("session")

    def revoke_others(self, caller: Caller) -> m.RevokedCount:
        with writing(self._engine) as conn:
            gone = accounts.end_sessions(conn, caller.user_id, keep=caller.session_id)
        return m.RevokedCount(revoked=gone)

    # The account itself

    def _account_view(self, conn: Connection, user_id: bytes) -> m.AccountView:
        view = accounts.view(conn, user_id, self._settings.default_quota)
        if view is None:
            raise not_found("account")
        return view

    def account(self, caller: Caller) -> m.AccountView:
        with read_only(self._engine) as conn:
            return self._account_view(conn, caller.user_id)

    def change_password(self, caller: Caller, req: m.PasswordChangeRequest) -> m.RevokedCount:
        with writing(self._engine) as conn:
            self._check_auth(accounts.auth_hash_locked(conn, caller.user_id), req.old_auth_key)
            self._swap_credentials(conn, caller.user_id, req.kdf, req.auth_key, req.master_key_wrap)
            gone = accounts.end_sessions(conn, caller.user_id, keep=caller.session_id)
        return m.RevokedCount(revoked=gone)

    def _swap_credentials(
        self, conn: Connection, user_id: bytes, kdf: m.Kdf, auth_key: bytes, master_key_wrap: bytes
    ) -> None:
        accounts.update_columns(
            conn,
            user_id,
            {
                "kdf_alg": kdf.alg,
                "kdf_opslimit": kdf.opslimit,
                "kdf_memlimit": kdf.memlimit,
                "kdf_salt": kdf.salt,
                "auth_hash": self._keys.auth_hash(auth_key),
                "master_key_wrap": master_key_wrap,
            },
        )

    def recovery(self, req: m.RecoveryRequest) -> m.RecoveryResponse:
        """Hand out the recovery wrap to whoever proves the recovery key (no session needed)."""
        username = req.username.strip().lower()
        with read_only(self._engine) as conn:
            row = accounts.recovery_credential(conn, username)
        self._check_auth(None if row is None else row.recovery_auth_hash, req.recovery_auth_key)
        if row is None:  # _check_auth raised already
            raise ServiceError(ErrorCode.BAD_CREDENTIALS, "wrong username or auth key")
        return m.RecoveryResponse(user_id=row.user_id, recovery_wrap=row.recovery_wrap)

    def recovery_reset(self, req: m.RecoveryResetRequest) -> m.RevokedCount:
        if (req.new_recovery_auth_key is None) != (req.new_recovery_wrap is None):
            raise ServiceError(
                ErrorCode.BAD_REQUEST,
                "new_recovery_auth_key and new_recovery_wrap go together",
            )
        username = req.username.strip().lower()
        with writing(self._engine) as conn:
            row = accounts.recovery_credential(conn, username, lock=True)
            if row is None:
                self._check_auth(None, req.recovery_auth_key)  # spends the same time, then raises
                raise ServiceError(ErrorCode.BAD_CREDENTIALS, "wrong username or auth key")
            self._check_auth(row.recovery_auth_hash, req.recovery_auth_key)
            self._swap_credentials(conn, row.user_id, req.kdf, req.auth_key, req.master_key_wrap)
            if req.new_recovery_auth_key is not None and req.new_recovery_wrap is not None:
                accounts.update_columns(
                    conn,
                    row.user_id,
                    {
                        "recovery_auth_hash": self._keys.auth_hash(req.new_recovery_auth_key),
                        "recovery_wrap": req.new_recovery_wrap,
                    },
                )
            # Whoever forgot the password may have lost a device too: every session ends.
            gone = accounts.end_sessions(conn, row.user_id)
        return m.RevokedCount(revoked=gone)

    def delete_account(self, caller: Caller, auth_key: bytes) -> DeletedAccount:
        """Delete the account and everything it owns; returns what the collector must look at.

        Under a preservation hold the rows go into ``held_deletions`` first and the collector
        leaves their contents alone; everything else is exactly as without a hold, so nobody,
        the holder included, can tell (spec/compliance.md §12.4)."""
        with writing(self._engine) as conn:
            self._check_auth(accounts.auth_hash_locked(conn, caller.user_id), auth_key)
            now = int(self._clock.now())
            if held_accounts(conn, [caller.user_id], now):
                deletion_id = secrets.token_bytes(limits.ID_BYTES)
                retention.keep_for_hold(conn, caller.user_id, deletion_id, now)
            owned = accounts.delete_all(conn, caller.user_id)
        return DeletedAccount(content_ids=sorted(owned.content_ids), upload_ids=owned.uploads)

    async def close(self, caller: Caller, auth_key: bytes) -> None:
        """Delete the account (``delete_account``), then collect what it held alone. The
        ``erasure`` entry is appended now, held or not: one per deletion, and a hold leaves no
        trace in the public log (spec/compliance.md §12.4)."""
        gone = await to_thread.run_sync(partial(self.delete_account, caller, auth_key))
        self._log("erasure", {})
        await self._collector.release(gone.content_ids, gone.upload_ids)

    def set_quota(self, username: str, quota_bytes: int | None) -> None:
        with writing(self._engine) as conn:
            changed = accounts.set_quota(conn, normalise_username(username), quota_bytes)
        if not changed:
            raise not_found("account")
