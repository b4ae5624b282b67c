# SPDX-License-Identifier: AGPL-3.0-or-later
"""Threat catalogue A41: a write member shadows the owner's file by name (spec/metadata.md,
"Duplicate names").

Names are sealed and may repeat. Bob, a write member of alice's /team, adds a second ``plan.txt``
whose node id sorts last, which a lookup that kept the last child by id opened for every
``cat /team/plan.txt`` of the owner. Now no lookup picks one of them, each has a label that opens it
alone, and a folder download writes both. SDK clients against a real server app."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sealbox.client.sdk import contacts, duplicates, files, shares, transfers
from sealbox.client.sdk.changes import Change
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.errors import DuplicateNameError, NotFoundError
from sealbox.client.sdk.tree import Node

from .conftest import Arena

pytestmark = pytest.mark.anyio

LAST = b"\xff" * 16  # the greatest node id: the one a by-id lookup kept


def first_id(node_id: bytes) -> object:
    """A random source whose first 16-byte draw (the new node's id) is ``node_id``."""
    ids = [node_id]

    def draw(size: int) -> bytes:
        return ids.pop() if size == 16 and ids else os.urandom(size)

    return draw


async def add_same_name(writer: Drive, folder_path: str, name: str, text: str, tmp: Path) -> None:
    """What a write member's own client can do: put a new file beside one of the same name (the
    reference client would replace it instead), with a node id of the member's choosing."""
    local = tmp / "member" / name
    local.parent.mkdir(exist_ok=True)
    local.write_text(text)
    folder = await writer.folder_at(folder_path)
    sealed = transfers.seal_small(local, name)
    change = Change()
    writer.rng = first_id(LAST)  # type: ignore[assignment]
    writer.add_file(change, folder, sealed.metadata, sealed.file_key, inline=sealed.inline)
    await writer.commit(change)


async def put_text(drive: Drive, tmp: Path, remote: str, text: str) -> None:
    local = tmp / "upload" / remote.rsplit("/", 1)[-1]
    local.parent.mkdir(exist_ok=True)
    local.write_text(text)
    await files.put(drive, [local], remote, files.Reporter())


async def read(drive: Drive, remote: str) -> str:
    return b"".join([piece async for piece in files.stream_file(drive, remote)]).decode()


async def test_A41_a_write_member_adds_a_same_named_file_that_sorts_last(arena: Arena) -> None:
    alice, bob = [await arena.user(n) for n in ("alice", "bob")]
    await alice.mkdir("/team")
    await put_text(alice, arena.tmp, "/team/plan.txt", "alice's plan")
    await contacts.invite(alice.session, "bob")
    await contacts.accept(bob.session, "alice")
    await shares.share_folder(alice, "/team", "bob", shares.WRITE)
    inside = await shares.open_shared(bob, "team")
    await add_same_name(inside, "/", "plan.txt", "bob's plan", arena.tmp)

    # The owner's name no longer opens anything: the error names both, with their authors.
    with pytest.raises(DuplicateNameError) as excinfo:
        await read(alice, "/team/plan.txt")
    folder = await alice.folder_at("/team")
    mine, theirs = sorted(folder.named("plan.txt"), key=lambda n: n.node_id == LAST)
    assert theirs.node_id == LAST and mine.record.writer_id == alice.session.user_id
    labels = {folder.label(mine), folder.label(theirs)}
    assert [label for label, _ in excinfo.value.choices] == [
        folder.label(n) for n in folder.named("plan.txt")
    ]
    assert {author for _, author in excinfo.value.choices} == {"alice (you)", "bob (unverified)"}
    assert "/team/plan.txt names 2 items" in str(excinfo.value)
    assert all(
        label.startswith("plan.txt@") and len(label) == len("plan.txt@") + 8 for label in labels
    )
    assert folder.label(theirs) == "plan.txt@________"

    # Each label opens its own file, for the owner and for the member.
    assert await read(alice, f"/team/{folder.label(mine)}") == "alice's plan"
    assert await read(alice, f"/team/{folder.label(theirs)}") == "bob's plan"
    assert await read(inside, f"/{folder.label(mine)}") == "alice's plan"
    # A whole id picks one too; an id prefix shorter than 4 characters picks nothing.
    assert await read(alice, f"/team/plan.txt@{duplicates.ref(mine)}") == "alice's plan"
    with pytest.raises(NotFoundError):
        await read(alice, "/team/plan.txt@___")

    # Walks print labels, so every path they give opens what it shows.
    paths = sorted(p for p, _, _ in await alice.iter_tree(folder, "/team"))
    assert paths == sorted(f"/team/{label}" for label in labels)

    # Downloading the folder writes both: the owner's under its name, the other renamed, said.
    said: list[tuple[str, Path]] = []
    out = arena.tmp / "alice-out"
    await files.get(alice, ["/team"], out, files.Reporter(renamed=lambda r, p: said.append((r, p))))
    assert (out / "plan.txt").read_text() == "alice's plan"
    assert (out / "plan (________).txt").read_text() == "bob's plan"
    assert said == [("/team/plan.txt@________", out / "plan (________).txt")]


async def test_A41_a_write_member_adds_a_name_that_imitates_a_label(arena: Arena) -> None:
    """A member who also adds a file literally called like the owner's label gains nothing: the
    label then names two items (an error), and a whole id still opens the owner's file."""
    alice, bob = [await arena.user(n) for n in ("alice", "bob")]
    await alice.mkdir("/team")
    await put_text(alice, arena.tmp, "/team/plan.txt", "alice's plan")
    await contacts.invite(alice.session, "bob")
    await contacts.accept(bob.session, "alice")
    await shares.share_folder(alice, "/team", "bob", shares.WRITE)
    inside = await shares.open_shared(bob, "team")
    await add_same_name(inside, "/", "plan.txt", "bob's plan", arena.tmp)
    folder = await alice.folder_at("/team")
    (mine,) = [n for n in folder.named("plan.txt") if n.node_id != LAST]
    label = folder.label(mine)
    imitation = arena.tmp / "imitation" / label
    imitation.parent.mkdir()
    imitation.write_text("bob's imitation")
    await files.put(inside, [imitation], "/", files.Reporter())

    with pytest.raises(DuplicateNameError) as excinfo:
        await read(alice, f"/team/{label}")
    assert len(excinfo.value.choices) == 2
    assert await read(alice, f"/team/plan.txt@{duplicates.ref(mine)}") == "alice's plan"
    # Every child still has a label that opens it alone.
    folder = await alice.folder_at("/team")
    opened = {}
    for node in folder.children:
        found = folder.resolve(folder.label(node))
        assert isinstance(found, Node) and found.node_id == node.node_id
        opened[folder.label(node)] = await read(alice, f"/team/{folder.label(node)}")
    assert sorted(opened.values()) == ["alice's plan", "bob's imitation", "bob's plan"]
    # A download writes all three, each under a name of its own.
    out = arena.tmp / "out"
    await files.get(alice, ["/team"], out, files.Reporter())
    assert sorted(p.read_text() for p in out.iterdir()) == sorted(opened.values())
