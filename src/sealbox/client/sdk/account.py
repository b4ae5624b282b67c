# SPDX-License-Identifier: AGPL-3.0-or-later
"""Sign-up, login, unlocking and the account's own keys (spec/keys.md, "Flows").

A session here is an unlocked account: the master key, identity keys and top-folder keys in memory,
and a server token. Everything read from the server is checked before use: the KDF parameters
against the floor and against what this device remembers of the account (``account_memory``), the
identity bundle against the account's own pin, every wrap against its AD.
"""

from __future__ import annotations

from dataclasses import dataclass

from sealbox.client.sdk import account_memory
from sealbox.client.sdk.api import Api
from sealbox.client.sdk.clock import Clock, system_clock
from sealbox.client.sdk.errors import NotLoggedIn
from sealbox.client.sdk.state import LocalState, StoredSession
from sealbox.crypto import identity, manifest, password, recovery
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.identity import IdentityBundle, IdentityKeys
from sealbox.crypto.keys import FolderKey, MasterKey, RandomSource, RecoveryKey, system_random
from sealbox.crypto.layout import b64url, from_b64url
from sealbox.crypto.tree import TopFolder, unwrap_top_folder_key, wrap_top_folder_key
from sealbox.protocol import models as m


def normalize_username(username: str) -> str:
    """The form the server stores and the identity bundle signs (spec/keys.md)."""
    return username.strip().lower()


def _kdf_wire(params: password.KdfParams) -> m.Kdf:
    return m.Kdf(
        alg="argon2id13", opslimit=params.opslimit, memlimit=params.memlimit, salt=params.salt
    )


@dataclass
class Session:
    """An unlocked account. ``lock()`` drops the keys; the object is useless afterwards."""

    api: Api
    state: LocalState
    server: str
    username: str
    user_id: bytes
    session_id: bytes
    master_key: MasterKey
    identity: IdentityKeys
    bundle: IdentityBundle
    root_id: bytes
    root_key: FolderKey
    trash_id: bytes
    trash_key: FolderKey

    @property
    def writers(self) -> dict[bytes, bytes]:
        """Who may sign manifests in the account's own tree: the account alone."""
        return {self.user_id: self.identity.public.sign_public}

    def lock(self) -> None:
        for name in ("master_key", "identity", "root_key", "trash_key"):
            delattr(self, name)


def _top_folder_manifest(ident: identity.IdentityKeys, user_id: bytes, folder_id: bytes) -> bytes:
    return manifest.make_manifest(ident, user_id, folder_id, 1, manifest.NO_PREVIOUS, [])


async def signup(
    api: Api,
    state: LocalState,
    server: str,
    username: str,
    password_text: str,
    *,
    email: str | None = None,
    opslimit: int = password.DEFAULT_OPSLIMIT,
    memlimit: int = password.DEFAULT_MEMLIMIT,
    rng: RandomSource = system_random,
    clock: Clock = system_clock,
) -> tuple[Session, str]:
    """Create the account and log in. Returns the session and the recovery key's text, which the
    caller must show once: it is never stored anywhere."""
    name = normalize_username(username)
    # The pre-login answer for a name not taken yet is the server's fake; only its server id is
    # used, to derive the salt (spec/keys.md, "Derived salt").
    server_id = (await api.prelogin(name)).server_id
    params = password.KdfParams.derived(server_id, name, opslimit, memlimit)
    keys = password.derive_password_keys(password_text, params)
    user_id = rng(16)
    master_key = MasterKey.generate(rng)
    recovery_key = RecoveryKey.generate(rng)
    ident = identity.IdentityKeys.generate(rng)
    bundle = identity.make_bundle(ident, user_id, name, 1, int(clock()))
    root_id, trash_id = rng(16), rng(16)
    root_key, trash_key = FolderKey.generate(rng), FolderKey.generate(rng)
    request = m.SignupRequest(
        username=name,
        email=email,
        user_id=user_id,
        kdf=_kdf_wire(params),
        auth_key=keys.auth_key.secret_bytes(),
        recovery_auth_key=recovery.recovery_auth_key(recovery_key).secret_bytes(),
        master_key_wrap=password.wrap_master_key(
            keys.key_encryption_key, master_key, params, user_id, rng
        ),
        recovery_wrap=recovery.wrap_master_key(recovery_key, master_key, user_id, rng),
        private_keys_wrap=identity.wrap_private_keys(master_key, ident, user_id, rng),
        identity_bundle=bundle,
        root_key_wrap=wrap_top_folder_key(
            master_key, root_key, user_id, root_id, TopFolder.ROOT, rng
        ),
        trash_key_wrap=wrap_top_folder_key(
            master_key, trash_key, user_id, trash_id, TopFolder.TRASH, rng
        ),
        root=m.FolderInit(node_id=root_id, manifest=_top_folder_manifest(ident, user_id, root_id)),
        trash=m.FolderInit(
            node_id=trash_id, manifest=_top_folder_manifest(ident, user_id, trash_id)
        ),
    )
    await api.signup(request)
    # The account's own signing key is pinned now, so a later login on this device notices a
    # substituted bundle (A8).
    parsed = identity.verify_bundle(bundle, name, None)
    state.save_pin(user_id, parsed.pin(), name, verified=True)
    account_memory.remember(state, server, name, user_id, server_id, params)
    reply = await api.login(name, keys.auth_key.secret_bytes())
    session = _open_account(api, state, server, reply, master_key)
    return session, recovery.format_recovery_key(recovery_key)


