# SPDX-License-Identifier: AGPL-3.0-or-later
"""Public links on the server: creation, anonymous reads confined to the linked subtree, expiry,
download limits, revocation, and imports that reference another account's content."""

import os
from typing import Any

import pytest
from sqlalchemy import select

from sealbox.protocol.models import b64encode
from sealbox.server.db.schema import content_imports
from sealbox.testing.http_api import Account, file_put, folder_put, new_id, ok
from tests.server.conftest import Server

pytestmark = pytest.mark.anyio
e = b64encode


async def make_link(
    server: Server, owner: Account, node: bytes, **extra: Any
) -> tuple[bytes, dict[str, Any]]:
    link = new_id()
    body = {"link_id": e(link), "node_id": e(node), "secret": e(os.urandom(90)), **extra}
    reply = await server.client.post("/v1/links", json=body, headers=owner.headers)
    assert reply.status_code == 201, reply.text
    return link, reply.json()


async def tree(server: Server) -> tuple[Account, dict[str, bytes]]:
    """alice: /shared/{a.txt, sub/b.txt} and /private/c.txt."""
    alice = await server.api.signup("alice")
    shared = await server.api.mkdir(alice, alice.root_id)
    sub = await server.api.mkdir(alice, shared)
    private = await server.api.mkdir(alice, alice.root_id)
    a, a_content = await server.api.put_small_file(alice, shared, b"a" * 40)
    b, b_content = await server.api.put_small_file(alice, sub, b"b" * 40)
    c, c_content = await server.api.put_small_file(alice, private, b"c" * 40)
    return alice, {
        "shared": shared, "sub": sub, "private": private, "a": a, "a_content": a_content,
        "b": b, "b_content": b_content, "c": c, "c_content": c_content,
    }  # fmt: skip


async def test_folder_link_reads_exactly_its_subtree(server: Server) -> None:
    alice, ids = await tree(server)
    link, view = await make_link(server, alice, ids["shared"])
    assert view["node_type"] == "folder" and view["downloads"] == 0
    opened = await server.client.post(f"/v1/links/{e(link)}/open")
    assert opened.status_code == 200, opened.text
    body = opened.json()
    assert body["node_id"] == e(ids["shared"]) and body["owner_username"] == "alice"
    assert opened.headers["cache-control"] == "no-store"
    base = f"/v1/links/{e(link)}"
    for folder in ("shared", "sub"):
        assert (await server.client.get(f"{base}/folders/{e(ids[folder])}")).status_code == 200
    for content in ("a_content", "b_content"):
        got = await server.client.get(f"{base}/contents/{e(ids[content])}")
        assert got.status_code == 200 and got.content.endswith(b"a" * 40 if content[0] == "a"
                                                                else b"b" * 40)  # fmt: skip
    ranged = await server.client.get(
        f"{base}/contents/{e(ids['a_content'])}", headers={"Range": "bytes=0-9"}
    )
    assert ranged.status_code == 206 and len(ranged.content) == 10
    # Outside the subtree: exactly the answer a missing object gets.
    outside = [
        f"{base}/folders/{e(ids['private'])}",
        f"{base}/folders/{e(alice.root_id)}",
        f"{base}/folders/{e(new_id())}",
        f"{base}/contents/{e(ids['c_content'])}",
        f"{base}/contents/{e(new_id())}",
    ]
    for path in outside:
        got = await server.client.get(path)
        assert got.status_code == 404 and got.json()["error"] == "not_found", path
    # Moving a file out of the linked folder puts it out of reach at once.
    move = file_put(ids["a"], ids["private"], ids["a_content"])
    ok(await server.api.tx(alice, manifests=[ids["shared"], ids["private"]], puts=[move]))
    assert (await server.client.get(f"{base}/contents/{e(ids['a_content'])}")).status_code == 404


async def test_file_link_reads_only_that_file(server: Server) -> None:
    alice, ids = await tree(server)
    link, view = await make_link(server, alice, ids["a"])
    assert view["node_type"] == "file"
    base = f"/v1/links/{e(link)}"
    assert (await server.client.post(f"{base}/open")).json()["node_type"] == "file"
    assert (await server.client.get(f"{base}/contents/{e(ids['a_content'])}")).status_code == 200
    assert (await server.client.get(f"{base}/contents/{e(ids['b_content'])}")).status_code == 404
    assert (await server.client.get(f"{base}/folders/{e(ids['shared'])}")).status_code == 404


