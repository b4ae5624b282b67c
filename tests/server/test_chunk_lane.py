# SPDX-License-Identifier: AGPL-3.0-or-later
"""The chunk PUT served below the framework's router (server/api/chunk_lane.py): it takes the
account's chunk requests, and answers each one, good or bad, exactly as the router's route did:
the same status, body and headers, counted under the same route in the metrics."""

import os
import re
from typing import Any

import httpx
import pytest

from sealbox.protocol import limits
from sealbox.protocol.models import b64encode
from sealbox.server.api import chunk_lane
from sealbox.server.api.response_headers import SECURITY_HEADERS
from sealbox.testing.http_api import new_id, ok
from tests.server.conftest import Server
from tests.server.test_transfers import CHUNK, open_body

pytestmark = [pytest.mark.anyio, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]


@pytest.fixture
def routed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of chunk requests that reached the registered route through the router."""
    paths: list[str] = []
    real = chunk_lane.CHUNK_ROUTE.handle

    async def handle(scope: Any, receive: Any, send: Any) -> None:
        paths.append(scope["path"])
        await real(scope, receive, send)

    monkeypatch.setattr(chunk_lane.CHUNK_ROUTE, "handle", handle)
    return paths


def answer(response: httpx.Response) -> tuple[int, Any, dict[str, str]]:
    return response.status_code, response.json(), dict(response.headers)


async def test_chunk_puts_skip_the_router_and_are_answered_and_counted_as_before(
    server: Server, routed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    account = await server.api.signup()
    chunks = [os.urandom(CHUNK + 16), os.urandom(CHUNK + 16), os.urandom(100)]
    content = new_id()
    body = open_body(content, chunks)
    ok(await server.client.post("/v1/uploads", json=body, headers=account.headers))
    path = f"/v1/uploads/{b64encode(content)}/chunks/{{}}"
    lane = await server.client.put(path.format(0), content=chunks[0], headers=account.headers)
    assert routed == []
    assert lane.json() == {"index": 0, "size": CHUNK + 16}
    assert lane.headers["content-type"] == "application/json"
    assert all(lane.headers[name] == value for name, value in SECURITY_HEADERS.items())
    # The same request through the router: the same answer but for the index.
    monkeypatch.setattr(chunk_lane, "UPLOAD_CHUNK_PATH", re.compile(r"(?!)"))
    router = await server.client.put(path.format(1), content=chunks[1], headers=account.headers)
    assert routed == [path.format(1)]
    assert router.json() == {"index": 1, "size": CHUNK + 16}
    assert dict(router.headers) == dict(lane.headers)
    metrics = (await server.client.get("/metrics")).text
    counted = 'method="PUT",route="/v1/uploads/{content_id}/chunks/{index}",status="200"} 2.0'
    assert counted in metrics


async def test_refused_chunk_puts_are_answered_as_the_router_answered_them(
    server: Server, routed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    account = await server.api.signup()
    other = await server.api.signup("other")
    chunk = os.urandom(CHUNK + 16)
    content = new_id()
    ok(await server.client.post("/v1/uploads", json=open_body(content, [chunk, chunk]),
                                headers=account.headers))  # fmt: skip
    cid = b64encode(content)
    cases = {
        "no session": (f"/v1/uploads/{cid}/chunks/0", chunk, {}),
        "a bad session": (f"/v1/uploads/{cid}/chunks/0", chunk, {"Authorization": "Bearer x"}),
        "another account's upload": (f"/v1/uploads/{cid}/chunks/0", chunk, other.headers),
        "no such upload": (f"/v1/uploads/{b64encode(new_id())}/chunks/0", chunk, account.headers),
        "a malformed id": ("/v1/uploads/not-an-id/chunks/0", chunk, account.headers),
        "an index past the layout": (f"/v1/uploads/{cid}/chunks/2", chunk, account.headers),
        "a short chunk": (f"/v1/uploads/{cid}/chunks/0", chunk[:-1], account.headers),
        "a long chunk": (f"/v1/uploads/{cid}/chunks/1", chunk + b"x", account.headers),
    }
    lane = {
        name: answer(await server.client.put(path, content=data, headers=headers))
        for name, (path, data, headers) in cases.items()
    }
    assert routed == []
    assert lane["no session"][0] == 401 and lane["no session"][2]["www-authenticate"] == "Bearer"
    assert lane["no such upload"][1]["error"] == "not_found"
    assert lane["a short chunk"][1]["error"] == "wrong_length"
    monkeypatch.setattr(chunk_lane, "UPLOAD_CHUNK_PATH", re.compile(r"(?!)"))
    router = {
        name: answer(await server.client.put(path, content=data, headers=headers))
        for name, (path, data, headers) in cases.items()
    }
    assert len(routed) == len(cases)
    assert router == lane
    # Nothing was stored by any of them.
    view = ok(await server.client.get(f"/v1/uploads/{cid}", headers=account.headers))
    assert view["present"] == []


async def test_what_the_lane_does_not_take_goes_to_the_router(
    server: Server, routed: list[str]
) -> None:
    account = await server.api.signup()
    too_far = f"/v1/uploads/{b64encode(new_id())}/chunks/{limits.MAX_CHUNK_COUNT}"
    refused = await server.client.put(too_far, content=b"x", headers=account.headers)
    assert refused.status_code == 422 and refused.json()["error"] == "validation_error"
    other_method = f"/v1/uploads/{b64encode(new_id())}/chunks/0"
    got = await server.client.get(other_method, headers=account.headers)
    assert got.status_code == 405
    assert routed == [too_far, other_method]
