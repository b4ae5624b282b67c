# SPDX-License-Identifier: AGPL-3.0-or-later
"""Nothing about the client's network address or software reaches the database."""

import os

import pytest
from sqlalchemy import text

from sealbox.protocol.models import b64encode
from sealbox.server.db.engine import read_only
from sealbox.server.db.schema import metadata
from sealbox.testing.http_api import file_put, new_id, ok
from tests.server.conftest import Server

pytestmark = pytest.mark.anyio


async def test_a_full_session_stores_no_address_or_user_agent(server: Server) -> None:
    account = await server.api.signup()
    folder = await server.api.mkdir(account, account.root_id)
    node, content = await server.api.put_small_file(account, folder, os.urandom(200))
    copy = new_id()
    ok(await server.api.tx(account, manifests=[folder], puts=[file_put(copy, folder, content)]))
    await server.client.post(
        "/v1/sessions", json={"username": account.username, "auth_key": b64encode(os.urandom(32))}
    )
    ok(await server.client.get("/v1/sessions", headers=account.headers))
    ok(await server.client.get("/v1/feed", headers=account.headers))
    await server.client.get(f"/v1/contents/{b64encode(content)}", headers=account.headers)
    ok(await server.api.tx(account, manifests=[folder], removes=[node]))
    with read_only(server.services.engine) as conn:
        dump = "\n".join(
            repr(conn.execute(text(f"SELECT * FROM {table.name}")).all())
            for table in metadata.sorted_tables
        )
    # The in-process client connects from 203.0.113.7 with this user agent (see conftest).
    for needle in ("203.0.113.7", "SealboxTestAgent"):
        assert needle not in dump and needle.encode().hex() not in dump
