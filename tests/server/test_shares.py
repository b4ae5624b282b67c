# SPDX-License-Identifier: AGPL-3.0-or-later
"""Shares on the server: identities by username, share rows, members' reads confined to the shared
subtree, writes only by write members and only inside it, and unsharing that ends access."""

import os
from typing import Any

import pytest

from sealbox.protocol.models import b64encode
from sealbox.testing.http_api import Account, file_put, folder_put, new_id, ok
from tests.server.conftest import Server

pytestmark = pytest.mark.anyio
e = b64encode


async def befriend(server: Server, inviter: Account, invitee: Account) -> None:
    """Make two accounts contacts: only contacts can share."""
    invited = await server.client.post(
        "/v1/contacts", json={"username": invitee.username}, headers=inviter.headers
    )
    assert invited.status_code == 204, invited.text
    accepted = await server.client.post(
        f"/v1/contacts/{inviter.username}/accept", headers=invitee.headers
    )
    assert accepted.status_code == 204, accepted.text


async def share(
    server: Server, owner: Account, folder: bytes, recipient: Account, rights: int
) -> tuple[bytes, Any]:
    await befriend(server, owner, recipient)
    share_id = new_id()
    body = {
        "share_id": e(share_id),
        "folder_id": e(folder),
        "recipient_id": e(recipient.user_id),
        "rights": rights,
        "envelope": e(os.urandom(200)),
    }
    reply = await server.client.post("/v1/shares", json=body, headers=owner.headers)
    assert reply.status_code == 201, reply.text
    return share_id, reply.json()


async def setup(server: Server) -> tuple[Account, Account, Account, dict[str, bytes]]:
    alice = await server.api.signup("alice")
    bob = await server.api.signup("bob")
    carol = await server.api.signup("carol")
    shared = await server.api.mkdir(alice, alice.root_id)
    private = await server.api.mkdir(alice, alice.root_id)
    a, a_content = await server.api.put_small_file(alice, shared, b"a" * 40)
    c, c_content = await server.api.put_small_file(alice, private, b"c" * 40)
    ids = {"shared": shared, "private": private, "a": a, "a_content": a_content, "c": c,
           "c_content": c_content}  # fmt: skip
    return alice, bob, carol, ids


async def test_bundles_by_username_need_a_session(server: Server) -> None:
    alice = await server.api.signup("alice")
    got = ok(await server.client.get("/v1/users/ALICE/bundle", headers=alice.headers))
    assert got["user_id"] == e(alice.user_id) and got["username"] == "alice"
    assert (await server.client.get("/v1/users/alice/bundle")).status_code == 401
    missing = await server.client.get("/v1/users/nobody/bundle", headers=alice.headers)
    assert missing.status_code == 404


async def test_read_member_reads_the_subtree_and_cannot_write(server: Server) -> None:
    alice, bob, carol, ids = await setup(server)
    share_id, view = await share(server, alice, ids["shared"], bob, 1)
    assert view["members"] == [{"user_id": e(bob.user_id), "username": "bob", "rights": 1}]
    listed = ok(await server.client.get("/v1/shares", headers=bob.headers))
    assert [s["share_id"] for s in listed["incoming"]] == [e(share_id)] and not listed["outgoing"]
    assert ok(await server.client.get("/v1/shares", headers=alice.headers))["outgoing"]
    base = f"/v1/shares/{e(share_id)}"
    assert (
        await server.client.get(f"{base}/folders/{e(ids['shared'])}", headers=bob.headers)
    ).status_code == 200
    got = await server.client.get(f"{base}/contents/{e(ids['a_content'])}", headers=bob.headers)
    assert got.status_code == 200 and got.content.endswith(b"a" * 40)
    node = await server.client.get(f"{base}/nodes/{e(ids['a'])}", headers=bob.headers)
    assert node.status_code == 200 and node.json()["parent_id"] == e(ids["shared"])
    for path in (
        f"{base}/folders/{e(ids['private'])}",
        f"{base}/contents/{e(ids['c_content'])}",
        f"{base}/nodes/{e(ids['c'])}",
        f"{base}/nodes/{e(alice.root_id)}",
    ):
        assert (await server.client.get(path, headers=bob.headers)).status_code == 404
    # carol is not a member: the share does not exist for her.
    assert (
        await server.client.get(f"{base}/folders/{e(ids['shared'])}", headers=carol.headers)
    ).status_code == 404
    tx = {"manifests": [{"folder_id": e(ids["shared"]), "expected_version": 2,
                         "manifest": e(b"m")}], "puts": [], "removes": []}  # fmt: skip
    refused = await server.client.post(f"{base}/transactions", json=tx, headers=bob.headers)
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"


