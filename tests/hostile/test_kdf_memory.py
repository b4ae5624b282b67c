# SPDX-License-Identifier: AGPL-3.0-or-later
"""A31: the server chooses the salt or the costs of a password derivation outside a checked login.

Each test lets alice sign up honestly, then has the server lie about her salt, costs or user id on
one path (pre-login on a known device or a new one, session resume, passwd, account delete,
recovery) and checks that the client refuses with an IntegrityError before it derives anything
under the lie: no request that carries a derived key follows.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import pytest

from sealbox.client.sdk import account
from sealbox.client.sdk.api import Api
from sealbox.client.sdk.errors import NotLoggedIn
from sealbox.crypto import password
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.layout import b64url
from sealbox.crypto.password import FLOOR_MEMLIMIT, FLOOR_OPSLIMIT
from sealbox.testing.hostile import Exchange

from .conftest import PASSWORD, SERVER, Arena

pytestmark = pytest.mark.anyio
# Above the floor, so that "weaker" has room below it and still passes the floor.
STRONGER = {"opslimit": FLOOR_OPSLIMIT + 1, "memlimit": FLOOR_MEMLIMIT}
# Requests that carry a key derived from the password or the recovery key.
DERIVED_KEY_REQUESTS = {
    "POST /v1/sessions",
    "POST /v1/account/password",
    "POST /v1/account/delete",
    "POST /v1/recovery-reset",
}


def kdf_rewrite(change: Callable[[dict[str, Any]], None]) -> Callable[[Exchange], bytes | None]:
    """A rule body that changes the `kdf` (or, with a key, any field) of an account answer."""

    def rewrite(exchange: Exchange) -> bytes | None:
        if exchange.status != 200:
            return None
        body = json.loads(exchange.body)
        change(body)
        return json.dumps(body).encode()

    return rewrite


def new_salt(body: dict[str, Any]) -> None:
    body["kdf"]["salt"] = b64url(os.urandom(16))


def floor_costs(body: dict[str, Any]) -> None:
    body["kdf"].update(opslimit=FLOOR_OPSLIMIT, memlimit=FLOOR_MEMLIMIT)


def new_user_id(body: dict[str, Any]) -> None:
    body["user_id"] = b64url(os.urandom(16))


def sent_after(arena: Arena, mark: int) -> list[str]:
    return [f"{r.method} {r.path}" for r in arena.hostile.requests[mark:]]


def no_derived_key_sent(arena: Arena, mark: int) -> bool:
    return not DERIVED_KEY_REQUESTS & set(sent_after(arena, mark))


async def signup_alice(arena: Arena, **costs: int) -> account.Session:
    session, _ = await account.signup(
        Api(arena.http), arena.state("alice"), SERVER, "alice", PASSWORD, **(costs or STRONGER)
    )
    return session


async def login_again(arena: Arena, device: str = "alice") -> account.Session:
    return await account.login(Api(arena.http), arena.state(device), SERVER, "alice", PASSWORD)


async def resume(arena: Arena) -> account.Session:
    return await account.resume(Api(arena.http), arena.state("alice"))


# Login on a device that knows the account ----------------------------------------------------


async def test_A31_server_swaps_the_salt_at_prelogin_on_a_known_device(arena: Arena) -> None:
    await signup_alice(arena)
    arena.hostile.on("POST", "/v1/prelogin", kdf_rewrite(new_salt))
    mark = len(arena.hostile.requests)
    with pytest.raises(IntegrityError) as excinfo:
        await login_again(arena)
    assert excinfo.value.code == ErrorCode.CONTEXT_MISMATCH
    assert sent_after(arena, mark) == ["POST /v1/prelogin"]  # no auth key under the new salt


async def test_A31_server_changes_the_user_id_at_prelogin_on_a_known_device(arena: Arena) -> None:
    await signup_alice(arena)
    arena.hostile.on("POST", "/v1/prelogin", kdf_rewrite(new_user_id))
    mark = len(arena.hostile.requests)
    with pytest.raises(IntegrityError) as excinfo:
        await login_again(arena)
    assert excinfo.value.code == ErrorCode.CONTEXT_MISMATCH
    assert sent_after(arena, mark) == ["POST /v1/prelogin"]


# Login on a new device -----------------------------------------------------------------------


async def test_A31_server_gives_a_new_device_a_non_derived_salt(arena: Arena) -> None:
    await signup_alice(arena)
    # One salt for every user: a single dictionary would then attack them all.
    shared = b64url(bytes(16))
    arena.hostile.on(
        "POST", "/v1/prelogin", kdf_rewrite(lambda body: body["kdf"].update(salt=shared))
    )
    mark = len(arena.hostile.requests)
    with pytest.raises(IntegrityError) as excinfo:
        await login_again(arena, "alice-new-phone")
    assert excinfo.value.code == ErrorCode.CONTEXT_MISMATCH
    assert sent_after(arena, mark) == ["POST /v1/prelogin"]


# Paths other than login ----------------------------------------------------------------------


LIES = pytest.mark.parametrize("lie", [new_salt, floor_costs], ids=["salt", "costs"])


@LIES
async def test_A31_server_swaps_the_salt_or_lowers_params_on_resume(
    arena: Arena, lie: Callable[[dict[str, Any]], None]
) -> None:
    await signup_alice(arena)
    arena.hostile.on("GET", "/v1/account", kdf_rewrite(lie))
    with pytest.raises(IntegrityError) as excinfo:
        await resume(arena)
    assert excinfo.value.code == ErrorCode.CONTEXT_MISMATCH


@LIES
async def test_A31_server_swaps_the_salt_or_lowers_params_for_passwd(
    arena: Arena, lie: Callable[[dict[str, Any]], None]
) -> None:
    await signup_alice(arena)
    arena.hostile.on("GET", "/v1/account", kdf_rewrite(lie))
    mark = len(arena.hostile.requests)
    with pytest.raises(IntegrityError) as excinfo:
        session = await resume(arena)
        await account.change_password(session, PASSWORD, "a new password", **STRONGER)
    assert excinfo.value.code == ErrorCode.CONTEXT_MISMATCH
    assert no_derived_key_sent(arena, mark)


@LIES
async def test_A31_server_swaps_the_salt_or_lowers_params_for_account_delete(
    arena: Arena, lie: Callable[[dict[str, Any]], None]
) -> None:
    await signup_alice(arena)
    arena.hostile.on("GET", "/v1/account", kdf_rewrite(lie))
    mark = len(arena.hostile.requests)
    with pytest.raises(IntegrityError) as excinfo:
        session = await resume(arena)
        await account.delete_account(session, PASSWORD)
    assert excinfo.value.code == ErrorCode.CONTEXT_MISMATCH
    assert no_derived_key_sent(arena, mark)


async def test_A31_server_swaps_the_salt_after_recovery(arena: Arena) -> None:
    _, recovery_text = await account.signup(
        Api(arena.http), arena.state("alice"), SERVER, "alice", PASSWORD, **STRONGER
    )
    arena.hostile.on("POST", "/v1/prelogin", kdf_rewrite(new_salt))
    mark = len(arena.hostile.requests)
    with pytest.raises(IntegrityError) as excinfo:
        await account.recover(
            Api(arena.http), arena.state("alice"), SERVER, "alice", recovery_text, "new pw",
            **STRONGER,
        )  # fmt: skip
    assert excinfo.value.code == ErrorCode.CONTEXT_MISMATCH
    # The reset (made by the client under its own derived salt) went through; the login after it,
    # under the salt the server then offered, was never attempted.
    assert "POST /v1/sessions" not in sent_after(arena, mark)


# What must keep working ----------------------------------------------------------------------


async def test_passwd_and_delete_derive_under_the_remembered_settings(arena: Arena) -> None:
    session = await signup_alice(arena)
    known = session.state.remembered_account(SERVER, "alice")
    assert known is not None and known.salt == password.derive_salt(known.server_id, "alice")
    await account.change_password(session, PASSWORD, "second password", **STRONGER)
    after = session.state.remembered_account(SERVER, "alice")
    # The derived salt survives a password change; the costs are the ones asked for.
    assert after is not None and after.salt == known.salt and after.user_id == session.user_id
    resumed = await resume(arena)
    await account.delete_account(resumed, "second password")
    assert resumed.state.remembered_account(SERVER, "alice") is None


async def test_fake_prelogin_answers_carry_the_derived_salt(arena: Arena) -> None:
    real = await signup_alice(arena)
    known = real.state.remembered_account(SERVER, "alice")
    fake = await Api(arena.http).prelogin("nobody-here")
    assert known is not None and fake.server_id == known.server_id
    # The server's own twin of the derivation agrees with the client's, so a fake cannot be told
    # from a real account by computing its salt.
    assert fake.kdf.salt == password.derive_salt(fake.server_id, "nobody-here")


async def test_legacy_salt_account_moves_to_the_derived_salt(
    arena: Arena, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An account made by a client older than derived salts: its salt is random.
    with monkeypatch.context() as old_client:
        old_client.setattr(password, "derive_salt", lambda *_: os.urandom(16))
        await signup_alice(arena)
    # The device that made it keeps working with what it remembers.
    await login_again(arena)
    # A new device refuses the random salt unless the person asks for it.
    with pytest.raises(IntegrityError):
        await login_again(arena, "alice-tablet")
    tablet = await account.login(
        Api(arena.http), arena.state("alice-tablet"), SERVER, "alice", PASSWORD, legacy_salt=True
    )
    # A password change (here from the tablet) moves the account to the derived salt, which
    # the first device also accepts, and a third device needs no exception any more.
    await account.change_password(tablet, PASSWORD, "moved password", **STRONGER)
    for device in ("alice", "alice-desktop"):
        await account.login(Api(arena.http), arena.state(device), SERVER, "alice", "moved password")


async def test_a_session_from_an_older_client_asks_for_a_login_before_passwd(arena: Arena) -> None:
    await signup_alice(arena)
    # A device upgraded from a client that remembered no salt: its stored session still works.
    arena.state("alice").forget_account(SERVER, "alice")
    session = await resume(arena)
    mark = len(arena.hostile.requests)
    with pytest.raises(NotLoggedIn, match="log in again"):
        await account.change_password(session, PASSWORD, "a new password", **STRONGER)
    with pytest.raises(NotLoggedIn):
        await account.delete_account(session, PASSWORD)
    assert no_derived_key_sent(arena, mark)
