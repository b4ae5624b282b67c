# SPDX-License-Identifier: AGPL-3.0-or-later
"""Faults in the scale-out stack (issue 7, part 5): the S3 gateway frozen or killed in the middle
of an upload, and PostgreSQL connections dropped under load. Clients see clean 503 JSON errors in
bounded time, retries complete the work, and nothing is lost or half visible afterwards."""

from __future__ import annotations

import hashlib
import os
import secrets
import signal
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import psycopg
import pytest

from sealbox.client.sdk import account
from sealbox.client.sdk.api import Api
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.errors import ApiError
from sealbox.client.sdk.state import LocalState
from sealbox.crypto.password import FLOOR_MEMLIMIT, FLOOR_OPSLIMIT
from sealbox.protocol.models import b64encode
from sealbox.testing import ceph
from sealbox.testing.http_api import RawApi, file_put, new_id, ok
from sealbox.testing.server_process import ServerProcess
from tests.cli.conftest import Cli, metric
from tests.conftest import S3Blobs
from tests.server.test_transfers import CHUNK, HEADER, make_chunks, open_body

pytestmark = pytest.mark.anyio

# Tight S3 limits so that a dead gateway turns into an error within seconds, not minutes.
FAST_FAILING = "&connect_timeout=1&read_timeout=2&operation_timeout=4&max_attempts=2"


@pytest.fixture
def gateway(ceph_cluster: ceph.CephCluster) -> Iterator[ceph.Gateway]:
    # A private gateway: freezing or killing it leaves the other tests' gateway alone.
    gateway = ceph_cluster.start_gateway(f"fault-{secrets.token_hex(4)}")
    try:
        yield gateway
    finally:
        gateway.stop()


@pytest.fixture
def server_on_gateway(
    tmp_path: Path, pg_database: str, s3_blobs: S3Blobs, gateway: ceph.Gateway
) -> Iterator[ServerProcess]:
    url = f"s3://{s3_blobs.bucket}/{s3_blobs.prefix}?endpoint={gateway.endpoint}{FAST_FAILING}"
    server = ServerProcess(tmp_path / "server", pg_database, "--blobs", url, env=s3_blobs.env)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@asynccontextmanager
async def raw_at(server: ServerProcess) -> AsyncIterator[RawApi]:
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
        yield RawApi(http)


async def test_frozen_gateway_mid_upload_gives_503_then_the_upload_completes(
    server_on_gateway: ServerProcess, gateway: ceph.Gateway
) -> None:
    server = server_on_gateway
    async with raw_at(server) as raw:
        alice = await raw.signup()
        content, chunks = new_id(), make_chunks(3)
        upload = f"/v1/uploads/{b64encode(content)}"
        ok(await raw.client.post("/v1/uploads", json=open_body(content, chunks), **auth(alice)))
        ok(await raw.client.put(f"{upload}/chunks/0", content=chunks[0], **auth(alice)))
        gateway.freeze()
        try:
            began = time.monotonic()
            refused = await raw.client.put(f"{upload}/chunks/1", content=chunks[1], **auth(alice))
            assert time.monotonic() - began < 20
            assert refused.status_code == 503, refused.text
            assert refused.json()["error"] == "unavailable"
            ready = await raw.client.get("/readyz")
            assert ready.status_code == 503 and "blob store" in ready.json()["message"]
            assert (await raw.client.get("/healthz")).status_code == 200
        finally:
            gateway.thaw()
        assert (await raw.client.get("/readyz")).status_code == 200
        # The client's retry of the refused chunk, then the rest, then the commit.
        for index in (1, 2):
            ok(
                await raw.client.put(
                    f"{upload}/chunks/{index}", content=chunks[index], **auth(alice)
                )
            )
        node = new_id()
        ok(
            await raw.tx(
                alice,
                manifests=[alice.root_id],
                puts=[file_put(node, alice.root_id, content, chunk_size=CHUNK)],
            )
        )
        body = await raw.client.get(f"/v1/contents/{b64encode(content)}", **auth(alice))
        assert body.content == HEADER + b"".join(chunks)
        metrics = (await raw.client.get("/metrics")).text
        assert "sealbox_blob_store_errors_total" in metrics
        assert 'route="/v1/uploads/{content_id}/chunks/{index}",status="503"' in metrics
    assert "Traceback" not in server.log()


def test_killed_gateway_mid_cli_put_fails_cleanly_and_the_put_resumes_after_restart(
    server_on_gateway: ServerProcess, gateway: ceph.Gateway, tmp_path: Path
) -> None:
    alice = Cli(server_on_gateway, tmp_path / "alice-home")
    alice("signup", "alice")
    local = tmp_path / "big.bin"
    local.write_bytes(os.urandom(128 * 1024 * 1024 + 5))  # 33 chunks: still going at the kill
    process = alice.popen("put", str(local), "/big.bin")
    deadline = time.monotonic() + 120
    while metric(server_on_gateway, "sealbox_chunks_received") < 2:
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.05)
    gateway.kill()
    try:
        assert process.wait(timeout=120) == 7  # Exit.UNAVAILABLE: "run the command again"
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
    # Nothing half visible: the file is not in the drive while its upload is unfinished.
    listing = alice("ls", "/", check=False)
    assert "big.bin" not in listing.stdout
    gateway.start()
    alice("put", str(local), "/big.bin")
    out = tmp_path / "back.bin"
    alice("get", "/big.bin", str(out))
    assert hashlib.sha256(out.read_bytes()).digest() == hashlib.sha256(local.read_bytes()).digest()
    assert "Traceback" not in server_on_gateway.log()


def auth(account: object) -> dict[str, dict[str, str]]:
    return {"headers": account.headers}  # type: ignore[attr-defined]


def terminate_backends(db_url: str, stop: threading.Event, killed: list[int]) -> None:
    """Kill every connection the server holds to its database, over and over."""
    database = db_url.rsplit("/", 1)[1]
    admin = db_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        while not stop.is_set():
            rows = conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (database,),
            ).fetchall()
            killed.append(len(rows))
            time.sleep(0.03)


async def test_dropped_database_connections_give_503_and_leave_a_consistent_drive(
    tmp_path: Path, pg_database: str
) -> None:
    server = ServerProcess(tmp_path / "server", pg_database)
    server.start()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
            fast = {"opslimit": FLOOR_OPSLIMIT, "memlimit": FLOOR_MEMLIMIT}
            session, _ = await account.signup(
                Api(http), LocalState(tmp_path / "alice"), server.url, "alice", "pw", **fast
            )
            drive = Drive(session)
            made: list[str] = []
            refused: list[str] = []
            stop, killed = threading.Event(), []
            killer = threading.Thread(target=terminate_backends, args=(pg_database, stop, killed))
            killer.start()
            try:
                for i in range(40):
                    name = f"folder-{i}"
                    try:
                        await drive.mkdir(f"/{name}")
                        made.append(name)
                    except ApiError as error:
                        assert error.status == 503 and error.code == "unavailable", error
                        refused.append(name)
            finally:
                stop.set()
                killer.join()
            assert sum(killed) > 0
            assert refused, "no request met a dropped connection: the test proved nothing"
            # The pool recovers on its own: the next requests succeed.
            await drive.mkdir("/after")
            ready = await http.get("/readyz")
            assert ready.status_code == 200
            # The SDK verifies the signed manifest against the nodes it lists, so a node that
            # were half there (in the manifest but not the table, or the reverse) would raise.
            names = {child.name for child in (await drive.root()).children}
            assert set(made) | {"after"} <= names <= set(made) | set(refused) | {"after"}
    finally:
        server.stop()
    assert "unexpected error" not in server.log()
