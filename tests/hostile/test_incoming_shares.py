# SPDX-License-Identifier: AGPL-3.0-or-later
"""Threat catalogue A42: incoming shares pin nobody (spec/sharing.md, "Shares from contacts only").

Listing the shares granted to an account used to fetch and pin each owner's key on first sight.
So the server could make that first sight happen whenever it liked, with a share from someone
the user never accepted, and the share showed as if it came from a contact. Now a share is opened
only with the pin of an accepted contact; every other one is hidden, and nothing is fetched or
pinned for it until the user accepts that person."""

from __future__ import annotations

import json
import os

import pytest

from sealbox.client.sdk import contacts, shares
from sealbox.client.sdk.account import login
from sealbox.client.sdk.api import Api
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.errors import NotFoundError
from sealbox.crypto.keys import FolderKey
from sealbox.crypto.layout import b64url
from sealbox.crypto.shares import ShareGrant, make_share_envelope
from sealbox.testing.hostile import Exchange

from .conftest import PASSWORD, SERVER, Arena, contacts_of

pytestmark = pytest.mark.anyio


def pinned(drive: Drive) -> list[str]:
    """Whom this device pinned, its own account aside."""
    me = drive.session.user_id
    return [name for pin, name, _ in drive.session.state.pins(me) if pin.user_id != me]


async def test_A42_server_lists_a_share_from_a_stranger(arena: Arena) -> None:
    """dave never met bob; the server adds to bob's list a share that dave really signed (or one
    under a key it made up for dave). bob's client fetches nothing about dave, pins nothing, and
    keeps the share hidden; alice's share, from an accepted contact, is listed as before."""
    alice, bob, dave = [await arena.user(n) for n in ("alice", "bob", "dave")]
    await contacts_of(alice, bob)
    await alice.mkdir("/team")
    await shares.share_folder(alice, "/team", "bob", shares.READ)
    share_id, folder_id = os.urandom(16), os.urandom(16)
    grant = ShareGrant(
        share_id, folder_id, dave.session.user_id, bob.session.user_id, shares.READ, 0,
        FolderKey.generate(), "contract-signed",
    )  # fmt: skip
    envelope = make_share_envelope(dave.session.identity, grant, bob.session.bundle.keys.box_public)

    def add_daves(exchange: Exchange) -> bytes | None:
        body = json.loads(exchange.body)
        (alices,) = body["incoming"]
        fake = dict(alices, share_id=b64url(share_id), folder_id=b64url(folder_id))
        fake |= {"owner_id": b64url(dave.session.user_id), "owner_username": "dave"}
        fake |= {"envelope": b64url(envelope), "members": [], "roster": None}
        body["incoming"].append(fake)
        return json.dumps(body).encode()

    arena.hostile.on("GET", "/v1/shares", add_daves)
    start = len(arena.hostile.requests)
    listed = await shares.incoming(bob)
    assert [s.name for s in listed.shares] == ["team"] and listed.refused == []
    assert [(h.owner, h.invited, h.contact) for h in listed.hidden] == [("dave", False, False)]
    assert "contacts invite" in listed.hidden[0].advice()
    assert pinned(bob) == ["alice"]
    assert not any("dave" in r.path for r in arena.hostile.requests[start:])
    with pytest.raises(NotFoundError, match="hidden"):
        await shares.open_shared(bob, "contract-signed")
    assert pinned(bob) == ["alice"]


async def test_A42_a_share_shows_only_after_an_explicit_accept(arena: Arena) -> None:
    """bob on a second device: alice is his contact on the server, but this device never pinned
    her. Listing shares pins nobody; her share shows once bob accepts her here."""
    alice, bob = [await arena.user(n) for n in ("alice", "bob")]
    await contacts_of(alice, bob)
    await alice.mkdir("/team")
    await shares.share_folder(alice, "/team", "bob", shares.READ)
    session = await login(Api(arena.http), arena.state("bob-2"), SERVER, "bob", PASSWORD)
    second = Drive(session)

    listed = await shares.incoming(second)
    assert listed.shares == [] and listed.refused == []
    assert [(h.owner, h.contact) for h in listed.hidden] == [("alice", True)]
    assert "contacts accept alice" in listed.hidden[0].advice()
    assert pinned(second) == []
    with pytest.raises(NotFoundError, match="accept alice"):
        await shares.open_shared(second, "team")
    assert pinned(second) == []

    # Accepting someone who is a contact already pins them on this device, and nothing else.
    await contacts.accept(second.session, "alice")
    assert pinned(second) == ["alice"]
    assert [s.name for s in (await shares.incoming(second)).shares] == ["team"]
    await (await shares.open_shared(second, "team")).root()


async def test_A42_a_share_from_a_former_contact_is_hidden(arena: Arena) -> None:
    """The contact ended: alice's share stays on the server, but bob no longer sees it as one
    from a contact; it shows again when the two are contacts once more."""
    alice, bob = [await arena.user(n) for n in ("alice", "bob")]
    await contacts_of(alice, bob)
    await alice.mkdir("/team")
    await shares.share_folder(alice, "/team", "bob", shares.READ)
    await contacts.remove(alice.session, "bob")
    listed = await shares.incoming(bob)
    assert listed.shares == [] and [(h.owner, h.contact) for h in listed.hidden] == [
        ("alice", False)
    ]
    await contacts.invite(alice.session, "bob")
    listed = await shares.incoming(bob)
    assert listed.shares == [] and [h.invited for h in listed.hidden] == [True]
    await contacts.accept(bob.session, "alice")
    assert [s.name for s in (await shares.incoming(bob)).shares] == ["team"]


async def test_A42_member_names_are_shown_without_pinning(arena: Arena) -> None:
    """carol reads alice's folder, which bob writes too: bob's name is shown (unverified), but
    carol's device pins only the people she accepted."""
    alice, bob, carol = [await arena.user(n) for n in ("alice", "bob", "carol")]
    await contacts_of(alice, bob, carol)
    await alice.mkdir("/team")
    await shares.share_folder(alice, "/team", "bob", shares.WRITE)
    await shares.share_folder(alice, "/team", "carol", shares.READ)
    inside = await shares.open_shared(carol, "team")
    assert sorted(inside.names.values()) == ["alice (unverified)", "bob (unverified)"]
    assert pinned(carol) == ["alice"]
