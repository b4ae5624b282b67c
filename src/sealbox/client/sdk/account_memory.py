# SPDX-License-Identifier: AGPL-3.0-or-later
"""What this device remembers of each account's password settings, and the checks against it.

Nothing reaches Argon2id unchecked (spec/keys.md, "Derived salt", "Remembered account settings";
A31). At pre-login the salt must be the remembered one or the one the client derives itself from
the server id and the username, the costs no weaker than remembered, and the user id the
remembered one. A resumed session must show exactly the remembered settings. Password change and
account deletion derive only under the remembered parameters, never under what the server reports.
"""

from __future__ import annotations

from sealbox.client.sdk.errors import NotLoggedIn
from sealbox.client.sdk.state import LocalState, RememberedAccount
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.password import KdfParams, derive_salt
from sealbox.protocol import models as m


def params_of(known: RememberedAccount) -> KdfParams:
    return KdfParams(known.opslimit, known.memlimit, known.salt)


def _wire_params(kdf: m.Kdf) -> KdfParams:
    return KdfParams(kdf.opslimit, kdf.memlimit, kdf.salt)


def remember(
    state: LocalState,
    server: str,
    username: str,
    user_id: bytes,
    server_id: bytes,
    params: KdfParams,
) -> None:
    known = RememberedAccount(user_id, server_id, params.salt, params.opslimit, params.memlimit)
    state.remember_account(server, username, known)


def _check_new_device(
    state: LocalState, server: str, username: str, pre: m.PreloginResponse, legacy_salt: bool
) -> None:
    params = _wire_params(pre.kdf)
    # A device upgraded from a client that kept only the strongest costs still has that floor.
    floor = state.kdf_floor(server, username)
    if floor and (params.opslimit < floor[0] or params.memlimit < floor[1]):
        raise IntegrityError(
            ErrorCode.KDF_BELOW_FLOOR,
            "the server offered weaker password settings than this account used before",
        )
    if params.salt != derive_salt(pre.server_id, username) and not legacy_salt:
        raise IntegrityError(
            ErrorCode.CONTEXT_MISMATCH,
            f"the server gave a password salt for {username} that this client did not derive, "
            "which lets a server attack many passwords at once; nothing was sent. If the account "
            "was made by a client older than derived salts, log in once with --legacy-salt, then "
            "run `sealbox passwd` (the same password may be kept)",
        )


def check_prelogin(
    state: LocalState,
    server: str,
    username: str,
    pre: m.PreloginResponse,
    *,
    legacy_salt: bool = False,
    forget_remembered: bool = False,
) -> KdfParams:
    """The parameters to derive under, once they passed every check; raise before any derivation."""
    params = _wire_params(pre.kdf)
    params.check()
    known = None if forget_remembered else state.remembered_account(server, username)
    if known is None:
        _check_new_device(state, server, username, pre, legacy_salt)
        return params
    if pre.user_id != known.user_id:
        raise IntegrityError(
            ErrorCode.CONTEXT_MISMATCH,
            f"the server says {username} is another account than the one this device knows (its "
            "user id changed); nothing was sent. Only if the account was deleted (and perhaps made "
            "again), log in with --forget-remembered",
        )
    if params.opslimit < known.opslimit or params.memlimit < known.memlimit:
        raise IntegrityError(
            ErrorCode.KDF_BELOW_FLOOR,
            "the server offered weaker password settings than this account used before",
        )
    derived = derive_salt(known.server_id, username)
    if params.salt not in (known.salt, derived) and not legacy_salt:
        raise IntegrityError(
            ErrorCode.CONTEXT_MISMATCH,
            f"the server gave another password salt for {username} than this device remembers; "
            "nothing was sent. Only if you changed the password with an older client elsewhere, "
            "log in with --legacy-salt",
        )
    return params


def server_id_after_login(
    state: LocalState, server: str, username: str, pre: m.PreloginResponse
) -> bytes:
    """The server id to remember: the one this device already trusts, else the answer's."""
    known = state.remembered_account(server, username)
    return known.server_id if known else pre.server_id


def check_resumed(
    state: LocalState, server: str, username: str, view: m.AccountView
) -> KdfParams | None:
    """A live session proves no password change happened elsewhere (it would have ended this
    session), so the account must show exactly the remembered settings. None: a session made by a
    client that remembered nothing; it serves the drive but not passwd or delete."""
    known = state.remembered_account(server, username)
    if known is None:
        return None
    if view.user_id != known.user_id:
        raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "the server returned another account")
    if _wire_params(view.kdf) != params_of(known):
        raise IntegrityError(
            ErrorCode.CONTEXT_MISMATCH,
            "the server reports other password settings than this device set or checked for "
            f"{username}; nothing was derived from them",
        )
    return params_of(known)


def require(state: LocalState, server: str, username: str, user_id: bytes) -> RememberedAccount:
    """The remembered settings that passwd and account delete derive under; never the server's."""
    known = state.remembered_account(server, username)
    if known is None or known.user_id != user_id:
        raise NotLoggedIn(
            f"this device has not checked the password settings of {username} yet: log in again "
            f"(`sealbox login {username}`), then repeat the command"
        )
    return known


def uses_derived_salt(state: LocalState, server: str, username: str) -> bool:
    """False for an account made before derived salts, until its next password change."""
    known = state.remembered_account(server, username)
    return known is not None and known.salt == derive_salt(known.server_id, username)