async def login(
    api: Api,
    state: LocalState,
    server: str,
    username: str,
    password_text: str,
    *,
    legacy_salt: bool = False,
    forget_remembered: bool = False,
) -> Session:
    """Log in, checking the pre-login answer against what this device remembers before deriving.

    ``legacy_salt`` accepts a salt the client did not derive (accounts made before derived salts);
    ``forget_remembered`` checks the account as a new device would, and replaces what this device
    remembered once the login succeeds (spec/keys.md, "Remembered account settings").
    """
    name = normalize_username(username)
    pre = await api.prelogin(name)
    params = account_memory.check_prelogin(
        state, server, name, pre, legacy_salt=legacy_salt, forget_remembered=forget_remembered
    )
    keys = password.derive_password_keys(password_text, params)
    reply = await api.login(name, keys.auth_key.secret_bytes())
    account = reply.account
    if account.user_id != pre.user_id or account.kdf != pre.kdf:
        raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "the server changed the account mid-login")
    master_key = password.unwrap_master_key(
        keys.key_encryption_key, account.master_key_wrap, params, account.user_id
    )
    session = _open_account(api, state, server, reply, master_key)
    if forget_remembered:
        state.forget_account(server, name)
    server_id = account_memory.server_id_after_login(state, server, name, pre)
    account_memory.remember(state, server, name, account.user_id, server_id, params)
    return session


def _open_account(
    api: Api,
    state: LocalState,
    server: str,
    reply: m.LoginResponse,
    master_key: MasterKey,
) -> Session:
    api.token = reply.token
    session = unlock(api, state, server, reply.account, reply.session_id, master_key)
    state.save_session(
        StoredSession(
            server=server,
            username=session.username,
            user_id=b64url(session.user_id),
            session_id=b64url(reply.session_id),
            token=reply.token,
            master_key=b64url(master_key.secret_bytes()),
        )
    )
    return session


def unlock(
    api: Api,
    state: LocalState,
    server: str,
    account: m.AccountView,
    session_id: bytes,
    master_key: MasterKey,
) -> Session:
    """Open the account's keys with the master key, checking each against its binding."""
    user_id, name = account.user_id, account.username
    pinned = state.pin(user_id, user_id)
    bundle = identity.verify_bundle(account.identity_bundle, name, pinned[0] if pinned else None)
    if bundle.user_id != user_id:
        raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "the identity bundle is another account's")
    ident = identity.unwrap_private_keys(
        master_key, account.private_keys_wrap, user_id, bundle.keys
    )
    if pinned is None or pinned[0] != bundle.pin():
        state.save_pin(user_id, bundle.pin(), name, verified=True)
    root_key = unwrap_top_folder_key(
        master_key, account.root_key_wrap, user_id, account.root_id, TopFolder.ROOT
    )
    trash_key = unwrap_top_folder_key(
        master_key, account.trash_key_wrap, user_id, account.trash_id, TopFolder.TRASH
    )
    return Session(
        api=api,
        state=state,
        server=server,
        username=name,
        user_id=user_id,
        session_id=session_id,
        master_key=master_key,
        identity=ident,
        bundle=bundle,
        root_id=account.root_id,
        root_key=root_key,
        trash_id=account.trash_id,
        trash_key=trash_key,
    )


