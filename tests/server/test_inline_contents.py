# SPDX-License-Identifier: AGPL-3.0-or-later
"""Inline contents live in the database, written in the commit that references them
(docs/decisions/2004-inline-contents-in-the-database.md): every reader finds them, every deletion
removes them, and a content that is not inline still goes to the blob store."""

import os

import pytest
from sqlalchemy import func, select

from sealbox.protocol import content_batch as cb
from sealbox.protocol import limits, routes
from sealbox.protocol.models import b64decode, b64encode
from sealbox.server.db.engine import read_only
from sealbox.server.db.inline_chunks import inline_chunks
from sealbox.testing.http_api import Account, file_put, new_id, ok
from tests.server.conftest import Server, stored_chunks
from tests.server.test_transfers import HEADER as UPLOAD_HEADER
from tests.server.test_transfers import make_chunks, upload

pytestmark = pytest.mark.anyio

HEADER = b"H" * 40


def kept(server: Server) -> dict[bytes, bytes]:
    """The inline chunks the database holds, by content id."""
    with read_only(server.services.engine) as conn:
        rows = conn.execute(select(inline_chunks.c.content_id, inline_chunks.c.data)).all()
    return {r.content_id: r.data for r in rows}


def kept_count(server: Server) -> int:
    with read_only(server.services.engine) as conn:
        return int(conn.execute(select(func.count()).select_from(inline_chunks)).scalar_one())


async def blob_keys(server: Server) -> list[str]:
    return [b.key async for b in server.services.blobs.list("chunks/")]


async def put_files(server: Server, account: Account, chunks: list[bytes]) -> list[bytes]:
    """One transaction of inline files under the root; returns their content ids."""
    ids = [new_id() for _ in chunks]
    puts = [
        file_put(new_id(), account.root_id, None, inline=(content, HEADER, chunk))
        for content, chunk in zip(ids, chunks, strict=True)
    ]
    ok(await server.api.tx(account, manifests=[account.root_id], puts=puts))
    return ids


async def test_inline_contents_are_kept_in_the_database_and_read_by_every_route(
    server: Server,
) -> None:
    account = await server.api.signup()
    chunks = [os.urandom(n) for n in (16, 4096, 70_000)]
    ids = await put_files(server, account, chunks)
    assert kept(server) == dict(zip(ids, chunks, strict=True))
    assert await blob_keys(server) == []  # no file per inline content
    for content, chunk in zip(ids, chunks, strict=True):
        whole = await server.client.get(
            f"/v1/contents/{b64encode(content)}", headers=account.headers
        )
        assert whole.status_code == 200 and whole.content == HEADER + chunk
        part = await server.client.get(
            f"/v1/contents/{b64encode(content)}",
            headers={**account.headers, "Range": "bytes=30-49"},
        )
        assert part.status_code == 206 and part.content == (HEADER + chunk)[30:50]
        one = await server.client.get(
            f"/v1/contents/{b64encode(content)}/chunks/0", headers=account.headers
        )
        assert one.status_code == 200 and one.content == chunk
    uploaded = make_chunks(1)
    stored = await upload(server, account, uploaded)
    ok(
        await server.api.tx(
            account, manifests=[account.root_id], puts=[file_put(new_id(), account.root_id, stored)]
        )
    )
    answer = await server.client.post(
        routes.CONTENTS_BATCH,
        json={"content_ids": [b64encode(i) for i in [ids[2], stored, ids[0]]]},
        headers=account.headers,
    )
    items = cb.parse_batch(answer.content)
    assert [i.status for i in items] == [cb.INCLUDED] * 3
    assert items[0].data == HEADER + chunks[2] and items[2].data == HEADER + chunks[0]
    assert items[1].data == UPLOAD_HEADER + uploaded[0]  # from the blob store


async def test_a_content_that_is_not_inline_still_goes_to_the_blob_store(server: Server) -> None:
    account = await server.api.signup()
    content = await upload(server, account, make_chunks(2))
    put = file_put(new_id(), account.root_id, content)
    ok(await server.api.tx(account, manifests=[account.root_id], puts=[put]))
    assert sorted(await blob_keys(server)) == [f"chunks/{b64encode(content)}/{i}" for i in (0, 1)]
    assert kept(server) == {}
    # And an inline chunk over the inline limit is refused, not stored anywhere.
    too_big = os.urandom(limits.MAX_INLINE_CHUNK + 1)
    put = file_put(new_id(), account.root_id, None, inline=(new_id(), HEADER, too_big))
    response = await server.api.tx(account, manifests=[account.root_id], puts=[put])
    assert response.status_code == 422  # refused by the request's schema
    assert kept(server) == {} and len(await blob_keys(server)) == 2


