# SPDX-License-Identifier: AGPL-3.0-or-later
"""Takedowns in three scopes, on both stacks (issue 16 acceptance): one link; every link to the
file; everything, after which no node anywhere names the content, every link answers "removed"
with its reason, a fresh import of an old link fails and re-committing the content id is
refused."""

import pytest
from sqlalchemy import select

from sealbox.server.db.schema import nodes, versions
from sealbox.testing.http_api import file_put, new_id
from tests.server.compliance_world import build, e, file_notice, link_status, notice
from tests.server.conftest import Server

pytestmark = pytest.mark.anyio


async def test_scope_link_disables_one_link_and_keeps_the_file(server: Server) -> None:
    world = await build(server)
    await file_notice(server, world, [world.file_link], "link")
    status, body = await link_status(server, world.file_link)
    assert status == 410 and body["error"] == "link_removed" and body["reason"] == "copyright"
    assert body["decision"]
    for other in (world.folder_link, world.bob_link):
        assert (await link_status(server, other))[0] == 200
    own = await server.client.get(f"/v1/contents/{e(world.content)}", headers=world.alice.headers)
    assert own.status_code == 200


async def test_scope_file_disables_every_link_to_the_file(server: Server) -> None:
    world = await build(server)
    await file_notice(server, world, [world.file_link], "file")
    for link in (world.file_link, world.bob_link):
        status, body = await link_status(server, link)
        assert status == 410 and body["reason"] == "copyright"
    # The folder link was not named and the file stays in both accounts.
    assert (await link_status(server, world.folder_link))[0] == 200
    got = await server.client.get(f"/v1/contents/{e(world.content)}", headers=world.bob.headers)
    assert got.status_code == 200


async def test_scope_everywhere_removes_every_copy_and_refuses_the_content(
    server: Server,
) -> None:
    world = await build(server)
    await file_notice(server, world, [world.file_link], "everywhere")
    with server.services.engine.connect() as conn:
        left = conn.execute(select(nodes).where(nodes.c.content_id == world.content)).all()
        kept = conn.execute(select(versions).where(versions.c.content_id == world.content)).all()
    assert left == [] and kept == []
    for link in (world.file_link, world.bob_link):
        status, body = await link_status(server, link)
        assert status == 410 and body["error"] == "link_removed" and body["reason"] == "copyright"
    carol = await server.api.signup("carol")
    put = {**file_put(new_id(), carol.root_id, world.content), "via_link": e(world.file_link)}
    again = await server.api.tx(carol, manifests=[carol.root_id], puts=[put])
    assert again.status_code == 410 and again.json()["error"] == "link_removed"
    # Re-committing the content id (the uploader re-sending it) is refused.
    recommit = file_put(new_id(), world.alice.root_id, None, inline=(world.content, b"H" * 40,
                                                                   b"x" * 64))  # fmt: skip
    refused = await server.api.tx(world.alice, manifests=[world.alice.root_id], puts=[recommit])
    assert refused.status_code == 410 and refused.json()["error"] == "content_removed"
    body = {"content_id": e(world.content), "header": e(b"H" * 40), "chunk_size": 64,
            "chunk_count": 1, "total_size": 64}  # fmt: skip
    opened = await server.client.post("/v1/uploads", json=body, headers=world.alice.headers)
    assert opened.status_code == 410 and opened.json()["error"] == "content_removed"
    # The removals reach the owners' feeds, and the blob goes with the last reference.
    feed = (await server.client.get("/v1/feed?cursor=0", headers=world.bob.headers)).json()
    assert any(c["node_id"] == e(world.bob_node) and c["change"] == "remove"
               for c in feed["entries"])  # fmt: skip
    got = await server.client.get(f"/v1/contents/{e(world.content)}", headers=world.alice.headers)
    assert got.status_code == 404


async def test_folder_link_without_files_is_disabled_as_a_whole(server: Server) -> None:
    world = await build(server)
    await file_notice(server, world, [world.folder_link], "everywhere")
    assert (await link_status(server, world.folder_link))[0] == 410
    # Nothing else was touched: the files stay, and so do the other links.
    assert (await link_status(server, world.file_link))[0] == 200
    with server.services.engine.connect() as conn:
        held = conn.execute(select(nodes).where(nodes.c.content_id == world.content)).all()
    assert len(held) == 3


async def test_a_folder_link_naming_a_file_reaches_that_file(server: Server) -> None:
    world = await build(server)
    receipt = (
        await server.client.post(
            "/v1/notices",
            json=notice([world.folder_link], "file", file_ids=[e(world.content)]),
        )
    ).json()
    await server.client.post(f"/v1/admin/cases/{receipt['notice_id']}/act", headers=world.op)
    for link in (world.folder_link, world.file_link, world.bob_link):
        assert (await link_status(server, link))[0] == 410
