# SPDX-License-Identifier: AGPL-3.0-or-later
"""The verified drive tree: reading folders and paths, each listing checked (spec/metadata.md).

Every listing is checked before anything in it is shown: the manifest's signature and freshness,
each record against the manifest, each name against the folder key. Changing the tree is
changes.py's (staging, sending, retrying); the user's operations are drive.py's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import NoReturn

from sealbox.client.sdk import authors, duplicates, walks
from sealbox.client.sdk.account import Session
from sealbox.client.sdk.errors import (
    DuplicateNameError,
    NotFoundError,
    RemovedError,
    SealboxError,
    WithheldError,
)
from sealbox.client.sdk.kept_versions import kept_versions
from sealbox.client.sdk.listing_check import Checked, ListingCheck, fetch_checked
from sealbox.client.sdk.listing_check import Node as Node  # most of the SDK imports it here
from sealbox.client.sdk.removals import Noticed, Removal, RemovalCheck, own_decisions
from sealbox.client.sdk.rosters import write_members
from sealbox.client.sdk.state import LocalState
from sealbox.client.sdk.walks import Ancestry, Withheld, ancestry_of
from sealbox.crypto import manifest as mf
from sealbox.crypto.keys import FolderKey
from sealbox.protocol.listing import (
    BinaryListing,
    RemovedChild,
    collection_paused,
    encode_listing,
)


@dataclass
class Folder:
    folder_id: bytes
    key: FolderKey
    manifest: mf.Manifest
    children: list[Node]
    withheld: tuple[bytes, ...] = ()
    injected: int = 0
    # Listed items a published decision removed (removals.py): not withheld, not children.
    removed: tuple[Removal, ...] = ()
    # The listing's removal claims, checked (and moved out of ``withheld``) by RemovalCheck.
    claims: tuple[RemovedChild, ...] = field(default=(), repr=False)
    # The verified path the client walked to this folder (walks.py); None for a folder made up
    # locally, which counts as a top of its own.
    ancestry: Ancestry | None = None
    # Who wrote a child, as the reader knows them: for the message when a name is ambiguous.
    author: Callable[[Node], str] | None = field(default=None, repr=False)
    # The children by name, made when first asked for: a caller that only goes through the
    # children of a large folder never needs it.
    _names: dict[str, list[Node]] | None = field(default=None, repr=False)
    _labels: dict[bytes, str] | None = field(default=None, repr=False)

    @property
    def _by_name(self) -> dict[str, list[Node]]:
        if self._names is None:
            self._names = duplicates.group(self.children)
        return self._names

    def child(self, name: str) -> Node | None:
        """The child called exactly ``name`` (to replace, or to check a name is free); None if
        none. Several raise DuplicateNameError: nothing is picked."""
        found = self.named(name)
        if len(found) > 1:
            raise self.ambiguous(name, found)
        return found[0] if found else None

    def resolve(self, component: str) -> Node | None:
        """The one child a path component names: a name, or ``NAME@ID`` for one of several with
        a name (spec/metadata.md, "Duplicate names"); None if none. Naming several raises
        DuplicateNameError: nothing is picked."""
        found = duplicates.matching(self._by_name, component)
        if len(found) > 1:
            raise self.ambiguous(component, found)
        return found[0] if found else None

    def named(self, name: str) -> list[Node]:
        """Every child called exactly ``name``."""
        return list(self._by_name.get(name, ()))

    @property
    def by_name(self) -> Mapping[str, list[Node]]:
        """The children by exact name (a list, since names may repeat)."""
        return self._by_name

    def label(self, node: Node) -> str:
        """How listings show ``node``: its name, or ``NAME@ID`` where another child shares it."""
        if self._labels is None:
            self._labels = duplicates.labels(self._by_name)
        return self._labels[node.node_id]

    def ambiguous(self, component: str, found: list[Node]) -> DuplicateNameError:
        path = ancestry_of(self).path.rstrip("/") + "/" + component
        author = self.author or (lambda node: "a writer this folder does not name")
        return DuplicateNameError(path, [(self.label(n), author(n)) for n in found])

    def entries(self) -> list[mf.ManifestEntry]:
        return list(self.manifest.entries)

    @property
    def path(self) -> str:
        """Where the walk found this folder, for messages."""
        return ancestry_of(self).path


class Tree:
    """Reads the account's drive: every folder listed is verified before it is returned."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.api = session.api
        # Write members of this account's shares by shared folder, learnt (and checked against
        # the account's own signed rosters) only once a listing is signed by someone else.
        self._members: dict[bytes, dict[bytes, bytes]] | None = None
        # User id -> name of writers this client verified, to show who wrote what (shares).
        self.names: dict[bytes, str] = {}
        # Items removed by a decision (and removal claims refused) met by this command.
        self.noticed = Noticed()
        self._removals: RemovalCheck | None = None

    @property
    def owner_id(self) -> bytes:
        """Whose tree this is: the only signer whose attribution of a record to another author
        is honoured (authors.py)."""
        return self.session.user_id

    def author(self, node: Node) -> str:
        """Who wrote ``node``, as shown to the user (spec/sharing.md, "Attribution")."""
        return authors.describe(self.session, self.owner_id, node, self.names)

    @property
    def writers(self) -> dict[bytes, bytes]:
        """Who may sign manifests and records in a folder nobody else writes: the account."""
        return self.session.writers

    async def writers_on(self, ancestry: Ancestry) -> dict[bytes, bytes]:
        """Who may sign in the folder at the end of ``ancestry``: the account, and in its own
        drive the write members of every share of a folder on that verified path (spec/sharing.md,
        "Writers sign"). The path is the one this client walked and verified, never the server's
        parent links (threat catalogue A30)."""
        if not ancestry.account_shares:
            return self.writers
        if self._members is None:
            self._members = await write_members(self.session)
        extra: dict[bytes, bytes] = {}
        for folder_id in ancestry.ids():
            extra.update(self._members.get(folder_id, {}))
        return {**extra, **self.writers}

    @property
    def state(self) -> LocalState:
        return self.session.state

    @property
    def scope(self) -> str:
        """Names this account's transfer journals apart from other accounts' and servers'."""
        return f"{self.session.server}:{self.session.username}"

    async def folder(
        self, folder_id: bytes, key: FolderKey, ancestry: Ancestry | None = None
    ) -> Folder:
        """List a folder and verify it (spec/metadata.md, "Listing a folder"). ``ancestry`` is
        the verified path to it; without one the folder is a top of its own."""
        s = self.session
        ancestry = ancestry or Ancestry(folder_id)
        seen = s.state.mark(s.user_id, folder_id)
        # A listing signed by someone else is checked again against the write members of the
        # shares on the path to this folder.
        with collection_paused():
            checked = await fetch_checked(
                self.api, folder_id, key, self.writers, seen, lambda: self.writers_on(ancestry)
            )
            folder, mark = folder_of(folder_id, key, checked), checked.mark
        s.state.save_mark(s.user_id, folder_id, mark)
        folder.ancestry = ancestry
        folder.author = self.author
        if folder.claims and folder.withheld:
            await self.removal_check().confirm(folder, folder.claims)
        return folder

    def removal_check(self) -> RemovalCheck:
        """Checks removal claims; in the account's own drive a decision must also be among the
        account's notices (spec/compliance.md §3.4)."""
        if self._removals is None:
            own = self.owner_id == self.session.user_id
            mine = (lambda: own_decisions(self.session.api)) if own else None
            self._removals = RemovalCheck(self.api, mine, self.noticed)
        return self._removals

    async def reload(self, folder: Folder) -> Folder:
        """List ``folder`` again, found where it was found before."""
        return await self.folder(folder.folder_id, folder.key, folder.ancestry)

    async def root(self) -> Folder:
        s = self.session
        return await self.folder(s.root_id, s.root_key, Ancestry(s.root_id, account_shares=True))

    async def trash(self) -> Folder:
        s = self.session
        top = Ancestry(s.trash_id, "trash:", account_shares=True)
        return await self.folder(s.trash_id, s.trash_key, top)

    async def open_folder(self, parent: Folder, node: Node) -> Folder:
        """A child folder, verified; refused if it is already on the path here or too deep."""
        ancestry = ancestry_of(parent).below(node.node_id, parent.label(node))
        key = node.record.open_folder_key(parent.key)
        return await self.folder(node.node_id, key, ancestry)

    async def walk(self, path: str) -> tuple[list[Folder], Node | None]:
        """Resolve an absolute path: the folders on the way (the root first) and the final node
        (None for the root itself). Missing components raise NotFoundError."""
        return await walk_path(await self.root(), path, self.open_folder)

    async def folder_at(self, path: str) -> Folder:
        chain, node = await self.walk(path)
        if node is None:
            return chain[0]
        if not node.is_folder:
            raise SealboxError(f"not a folder: {path}")
        return await self.open_folder(chain[-1], node)

    async def versions(self, path: str) -> list[tuple[int, Node]]:
        """Earlier versions of a file, each verified like the current one (kept_versions.py),
        as (node version, node), newest first."""
        return [
            (v.record.node_version, Node(v.record, v.metadata, v.stored_size, v.sealed_under))
            for v in await kept_versions(self, path)
        ]

    async def iter_tree(
        self, folder: Folder, prefix: str = "", withheld: Withheld | None = None
    ) -> list[tuple[str, Folder, Node]]:
        """Every node below ``folder`` as (path, parent, node), depth first, verified; see
        walks.iter_tree for ``withheld``."""
        return await walks.iter_tree(self, folder, prefix, withheld)