async def test_write_member_writes_only_inside_the_share(server: Server) -> None:
    alice, bob, _carol, ids = await setup(server)
    share_id, _ = await share(server, alice, ids["shared"], bob, 2)
    base = f"/v1/shares/{e(share_id)}"

    async def tx(
        manifests: list[tuple[bytes, int]], puts: list[Any], removes: tuple[bytes, ...] = ()
    ) -> Any:
        body = {
            "manifests": [{"folder_id": e(f), "expected_version": v, "manifest": e(os.urandom(40))}
                          for f, v in manifests],
            "puts": puts, "removes": [e(r) for r in removes],
        }  # fmt: skip
        return await server.client.post(f"{base}/transactions", json=body, headers=bob.headers)

    node, content = new_id(), new_id()
    put = file_put(node, ids["shared"], None, inline=(content, b"H" * 40, b"bob" * 20))
    version = alice.versions[ids["shared"]]
    written = await tx([(ids["shared"], version)], [put])
    assert written.status_code == 200, written.text
    # alice sees bob's node in her own folder; the content counts against her quota.
    listing = ok(await server.client.get(f"/v1/folders/{e(ids['shared'])}", headers=alice.headers))
    assert e(node) in {c["node_id"] for c in listing["children"]}
    # Outside the share, nothing: other folders, the shared folder's own record, copies of
    # content the share does not reach.
    outside = await tx([(ids["private"], alice.versions[ids["private"]])],
                       [file_put(new_id(), ids["private"], ids["a_content"])])  # fmt: skip
    assert outside.status_code == 404
    own_record = await tx([(alice.root_id, alice.versions[alice.root_id])],
                          [folder_put(ids["shared"], alice.root_id, manifest=None)])  # fmt: skip
    assert own_record.status_code in (400, 404)
    steal = await tx(
        [(ids["shared"], version + 1)], [file_put(new_id(), ids["shared"], ids["c_content"])]
    )
    assert steal.status_code == 404
    removed = await tx([(alice.root_id, alice.versions[alice.root_id])], [], [ids["shared"]])
    assert removed.status_code == 404
    # Unsharing ends access at once.
    assert (await server.client.delete(f"{base}", headers=alice.headers)).status_code == 204
    assert (
        await server.client.get(f"{base}/folders/{e(ids['shared'])}", headers=bob.headers)
    ).status_code == 404
    assert (await tx([(ids["shared"], version + 1)], [])).status_code in (400, 404)


async def test_share_rules(server: Server) -> None:
    alice, bob, _carol, ids = await setup(server)
    await share(server, alice, ids["shared"], bob, 1)
    body = {"share_id": e(new_id()), "folder_id": e(ids["shared"]), "recipient_id": e(bob.user_id),
            "rights": 1, "envelope": e(b"x")}  # fmt: skip
    assert (
        await server.client.post("/v1/shares", json=body, headers=alice.headers)
    ).status_code == 409
    for folder, status in ((alice.root_id, 400), (ids["a"], 404), (new_id(), 404)):
        got = await server.client.post(
            "/v1/shares", json={**body, "folder_id": e(folder)}, headers=alice.headers
        )
        assert got.status_code == status
    self_share = {**body, "folder_id": e(ids["private"]), "recipient_id": e(alice.user_id)}
    assert (
        await server.client.post("/v1/shares", json=self_share, headers=alice.headers)
    ).status_code == 400
    theirs = {**body, "folder_id": e(ids["private"])}
    assert (
        await server.client.post("/v1/shares", json=theirs, headers=bob.headers)
    ).status_code == 404
    # Deleting the folder deletes the share.
    ok(await server.api.tx(alice, manifests=[alice.root_id], removes=[ids["shared"]]))
    assert ok(await server.client.get("/v1/shares", headers=bob.headers))["incoming"] == []


async def test_an_owners_rosters_outlive_their_members(server: Server) -> None:
    """GET /v1/rosters: the caller's own rosters, also of a folder whose last share ended (issue
    13, item 2), and never anyone else's."""
    alice, bob, carol, ids = await setup(server)
    share_id, _ = await share(server, alice, ids["shared"], bob, 1)
    roster = os.urandom(120)  # opaque to the server: clients verify it
    stored = await server.client.put(
        f"/v1/rosters/{e(ids['shared'])}", json={"roster": e(roster)}, headers=alice.headers
    )
    assert stored.status_code == 204, stored.text
    gone = await server.client.delete(f"/v1/shares/{e(share_id)}", headers=alice.headers)
    assert gone.status_code == 204
    assert (await server.client.get("/v1/shares", headers=alice.headers)).json()["outgoing"] == []
    listed = await server.client.get("/v1/rosters", headers=alice.headers)
    assert listed.status_code == 200
    assert listed.json() == {"rosters": [{"folder_id": e(ids["shared"]), "roster": e(roster)}]}
    for other in (bob, carol):
        theirs = await server.client.get("/v1/rosters", headers=other.headers)
        assert theirs.json() == {"rosters": []}
    assert (await server.client.get("/v1/rosters")).status_code == 401
