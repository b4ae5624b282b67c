# SPDX-License-Identifier: AGPL-3.0-or-later
"""`sealbox server --blobs URL` / SEALBOX_BLOBS choose the blob store of a real server process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from sealbox.protocol.models import b64encode
from sealbox.testing.http_api import RawApi, new_id, ok
from sealbox.testing.server_process import ServerProcess
from tests.server.test_transfers import make_chunks, open_body

pytestmark = pytest.mark.anyio


def test_a_bad_blob_url_is_one_clear_line_and_exit_2(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sealbox", "server", "--data", str(tmp_path), "--blobs", "ftp://x"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "unknown blob store scheme 'ftp'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("how", ["flag", "environment"])
async def test_chunks_go_to_the_store_the_url_names(tmp_path: Path, how: str) -> None:
    store = tmp_path / "elsewhere"
    if how == "flag":
        server = ServerProcess(tmp_path / "data", None, "--blobs", f"file://{store}")
    else:
        server = ServerProcess(tmp_path / "data", env={"SEALBOX_BLOBS": str(store)})
    server.start()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            raw = RawApi(http)
            alice = await raw.signup()
            content, chunks = new_id(), make_chunks(1)
            body = open_body(content, chunks)
            ok(await http.post("/v1/uploads", json=body, headers=alice.headers))
            path = f"/v1/uploads/{b64encode(content)}/chunks/0"
            ok(await http.put(path, content=chunks[0], headers=alice.headers))
    finally:
        server.stop()
    stored = [p for p in store.rglob("*") if p.is_file()]
    assert [p.read_bytes() for p in stored] == [chunks[0]]
    assert not (tmp_path / "data" / "blobs").exists()


@pytest.mark.parametrize("trusted", [True, False])
async def test_behind_a_trusted_proxy_login_throttling_counts_per_client(
    tmp_path: Path, trusted: bool
) -> None:
    extra = ["--trusted-proxies", "127.0.0.1"] if trusted else []
    server = ServerProcess(tmp_path / "data", None, *extra)
    server.start()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            alice = await RawApi(http).signup()
            wrong = {"username": alice.username, "auth_key": b64encode(bytes(32))}

            async def attempt(client_address: str) -> int:
                headers = {"X-Forwarded-For": client_address}
                return (await http.post("/v1/sessions", json=wrong, headers=headers)).status_code

            statuses = [await attempt("203.0.113.1") for _ in range(11)]
            assert statuses[:10] == [401] * 10 and statuses[10] == 429
            # Another client behind the same load balancer is throttled only if the server
            # cannot tell the two apart.
            assert await attempt("198.51.100.2") == (401 if trusted else 429)
    finally:
        server.stop()
    for address in ("203.0.113.1", "198.51.100.2"):
        assert address not in server.log()
