# SPDX-License-Identifier: AGPL-3.0-or-later
"""Two `sealbox server` processes on different ports, one PostgreSQL database, one S3 bucket:
they behave as one service (issue 7, part 3)."""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import httpx
import pytest
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError

from sealbox.client.sdk import account, contacts, files, shares
from sealbox.client.sdk.api import Api
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.state import LocalState
from sealbox.crypto.password import FLOOR_MEMLIMIT, FLOOR_OPSLIMIT
from sealbox.protocol.models import b64encode
from sealbox.server.blobs.memory import MemoryBlobStore
from sealbox.server.clock import SystemClock
from sealbox.server.db.engine import make_engine
from sealbox.server.db.migrate import upgrade
from sealbox.server.db.schema import job_leases
from sealbox.server.services.collector import LEASE_NAME, Collector
from sealbox.testing.http_api import RawApi, file_put, folder_put, new_id, ok
from sealbox.testing.server_process import ServerProcess
from tests.scale.conftest import Service
from tests.server.test_transfers import CHUNK, HEADER, make_chunks, open_body

pytestmark = pytest.mark.anyio

PASSWORD = "correct horse battery"
FAST = {"opslimit": FLOOR_OPSLIMIT, "memlimit": FLOOR_MEMLIMIT}


@asynccontextmanager
async def api_at(server: ServerProcess) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
        yield Api(http)


@asynccontextmanager
async def raw_at(server: ServerProcess) -> AsyncIterator[RawApi]:
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
        yield RawApi(http)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_a_session_made_on_one_server_works_on_the_other(
    make_service: Callable[..., Service], tmp_path: Path
) -> None:
    a, b = make_service(2).servers
    state = LocalState(tmp_path / "alice")
    async with api_at(a) as api:
        made_on_a, _ = await account.signup(api, state, a.url, "alice", PASSWORD, **FAST)
    async with api_at(b) as api:
        # The token issued by A unlocks the account through B, with no login there.
        on_b = await account.resume(api, state)
        assert on_b.user_id == made_on_a.user_id
        assert on_b.root_key == made_on_a.root_key
        await Drive(on_b).mkdir("/made-through-b")
    async with api_at(a) as api:
        listing = await Drive(await account.resume(api, state)).root()
        assert [child.name for child in listing.children] == ["made-through-b"]


async def test_alice_uploads_through_one_server_and_bob_downloads_the_share_through_the_other(
    make_service: Callable[..., Service], tmp_path: Path
) -> None:
    a, b = make_service(2).servers
    source = tmp_path / "photo.bin"
    source.write_bytes(os.urandom(9 * 1024 * 1024 + 123))  # several chunks, each an S3 object
    async with api_at(b) as api:
        await account.signup(api, LocalState(tmp_path / "bob"), b.url, "bob", PASSWORD, **FAST)
    async with api_at(a) as api:
        session, _ = await account.signup(
            api, LocalState(tmp_path / "alice-a"), a.url, "alice", PASSWORD, **FAST
        )
        alice = Drive(session)
        await alice.mkdir("/team")
        await files.put(alice, [source], "/team/photo.bin", files.Reporter())
        await contacts.invite(session, "bob")
    async with api_at(b) as api:
        # bob accepts alice's invitation through B: only contacts share.
        await contacts.accept(await account.resume(api, LocalState(tmp_path / "bob")), "alice")
    async with api_at(a) as api:
        alice = Drive(await account.resume(api, LocalState(tmp_path / "alice-a")))
        await shares.share_folder(alice, "/team", "bob", shares.READ)
    async with api_at(b) as api:
        # alice again, with a fresh login through the other server.
        fresh = await account.login(api, LocalState(tmp_path / "alice-b"), b.url, "alice", PASSWORD)
        mine = tmp_path / "photo-alice.bin"
        await files.get(Drive(fresh), ["/team/photo.bin"], mine, files.Reporter())
        # bob, who only ever talked to B, reads the folder alice shared through A.
        bob = Drive(await account.resume(api, LocalState(tmp_path / "bob")))
        shared = await shares.open_shared(bob, "team")
        theirs = tmp_path / "photo-bob.bin"
        await files.get(shared, ["/photo.bin"], theirs, files.Reporter())
    assert digest(mine) == digest(theirs) == digest(source)


