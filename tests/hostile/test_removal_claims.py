# SPDX-License-Identifier: AGPL-3.0-or-later
"""Threat catalogue A51: a server that hides a file by claiming that a decision removed it
(spec/compliance.md §3.4). The client believes a removal only when the decision is published
under the claimed id, removed content, and (in the account's own drive) is among the account's
notices; every other claim leaves the item withheld, which is tampering (exit 3), and is named."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from sealbox.client.sdk import files
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.errors import WithheldError
from sealbox.client.sdk.tree import Folder
from sealbox.protocol.listing import RemovedChild, encode_listing, parse_listing
from sealbox.testing.hostile import Exchange

from .conftest import Arena
from .test_walks import FOLDERS, folder_id_of, put_bytes

pytestmark = pytest.mark.anyio
DECISIONS = r"/v1/decisions/.+"


def claim_removed(folder_id: bytes, node_id: bytes, puid: str, deliver: bool = False) -> object:
    """A rule body: the folder's listing leaves the node out (unless ``deliver``) and says a
    decision removed it."""

    def rewrite(exchange: Exchange) -> bytes | None:
        if exchange.status != 200 or folder_id_of(exchange) != folder_id:
            return None
        listing = parse_listing(exchange.body)
        kept = [c for c in listing.children if deliver or c.node_id != node_id]
        claim = RemovedChild(node_id, puid, "copyright")
        return encode_listing(replace(listing, children=kept, removed=(claim,)))

    return rewrite


def publish(puid: str, visibility: str) -> object:
    """A rule body: the server publishes a statement of reasons it made up."""

    def rewrite(exchange: Exchange) -> bytes | None:
        exchange.status = 200
        decision = {"puid": puid, "decision_visibility": visibility}
        return json.dumps({"decision": decision}).encode()

    return rewrite


async def docs(arena: Arena, tmp_path: Path) -> tuple[Drive, Folder, bytes]:
    drive = await arena.user("alice")
    await drive.mkdir("/docs")
    await put_bytes(drive, tmp_path, "/docs/keep.txt", b"kept")
    await put_bytes(drive, tmp_path, "/docs/hide.txt", b"hidden")
    folder = await drive.folder_at("/docs")
    hidden = folder.child("hide.txt")
    assert hidden is not None
    return drive, folder, hidden.node_id


async def assert_withheld(drive: Drive, tmp_path: Path, why: str) -> None:
    with pytest.raises(WithheldError):
        await files.get(drive, ["/docs/hide.txt"], tmp_path / "h.txt", files.Reporter())
    assert not (tmp_path / "h.txt").exists()
    folder = await drive.folder_at("/docs")
    assert len(folder.withheld) == 1 and folder.removed == ()
    assert [c.why for _, c in drive.noticed.false_claims][-1] == why
    assert drive.noticed.removed == []


async def test_A51_server_claims_a_removal_no_decision_backs(arena: Arena, tmp_path: Path) -> None:
    drive, folder, hidden = await docs(arena, tmp_path)
    puid = str(uuid.uuid4())
    arena.hostile.on("GET", FOLDERS, claim_removed(folder.folder_id, hidden, puid))
    await assert_withheld(drive, tmp_path, "no decision is published under that id")


async def test_A51_server_publishes_a_removal_the_account_was_never_told_of(
    arena: Arena, tmp_path: Path
) -> None:
    drive, folder, hidden = await docs(arena, tmp_path)
    puid = str(uuid.uuid4())
    arena.hostile.on("GET", FOLDERS, claim_removed(folder.folder_id, hidden, puid))
    arena.hostile.on("GET", DECISIONS, publish(puid, "DECISION_VISIBILITY_CONTENT_REMOVED"))
    await assert_withheld(drive, tmp_path, "the decision is not among this account's notices")


async def test_A51_server_claims_a_removal_by_a_decision_that_only_disabled_links(
    arena: Arena, tmp_path: Path
) -> None:
    drive, folder, hidden = await docs(arena, tmp_path)
    puid = str(uuid.uuid4())
    arena.hostile.on("GET", FOLDERS, claim_removed(folder.folder_id, hidden, puid))
    arena.hostile.on("GET", DECISIONS, publish(puid, "DECISION_VISIBILITY_CONTENT_DISABLED"))
    await assert_withheld(drive, tmp_path, "the published decision did not remove content")


async def test_A51_server_names_a_decision_id_that_is_a_path(arena: Arena, tmp_path: Path) -> None:
    drive, folder, hidden = await docs(arena, tmp_path)
    sneaky = "../../account/delete/../../../x/y/z"[:36].ljust(36, "z")
    arena.hostile.on("GET", FOLDERS, claim_removed(folder.folder_id, hidden, sneaky))
    start = len(arena.hostile.requests)
    await assert_withheld(drive, tmp_path, "no decision is published under that id")
    asked = [r.path for r in arena.hostile.requests[start:]]
    assert not any("account" in p or "decisions" in p for p in asked), asked


async def test_A51_server_claims_a_delivered_file_was_removed(arena: Arena, tmp_path: Path) -> None:
    """A claim about an item the server delivered changes nothing: it is shown as usual."""
    drive, folder, hidden = await docs(arena, tmp_path)
    puid = str(uuid.uuid4())
    arena.hostile.on("GET", FOLDERS, claim_removed(folder.folder_id, hidden, puid, deliver=True))
    arena.hostile.on("GET", DECISIONS, publish(puid, "DECISION_VISIBILITY_CONTENT_REMOVED"))
    listed = await drive.folder_at("/docs")
    assert {c.name for c in listed.children} == {"keep.txt", "hide.txt"}
    assert listed.removed == () and listed.withheld == ()
    await files.get(drive, ["/docs/hide.txt"], tmp_path / "h.txt", files.Reporter())
    assert (tmp_path / "h.txt").read_bytes() == b"hidden"
