# SPDX-License-Identifier: AGPL-3.0-or-later
"""The batch content download (spec/http-api.md §6.4): per-id authorisation, order, bounds."""

import os
from types import SimpleNamespace

import pytest

from sealbox.protocol import content_batch as cb
from sealbox.protocol import limits, routes
from sealbox.protocol.content_layout import ContentLayout
from sealbox.protocol.models import b64encode
from sealbox.server.api import content_batch as content_batch_api
from sealbox.server.services.contents import ContentInfo
from sealbox.testing.http_api import Account, new_id
from tests.server.conftest import Server

pytestmark = pytest.mark.anyio

HEADER = b"H" * 40


async def batch(server: Server, account: Account, ids: list[bytes]) -> list[cb.BatchItem]:
    response = await server.client.post(
        routes.CONTENTS_BATCH,
        json={"content_ids": [b64encode(i) for i in ids]},
        headers=account.headers,
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == routes.CONTENTS_MEDIA_TYPE
    return cb.parse_batch(response.content)


async def test_batch_returns_each_readable_object_in_order_and_hides_others(
    server: Server,
) -> None:
    alice, mallory = await server.api.signup(), await server.api.signup()
    chunks = [os.urandom(n) for n in (16, 100, 4096)]
    mine = [(await server.api.put_small_file(alice, alice.root_id, c))[1] for c in chunks]
    theirs = (await server.api.put_small_file(mallory, mallory.root_id, os.urandom(50)))[1]
    missing = new_id()
    asked = [mine[2], theirs, mine[0], missing, mine[1]]
    items = await batch(server, alice, asked)
    assert [i.content_id for i in items] == asked
    assert [i.status for i in items] == [cb.INCLUDED, cb.NOT_FOUND, cb.INCLUDED, cb.NOT_FOUND,
                                         cb.INCLUDED]  # fmt: skip
    assert items[0].data == HEADER + chunks[2]
    assert items[2].data == HEADER + chunks[0]
    assert items[4].data == HEADER + chunks[1]
    # Exactly what the single route serves.
    single = await server.client.get(f"/v1/contents/{b64encode(mine[1])}", headers=alice.headers)
    assert single.content == items[4].data
    # Another account's content is not found whether it exists or not: the same bytes.
    assert items[1].data == items[3].data == b""


async def test_batch_omits_what_passes_the_bound(server: Server) -> None:
    alice = await server.api.signup()
    big = os.urandom(limits.MAX_INLINE_CHUNK - 1024)  # under 4 MiB + 16: five pass 16 MiB
    ids = []
    for _ in range(5):
        ids.append((await server.api.put_small_file(alice, alice.root_id, big))[1])
    items = await batch(server, alice, ids)
    statuses = [i.status for i in items]
    assert statuses == [cb.INCLUDED] * 4 + [cb.OMITTED]
    assert sum(len(i.data) for i in items) <= limits.MAX_BATCH_BYTES
    assert items[4].data == b""
    # The omitted one comes in a later batch.
    assert (await batch(server, alice, [ids[4]]))[0].data == HEADER + big


async def test_batch_refuses_bad_requests(server: Server) -> None:
    alice = await server.api.signup()
    one = b64encode(new_id())
    for body in (
        {"content_ids": []},
        {"content_ids": [one, one]},
        {"content_ids": [b64encode(new_id()) for _ in range(limits.MAX_BATCH_CONTENTS + 1)]},
        {"content_ids": ["not an id"]},
    ):
        response = await server.client.post(routes.CONTENTS_BATCH, json=body, headers=alice.headers)
        assert response.status_code == 422, body
        assert response.json()["error"] == "validation_error"
    response = await server.client.post(routes.CONTENTS_BATCH, json={"content_ids": [one]})
    assert response.status_code == 401


def test_parse_batch_is_strict() -> None:
    item = cb.BatchItem(new_id(), cb.INCLUDED, b"abc")
    good = b"".join(cb.encode_batch([item]))
    assert cb.parse_batch(good) == [item]
    assert cb.parse_batch(cb.MAGIC) == []
    for bad in (
        b"XXXX" + good[4:],
        good[:-1],
        good[:10],
        good + b"\x00",
        b"".join(cb.encode_batch([cb.BatchItem(new_id(), cb.NOT_FOUND, b"x")])),
        b"".join(cb.encode_batch([cb.BatchItem(new_id(), 7, b"")])),
    ):
        with pytest.raises(ValueError):
            cb.parse_batch(bad)


async def test_batch_answer_spans_pieces_intact(server: Server) -> None:
    """An answer larger than one piece (PIECE_BYTES) keeps every item whole and in order, with
    the ids that are not found between them."""
    alice = await server.api.signup()
    count = content_batch_api.PIECE_BYTES // 4096 + 8
    chunks = [os.urandom(4096) for _ in range(count)]
    ids = [(await server.api.put_small_file(alice, alice.root_id, c))[1] for c in chunks]
    missing = [new_id() for _ in range(3)]
    asked = [missing[0], *ids[: count // 2], missing[1], *ids[count // 2 :], missing[2]]
    items = await batch(server, alice, asked)
    assert [i.content_id for i in items] == asked
    found = [i.data for i in items if i.status == cb.INCLUDED]
    assert found == [HEADER + c for c in chunks]
    assert [i.status for i in items].count(cb.NOT_FOUND) == 3


async def test_batch_answer_is_sent_in_few_pieces() -> None:
    """One piece per PIECE_BYTES of answer, not one per item: each piece costs the server a send
    and the client a chunk to parse (issue 20, small files)."""
    layout = ContentLayout(header_size=40, chunk_size=4096, chunk_count=1, total_size=4136)
    infos: list[ContentInfo | None] = [ContentInfo(new_id(), HEADER, layout) for _ in range(256)]

    class Contents:
        async def read_whole(self, included: list[ContentInfo]) -> list[bytes]:
            return [HEADER + bytes(4096) for _ in included]

    svc = SimpleNamespace(contents=Contents())
    ids = [i.content_id for i in infos if i is not None]
    statuses = content_batch_api.plan(infos)
    pieces = [p async for p in content_batch_api._answer(ids, infos, statuses, svc)]  # type: ignore[arg-type]
    assert len(pieces) <= 256 * 4136 // content_batch_api.PIECE_BYTES + 1
    items = cb.parse_batch(b"".join(pieces))
    assert [i.content_id for i in items] == ids
    assert all(i.data == HEADER + bytes(4096) for i in items)
