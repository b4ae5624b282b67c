# SPDX-License-Identifier: AGPL-3.0-or-later
import time

import anyio
import pytest

from sealbox.protocol.models import b64decode
from sealbox.testing.http_api import ok
from tests.server.conftest import Server

pytestmark = pytest.mark.anyio


async def test_feed_lists_each_transaction_once_in_order(server: Server) -> None:
    account = await server.api.signup()
    empty = ok(await server.client.get("/v1/feed", headers=account.headers))
    assert empty == {"entries": [], "cursor": 0, "more": False}
    folder = await server.api.mkdir(account, account.root_id)
    node, _ = await server.api.put_small_file(account, folder, b"x" * 20)
    page = ok(await server.client.get("/v1/feed?cursor=0", headers=account.headers))
    assert page["cursor"] == 2
    seen = {(e["seq"], b64decode(e["node_id"]), e["change"]) for e in page["entries"]}
    assert seen == {
        (1, account.root_id, "manifest"),
        (1, folder, "put"),
        (2, folder, "manifest"),
        (2, node, "put"),
    }
    ok(await server.api.tx(account, manifests=[folder], removes=[node]))
    page = ok(await server.client.get("/v1/feed?cursor=2", headers=account.headers))
    assert {(e["seq"], e["change"]) for e in page["entries"]} == {(3, "manifest"), (3, "remove")}
    other = await server.api.signup()
    assert ok(await server.client.get("/v1/feed", headers=other.headers))["entries"] == []


async def test_long_poll_wakes_on_a_commit(server: Server) -> None:
    account = await server.api.signup()
    result: dict[str, object] = {}

    async def wait() -> None:
        started = time.monotonic()
        result["page"] = ok(
            await server.client.get("/v1/feed?cursor=0&wait=20", headers=account.headers)
        )
        result["took"] = time.monotonic() - started

    async with anyio.create_task_group() as group:
        group.start_soon(wait)
        await anyio.sleep(0.3)
        await server.api.mkdir(account, account.root_id)
    assert result["page"]["entries"]  # type: ignore[index]
    assert result["took"] < 5  # type: ignore[operator]


async def test_long_poll_returns_empty_after_the_wait(server: Server) -> None:
    account = await server.api.signup()
    started = time.monotonic()
    page = ok(await server.client.get("/v1/feed?cursor=0&wait=1", headers=account.headers))
    assert page["entries"] == [] and 0.9 < time.monotonic() - started < 5
    bad = await server.client.get("/v1/feed?wait=61", headers=account.headers)
    assert bad.status_code == 422


async def test_feed_pages_hold_whole_transactions(server: Server) -> None:
    account = await server.api.signup()
    for _ in range(5):
        await server.api.mkdir(account, account.root_id)
    cursor, seqs = 0, []
    while True:
        page = ok(
            await server.client.get(f"/v1/feed?cursor={cursor}&limit=2", headers=account.headers)
        )
        batch = sorted({e["seq"] for e in page["entries"]})
        assert len(batch) <= 2
        # Each transaction here touched two nodes; a page never splits one.
        assert len(page["entries"]) == 2 * len(batch)
        seqs += batch
        cursor = page["cursor"]
        if not page["more"]:
            break
    assert seqs == [1, 2, 3, 4, 5] and cursor == 5
