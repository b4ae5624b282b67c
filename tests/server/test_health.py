# SPDX-License-Identifier: AGPL-3.0-or-later
import re
import shutil
from dataclasses import replace

import pytest

import sealbox
from sealbox.server.blobs.filesystem import FilesystemBlobStore
from sealbox.server.blobs.s3 import S3BlobStore
from sealbox.server.db.engine import make_engine
from sealbox.testing.http_api import new_id, ok
from sealbox.testing.postgres import free_port
from tests.server.conftest import Server
from tests.server.test_transfers import make_chunks, open_body

pytestmark = pytest.mark.anyio


async def test_health(server: Server) -> None:
    response = await server.client.get("/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_signup_and_login(server: Server) -> None:
    account = await server.api.signup()
    response = await server.client.get("/v1/account", headers=account.headers)
    assert response.status_code == 200, response.text
    assert response.json()["username"] == account.username


async def break_blob_store(server: Server) -> None:
    """Make the app's real blob store unreachable, the way each kind of store fails in practice."""
    metered = server.services.blobs
    inner = metered.inner  # type: ignore[attr-defined]
    if isinstance(inner, FilesystemBlobStore):
        # The store's directory vanishing is what a lost mount looks like.
        shutil.rmtree(inner.root)
        inner.root.write_bytes(b"not a directory any more")
    else:
        # An S3 endpoint that refuses connections: a gateway that went down.
        port = free_port()
        settings = replace(inner.settings, endpoint=f"http://127.0.0.1:{port}")
        metered.inner = S3BlobStore(settings)  # type: ignore[attr-defined]
        await inner.close()


async def test_healthz_and_readyz_answer_when_everything_is_up(server: Server) -> None:
    assert (await server.client.get("/healthz")).json() == {
        "status": "ok",
        "version": sealbox.__version__,
        "license": "AGPL-3.0-or-later",
        "source": "/v1/source",
    }
    response = await server.client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ready"}


async def test_readyz_is_503_when_the_blob_store_is_gone(server: Server) -> None:
    await break_blob_store(server)
    response = await server.client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["error"] == "unavailable"
    assert "blob store" in response.json()["message"]
    assert (await server.client.get("/healthz")).status_code == 200


async def test_readyz_is_503_when_the_database_is_gone(server: Server) -> None:
    server.services.engine.dispose()
    # Point the pool at a database that cannot be reached; the probe must not hang.
    bad = make_engine("postgresql://nobody@127.0.0.1:1/none")
    object.__setattr__(server.services, "engine", bad)
    try:
        response = await server.client.get("/readyz")
    finally:
        bad.dispose()
    assert response.status_code == 503
    assert "database" in response.json()["message"]


async def test_metrics_count_requests_by_route_template_never_by_id(server: Server) -> None:
    account = await server.api.signup()
    node_id = "A" * 22
    await server.client.get(f"/v1/nodes/{node_id}", headers=account.headers)
    await server.client.get("/no/such/path")
    text = (await server.client.get("/metrics")).text
    assert node_id not in text
    assert 'route="/v1/accounts"' in text
    assert 'route="unmatched",status="404"' in text
    assert "sealbox_http_request_duration_seconds_bucket" in text
    assert re.search(r"^sealbox_open_uploads 0\.0$", text, re.MULTILINE)
    assert account.username not in text


async def test_metrics_count_open_uploads_and_blob_store_errors(server: Server) -> None:
    account = await server.api.signup()
    ok(
        await server.client.post(
            "/v1/uploads", json=open_body(new_id(), make_chunks(2)), headers=account.headers
        )
    )
    text = (await server.client.get("/metrics")).text
    assert re.search(r"^sealbox_open_uploads 1\.0$", text, re.MULTILINE)
    await break_blob_store(server)
    await server.client.get("/readyz")
    text = (await server.client.get("/metrics")).text
    assert re.search(r'^sealbox_blob_store_errors_total\{operation="stat"\} 1\.0$', text, re.M)
