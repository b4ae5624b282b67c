# SPDX-License-Identifier: AGPL-3.0-or-later
"""Walking a verified tree (spec/metadata.md, "Walking a tree").

Every command that goes down more than one folder walks here: ``get`` of a folder, ``ls -R``,
``tree``, ``find``, ``du``, the listings of links, shares and drops, ``cp`` of a folder, imports.
A walk is a loop over an explicit stack, never a recursion in Python. Each folder it opens carries
its **ancestry**, the verified folders the walk came through from its top, which

- refuses a folder that is already on its own path (a cycle, which a replayed old manifest can
  make out of genuine signatures) and a folder deeper than the one depth limit;
- says who may sign in the folder: the top's writers and the write members of this account's
  shares met on the way (never the server's parent links, threat catalogue A30);
- names the folder in messages.

Withheld items (listed by a signed manifest, not delivered) are noted at every level: a reading
walk goes on and reports them at the end, a writing one refuses before it signs anything.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from sealbox.client.sdk.errors import SealboxError, WithheldError
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.protocol import limits

if TYPE_CHECKING:
    from sealbox.client.sdk.tree import Folder, Node

MAX_DEPTH = limits.MAX_FOLDER_DEPTH

# Folders whose listing left out items, as (path, how many); see WithheldError.
Withheld = list[tuple[str, int]]


@dataclass(frozen=True, slots=True)
class Ancestry:
    """The verified folders from a walk's top down to one folder, as a chain of links upwards
    (folders below one parent share the parent's part)."""

    folder_id: bytes
    name: str = ""  # the top's label ("" for the root, "/" is added); a folder's own name below
    up: Ancestry | None = None
    depth: int = 0  # folders below the top; the top is 0
    # Whether this account's own shares can add writers on the way down: true in its own drive,
    # false in a folder shared with it or opened through a link.
    account_shares: bool = False

    def chain(self) -> Iterator[Ancestry]:
        step: Ancestry | None = self
        while step is not None:
            yield step
            step = step.up

    def __contains__(self, node_id: object) -> bool:
        return any(step.folder_id == node_id for step in self.chain())

    def ids(self) -> list[bytes]:
        return [step.folder_id for step in self.chain()]

    @property
    def path(self) -> str:
        steps = list(self.chain())
        top, names = steps[-1], [step.name for step in reversed(steps[:-1])]
        return top.name + "/" + "/".join(names)

    def below(self, node_id: bytes, name: str) -> Ancestry:
        """The ancestry of a child folder, refused if it is a cycle or too deep."""
        if node_id in self:
            raise IntegrityError(
                ErrorCode.CONTEXT_MISMATCH,
                f"cycle: {_shortened(self.path)} lists the folder {name!r}, which is already on "
                "the path to it, so the server served an old or forged listing; the walk stopped",
            )
        if self.depth >= MAX_DEPTH:
            raise IntegrityError(
                ErrorCode.MALFORMED,
                f"the tree below {_shortened(self.path)} is deeper than {MAX_DEPTH} folders, the "
                "limit every server enforces, so the server (or a writer with it) built it; the "
                "walk stopped there",
            )
        return Ancestry(node_id, name, self, self.depth + 1, self.account_shares)


def ancestry_of(folder: Folder) -> Ancestry:
    """A folder's ancestry; a folder made up without one (a re-keyed copy) is a top of its own."""
    return folder.ancestry if folder.ancestry is not None else Ancestry(folder.folder_id)


class Opener(Protocol):
    """What a walk needs: verified child folders (an account's drive, a share, a link)."""

    async def open_folder(self, parent: Folder, node: Node) -> Folder: ...


@dataclass(frozen=True, slots=True)
class Step:
    path: str  # the top's prefix, then the labels (names, or NAME@ID) down to the node
    parent: Folder
    node: Node
    opened: Folder | None  # the node's own listing, for a folder


def note_withheld(folder: Folder, path: str, withheld: Withheld) -> None:
    if folder.withheld:
        withheld.append((path or "/", len(folder.withheld)))


Failed = Callable[[str, BaseException], None]
"""Told of a folder that could not be opened (its path, the failure) by a walk that goes on."""


async def walk_tree(
    opener: Opener, top: Folder, prefix: str, withheld: Withheld, failed: Failed | None = None
) -> AsyncIterator[Step]:
    """Every node below ``top``, depth first, children by name, each folder opened (verified)
    before it is yielded and entered after. Withheld items are noted in ``withheld``. A folder
    that does not open or verify stops the walk, or, given ``failed``, is told there and left
    out while the walk goes on (a download: the rest is still worth having)."""
    note_withheld(top, prefix, withheld)
    stack = [(prefix, iter(_by_name(top)), top)]
    while stack:
        base, rest, folder = stack[-1]
        node = next(rest, None)
        if node is None:
            stack.pop()
            continue
        path = f"{base}/{folder.label(node)}"  # NAME@ID where names repeat: it opens this node
        if not node.is_folder:
            yield Step(path, folder, node, None)
            continue
        try:
            opened = await opener.open_folder(folder, node)
        except (IntegrityError, SealboxError) as exc:
            if failed is None:
                raise
            failed(path, exc)
            continue
        note_withheld(opened, path, withheld)
        yield Step(path, folder, node, opened)
        stack.append((path, iter(_by_name(opened)), opened))


async def folders_below(
    opener: Opener, top: Folder, prefix: str, withheld: Withheld, failed: Failed | None = None
) -> AsyncIterator[tuple[str, Folder]]:
    """``top`` and every folder below it, parents before children, as (path, listing); see
    walk_tree for ``failed``."""
    yield prefix, top
    async for step in walk_tree(opener, top, prefix, withheld, failed):
        if step.opened is not None:
            yield step.path, step.opened


async def iter_tree(
    opener: Opener, top: Folder, prefix: str = "", withheld: Withheld | None = None
) -> list[tuple[str, Folder, Node]]:
    """Every node below ``top`` as (path, parent, node). Folders with withheld items go into
    ``withheld`` when the caller passes a list to report them; without one they raise
    WithheldError, so that no caller takes an incomplete tree for the whole."""
    found: Withheld = []
    out = [(s.path, s.parent, s.node) async for s in walk_tree(opener, top, prefix, found)]
    if withheld is None and found:
        raise WithheldError(found, WithheldError.READING)
    if withheld is not None:
        withheld.extend(found)
    return out


def _shortened(path: str, keep: int = 4) -> str:
    """A long path as its first folder and its last few, for a message that stays readable."""
    parts = path.split("/")
    if len(parts) <= 2 * keep:
        return path
    return "/".join([*parts[:2], "…", *parts[-keep:]])


def _by_name(folder: Folder) -> list[Node]:
    return sorted(folder.children, key=lambda n: (n.name, folder.label(n)))