async def test_expiry_download_limit_and_revocation(server: Server) -> None:
    alice, ids = await tree(server)
    expiring, view = await make_link(server, alice, ids["a"], expires_in=60)
    assert view["expires_at"] == int(server.clock.now()) + 60
    limited, _ = await make_link(server, alice, ids["a"], max_downloads=2)
    revoked, _ = await make_link(server, alice, ids["a"])

    assert (await server.client.post(f"/v1/links/{e(expiring)}/open")).status_code == 200
    server.clock.advance(61)
    for path in (f"/v1/links/{e(expiring)}/open",):
        got = await server.client.post(path)
        assert got.status_code == 410 and got.json()["error"] == "link_expired"
    got = await server.client.get(f"/v1/links/{e(expiring)}/contents/{e(ids['a_content'])}")
    assert got.status_code == 410 and got.json()["error"] == "link_expired"

    first = (await server.client.post(f"/v1/links/{e(limited)}/open")).json()
    assert first["downloads_left"] == 1
    assert (await server.client.post(f"/v1/links/{e(limited)}/open")).json()["downloads_left"] == 0
    # The last opening may still fetch what it opened; a third opening is refused.
    content = f"/v1/links/{e(limited)}/contents/{e(ids['a_content'])}"
    assert (await server.client.get(content)).status_code == 200
    third = await server.client.post(f"/v1/links/{e(limited)}/open")
    assert third.status_code == 410 and third.json()["error"] == "link_exhausted"
    listed = ok(await server.client.get("/v1/links", headers=alice.headers))["links"]
    assert {x["link_id"]: x["downloads"] for x in listed}[e(limited)] == 2

    assert (await server.client.post(f"/v1/links/{e(revoked)}/open")).status_code == 200
    gone = await server.client.delete(f"/v1/links/{e(revoked)}", headers=alice.headers)
    assert gone.status_code == 204
    for got in (
        await server.client.post(f"/v1/links/{e(revoked)}/open"),
        await server.client.get(f"/v1/links/{e(revoked)}/contents/{e(ids['a_content'])}"),
    ):
        assert got.status_code == 404


async def test_links_are_the_owners_alone(server: Server) -> None:
    alice, ids = await tree(server)
    mallory = await server.api.signup("mallory")
    link, _ = await make_link(server, alice, ids["a"])
    body = {"link_id": e(new_id()), "node_id": e(ids["a"]), "secret": e(b"x" * 40)}
    assert (
        await server.client.post("/v1/links", json=body, headers=mallory.headers)
    ).status_code == 404
    assert (
        await server.client.delete(f"/v1/links/{e(link)}", headers=mallory.headers)
    ).status_code == 404
    assert ok(await server.client.get("/v1/links", headers=mallory.headers)) == {"links": []}
    assert (await server.client.post("/v1/links", json=body)).status_code == 401
    for node in (alice.root_id, alice.trash_id):
        refused = {**body, "node_id": e(node)}
        got = await server.client.post("/v1/links", json=refused, headers=alice.headers)
        assert got.status_code == 400
    duplicate = {**body, "link_id": e(link)}
    assert (
        await server.client.post("/v1/links", json=duplicate, headers=alice.headers)
    ).status_code == 409


async def test_trashing_or_deleting_the_node_closes_its_link(server: Server) -> None:
    alice, ids = await tree(server)
    link, _ = await make_link(server, alice, ids["sub"])
    opening = f"/v1/links/{e(link)}/open"
    assert (await server.client.post(opening)).status_code == 200
    trash_move = folder_put(ids["sub"], alice.trash_id, manifest=None)
    ok(await server.api.tx(alice, manifests=[ids["shared"], alice.trash_id], puts=[trash_move]))
    assert (await server.client.post(opening)).status_code == 404
    ok(await server.api.tx(alice, manifests=[alice.trash_id], removes=[ids["sub"]]))
    assert ok(await server.client.get("/v1/links", headers=alice.headers)) == {"links": []}


async def test_import_references_the_same_content_and_survives_the_original(
    server: Server,
) -> None:
    alice, ids = await tree(server)
    bob = await server.api.signup("bob")
    link, _ = await make_link(server, alice, ids["shared"])
    mine = new_id()
    stolen = {**file_put(new_id(), bob.root_id, ids["c_content"]), "via_link": e(link)}
    refused = await server.api.tx(bob, manifests=[bob.root_id], puts=[stolen])
    assert refused.status_code == 404  # c is outside the linked folder
    put = {**file_put(mine, bob.root_id, ids["b_content"]), "via_link": e(link)}
    ok(await server.api.tx(bob, manifests=[bob.root_id], puts=[put]))
    with server.services.engine.connect() as conn:
        lineage = conn.execute(select(content_imports)).all()
    assert [(r.content_id, r.importer_id, r.link_id) for r in lineage] == [
        (ids["b_content"], bob.user_id, link)
    ]
    # alice deletes her whole folder: bob's copy still downloads, through his own drive.
    ok(await server.api.tx(alice, manifests=[alice.root_id], removes=[ids["shared"]]))
    await server.services.collector.collect()
    got = await server.client.get(f"/v1/contents/{e(ids['b_content'])}", headers=bob.headers)
    assert got.status_code == 200 and got.content.endswith(b"b" * 40)
    account = ok(await server.client.get("/v1/account", headers=bob.headers))
    assert account["used_bytes"] == len(got.content)
    # Once bob deletes his copy too, the content goes.
    ok(await server.api.tx(bob, manifests=[bob.root_id], removes=[mine]))
    await server.services.collector.collect()
    with server.services.engine.connect() as conn:
        assert conn.execute(select(content_imports)).all() == []


async def test_an_expired_link_cannot_be_imported(server: Server) -> None:
    alice, ids = await tree(server)
    bob = await server.api.signup("bob")
    link, _ = await make_link(server, alice, ids["a"], expires_in=10)
    server.clock.advance(11)
    put = {**file_put(new_id(), bob.root_id, ids["a_content"]), "via_link": e(link)}
    got = await server.api.tx(bob, manifests=[bob.root_id], puts=[put])
    assert got.status_code == 410 and got.json()["error"] == "link_expired"
