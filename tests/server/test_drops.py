# SPDX-License-Identifier: AGPL-3.0-or-later
"""Drop links on the server: anonymous uploads into the owner's quota, delivery, and the owner's
accept and reject; nothing is ever listed or readable through a drop."""

import os
import re
from typing import Any

import pytest

from sealbox.protocol.models import b64encode
from sealbox.testing.http_api import Account, file_put, new_id, ok
from tests.server.conftest import Server

pytestmark = pytest.mark.anyio
e = b64encode


async def make_drop(server: Server, owner: Account, folder: bytes) -> bytes:
    drop_id = new_id()
    body = {"drop_id": e(drop_id), "folder_id": e(folder), "public_key": e(os.urandom(32)),
            "key_wrap": e(os.urandom(78))}  # fmt: skip
    reply = await server.client.post("/v1/drops", json=body, headers=owner.headers)
    assert reply.status_code == 201, reply.text
    return drop_id


async def anonymous_upload(server: Server, drop_id: bytes, data: bytes) -> tuple[bytes, Any]:
    content = new_id()
    base = f"/v1/drops/{e(drop_id)}/uploads"
    opened = await server.client.post(
        base,
        json={
            "content_id": e(content),
            "header": e(b"H" * 40),
            "chunk_size": 1024,
            "chunk_count": 1,
            "total_size": 40 + len(data),
        },
    )
    if opened.status_code != 200:
        return content, opened
    ok(await server.client.put(f"{base}/{e(content)}/chunks/0", content=data))
    delivered = await server.client.post(
        f"/v1/drops/{e(drop_id)}/files", json={"content_id": e(content), "sealed": e(b"s" * 90)}
    )
    return content, delivered


async def test_drop_upload_accept_and_reject(server: Server) -> None:
    alice = await server.api.signup("alice")
    inbox = await server.api.mkdir(alice, alice.root_id)
    drop_id = await make_drop(server, alice, inbox)
    content, delivered = await anonymous_upload(server, drop_id, b"x" * 100)
    assert delivered.status_code == 204, delivered.text
    other, delivered = await anonymous_upload(server, drop_id, b"y" * 50)
    assert delivered.status_code == 204
    # The uploader has no way to read or list: these routes need the owner's session.
    for path in (f"/v1/drops/{e(drop_id)}/files", "/v1/drops", f"/v1/contents/{e(content)}"):
        assert (await server.client.get(path)).status_code == 401
    drops = ok(await server.client.get("/v1/drops", headers=alice.headers))["drops"]
    assert [d["pending"] for d in drops] == [2]
    files = ok(await server.client.get(f"/v1/drops/{e(drop_id)}/files", headers=alice.headers))
    assert {f["content_id"] for f in files["files"]} == {e(content), e(other)}
    account = ok(await server.client.get("/v1/account", headers=alice.headers))
    assert account["used_bytes"] == 140 + 90  # waiting files count against the owner's quota
    got = await server.client.get(f"/v1/contents/{e(content)}", headers=alice.headers)
    assert got.status_code == 200 and got.content.endswith(b"x" * 100)
    # Accept one into the folder; reject the other, which the collector then deletes.
    ok(await server.api.tx(alice, manifests=[inbox], puts=[file_put(new_id(), inbox, content)]))
    gone = await server.client.delete(
        f"/v1/drops/{e(drop_id)}/files/{e(other)}", headers=alice.headers
    )
    assert gone.status_code == 204
    assert ok(await server.client.get(f"/v1/drops/{e(drop_id)}/files", headers=alice.headers)) == {
        "files": []
    }
    assert (
        await server.client.get(f"/v1/contents/{e(other)}", headers=alice.headers)
    ).status_code == 404
    # Someone else cannot take a waiting file into their own tree.
    bob = await server.api.signup("bob")
    third, _ = await anonymous_upload(server, drop_id, b"z" * 10)
    stolen = await server.api.tx(
        bob, manifests=[bob.root_id], puts=[file_put(new_id(), bob.root_id, third)]
    )
    assert stolen.status_code == 404
    # Deleting the drop stops uploads at once.
    assert (
        await server.client.delete(f"/v1/drops/{e(drop_id)}", headers=alice.headers)
    ).status_code == 204
    _, refused = await anonymous_upload(server, drop_id, b"late")
    assert refused.status_code == 404


