# SPDX-License-Identifier: AGPL-3.0-or-later
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from sealbox.protocol.models import b64decode, b64encode
from sealbox.server.db.schema import accounts
from sealbox.server.server_keys import SECRET_ENV, load_or_create_secret
from sealbox.testing.http_api import FAST_KDF, file_put, new_id, ok, signup_body
from tests.server.conftest import Server, stored_chunks

pytestmark = pytest.mark.anyio


def login_body(username: str, auth_key: bytes) -> dict[str, str]:
    return {"username": username, "auth_key": b64encode(auth_key)}


async def test_signup_normalises_the_username_and_email_is_optional(server: Server) -> None:
    body, account = signup_body("Alice.Example")
    assert "email" not in body
    response = await server.client.post("/v1/accounts", json=body)
    assert response.status_code == 201, response.text
    assert response.json() == {"user_id": b64encode(account.user_id), "username": "alice.example"}
    account.username = "ALICE.example"
    await server.api.login(account)


@pytest.mark.parametrize("username", ["", "a b", "x" * 65, "émile", "a/b"])
async def test_signup_refuses_bad_usernames(server: Server, username: str) -> None:
    body, _ = signup_body(username)
    response = await server.client.post("/v1/accounts", json=body)
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"


async def test_duplicate_username_and_user_id_conflict(server: Server) -> None:
    body, _ = signup_body("bob")
    ok(await server.client.post("/v1/accounts", json=body))
    again, _ = signup_body("BOB")
    response = await server.client.post("/v1/accounts", json=again)
    assert (response.status_code, response.json()["error"]) == (409, "username_taken")
    same_id, _ = signup_body("bob2")
    same_id["user_id"] = body["user_id"]
    response = await server.client.post("/v1/accounts", json=same_id)
    assert (response.status_code, response.json()["error"]) == (409, "user_id_taken")


async def test_auth_key_is_stored_only_as_a_keyed_hash(server: Server) -> None:
    account = await server.api.signup()
    with server.services.engine.connect() as conn:
        row = conn.execute(select(accounts).where(accounts.c.user_id == account.user_id)).one()
    stored = b"".join(v for v in row if isinstance(v, bytes))
    assert account.auth_key not in stored
    assert account.recovery_auth_key not in stored


async def test_prelogin_returns_real_and_fake_answers_of_the_same_shape(server: Server) -> None:
    account = await server.api.signup()
    real = ok(await server.client.post("/v1/prelogin", json={"username": account.username}))
    assert b64decode(real["user_id"]) == account.user_id
    fake = ok(await server.client.post("/v1/prelogin", json={"username": "nobody-here"}))
    again = ok(await server.client.post("/v1/prelogin", json={"username": "nobody-here"}))
    other = ok(await server.client.post("/v1/prelogin", json={"username": "nobody-else"}))
    assert fake == again
    assert fake != other
    assert set(fake) == set(real) and set(fake["kdf"]) == set(real["kdf"])
    assert len(b64decode(fake["kdf"]["salt"])) == 16 and len(b64decode(fake["user_id"])) == 16


async def test_login_with_wrong_key_or_unknown_user_is_the_same_401(server: Server) -> None:
    account = await server.api.signup()
    wrong = await server.client.post(
        "/v1/sessions", json=login_body(account.username, os.urandom(32))
    )
    unknown = await server.client.post("/v1/sessions", json=login_body("ghost", os.urandom(32)))
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


async def test_login_returns_the_account_blobs(server: Server) -> None:
    body, account = signup_body("carol")
    ok(await server.client.post("/v1/accounts", json=body))
    reply = await server.api.login(account)
    for name in (
        "master_key_wrap",
        "private_keys_wrap",
        "identity_bundle",
        "root_key_wrap",
        "trash_key_wrap",
    ):
        assert reply["account"][name] == body[name]
    assert reply["account"]["root_id"] == body["root"]["node_id"]
    assert reply["account"]["kdf"] == body["kdf"]
    assert reply["account"]["quota_bytes"] is None


