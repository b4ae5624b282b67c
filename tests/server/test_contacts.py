# SPDX-License-Identifier: AGPL-3.0-or-later
"""Contacts on the server: invitations, accepting, declining, removing, the three-way listing, and
shares refused between accounts that are not contacts."""

import os

import pytest

from sealbox.protocol.models import b64encode
from sealbox.testing.http_api import Account, ok
from tests.server.conftest import Server
from tests.server.test_shares import befriend

pytestmark = pytest.mark.anyio
e = b64encode


def names(listing: dict[str, list[dict[str, object]]], key: str) -> list[object]:
    return [c["username"] for c in listing[key]]


async def listed(server: Server, account: Account) -> dict[str, list[dict[str, object]]]:
    reply: dict[str, list[dict[str, object]]] = ok(
        await server.client.get("/v1/contacts", headers=account.headers)
    )
    return reply


async def test_invite_accept_decline_remove(server: Server) -> None:
    alice = await server.api.signup("alice")
    bob = await server.api.signup("bob")
    carol = await server.api.signup("carol")
    c = server.client
    invite = await c.post("/v1/contacts", json={"username": "BOB"}, headers=alice.headers)
    assert invite.status_code == 204
    # A repeat changes nothing.
    assert (
        await c.post("/v1/contacts", json={"username": "bob"}, headers=alice.headers)
    ).status_code == 204
    mine, theirs = await listed(server, alice), await listed(server, bob)
    assert names(mine, "outgoing") == ["bob"] and mine["incoming"] == mine["accepted"] == []
    assert names(theirs, "incoming") == ["alice"] and theirs["outgoing"] == []
    assert theirs["incoming"][0]["user_id"] == e(alice.user_id)
    # Only the invitee accepts; the inviter cannot accept their own invitation.
    assert (await c.post("/v1/contacts/bob/accept", headers=alice.headers)).status_code == 404
    assert (await c.post("/v1/contacts/alice/accept", headers=bob.headers)).status_code == 204
    assert names(await listed(server, alice), "accepted") == ["bob"]
    assert names(await listed(server, bob), "accepted") == ["alice"]

    # carol invites alice; alice declines, and the invitation is gone on both sides.
    ok_invite = await c.post("/v1/contacts", json={"username": "alice"}, headers=carol.headers)
    assert ok_invite.status_code == 204
    assert (await c.post("/v1/contacts/carol/decline", headers=alice.headers)).status_code == 204
    assert (await listed(server, carol))["outgoing"] == []
    assert (await c.post("/v1/contacts/carol/decline", headers=alice.headers)).status_code == 404
    # Two invitations the other way round make the pair contacts.
    await c.post("/v1/contacts", json={"username": "alice"}, headers=carol.headers)
    await c.post("/v1/contacts", json={"username": "carol"}, headers=alice.headers)
    assert names(await listed(server, alice), "accepted") == ["bob", "carol"]

    # Either side removes the contact.
    assert (await c.delete("/v1/contacts/alice", headers=bob.headers)).status_code == 204
    assert names(await listed(server, alice), "accepted") == ["carol"]
    assert (await c.delete("/v1/contacts/alice", headers=bob.headers)).status_code == 404

    # Bad input: unknown users, yourself, no session, a malformed name.
    for name, status in (("nobody", 404), ("alice", 400), ("Not Valid!", 422)):
        got = await c.post("/v1/contacts", json={"username": name}, headers=alice.headers)
        assert got.status_code == status, (name, got.text)
        assert "error" in got.json()
    assert (await c.get("/v1/contacts")).status_code == 401


async def test_shares_go_only_to_accepted_contacts(server: Server) -> None:
    alice = await server.api.signup("alice")
    bob = await server.api.signup("bob")
    folder = await server.api.mkdir(alice, alice.root_id)
    body = {"share_id": e(os.urandom(16)), "folder_id": e(folder),
            "recipient_id": e(bob.user_id), "rights": 1, "envelope": e(b"x" * 40)}  # fmt: skip
    c = server.client
    refused = await c.post("/v1/shares", json=body, headers=alice.headers)
    assert refused.status_code == 403 and refused.json()["error"] == "not_a_contact"
    # An invitation that is not accepted yet is not enough.
    await c.post("/v1/contacts", json={"username": "bob"}, headers=alice.headers)
    refused = await c.post("/v1/shares", json=body, headers=alice.headers)
    assert refused.status_code == 403 and refused.json()["error"] == "not_a_contact"
    await c.post("/v1/contacts/alice/accept", headers=bob.headers)
    created = await c.post("/v1/shares", json={**body, "roster": e(b"r1")}, headers=alice.headers)
    assert created.status_code == 201, created.text
    assert created.json()["roster"] == e(b"r1")
    # Removing the contact leaves the share in place (the owner unshares, with key rotation).
    assert (await c.delete("/v1/contacts/alice", headers=bob.headers)).status_code == 204
    incoming = ok(await c.get("/v1/shares", headers=bob.headers))["incoming"]
    assert [s["share_id"] for s in incoming] == [body["share_id"]]


