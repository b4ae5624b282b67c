# SPDX-License-Identifier: AGPL-3.0-or-later
"""The login throttle: per account at an address, per address, per account; backoff; memory only."""

import os

import pytest

from sealbox.protocol.errors import ErrorCode
from sealbox.protocol.models import b64encode
from sealbox.server.errors import ServiceError
from sealbox.server.services.throttle import SPREAD, LoginThrottle
from sealbox.testing.http_api import ok
from tests.server.conftest import FakeClock, Server

pytestmark = pytest.mark.anyio

WINDOW = 60


def _retry_after(throttle: LoginThrottle, address: str, account: str | None) -> int | None:
    try:
        throttle.check(address, account)
    except ServiceError as exc:
        assert exc.code == ErrorCode.TOO_MANY_ATTEMPTS
        return int(exc.headers["Retry-After"]) if exc.headers else None
    return None


def test_one_persons_failures_lock_their_account_only_not_their_address() -> None:
    throttle = LoginThrottle(FakeClock(), 3, WINDOW)
    for _ in range(3):
        throttle.failed("192.0.2.1", "name:alice")
    assert _retry_after(throttle, "192.0.2.1", "name:alice") == WINDOW
    assert _retry_after(throttle, "192.0.2.1", "name:bob") is None  # same address, other account
    assert _retry_after(throttle, "192.0.2.7", "name:alice") is None  # same account, elsewhere


def test_one_address_trying_many_accounts_is_locked() -> None:
    throttle = LoginThrottle(FakeClock(), 3, WINDOW)
    for n in range(3 * SPREAD):
        assert _retry_after(throttle, "192.0.2.1", f"name:user{n}") is None
        throttle.failed("192.0.2.1", f"name:user{n}")
    assert _retry_after(throttle, "192.0.2.1", "name:someone-else") == WINDOW
    assert _retry_after(throttle, "192.0.2.2", "name:someone-else") is None


def test_many_addresses_trying_one_account_are_locked() -> None:
    throttle = LoginThrottle(FakeClock(), 3, WINDOW)
    for n in range(3 * SPREAD):
        throttle.failed(f"198.51.100.{n}", "name:alice")
    assert _retry_after(throttle, "203.0.113.5", "name:alice") == WINDOW
    assert _retry_after(throttle, "203.0.113.5", "name:bob") is None


def test_each_further_lockout_lasts_twice_as_long() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(clock, 2, WINDOW)
    waits = []
    for _ in range(4):
        throttle.failed("192.0.2.1", "name:alice")
        throttle.failed("192.0.2.1", "name:alice")
        wait = _retry_after(throttle, "192.0.2.1", "name:alice")
        assert wait is not None
        waits.append(wait)
        clock.advance(wait)
        assert _retry_after(throttle, "192.0.2.1", "name:alice") is None
    assert waits == [WINDOW, 2 * WINDOW, 4 * WINDOW, 8 * WINDOW]


def test_failures_older_than_the_window_are_forgotten() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(clock, 2, WINDOW)
    throttle.failed("192.0.2.1", "name:alice")
    clock.advance(WINDOW + 1)
    throttle.failed("192.0.2.1", "name:alice")
    assert _retry_after(throttle, "192.0.2.1", "name:alice") is None


def test_neither_address_nor_account_is_kept_and_the_table_is_dropped_daily() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(clock, 2, WINDOW)
    throttle.failed("198.51.100.9", "name:alice")
    kept = repr(throttle.__dict__).encode()
    assert b"198.51.100.9" not in kept and b"alice" not in kept
    assert throttle.tracked_addresses() == 3
    clock.advance(86400)
    throttle.check("198.51.100.9", "name:alice")
    assert throttle.tracked_addresses() == 0


@pytest.mark.parametrize("settings_extra", [{"login_failures_allowed": 3}])
async def test_a_wrong_password_does_not_lock_out_others_at_the_same_address(
    server: Server, settings_extra: object
) -> None:
    alice, bob = await server.api.signup(), await server.api.signup()
    wrong = {"username": alice.username, "auth_key": b64encode(os.urandom(32))}
    for _ in range(3):
        assert (await server.client.post("/v1/sessions", json=wrong)).status_code == 401
    blocked = await server.client.post("/v1/sessions", json=wrong)
    assert (blocked.status_code, blocked.json()["error"]) == (429, "too_many_attempts")
    bob_login = {"username": bob.username, "auth_key": b64encode(bob.auth_key)}
    ok(await server.client.post("/v1/sessions", json=bob_login))