async def test_concurrent_transactions_on_one_folder_one_wins_the_other_is_stale(
    make_service: Callable[..., Service],
) -> None:
    a, b = make_service(2).servers
    async with raw_at(a) as raw_a, raw_at(b) as raw_b:
        alice = await raw_a.signup()
        # Both servers are sent a change of the root made from the same manifest version.
        results: dict[str, httpx.Response] = {}

        async def send(name: str, raw: RawApi) -> None:
            twin = type(alice)(**{**alice.__dict__, "versions": dict(alice.versions)})
            results[name] = await raw.tx(
                twin, manifests=[alice.root_id], puts=[folder_put(new_id(), alice.root_id)]
            )

        async with anyio.create_task_group() as group:
            group.start_soon(send, "a", raw_a)
            group.start_soon(send, "b", raw_b)
        statuses = sorted(response.status_code for response in results.values())
        assert statuses == [200, 409], {k: r.text for k, r in results.items()}
        loser = next(r for r in results.values() if r.status_code == 409)
        assert loser.json()["error"] == "stale_manifest"
        listing = await raw_b.client.get(
            f"/v1/folders/{b64encode(alice.root_id)}", headers=alice.headers
        )
        assert listing.status_code == 200


async def test_a_folder_edited_through_both_servers_ends_consistent(
    make_service: Callable[..., Service], tmp_path: Path
) -> None:
    a, b = make_service(2).servers
    async with api_at(a) as api:
        await account.signup(api, LocalState(tmp_path / "via-a"), a.url, "alice", PASSWORD, **FAST)
        drive_a = Drive(await account.resume(api, LocalState(tmp_path / "via-a")))
        async with api_at(b) as api_b:
            drive_b = Drive(
                await account.login(api_b, LocalState(tmp_path / "via-b"), b.url, "alice", PASSWORD)
            )

            async def make(drive: Drive, names: list[str]) -> None:
                for name in names:
                    await drive.mkdir(f"/{name}")

            # Each mkdir rewrites the root's manifest; the SDK re-reads and retries on 409.
            async with anyio.create_task_group() as group:
                group.start_soon(make, drive_a, [f"a{i}" for i in range(8)])
                group.start_soon(make, drive_b, [f"b{i}" for i in range(8)])
            expected = sorted([f"a{i}" for i in range(8)] + [f"b{i}" for i in range(8)])
            # Both servers serve the same signed manifest; the SDK verifies it on every read.
            seen_a = sorted(child.name for child in (await drive_a.root()).children)
            seen_b = sorted(child.name for child in (await drive_b.root()).children)
    assert seen_a == seen_b == expected


async def test_an_upload_opened_on_one_server_continues_on_the_other(
    make_service: Callable[..., Service],
) -> None:
    a, b = make_service(2).servers
    async with raw_at(a) as raw_a, raw_at(b) as raw_b:
        alice = await raw_a.signup()
        content, chunks = new_id(), make_chunks(4)
        ok(
            await raw_a.client.post(
                "/v1/uploads", json=open_body(content, chunks), headers=alice.headers
            )
        )
        for index, chunk in enumerate(chunks):
            # Alternate servers, as a load balancer without sticky sessions would.
            raw = raw_a if index % 2 else raw_b
            ok(
                await raw.client.put(
                    f"/v1/uploads/{b64encode(content)}/chunks/{index}",
                    content=chunk,
                    headers=alice.headers,
                )
            )
        state = ok(
            await raw_b.client.get(f"/v1/uploads/{b64encode(content)}", headers=alice.headers)
        )
        assert state["present"] == [0, 1, 2, 3]
        node = new_id()
        ok(
            await raw_a.tx(
                alice,
                manifests=[alice.root_id],
                puts=[file_put(node, alice.root_id, content, chunk_size=CHUNK)],
            )
        )
        body = await raw_b.client.get(f"/v1/contents/{b64encode(content)}", headers=alice.headers)
        assert body.status_code == 200, body.text
        assert body.content == HEADER + b"".join(chunks)


