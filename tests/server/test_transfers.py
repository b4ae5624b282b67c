# SPDX-License-Identifier: AGPL-3.0-or-later
import hashlib
import os

import anyio
import pytest

from sealbox.protocol.models import b64encode
from sealbox.testing.http_api import file_put, new_id, ok
from tests.server.conftest import Server, stored_chunks

pytestmark = pytest.mark.anyio

CHUNK = 1024  # plaintext chunk size used by these tests; ciphertext chunks are CHUNK + 16
HEADER = b"\x01" * 56


def make_chunks(count: int, last: int = 500) -> list[bytes]:
    return [os.urandom(CHUNK + 16) for _ in range(count - 1)] + [os.urandom(last)]


def open_body(content: bytes, chunks: list[bytes], chunk_size: int = CHUNK) -> dict[str, object]:
    return {
        "content_id": b64encode(content),
        "header": b64encode(HEADER),
        "chunk_size": chunk_size,
        "chunk_count": len(chunks),
        "total_size": len(HEADER) + sum(map(len, chunks)),
    }


async def upload(server: Server, account, chunks: list[bytes], order=None) -> bytes:  # type: ignore[no-untyped-def]
    content = new_id()
    ok(
        await server.client.post(
            "/v1/uploads", json=open_body(content, chunks), headers=account.headers
        )
    )
    for index in order if order is not None else range(len(chunks)):
        ok(
            await server.client.put(
                f"/v1/uploads/{b64encode(content)}/chunks/{index}",
                content=chunks[index],
                headers=account.headers,
            )
        )
    return content


async def commit_file(server: Server, account, content: bytes) -> None:  # type: ignore[no-untyped-def]
    """Commit the uploaded ``content`` as a new file at the top of ``account``'s drive."""
    ok(
        await server.api.tx(
            account,
            manifests=[account.root_id],
            puts=[file_put(new_id(), account.root_id, content)],
        )
    )


async def test_chunked_upload_any_order_then_commit_and_download(server: Server) -> None:
    account = await server.api.signup()
    chunks = make_chunks(5)
    content = await upload(server, account, chunks, order=[3, 0, 4, 1, 2])
    status = ok(
        await server.client.get(f"/v1/uploads/{b64encode(content)}", headers=account.headers)
    )
    assert status["present"] == [0, 1, 2, 3, 4]
    assert status["received_bytes"] == sum(map(len, chunks))
    node = new_id()
    # Not visible before the commit.
    assert (
        await server.client.get(f"/v1/contents/{b64encode(content)}", headers=account.headers)
    ).status_code == 404
    ok(
        await server.api.tx(
            account, manifests=[account.root_id], puts=[file_put(node, account.root_id, content)]
        )
    )
    body = await server.client.get(f"/v1/contents/{b64encode(content)}", headers=account.headers)
    assert body.status_code == 200
    assert body.content == HEADER + b"".join(chunks)
    assert body.headers["etag"] == f'"{b64encode(content)}"'
    assert int(body.headers["content-length"]) == len(body.content)
    # The upload is gone once committed.
    gone = await server.client.get(f"/v1/uploads/{b64encode(content)}", headers=account.headers)
    assert gone.status_code == 404
    for index, chunk in enumerate(chunks):
        one = await server.client.get(
            f"/v1/contents/{b64encode(content)}/chunks/{index}", headers=account.headers
        )
        assert one.content == chunk
    missing = await server.client.get(
        f"/v1/contents/{b64encode(content)}/chunks/5", headers=account.headers
    )
    assert missing.status_code == 404


async def test_parallel_and_repeated_chunk_puts_are_idempotent(server: Server) -> None:
    account = await server.api.signup()
    chunks = make_chunks(8)
    content = new_id()
    ok(
        await server.client.post(
            "/v1/uploads", json=open_body(content, chunks), headers=account.headers
        )
    )

    async def send(index: int) -> None:
        ok(
            await server.client.put(
                f"/v1/uploads/{b64encode(content)}/chunks/{index}",
                content=chunks[index],
                headers=account.headers,
            )
        )

    async with anyio.create_task_group() as group:
        for index in [*list(range(8)), 2, 5]:
            group.start_soon(send, index)
    status = ok(
        await server.client.get(f"/v1/uploads/{b64encode(content)}", headers=account.headers)
    )
    assert status["present"] == list(range(8))
    assert status["received_bytes"] == sum(map(len, chunks)) + len(chunks[2]) + len(chunks[5])
    # Re-opening the same declaration resumes rather than failing.
    again = ok(
        await server.client.post(
            "/v1/uploads", json=open_body(content, chunks), headers=account.headers
        )
    )
    assert again["present"] == list(range(8))