async def test_the_owner_stores_the_latest_roster(server: Server) -> None:
    alice = await server.api.signup("alice")
    bob = await server.api.signup("bob")
    folder = await server.api.mkdir(alice, alice.root_id)
    await befriend(server, bob, alice)
    body = {"share_id": e(os.urandom(16)), "folder_id": e(folder),
            "recipient_id": e(bob.user_id), "rights": 2, "envelope": e(b"x" * 40)}  # fmt: skip
    c = server.client
    created = ok(await c.post("/v1/shares", json=body, headers=alice.headers))
    assert created["roster"] is None
    path = f"/v1/rosters/{e(folder)}"
    assert (await c.put(path, json={"roster": e(b"v2")}, headers=alice.headers)).status_code == 204
    incoming = ok(await c.get("/v1/shares", headers=bob.headers))["incoming"]
    assert incoming[0]["roster"] == e(b"v2")
    # Only the folder's owner writes its roster.
    assert (await c.put(path, json={"roster": e(b"x")}, headers=bob.headers)).status_code == 404
    big = {"roster": e(b"x" * 60_000)}
    assert (await c.put(path, json=big, headers=alice.headers)).status_code == 422
    # After a key rotation the owner replaces the member's envelope; the share stays as it is.
    envelope_path = f"/v1/shares/{body['share_id']}/envelope"
    new_envelope = {"envelope": e(b"y" * 40)}
    replaced = await c.put(envelope_path, json=new_envelope, headers=alice.headers)
    assert replaced.status_code == 204
    incoming = ok(await c.get("/v1/shares", headers=bob.headers))["incoming"]
    assert (incoming[0]["envelope"], incoming[0]["rights"]) == (e(b"y" * 40), 2)
    theirs = await c.put(envelope_path, json=new_envelope, headers=bob.headers)
    assert theirs.status_code == 404


async def test_a_roster_and_new_envelopes_are_stored_together(server: Server) -> None:
    """After a rotation the owner publishes the roster and the members' envelopes in one request:
    all or nothing, so a member never sees one without the other (spec/sharing.md, "Removing a
    member", step 6)."""
    alice = await server.api.signup("alice")
    bob = await server.api.signup("bob")
    folder = await server.api.mkdir(alice, alice.root_id)
    other = await server.api.mkdir(alice, alice.root_id)
    await befriend(server, bob, alice)
    c = server.client
    shares = {}
    for node in (folder, other):
        body = {"share_id": e(os.urandom(16)), "folder_id": e(node),
                "recipient_id": e(bob.user_id), "rights": 1, "envelope": e(b"x" * 40)}  # fmt: skip
        ok(await c.post("/v1/shares", json=body, headers=alice.headers))
        shares[node] = body["share_id"]
    path = f"/v1/rosters/{e(folder)}"

    async def seen() -> dict[str, tuple[str, str | None]]:
        incoming = ok(await c.get("/v1/shares", headers=bob.headers))["incoming"]
        return {s["share_id"]: (s["envelope"], s["roster"]) for s in incoming}

    # An envelope for a share of another folder (or an unknown share): nothing changes at all.
    for share_id in (shares[other], e(os.urandom(16))):
        update = {"roster": e(b"v2"), "envelopes": [{"share_id": share_id, "envelope": e(b"y")}]}
        assert (await c.put(path, json=update, headers=alice.headers)).status_code == 404
        assert (await seen())[shares[folder]] == (e(b"x" * 40), None)
    update = {"roster": e(b"v2"), "envelopes": [{"share_id": shares[folder], "envelope": e(b"y")}]}
    assert (await c.put(path, json=update, headers=bob.headers)).status_code == 404
    assert (await c.put(path, json=update, headers=alice.headers)).status_code == 204
    assert (await seen())[shares[folder]] == (e(b"y"), e(b"v2"))
    assert (await seen())[shares[other]] == (e(b"x" * 40), None)
