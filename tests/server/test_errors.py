# SPDX-License-Identifier: AGPL-3.0-or-later
"""Every error is JSON {"error", "message"} with the right status; hostile input never gets 500."""

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sealbox.protocol import limits
from sealbox.protocol.models import b64encode
from sealbox.testing.http_api import folder_put, new_id
from tests.server.conftest import Server

pytestmark = pytest.mark.anyio


def assert_error(response, status: int, code: str | None = None) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "message"}
    assert isinstance(body["message"], str) and body["message"]
    if code is not None:
        assert body["error"] == code


async def test_unknown_route_and_wrong_method(server: Server) -> None:
    assert_error(await server.client.get("/nope"), 404, "not_found")
    assert_error(await server.client.get("/v1/folders"), 404, "not_found")
    assert_error(await server.client.delete("/v1/accounts"), 405, "method_not_allowed")


async def test_malformed_bodies(server: Server) -> None:
    account = await server.api.signup()
    h = {**account.headers, "Content-Type": "application/json"}
    assert_error(
        await server.client.post("/v1/transactions", content=b"{nope", headers=h),
        422,
        "validation_error",
    )
    assert_error(await server.client.post("/v1/transactions", content=b"[]", headers=h), 422)
    assert_error(await server.client.post("/v1/transactions", content=b"\xff\xfe", headers=h), 422)
    assert_error(await server.client.post("/v1/prelogin", json={"username": 5}), 422)
    assert_error(await server.client.post("/v1/prelogin", json={"username": "a", "extra": 1}), 422)


@pytest.mark.parametrize(
    "bad_id", ["AAAA", "A" * 22 + "=", "!" * 22, "A" * 21 + "B", "A" * 23, "", "%00" * 16]
)
async def test_bad_base64_ids(server: Server, bad_id: str) -> None:
    account = await server.api.signup()
    if bad_id:
        response = await server.client.get(f"/v1/nodes/{bad_id}", headers=account.headers)
        assert 400 <= response.status_code < 500
    body = {"manifests": [], "puts": [], "removes": [bad_id]}
    assert_error(
        await server.client.post("/v1/transactions", json=body, headers=account.headers), 422
    )


async def test_bodies_over_the_limit_get_413(server: Server) -> None:
    account = await server.api.signup()
    big = b"{" + b" " * (limits.MAX_JSON_BODY + 10) + b"}"
    assert_error(
        await server.client.post(
            "/v1/prelogin", content=big, headers={"Content-Type": "application/json"}
        ),
        413,
        "body_too_large",
    )

    async def streamed():  # type: ignore[no-untyped-def]
        for _ in range(40):
            yield b" " * 65536

    # Without a Content-Length the body is counted as it arrives.
    assert_error(
        await server.client.post(
            "/v1/prelogin", content=streamed(), headers={"Content-Type": "application/json"}
        ),
        413,
        "body_too_large",
    )
    assert_error(
        await server.client.put(
            f"/v1/uploads/{b64encode(new_id())}/chunks/0",
            content=b"x" * (limits.MAX_CHUNK_SIZE + 17),
            headers=account.headers,
        ),
        413,
    )


async def test_oversized_blobs_in_json_are_refused(server: Server) -> None:
    account = await server.api.signup()
    put = folder_put(new_id(), account.root_id)
    put["record"] = b64encode(os.urandom(limits.MAX_NODE_RECORD + 1))
    response = await server.api.tx(account, manifests=[account.root_id], puts=[put])
    assert_error(response, 422, "validation_error")


async def test_too_many_puts(server: Server) -> None:
    account = await server.api.signup()
    puts = [folder_put(new_id(), account.root_id) for _ in range(limits.MAX_NODE_PUTS + 1)]
    response = await server.api.tx(account, manifests=[account.root_id], puts=puts)
    assert_error(response, 400, "invalid_transaction")


async def test_duplicate_and_contradictory_ids(server: Server) -> None:
    account = await server.api.signup()
    folder = await server.api.mkdir(account, account.root_id)
    twice = await server.api.tx(account, manifests=[account.root_id, account.root_id])
    assert_error(twice, 400, "invalid_transaction")
    both = await server.api.tx(
        account,
        manifests=[account.root_id],
        puts=[folder_put(folder, account.root_id, None)],
        removes=[folder],
    )
    assert_error(both, 400, "invalid_transaction")
    assert_error(await server.api.tx(account), 400, "invalid_transaction")


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    body=st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.text(max_size=30)
        | st.floats(allow_nan=False, allow_infinity=False),
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "manifests",
                        "puts",
                        "removes",
                        "folder_id",
                        "node_id",
                        "parent_id",
                        "node_type",
                        "record",
                        "content_id",
                        "inline",
                        "manifest",
                        "expected_version",
                        "chunk",
                        "header",
                        "chunk_size",
                    ]
                ),
                inner,
                max_size=5,
            )
        ),
        max_leaves=20,
    )
)
async def test_random_transaction_bodies_never_cause_a_500(server: Server, body: object) -> None:
    account = await server.api.signup()
    response = await server.client.post("/v1/transactions", json=body, headers=account.headers)
    assert 400 <= response.status_code < 500, response.text
    assert set(response.json()) == {"error", "message"}
