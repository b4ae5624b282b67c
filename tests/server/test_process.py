# SPDX-License-Identifier: AGPL-3.0-or-later
"""End-to-end tests against a real ``sealbox server`` process.

The crash test kills the server with SIGKILL in the middle of a 1 GiB upload, restarts it, resumes
from the chunks the server reports, commits, and checks that nothing partial was ever visible and
that collection leaves exactly the committed object's chunks.
"""

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import httpx
import pytest
from sqlalchemy import text

from sealbox.protocol.models import b64encode
from sealbox.server.blobs.filesystem import FilesystemBlobStore
from sealbox.server.db.engine import make_engine
from sealbox.server.db.schema import metadata
from sealbox.testing.http_api import RawApi, file_put, new_id, ok
from sealbox.testing.server_process import ServerProcess

pytestmark = pytest.mark.anyio

CHUNK = 4 * 1024 * 1024
FULL = CHUNK + 16
COUNT = 256  # 256 chunks of 4 MiB: a 1 GiB object
HEADER = b"\x02" * 64
LAST = 1_000_000
BLOCK = os.urandom(FULL)
USER_AGENT = "SealboxProbeAgent/7.3 (privacy test)"
CLIENT_ADDRESS = "127.0.0.3"


def chunk(index: int) -> bytes:
    size = LAST if index == COUNT - 1 else FULL
    return index.to_bytes(8, "big") + BLOCK[8:size]


def client(server: ServerProcess) -> httpx.AsyncClient:
    # A distinctive source address and user agent, so the grep below can only find them if the
    # server wrote them down.
    transport = httpx.AsyncHTTPTransport(local_address=CLIENT_ADDRESS)
    return httpx.AsyncClient(
        base_url=server.url,
        transport=transport,
        timeout=120,
        headers={"User-Agent": USER_AGENT, "X-Forwarded-For": "198.51.100.77"},
    )


async def put_chunks(
    http: httpx.AsyncClient, headers: dict[str, str], content: bytes, indexes: list[int]
) -> None:
    limiter = anyio.CapacityLimiter(4)

    async def put(index: int) -> None:
        async with limiter:
            ok(
                await http.put(
                    f"/v1/uploads/{b64encode(content)}/chunks/{index}",
                    content=chunk(index),
                    headers=headers,
                )
            )

    async with anyio.create_task_group() as group:
        for index in indexes:
            group.start_soon(put, index)


def dump_database(db_url: str) -> bytes:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = [
                repr(conn.execute(text(f"SELECT * FROM {t.name}")).all())
                for t in metadata.sorted_tables
            ]
    finally:
        engine.dispose()
    return "\n".join(rows).encode()