async def test_wrong_chunk_lengths_are_refused_and_keep_the_old_chunk(server: Server) -> None:
    account = await server.api.signup()
    chunks = make_chunks(2)
    content = await upload(server, account, chunks, order=[0])
    path = f"/v1/uploads/{b64encode(content)}/chunks/0"
    for bad in (chunks[0][:-1], chunks[0] + b"x", b""):
        response = await server.client.put(path, content=bad, headers=account.headers)
        assert (response.status_code, response.json()["error"]) == (400, "wrong_length")

    async def too_long():  # type: ignore[no-untyped-def]
        yield chunks[0]
        yield b"extra"

    response = await server.client.put(path, content=too_long(), headers=account.headers)
    assert response.status_code == 400
    ok(
        await server.client.put(
            f"/v1/uploads/{b64encode(content)}/chunks/1", content=chunks[1], headers=account.headers
        )
    )
    await commit_file(server, account, content)
    body = await server.client.get(f"/v1/contents/{b64encode(content)}", headers=account.headers)
    assert body.content == HEADER + chunks[0] + chunks[1]


async def test_bad_geometry_and_indexes(server: Server) -> None:
    account = await server.api.signup()
    chunks = make_chunks(2)
    body = open_body(new_id(), chunks)
    body["total_size"] = int(body["total_size"]) + CHUNK + 16  # type: ignore[call-overload]
    response = await server.client.post("/v1/uploads", json=body, headers=account.headers)
    assert response.status_code == 400
    content = await upload(server, account, chunks, order=[])
    for index in ("2", "-1", "x", "99999999999"):
        response = await server.client.put(
            f"/v1/uploads/{b64encode(content)}/chunks/{index}",
            content=b"a" * 16,
            headers=account.headers,
        )
        assert 400 <= response.status_code < 500, index


async def test_incomplete_upload_cannot_be_committed(server: Server) -> None:
    account = await server.api.signup()
    chunks = make_chunks(3)
    content = await upload(server, account, chunks, order=[0, 2])
    node = new_id()
    response = await server.api.tx(
        account, manifests=[account.root_id], puts=[file_put(node, account.root_id, content)]
    )
    assert (response.status_code, response.json()["error"]) == (409, "upload_incomplete")
    assert (
        await server.client.get(f"/v1/nodes/{b64encode(node)}", headers=account.headers)
    ).status_code == 404
    assert ok(
        await server.client.get(f"/v1/uploads/{b64encode(content)}", headers=account.headers)
    )["present"] == [0, 2]


async def test_content_id_in_use_is_refused(server: Server) -> None:
    account = await server.api.signup()
    _, content = await server.api.put_small_file(account, account.root_id, b"q" * 40)
    response = await server.client.post(
        "/v1/uploads", json=open_body(content, make_chunks(1)), headers=account.headers
    )
    assert (response.status_code, response.json()["error"]) == (409, "id_taken")