async def test_sessions_list_revoke_and_revoke_others(server: Server) -> None:
    account = await server.api.signup()
    first = account.token
    await server.api.login(account)
    await server.api.login(account)
    listed = ok(await server.client.get("/v1/sessions", headers=account.headers))["sessions"]
    assert len(listed) == 3
    assert sum(s["current"] for s in listed) == 1
    assert set(listed[0]) == {"session_id", "created_day", "last_used_day", "current", "device"}
    other = next(s["session_id"] for s in listed if not s["current"])
    response = await server.client.delete(f"/v1/sessions/{other}", headers=account.headers)
    assert response.status_code == 204
    response = await server.client.delete(f"/v1/sessions/{other}", headers=account.headers)
    assert response.status_code == 404
    revoked = ok(await server.client.post("/v1/sessions/revoke-others", headers=account.headers))
    assert revoked == {"revoked": 1}
    stale = await server.client.get("/v1/account", headers={"Authorization": f"Bearer {first}"})
    assert (stale.status_code, stale.json()["error"]) == (401, "unauthorized")
    assert ok(await server.client.get("/v1/account", headers=account.headers))


async def test_last_used_day_moves_with_the_clock(server: Server) -> None:
    account = await server.api.signup()
    server.clock.advance(3 * 86400)
    listed = ok(await server.client.get("/v1/sessions", headers=account.headers))["sessions"]
    current = next(s for s in listed if s["current"])
    assert current["last_used_day"] > current["created_day"]


async def test_password_change_swaps_credentials_and_ends_other_sessions(server: Server) -> None:
    account = await server.api.signup()
    other = await server.client.post(
        "/v1/sessions", json=login_body(account.username, account.auth_key)
    )
    other_token = other.json()["token"]
    new_key, new_wrap = os.urandom(32), os.urandom(72)
    change = {
        "old_auth_key": b64encode(os.urandom(32)),
        "kdf": {**FAST_KDF, "salt": b64encode(os.urandom(16))},
        "auth_key": b64encode(new_key),
        "master_key_wrap": b64encode(new_wrap),
    }
    bad = await server.client.post("/v1/account/password", json=change, headers=account.headers)
    assert bad.status_code == 401
    change["old_auth_key"] = b64encode(account.auth_key)
    reply = ok(
        await server.client.post("/v1/account/password", json=change, headers=account.headers)
    )
    assert reply == {"revoked": 1}
    gone = await server.client.get(
        "/v1/account", headers={"Authorization": f"Bearer {other_token}"}
    )
    assert gone.status_code == 401
    old = await server.client.post(
        "/v1/sessions", json=login_body(account.username, account.auth_key)
    )
    assert old.status_code == 401
    fresh = ok(await server.client.post("/v1/sessions", json=login_body(account.username, new_key)))
    assert fresh["account"]["master_key_wrap"] == b64encode(new_wrap)
    assert fresh["account"]["kdf"] == change["kdf"]


async def test_recovery_reset(server: Server) -> None:
    account = await server.api.signup()
    new_key, new_recovery = os.urandom(32), os.urandom(32)
    reset = {
        "username": account.username,
        "recovery_auth_key": b64encode(os.urandom(32)),
        "kdf": {**FAST_KDF, "salt": b64encode(os.urandom(16))},
        "auth_key": b64encode(new_key),
        "master_key_wrap": b64encode(os.urandom(72)),
        "new_recovery_auth_key": b64encode(new_recovery),
        "new_recovery_wrap": b64encode(os.urandom(72)),
    }
    assert (await server.client.post("/v1/recovery-reset", json=reset)).status_code == 401
    reset["recovery_auth_key"] = b64encode(account.recovery_auth_key)
    assert ok(await server.client.post("/v1/recovery-reset", json=reset)) == {"revoked": 1}
    assert (await server.client.get("/v1/account", headers=account.headers)).status_code == 401
    ok(await server.client.post("/v1/sessions", json=login_body(account.username, new_key)))
    # The old recovery key is spent; the new one works.
    assert (await server.client.post("/v1/recovery-reset", json=reset)).status_code == 401
    reset["recovery_auth_key"] = b64encode(new_recovery)
    del reset["new_recovery_auth_key"], reset["new_recovery_wrap"]
    ok(await server.client.post("/v1/recovery-reset", json=reset))


@pytest.mark.parametrize("settings_extra", [{"login_failures_allowed": 3}])
async def test_login_throttling_by_address(server: Server, settings_extra: object) -> None:
    account = await server.api.signup()
    for _ in range(3):
        response = await server.client.post(
            "/v1/sessions", json=login_body(account.username, os.urandom(32))
        )
        assert response.status_code == 401
    blocked = await server.client.post(
        "/v1/sessions", json=login_body(account.username, account.auth_key)
    )
    assert (blocked.status_code, blocked.json()["error"]) == (429, "too_many_attempts")
    assert int(blocked.headers["Retry-After"]) > 0
    server.clock.advance(16 * 60)
    ok(
        await server.client.post(
            "/v1/sessions", json=login_body(account.username, account.auth_key)
        )
    )