@pytest.mark.slow
async def test_kill_9_during_a_1_gib_upload_then_resume(tmp_path: Path, db_url: str) -> None:
    data = tmp_path / "data"
    server = ServerProcess(data, db_url)
    server.start()
    try:
        async with client(server) as http:
            api = RawApi(http)
            account = await api.signup()
            content, abandoned = new_id(), new_id()
            total = len(HEADER) + (COUNT - 1) * FULL + LAST
            body = {
                "content_id": b64encode(content),
                "header": b64encode(HEADER),
                "chunk_size": CHUNK,
                "chunk_count": COUNT,
                "total_size": total,
            }
            ok(await http.post("/v1/uploads", json=body, headers=account.headers))
            await put_chunks(http, account.headers, content, list(range(COUNT // 2)))
            ok(
                await http.post(
                    "/v1/uploads",
                    json={**body, "content_id": b64encode(abandoned)},
                    headers=account.headers,
                )
            )
            await put_chunks(http, account.headers, abandoned, [0, 1])

            # One more chunk is on the wire when the server dies.
            async def slow_chunk() -> AsyncIterator[bytes]:
                data = chunk(COUNT // 2)
                yield data[: FULL // 2]
                await anyio.sleep(30)
                yield data[FULL // 2 :]

            async def doomed() -> None:
                try:
                    await http.put(
                        f"/v1/uploads/{b64encode(content)}/chunks/{COUNT // 2}",
                        content=slow_chunk(),
                        headers={**account.headers, "Content-Length": str(FULL)},
                    )
                except httpx.HTTPError:
                    return

            async with anyio.create_task_group() as group:
                group.start_soon(doomed)
                await anyio.sleep(1.0)
                server.kill()
    finally:
        server.kill()

    # Restart with a short upload lifetime so the abandoned upload can expire in this test.
    server.start("--upload-ttl", "3")
    try:
        async with client(server) as http:
            api = RawApi(http)
            await api.login(account)
            status = ok(
                await http.get(f"/v1/uploads/{b64encode(content)}", headers=account.headers)
            )
            assert status["present"] == list(range(COUNT // 2))
            assert status["received_bytes"] == (COUNT // 2) * FULL
            root = ok(
                await http.get(f"/v1/folders/{b64encode(account.root_id)}", headers=account.headers)
            )
            assert root["children"] == []
            missing = [i for i in range(COUNT) if i not in status["present"]]
            await put_chunks(http, account.headers, content, missing)
            status = ok(
                await http.get(f"/v1/uploads/{b64encode(content)}", headers=account.headers)
            )
            # Nothing already stored was sent again.
            assert status["received_bytes"] == total - len(HEADER)
            node = new_id()
            root = ok(
                await http.get(f"/v1/folders/{b64encode(account.root_id)}", headers=account.headers)
            )
            assert root["children"] == []
            ok(
                await api.tx(
                    account,
                    manifests=[account.root_id],
                    puts=[file_put(node, account.root_id, content)],
                )
            )
            root = ok(
                await http.get(f"/v1/folders/{b64encode(account.root_id)}", headers=account.headers)
            )
            assert [c["node_id"] for c in root["children"]] == [b64encode(node)]
            assert root["children"][0]["size"] == total

            digest, expected = hashlib.sha256(), hashlib.sha256(HEADER)
            for index in range(COUNT):
                expected.update(chunk(index))
            async with http.stream(
                "GET", f"/v1/contents/{b64encode(content)}", headers=account.headers
            ) as response:
                assert response.status_code == 200
                async for piece in response.aiter_bytes():
                    digest.update(piece)
            assert digest.hexdigest() == expected.hexdigest()

        await anyio.sleep(3.5)
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "sealbox",
                "admin",
                "collect",
                "--data",
                str(data),
                "--upload-ttl",
                "3",
                *(["--db", db_url] if db_url else []),
            ],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        assert "expired uploads: 1" in done.stderr
    finally:
        server.stop()

    store = FilesystemBlobStore(data / "blobs")
    keys = {info.key async for info in store.list()}
    assert keys == {f"chunks/{b64encode(content)}/{i}" for i in range(COUNT)}
    assert list((data / "blobs" / "tmp").iterdir()) == []

    # Privacy: neither the client's address nor its user agent is in the database or the log.
    log = server.log()
    assert "Uvicorn running" in log
    stored = dump_database(db_url)
    if db_url.startswith("sqlite:///"):
        path = Path(db_url.removeprefix("sqlite:///"))
        stored += b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    for needle in (CLIENT_ADDRESS, USER_AGENT, "SealboxProbeAgent", "198.51.100.77"):
        assert needle not in log
        assert needle.encode() not in stored


async def test_a_real_server_round_trip_leaves_no_address_or_user_agent(
    tmp_path: Path, db_url: str
) -> None:
    server = ServerProcess(tmp_path / "data", db_url)
    server.start()
    try:
        async with client(server) as http:
            api = RawApi(http)
            account = await api.signup()
            await api.put_small_file(account, account.root_id, os.urandom(300))
            await http.post(
                "/v1/sessions",
                json={"username": account.username, "auth_key": b64encode(os.urandom(32))},
            )
            assert (await http.get("/v1/nope")).status_code == 404
            openapi = ok(await http.get("/openapi.json"))
            assert "/v1/transactions" in openapi["paths"]
            # No HTML API explorer is served (threat catalogue A20).
            assert (await http.get("/docs")).status_code == 404
    finally:
        server.stop()
    log = server.log()
    stored = dump_database(db_url)
    for needle in (CLIENT_ADDRESS, USER_AGENT, "198.51.100.77"):
        assert needle not in log
        assert needle.encode() not in stored
    json.dumps(log)


def test_a_test_server_on_a_port_another_server_holds_moves_instead_of_answering_for_it(
    tmp_path: Path,
) -> None:
    """The harness's own race (CI: "username is taken"): the port free_port() gave was taken by
    another worker's server before this one bound it. The health check must not count the other
    server's answer: the new server moves to a fresh port and answers there itself."""
    for name in ("first", "second"):
        (tmp_path / name).mkdir()
    first = ServerProcess(tmp_path / "first" / "data")
    first.start()
    second = ServerProcess(tmp_path / "second" / "data")
    second.port = first.port
    try:
        second.start()
        assert second.port != first.port
        assert httpx.get(f"{second.url}/v1/health", timeout=10).status_code == 200
        assert "address already in use" in second.log()
    finally:
        second.stop()
        first.stop()


SMALL = 256 * 1024  # chunk size of the group-commit crash test: many chunks, quickly
UPLOADS = 4
SMALL_COUNT = 64


def small_chunk(upload: int, index: int) -> bytes:
    return bytes([upload]) + index.to_bytes(4, "big") + BLOCK[5 : SMALL + 16]


async def test_kill_9_amid_group_commits_loses_no_acknowledged_chunk(
    tmp_path: Path, db_url: str
) -> None:
    """Sixteen chunk PUTs at a time share group commits; the server is killed while groups are
    being written and committed. Every chunk it acknowledged is there after the restart, whole,
    and the upload reports it present; a chunk is never acknowledged before its group is durable
    (replying before the group commit returns fails this test)."""
    data = tmp_path / "data"
    server = ServerProcess(data, db_url)
    server.start()
    acked: set[tuple[int, int]] = set()
    contents = [new_id() for _ in range(UPLOADS)]
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
            account = await RawApi(http).signup()
            for content in contents:
                body = {
                    "content_id": b64encode(content),
                    "header": b64encode(HEADER),
                    "chunk_size": SMALL,
                    "chunk_count": SMALL_COUNT,
                    "total_size": len(HEADER) + SMALL_COUNT * (SMALL + 16),
                }
                ok(await http.post("/v1/uploads", json=body, headers=account.headers))
            limiter = anyio.CapacityLimiter(16)

            async def put(upload: int, index: int) -> None:
                async with limiter:
                    try:
                        response = await http.put(
                            f"/v1/uploads/{b64encode(contents[upload])}/chunks/{index}",
                            content=small_chunk(upload, index),
                            headers=account.headers,
                        )
                    except httpx.HTTPError:
                        return  # the server died under it: not acknowledged
                    if response.status_code == 200:
                        acked.add((upload, index))

            async with anyio.create_task_group() as group:
                for index in range(SMALL_COUNT):
                    for upload in range(UPLOADS):
                        group.start_soon(put, upload, index)
                while len(acked) < 40:
                    await anyio.sleep(0.001)
                server.kill()
    finally:
        server.kill()
    assert 40 <= len(acked) < UPLOADS * SMALL_COUNT  # killed mid-way

    server.start()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
            await RawApi(http).login(account)
            present = set()
            for upload, content in enumerate(contents):
                status = ok(
                    await http.get(f"/v1/uploads/{b64encode(content)}", headers=account.headers)
                )
                present |= {(upload, index) for index in status["present"]}
    finally:
        server.stop()
    assert acked <= present
    store = FilesystemBlobStore(data / "blobs")
    for upload, index in present:
        key = f"chunks/{b64encode(contents[upload])}/{index}"
        assert b"".join([piece async for piece in store.get(key)]) == small_chunk(upload, index)


INLINE_TXS = 48
INLINE_PER_TX = 40


def inline_chunk(tx: int, n: int) -> bytes:
    return tx.to_bytes(2, "big") + n.to_bytes(2, "big") + BLOCK[4:4096]


async def test_kill_9_amid_inline_transactions_loses_no_acknowledged_file(
    tmp_path: Path, db_url: str
) -> None:
    """Folder transactions of small inline files run four at a time and the server is killed
    while they commit. After the restart every file of every acknowledged transaction is there
    and whole; a file of a transaction not acknowledged is absent or whole, never partial (its
    chunk is written in the transaction that commits it)."""
    data = tmp_path / "data"
    server = ServerProcess(data, db_url)
    server.start()
    acked: set[int] = set()
    contents = [[new_id() for _ in range(INLINE_PER_TX)] for _ in range(INLINE_TXS)]
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
            api = RawApi(http)
            account = await api.signup()
            folders = [await api.mkdir(account, account.root_id) for _ in range(4)]
            limiter = anyio.CapacityLimiter(4)

            async def send(tx: int) -> None:
                folder = folders[tx % 4]
                async with limiter:
                    puts = [
                        file_put(new_id(), folder, None, inline=(c, HEADER, inline_chunk(tx, n)))
                        for n, c in enumerate(contents[tx])
                    ]
                    try:
                        response = await api.tx(account, manifests=[folder], puts=puts)
                    except httpx.HTTPError:
                        return  # the server died under it: not acknowledged
                    if response.status_code == 200:
                        acked.add(tx)

            async with anyio.create_task_group() as group:
                for tx in range(INLINE_TXS):
                    group.start_soon(send, tx)
                while len(acked) < 8:
                    await anyio.sleep(0.001)
                server.kill()
    finally:
        server.kill()
    assert 8 <= len(acked) < INLINE_TXS  # killed mid-way

    server.start()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
            await RawApi(http).login(account)
            for tx, ids in enumerate(contents):
                for n, content in enumerate(ids):
                    got = await http.get(
                        f"/v1/contents/{b64encode(content)}", headers=account.headers
                    )
                    if tx in acked or got.status_code != 404:
                        assert got.status_code == 200, (tx, n, got.text)
                        assert got.content == HEADER + inline_chunk(tx, n)
    finally:
        server.stop()
