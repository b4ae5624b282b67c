# SPDX-License-Identifier: AGPL-3.0-or-later
"""Threat catalogue A22: sharing paths that the provider controls (the SpiderOak assessment).

A server that runs the sharing machinery can try to widen a share without breaking any
ciphertext: point a member at another folder, raise a reader to a writer, or claim that someone
else shared. Each of these is a change to what the owner signed, so the member's client refuses it.
"""

from __future__ import annotations

import json
import os

import pytest

from sealbox.client.sdk import shares
from sealbox.client.sdk.drive import Drive
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.layout import b64url
from sealbox.testing.hostile import Exchange

from .conftest import Arena, contacts_of, incoming_rewrite

pytestmark = pytest.mark.anyio


async def two_shares(arena: Arena) -> tuple[Drive, Drive, Drive]:
    """alice shares /public with bob to read; /private stays hers alone. carol also shares."""
    alice, bob, carol = [await arena.user(n) for n in ("alice", "bob", "carol")]
    for folder in ("/public", "/private"):
        await alice.mkdir(folder)
    await contacts_of(alice, bob)
    await contacts_of(carol, bob)
    await shares.share_folder(alice, "/public", "bob", shares.READ)
    await carol.mkdir("/carols")
    await shares.share_folder(carol, "/carols", "bob", shares.READ)
    assert sorted(s.name for s in (await shares.incoming(bob)).shares) == ["carols", "public"]
    return alice, bob, carol


async def test_A22_server_points_a_share_at_another_folder(arena: Arena) -> None:
    alice, bob, _ = await two_shares(arena)
    _, private = await alice.walk("/private")
    assert private is not None

    def redirect(view: dict[str, object]) -> None:
        if view["owner_username"] == "alice":
            view["folder_id"] = b64url(private.node_id)

    arena.hostile.on("GET", "/v1/shares", incoming_rewrite(redirect))
    with pytest.raises(IntegrityError) as excinfo:
        await shares.open_shared(bob, "public")
    assert excinfo.value.code == ErrorCode.CONTEXT_MISMATCH


async def test_A22_server_raises_a_reader_to_a_writer(arena: Arena) -> None:
    _, bob, _ = await two_shares(arena)

    def promote(view: dict[str, object]) -> None:
        view["rights"] = shares.WRITE

    arena.hostile.on("GET", "/v1/shares", incoming_rewrite(promote))
    listed = await shares.incoming(bob)
    assert listed.shares == []
    assert [r.error.code for r in listed.refused] == [ErrorCode.CONTEXT_MISMATCH] * 2


async def test_A22_server_claims_someone_else_shared(arena: Arena) -> None:
    _, bob, _ = await two_shares(arena)

    def reattribute(view: dict[str, object]) -> None:
        # carol's envelope, presented as alice's share: the names and ids are the server's to set.
        if view["owner_username"] == "carol":
            view["owner_username"] = "alice"

    arena.hostile.on("GET", "/v1/shares", incoming_rewrite(reattribute))
    listed = await shares.incoming(bob)
    # alice's own share still lists; carol's envelope under alice's name is refused.
    assert [s.name for s in listed.shares] == ["public"]
    assert [r.error.code for r in listed.refused] == [ErrorCode.CONTEXT_MISMATCH]

    def swap_envelopes(exchange: Exchange) -> bytes:
        body = json.loads(exchange.body)
        first, second = body["incoming"]
        first["envelope"], second["envelope"] = second["envelope"], first["envelope"]
        return json.dumps(body).encode()

    arena.hostile.clear()
    arena.hostile.on("GET", "/v1/shares", swap_envelopes)
    listed = await shares.incoming(bob)
    assert listed.shares == [] and len(listed.refused) == 2
    for refused in listed.refused:
        assert refused.error.code in (ErrorCode.BAD_SIGNATURE, ErrorCode.CONTEXT_MISMATCH)


async def test_A22_server_adds_a_member_before_the_owner_rotates(arena: Arena) -> None:
    """The server lists one more share of alice's folder, for an account it controls. alice's
    client takes the members from the roster it signed itself: the invented member is left out of
    the next roster and gets no new key when alice removes bob."""
    alice, bob, carol, mallory = [await arena.user(n) for n in ("alice", "bob", "carol", "mallory")]
    await contacts_of(alice, bob, carol)
    await alice.mkdir("/team/sub", parents=True)
    await shares.share_folder(alice, "/team", "bob", shares.WRITE)
    invented = os.urandom(16)

    def add_mallory(exchange: Exchange) -> bytes | None:
        body = json.loads(exchange.body)
        for view in list(body["outgoing"]):
            if view["recipient_username"] == "bob":
                body["outgoing"].append(
                    dict(
                        view,
                        share_id=b64url(invented),
                        recipient_id=b64url(mallory.session.user_id),
                        recipient_username="mallory",
                    )
                )
        return json.dumps(body).encode()

    arena.hostile.on("GET", "/v1/shares", add_mallory)
    start = len(arena.hostile.requests)
    await shares.share_folder(alice, "/team", "carol", shares.READ)
    mark = len(arena.hostile.requests)
    await shares.unshare(alice, "/team", "bob")
    sent = [f"{r.method} {r.path}" for r in arena.hostile.requests[mark:]]
    assert not any(b64url(invented) in line for line in sent), sent
    # Nothing alice sent from then on names mallory: no envelope, no roster entry, no bundle fetch.
    for request in arena.hostile.requests[start:]:
        assert mallory.session.user_id not in request.body, request.path
        assert b64url(mallory.session.user_id).encode() not in request.wire_bytes(), request.path
        assert "mallory" not in request.path
    arena.hostile.clear()
    # carol, the real remaining member, got the new key and her roster names only her.
    carols = await shares.open_shared(carol, "team")
    roster = shares.verified_roster(carol, carols.share, alice.session.bundle.pin())
    assert roster is not None
    assert [m.user_id for m in roster.members] == [carol.session.user_id]
    await carols.root()