def verify_listing(
    listing: BinaryListing,
    folder_id: bytes,
    key: FolderKey,
    writers: Mapping[bytes, bytes],
    seen: mf.Seen | None,
) -> tuple[Folder, mf.Seen]:
    """Check a whole listing already read: the manifest's signature by one of ``writers`` and its
    freshness against ``seen``, each record against the manifest, each name against the folder
    key. Returns the verified folder and the new high-water mark to remember. A client reading
    from the server checks the listing as it arrives instead (listing_check.fetch_checked)."""
    with collection_paused():
        check = ListingCheck(folder_id, key, writers, seen)
        check.feed(encode_listing(listing))
        checked = check.finish()
        return folder_of(folder_id, key, checked), checked.mark


def folder_of(folder_id: bytes, key: FolderKey, checked: Checked) -> Folder:
    return Folder(
        folder_id, key, checked.manifest, checked.children, checked.withheld, checked.injected,
        claims=checked.claims,
    )  # fmt: skip


def missing(folder: Folder, message: str) -> NoReturn:
    """A name is not among a folder's children: withheld, if the listing left anything out;
    perhaps removed by a decision, if one removed items from the folder."""
    if folder.withheld:
        raise WithheldError(
            [(folder.path, len(folder.withheld))],
            "what you asked for may be one of them; run the command again later",
        )
    if folder.removed:
        raise RemovedError(message, folder.path, folder.removed)
    raise NotFoundError(message)