async def test_a_refused_transaction_stores_no_inline_content(server: Server) -> None:
    account = await server.api.signup()
    account.versions[account.root_id] = 7  # stale: the transaction is refused
    puts = [file_put(new_id(), account.root_id, None, inline=(new_id(), HEADER, b"x" * 100))]
    response = await server.api.tx(account, manifests=[account.root_id], puts=puts)
    assert response.status_code == 409
    assert kept_count(server) == 0 and await blob_keys(server) == []


async def test_collection_deletes_the_inline_contents_nothing_references(server: Server) -> None:
    account = await server.api.signup()
    ids = await put_files(server, account, [os.urandom(100) for _ in range(3)])
    listing = ok(
        await server.client.get(
            f"/v1/folders/{b64encode(account.root_id)}", headers=account.headers
        )
    )
    by_content = {c["content_id"]: c["node_id"] for c in listing["children"]}
    gone = by_content[b64encode(ids[0])]
    ok(await server.api.tx(account, manifests=[account.root_id], removes=[b64decode(gone)]))
    await server.services.collector.collect()
    assert set(kept(server)) == set(ids[1:])
    missing = await server.client.get(f"/v1/contents/{b64encode(ids[0])}", headers=account.headers)
    assert missing.status_code == 404


async def test_deleting_an_account_erases_its_inline_contents(server: Server) -> None:
    account, other = await server.api.signup(), await server.api.signup()
    await put_files(server, account, [os.urandom(1000), os.urandom(16)])
    (left,) = await put_files(server, other, [os.urandom(500)])
    response = await server.client.post(
        "/v1/account/delete",
        json={"auth_key": b64encode(account.auth_key)},
        headers=account.headers,
    )
    assert response.status_code == 204
    await server.services.collector.collect()
    assert set(kept(server)) == {left}


@pytest.mark.parametrize("settings_extra", [{"deleted_blob_grace_days": 7}])
async def test_an_inline_chunk_goes_with_its_content_row_even_with_a_grace_period(
    server: Server, settings_extra: object
) -> None:
    """The grace period keeps blobs for a restored database backup; an inline chunk is in that
    backup, so it goes at once, in the transaction that deletes its content row."""
    account = await server.api.signup()
    node, _ = await server.api.put_small_file(account, account.root_id, b"gone" * 16)
    _, other = await server.api.put_small_file(account, account.root_id, b"kept" * 16)
    ok(await server.api.tx(account, manifests=[account.root_id], removes=[node]))
    assert set(kept(server)) == {other}
    assert await stored_chunks(server) == [f"chunks/{b64encode(other)}/0"]


async def test_an_inline_content_id_in_use_or_repeated_is_refused_and_nothing_stored(
    server: Server,
) -> None:
    account = await server.api.signup()
    (existing,) = await put_files(server, account, [b"e" * 50])
    opened = await upload(server, account, make_chunks(2), order=[0])  # an upload in progress
    for taken in (existing, opened):
        puts = [
            file_put(new_id(), account.root_id, None, inline=(new_id(), HEADER, b"n" * 50)),
            file_put(new_id(), account.root_id, None, inline=(taken, HEADER, b"x" * 50)),
        ]
        response = await server.api.tx(account, manifests=[account.root_id], puts=puts)
        assert (response.status_code, response.json()["error"]) == (409, "id_taken")
    again = new_id()
    puts = [
        file_put(new_id(), account.root_id, None, inline=(again, HEADER, b"a" * 50)),
        file_put(new_id(), account.root_id, None, inline=(again, HEADER, b"b" * 50)),
    ]
    response = await server.api.tx(account, manifests=[account.root_id], puts=puts)
    assert (response.status_code, response.json()["error"]) == (400, "invalid_transaction")
    assert kept(server) == {existing: b"e" * 50}