async def test_drop_rules(server: Server) -> None:
    alice = await server.api.signup("alice")
    bob = await server.api.signup("bob")
    node, _ = await server.api.put_small_file(alice, alice.root_id, b"f" * 20)
    body = {"drop_id": e(new_id()), "folder_id": e(node), "public_key": e(os.urandom(32)),
            "key_wrap": e(b"w" * 78)}  # fmt: skip
    assert (
        await server.client.post("/v1/drops", json=body, headers=alice.headers)
    ).status_code == 404
    mine = {**body, "folder_id": e(alice.root_id)}
    assert (
        await server.client.post("/v1/drops", json=mine, headers=bob.headers)
    ).status_code == 404
    assert (
        await server.client.post("/v1/drops", json=mine, headers=alice.headers)
    ).status_code == 201
    assert (
        await server.client.post("/v1/drops", json=mine, headers=alice.headers)
    ).status_code == 409
    drop_id = mine["drop_id"]
    assert (
        await server.client.delete(f"/v1/drops/{drop_id}", headers=bob.headers)
    ).status_code == 404
    assert (
        await server.client.get(f"/v1/drops/{drop_id}/files", headers=bob.headers)
    ).status_code == 404
    unknown = await server.client.post(f"/v1/drops/{e(new_id())}/uploads", json={
        "content_id": e(new_id()), "header": "", "chunk_size": 1024, "chunk_count": 1,
        "total_size": 20})  # fmt: skip
    assert unknown.status_code == 404


async def test_drop_expiry_is_enforced_at_once_and_collected(server: Server) -> None:
    alice = await server.api.signup("alice")
    folder = await server.api.mkdir(alice, alice.root_id)
    drop_id = new_id()
    body = {"drop_id": e(drop_id), "folder_id": e(folder), "public_key": e(os.urandom(32)),
            "key_wrap": e(os.urandom(78)), "expires_in": 60}  # fmt: skip
    created = ok(await server.client.post("/v1/drops", json=body, headers=alice.headers))
    assert created["expires_at"] == int(server.clock.now()) + 60
    lasting = await make_drop(server, alice, folder)
    waiting, delivered = await anonymous_upload(server, drop_id, b"b" * 100)
    assert delivered.status_code == 204, delivered.text
    listed = ok(await server.client.get("/v1/drops", headers=alice.headers))["drops"]
    assert {d["drop_id"]: d["expires_at"] for d in listed} == {
        e(drop_id): created["expires_at"],
        e(lasting): None,
    }

    server.clock.advance(61)
    # Refused from the moment it expires, before any collection.
    _, refused = await anonymous_upload(server, drop_id, b"t" * 100)
    assert refused.status_code == 410 and refused.json()["error"] == "link_expired"
    _, still = await anonymous_upload(server, lasting, b"n" * 100)
    assert still.status_code == 204

    # An expired link goes with the same collection.
    link = {"link_id": e(new_id()), "node_id": e(folder), "secret": e(os.urandom(80)),
            "expires_in": 10}  # fmt: skip
    assert (
        await server.client.post("/v1/links", json=link, headers=alice.headers)
    ).status_code == 201
    server.clock.advance(11)
    report = await server.services.collector.collect()
    assert report.expired_links == 1  # the link; the drop still holds a file that arrived in time
    assert ok(await server.client.get("/v1/links", headers=alice.headers))["links"] == []
    listed = ok(await server.client.get("/v1/drops", headers=alice.headers))["drops"]
    assert sorted(d["drop_id"] for d in listed) == sorted([e(drop_id), e(lasting)])
    # The owner can still see and take what waits in the expired drop.
    files = ok(await server.client.get(f"/v1/drops/{e(drop_id)}/files", headers=alice.headers))
    assert [f["content_id"] for f in files["files"]] == [e(waiting)]
    got = await server.client.get(f"/v1/contents/{e(waiting)}", headers=alice.headers)
    assert got.status_code == 200
    # Once nothing waits, the expired drop goes at the next collection.
    rejected = await server.client.delete(
        f"/v1/drops/{e(drop_id)}/files/{e(waiting)}", headers=alice.headers
    )
    assert rejected.status_code == 204, rejected.text
    report = await server.services.collector.collect()
    assert report.expired_links == 1
    listed = ok(await server.client.get("/v1/drops", headers=alice.headers))["drops"]
    assert [d["drop_id"] for d in listed] == [e(lasting)]


async def test_drop_chunks_are_metered_like_the_owners_own(server: Server) -> None:
    """Chunks sent through a drop count in the chunk metrics, as chunks on the owner's own route
    do: both routes store them through the one upload service, which counts them."""

    async def counted() -> tuple[float, float]:
        text = (await server.client.get("/metrics")).text
        return tuple(  # type: ignore[return-value]
            float(re.search(rf"^{name}_total (\S+)$", text, re.MULTILINE).group(1))  # type: ignore[union-attr]
            for name in ("sealbox_chunks_received", "sealbox_chunk_bytes_received")
        )

    alice = await server.api.signup("alice")
    inbox = await server.api.mkdir(alice, alice.root_id)
    drop_id = await make_drop(server, alice, inbox)
    before = await counted()
    _content, delivered = await anonymous_upload(server, drop_id, b"x" * 100)
    assert delivered.status_code == 204, delivered.text
    assert await counted() == (before[0] + 1, before[1] + 100)