async def walk_path(
    root: Folder,
    path: str,
    open_folder: Callable[[Folder, Node], Awaitable[Folder]],
    where: str = "",
) -> tuple[list[Folder], Node | None]:
    """Follow ``path`` down from ``root``, verifying each folder on the way; ``where`` names the
    tree in error messages (the drive, or a link)."""
    parts = split_path(path)
    chain = [root]
    node: Node | None = None
    for depth, name in enumerate(parts):
        node = chain[-1].resolve(name)
        if node is None:
            missing(chain[-1], f"no such file or folder{where}: {join_path(parts[: depth + 1])}")
        if depth < len(parts) - 1:
            if not node.is_folder:
                raise NotFoundError(f"not a folder: {join_path(parts[: depth + 1])}")
            chain.append(await open_folder(chain[-1], node))
    return chain, node


def split_path(path: str) -> list[str]:
    """Remote paths are absolute from the user's root: ``/docs/a.txt``."""
    if not path.startswith("/"):
        raise SealboxError(f"remote paths start with '/': {path}")
    parts = [p for p in path.split("/") if p]
    if any(p in (".", "..") for p in parts):
        raise SealboxError(f"'.' and '..' are not allowed in remote paths: {path}")
    return parts


def join_path(parts: Iterable[str]) -> str:
    return "/" + "/".join(parts)