async def resume(api: Api, state: LocalState) -> Session:
    """Unlock the session stored by the last login on this device, without the password."""
    stored = state.load_session()
    if stored is None:
        raise NotLoggedIn("not logged in: run `sealbox login USER` first")
    api.token = stored.token
    account = await api.account()
    if b64url(account.user_id) != stored.user_id:
        raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "the server returned another account")
    account_memory.check_resumed(state, stored.server, stored.username, account)
    master_key = MasterKey(from_b64url(stored.master_key))
    return unlock(api, state, stored.server, account, from_b64url(stored.session_id), master_key)


async def logout(session: Session) -> None:
    try:
        await session.api.revoke_session(session.session_id)
    finally:
        session.state.forget_session()
        session.lock()


async def change_password(
    session: Session,
    old_password: str,
    new_password: str,
    *,
    opslimit: int | None = None,
    memlimit: int | None = None,
    rng: RandomSource = system_random,
) -> int:
    """Re-wrap only the master key under the new password; other sessions end (spec/keys.md).

    The old auth key is derived under the parameters this device remembers, never under those of
    ``GET /v1/account``; the new ones take the derived salt (which also moves an account made
    before derived salts onto it)."""
    known = account_memory.require(session.state, session.server, session.username, session.user_id)
    old = password.derive_password_keys(old_password, account_memory.params_of(known))
    params = password.KdfParams.derived(
        known.server_id,
        session.username,
        opslimit or max(known.opslimit, password.DEFAULT_OPSLIMIT),
        memlimit or max(known.memlimit, password.DEFAULT_MEMLIMIT),
    )
    new = password.derive_password_keys(new_password, params)
    request = m.PasswordChangeRequest(
        old_auth_key=old.auth_key.secret_bytes(),
        kdf=_kdf_wire(params),
        auth_key=new.auth_key.secret_bytes(),
        master_key_wrap=password.wrap_master_key(
            new.key_encryption_key, session.master_key, params, session.user_id, rng
        ),
    )
    revoked = await session.api.change_password(request)
    account_memory.remember(
        session.state, session.server, session.username, session.user_id, known.server_id, params
    )
    return revoked


async def recover(
    api: Api,
    state: LocalState,
    server: str,
    username: str,
    recovery_text: str,
    new_password: str,
    *,
    opslimit: int = password.DEFAULT_OPSLIMIT,
    memlimit: int = password.DEFAULT_MEMLIMIT,
    rng: RandomSource = system_random,
) -> Session:
    """Set a new password with the recovery key, then log in with it."""
    name = normalize_username(username)
    recovery_key = recovery.parse_recovery_key(recovery_text)
    recovery_auth = recovery.recovery_auth_key(recovery_key).secret_bytes()
    found = await api.recovery(name, recovery_auth)
    known = state.remembered_account(server, name)
    if known is not None and found.user_id != known.user_id:
        raise IntegrityError(
            ErrorCode.CONTEXT_MISMATCH,
            f"the server says {name} is another account than the one this device knows",
        )
    master_key = recovery.unwrap_master_key(recovery_key, found.recovery_wrap, found.user_id)
    server_id = known.server_id if known else await _server_id_for(api, name, found.user_id)
    params = password.KdfParams.derived(server_id, name, opslimit, memlimit)
    new = password.derive_password_keys(new_password, params)
    await api.recovery_reset(
        m.RecoveryResetRequest(
            username=name,
            recovery_auth_key=recovery_auth,
            kdf=_kdf_wire(params),
            auth_key=new.auth_key.secret_bytes(),
            master_key_wrap=password.wrap_master_key(
                new.key_encryption_key, master_key, params, found.user_id, rng
            ),
        )
    )
    # The login below is checked against exactly what this device just set.
    account_memory.remember(state, server, name, found.user_id, server_id, params)
    return await login(api, state, server, name, new_password)


async def _server_id_for(api: Api, name: str, user_id: bytes) -> bytes:
    """On a device that does not know the account: the server id of a pre-login answer for it."""
    pre = await api.prelogin(name)
    if pre.user_id != user_id:
        raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "the server changed the account mid-reset")
    return pre.server_id


async def delete_account(session: Session, password_text: str) -> None:
    """Delete the account; the auth key is derived under the remembered parameters only."""
    known = account_memory.require(session.state, session.server, session.username, session.user_id)
    keys = password.derive_password_keys(password_text, account_memory.params_of(known))
    await session.api.delete_account(keys.auth_key.secret_bytes())
    session.state.forget_account(session.server, session.username)
    session.state.forget_session()
    session.lock()