def collected_uploads(server: ServerProcess) -> int:
    return sum(int(n) for n in re.findall(r"collected: (\d+) expired uploads", server.log()))


def set_lease(db_url: str, until: int) -> None:
    """Hold (or free) the collection lease as "the test", whether or not a server has taken it.

    A server's first round may insert the lease between this update and this insert; the insert
    then meets the primary key, and the next attempt's update takes the row the server made.
    """
    engine = make_engine(db_url)
    try:
        for _attempt in range(5):
            try:
                with engine.begin() as conn:
                    changed = conn.execute(
                        update(job_leases)
                        .where(job_leases.c.name == LEASE_NAME)
                        # Taking the holder's name too: a server ending a run releases only its own.
                        .values(holder="the test", until=until)
                    ).rowcount
                    if not changed:
                        conn.execute(
                            insert(job_leases).values(
                                name=LEASE_NAME, holder="the test", until=until
                            )
                        )
                return
            except IntegrityError:
                continue
        raise AssertionError("a server kept inserting the collection lease under the test")
    finally:
        engine.dispose()


async def test_background_collection_runs_once_across_servers(
    make_service: Callable[..., Service],
) -> None:
    # Both servers try to collect every 0.2 s; uploads untouched for 1 s expire.
    service = make_service(2, "--upload-ttl", "1", "--collect-interval", "0.2")
    a, b = service.servers
    # A third party (this test) holds the collection lease, as a long run elsewhere would.
    set_lease(service.db_url, int(time.time()) + 3600)
    abandoned = 6
    async with raw_at(a) as raw_a:
        alice = await raw_a.signup()
        for _ in range(abandoned):
            content, chunks = new_id(), make_chunks(2)
            ok(
                await raw_a.client.post(
                    "/v1/uploads", json=open_body(content, chunks), headers=alice.headers
                )
            )
            ok(
                await raw_a.client.put(
                    f"/v1/uploads/{b64encode(content)}/chunks/0",
                    content=chunks[0],
                    headers=alice.headers,
                )
            )
    # Long past the TTL and many intervals: while the lease is held elsewhere nobody collects.
    await anyio.sleep(2.5)
    assert collected_uploads(a) + collected_uploads(b) == 0
    assert len([k for k in service.blobs.keys() if "/chunks/" in k]) == abandoned
    set_lease(service.db_url, 0)
    deadline = time.monotonic() + 30
    while collected_uploads(a) + collected_uploads(b) < abandoned:
        assert time.monotonic() < deadline, a.log() + b.log()
        await anyio.sleep(0.2)
    # A few more rounds on both servers: nothing is collected twice.
    await anyio.sleep(1.5)
    assert collected_uploads(a) + collected_uploads(b) == abandoned
    assert [k for k in service.blobs.keys() if "/chunks/" in k] == []
    for server in (a, b):
        assert "Traceback" not in server.log()
        assert "collection failed" not in server.log()


def test_only_one_of_many_racing_collectors_takes_the_lease(pg_database: str) -> None:
    """The lease itself under a real race: collectors of separate "servers" (own engines)."""
    engines = [make_engine(pg_database) for _ in range(8)]
    try:
        upgrade(engines[0])
        for _round in range(5):
            collectors = [Collector(e, MemoryBlobStore(), SystemClock(), 3600, 90) for e in engines]
            barrier = threading.Barrier(len(collectors))
            won: list[bool] = []

            def race(collector: Collector, barrier: threading.Barrier, won: list[bool]) -> None:
                barrier.wait()
                won.append(collector._take_lease())

            threads = [threading.Thread(target=race, args=(c, barrier, won)) for c in collectors]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert sorted(won) == [False] * 7 + [True]
            set_lease(pg_database, 0)
    finally:
        for engine in engines:
            engine.dispose()