async def test_ranges(server: Server) -> None:
    account = await server.api.signup()
    chunks = make_chunks(4, last=700)
    content = await upload(server, account, chunks)
    await commit_file(server, account, content)
    whole = HEADER + b"".join(chunks)
    path = f"/v1/contents/{b64encode(content)}"
    cases = {
        "bytes=0-0": whole[0:1],
        "bytes=10-2000": whole[10:2001],
        "bytes=56-1095": whole[56:1096],
        f"bytes={len(whole) - 5}-": whole[-5:],
        "bytes=-100": whole[-100:],
        f"bytes=1000-{len(whole) + 50}": whole[1000:],
        "bytes=-99999": whole,
    }
    for header, want in cases.items():
        response = await server.client.get(path, headers={**account.headers, "Range": header})
        assert response.status_code == 206, header
        assert response.content == want, header
        start = whole.index(want) if header != "bytes=-99999" else 0
        assert (
            response.headers["content-range"]
            == f"bytes {start}-{start + len(want) - 1}/{len(whole)}"
        )
    for header in (f"bytes={len(whole)}-", "bytes=-0", "bytes=20-10"):
        response = await server.client.get(path, headers={**account.headers, "Range": header})
        assert (response.status_code, response.json()["error"]) == (416, "range_not_satisfiable"), (
            header
        )
        assert response.headers["content-range"] == f"bytes */{len(whole)}"
    # Multiple ranges are answered with the whole object.
    response = await server.client.get(path, headers={**account.headers, "Range": "bytes=0-1,5-6"})
    assert (response.status_code, response.content) == (200, whole)
    etag = response.headers["etag"]
    cached = await server.client.get(path, headers={**account.headers, "If-None-Match": etag})
    assert cached.status_code == 304 and cached.content == b""
    head = await server.client.head(path, headers=account.headers)
    assert head.status_code == 200 and int(head.headers["content-length"]) == len(whole)


@pytest.mark.parametrize("settings_extra", [{"upload_ttl_seconds": 3600}])
async def test_abandoned_uploads_expire_and_their_chunks_are_collected(
    server: Server, settings_extra: object
) -> None:
    account = await server.api.signup()
    chunks = make_chunks(3)
    stale = await upload(server, account, chunks, order=[0, 1])
    server.clock.advance(1800)
    fresh = await upload(server, account, chunks, order=[0])
    server.clock.advance(1900)
    report = await server.services.collector.collect()
    assert report.expired_uploads == 1
    keys = await stored_chunks(server)
    assert keys == [f"chunks/{b64encode(fresh)}/0"]
    assert (
        await server.client.get(f"/v1/uploads/{b64encode(stale)}", headers=account.headers)
    ).status_code == 404


async def test_abort_and_orphan_sweep(server: Server) -> None:
    account = await server.api.signup()
    content = await upload(server, account, make_chunks(2))
    response = await server.client.delete(
        f"/v1/uploads/{b64encode(content)}", headers=account.headers
    )
    assert response.status_code == 204
    assert await stored_chunks(server) == []
    # A chunk left behind by a crash between a row's deletion and its blobs'.
    orphan = f"chunks/{b64encode(new_id())}/0"
    await server.services.blobs.put(orphan, b"o" * 32)
    report = await server.services.collector.collect()
    assert report.orphan_blobs == 1
    assert await server.services.blobs.stat(orphan) is None


async def test_downloads_stream_in_small_pieces(server: Server) -> None:
    account = await server.api.signup()
    chunks = [os.urandom(CHUNK + 16) for _ in range(300)]
    content = await upload(server, account, chunks)
    await commit_file(server, account, content)
    # ASGITransport buffers responses, so the streaming is checked at the service that produces
    # the body: pieces stay small whatever the object's size.
    info = await server.services.contents.readable_content(account.user_id, content)
    digest = hashlib.sha256()
    biggest = 0
    async for piece in server.services.contents.stream(info, 0, info.size):
        biggest = max(biggest, len(piece))
        digest.update(piece)
    assert digest.digest() == hashlib.sha256(HEADER + b"".join(chunks)).digest()
    assert biggest <= 256 * 1024


async def test_only_one_collector_runs_at_a_time(server: Server) -> None:
    from sealbox.server.services.collector import Collector

    other = Collector(server.services.engine, server.services.blobs, server.clock, 3600, 90)
    assert await anyio.to_thread.run_sync(other._take_lease)
    assert (await server.services.collector.collect()).skipped
    await anyio.to_thread.run_sync(other._release_lease)
    assert not (await server.services.collector.collect()).skipped


async def test_stored_chunks_are_write_once(server: Server) -> None:
    account = await server.api.signup()
    chunks = make_chunks(2)
    content = await upload(server, account, chunks)
    path = f"/v1/uploads/{b64encode(content)}/chunks/0"
    ok(await server.client.put(path, content=os.urandom(CHUNK + 16), headers=account.headers))
    await commit_file(server, account, content)
    body = await server.client.get(f"/v1/contents/{b64encode(content)}", headers=account.headers)
    assert body.content == HEADER + chunks[0] + chunks[1]