async def test_throttle_keeps_no_addresses() -> None:
    from sealbox.server.services.throttle import LoginThrottle
    from tests.server.conftest import FakeClock

    clock = FakeClock()
    throttle = LoginThrottle(clock, 2, 60)
    throttle.failed("198.51.100.9")
    assert throttle.tracked_addresses() == 1
    assert b"198.51.100.9" not in repr(throttle.__dict__).encode()
    clock.advance(86400)
    throttle.check("198.51.100.9")
    assert throttle.tracked_addresses() == 0


async def test_account_deletion_needs_the_auth_key_and_removes_everything(server: Server) -> None:
    account = await server.api.signup()
    other = await server.api.signup()
    folder = await server.api.mkdir(account, account.root_id)
    _node, _ = await server.api.put_small_file(account, folder, os.urandom(1000))
    # The other account's file must survive.
    _, kept = await server.api.put_small_file(other, other.root_id, os.urandom(500))
    assert len(await stored_chunks(server)) == 2
    bad = await server.client.post(
        "/v1/account/delete", json={"auth_key": b64encode(os.urandom(32))}, headers=account.headers
    )
    assert bad.status_code == 401
    response = await server.client.post(
        "/v1/account/delete",
        json={"auth_key": b64encode(account.auth_key)},
        headers=account.headers,
    )
    assert response.status_code == 204
    assert (await server.client.get("/v1/account", headers=account.headers)).status_code == 401
    gone = await server.client.post(
        "/v1/sessions", json=login_body(account.username, account.auth_key)
    )
    assert gone.status_code == 401
    keys = await stored_chunks(server)
    assert keys == [f"chunks/{b64encode(kept)}/0"]
    # The username is free again.
    body, _ = signup_body(account.username)
    ok(await server.client.post("/v1/accounts", json=body))


async def test_idle_sessions_are_ended_by_the_collector(server: Server) -> None:
    account = await server.api.signup()
    server.clock.advance(60 * 86400)
    active = await server.api.signup()
    server.clock.advance(40 * 86400)
    ok(await server.client.get("/v1/account", headers=active.headers))
    report = await server.services.collector.collect()
    assert report.idle_sessions == 1
    assert (await server.client.get("/v1/account", headers=account.headers)).status_code == 401
    assert (await server.client.get("/v1/account", headers=active.headers)).status_code == 200


async def test_per_account_quota_override(server: Server) -> None:
    account = await server.api.signup()
    server.services.accounts.set_quota(account.username.upper(), 5000)
    assert (
        ok(await server.client.get("/v1/account", headers=account.headers))["quota_bytes"] == 5000
    )
    await server.api.put_small_file(account, account.root_id, os.urandom(4000))
    too_much = file_put(new_id(), account.root_id, None, inline=(new_id(), b"h", os.urandom(2000)))
    response = await server.api.tx(account, manifests=[account.root_id], puts=[too_much])
    assert (response.status_code, response.json()["error"]) == (507, "quota_exceeded")
    server.services.accounts.set_quota(account.username, None)
    ok(await server.api.tx(account, manifests=[account.root_id], puts=[too_much]))


def test_server_secret_from_file_or_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    first = load_or_create_secret(tmp_path)
    assert len(first) == 32 and load_or_create_secret(tmp_path) == first
    assert (tmp_path / "server-secret").stat().st_mode & 0o777 == 0o600
    monkeypatch.setenv(SECRET_ENV, "ab" * 32)
    assert load_or_create_secret(tmp_path) == bytes.fromhex("ab" * 32)
    monkeypatch.setenv(SECRET_ENV, "ab" * 8)
    with pytest.raises(ValueError):
        load_or_create_secret(tmp_path)


async def test_a_session_keeps_the_sealed_device_name_it_is_given(server: Server) -> None:
    account, other = await server.api.signup(), await server.api.signup()
    listed = ok(await server.client.get("/v1/sessions", headers=account.headers))["sessions"]
    assert listed[0]["device"] is None
    url = f"/v1/sessions/{listed[0]['session_id']}/device"
    blob = b64encode(os.urandom(169))
    named = await server.client.put(url, json={"device": blob}, headers=account.headers)
    assert named.status_code == 204, named.text
    listed = ok(await server.client.get("/v1/sessions", headers=account.headers))["sessions"]
    assert listed[0]["device"] == blob
    foreign = await server.client.put(url, json={"device": blob}, headers=other.headers)
    assert foreign.status_code == 404
    too_big = b64encode(os.urandom(1025))
    refused = await server.client.put(url, json={"device": too_big}, headers=account.headers)
    assert refused.status_code == 422
