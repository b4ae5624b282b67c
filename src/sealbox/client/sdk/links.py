# SPDX-License-Identifier: AGPL-3.0-or-later
"""Public links (spec/sharing.md, "Links"): making them, opening them without an account, and
importing what they open into one's own drive.

A link URL is ``<server>/l/<link id>#<fragment>``. The fragment (the link key, or the password-link
object) never leaves this module in a request: only the link id travels, in the path. A password
link is unlocked locally before anything is sent, so a wrong password costs no request at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from msgspec.structs import replace

from sealbox.client.sdk import addresses, walks
from sealbox.client.sdk.addresses import LINK_PATH
from sealbox.client.sdk.api import LinkApi
from sealbox.client.sdk.changes import Change
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.errors import (
    ConflictError,
    NotFoundError,
    SealboxError,
    WithheldError,
    WrongLink,
)
from sealbox.client.sdk.listing_check import fetch_checked
from sealbox.client.sdk.removals import Noticed, RemovalCheck
from sealbox.client.sdk.state import LocalState
from sealbox.client.sdk.tree import Folder, Node, folder_of, join_path, split_path, walk_path
from sealbox.client.sdk.walks import Ancestry, Withheld, ancestry_of
from sealbox.crypto import links as crypto_links
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.identity import verify_bundle
from sealbox.crypto.keys import FileKey, FolderKey, LinkKey
from sealbox.crypto.layout import b64url, from_b64url
from sealbox.crypto.password import KdfParams
from sealbox.crypto.tree import FileMetadata, NodeType, as_file_metadata
from sealbox.protocol import models as m
from sealbox.protocol.listing import collection_paused


@dataclass(frozen=True)
class LinkAddress:
    """A parsed link URL. The fragment is kept out of ``repr`` so it never lands in a log."""

    server: str
    link_id: bytes
    fragment: str = field(repr=False)

    @property
    def needs_password(self) -> bool:
        return self.fragment.startswith(crypto_links.PASSWORD_TAG)


def is_link(text: str) -> bool:
    """Whether a command argument is a link URL rather than a remote path."""
    return addresses.looks_like(text, LINK_PATH)


def parse_link(url: str) -> LinkAddress:
    """Split ``<server>/l/<link id>#<fragment>``; a damaged URL is a ValueError (input error)."""
    return LinkAddress(*addresses.split_url(url, LINK_PATH, "link", "<server>/l/<id>#<key>"))


def link_url(server: str, link_id: bytes, fragment: str) -> str:
    return addresses.make_url(server, LINK_PATH, link_id, fragment)


def link_key(address: LinkAddress, password: Callable[[], str] | None = None) -> LinkKey:
    """The link key, unlocked locally. A wrong password raises COMMITMENT_MISMATCH here, before
    any request that could depend on it."""
    try:
        parsed = crypto_links.parse_fragment(address.fragment)
    except IntegrityError as exc:  # a password-link object that does not parse: mistyped
        raise WrongLink(exc.code, str(exc)) from exc
    if isinstance(parsed, LinkKey):
        return parsed
    if password is None:
        raise SealboxError("this link is protected by a password")
    try:
        return crypto_links.unlock(parsed, password(), address.link_id)
    except IntegrityError as exc:
        if is_wrong_password(exc):
            raise
        raise WrongLink(exc.code, str(exc)) from exc


def is_wrong_password(exc: IntegrityError) -> bool:
    return exc.code == ErrorCode.COMMITMENT_MISMATCH


# Making and managing links (the owner)


@dataclass(frozen=True)
class PasswordSettings:
    password: str = field(repr=False)
    opslimit: int
    memlimit: int


async def create_link(
    drive: Drive,
    path: str,
    *,
    expires_in: int | None = None,
    max_downloads: int | None = None,
    password: PasswordSettings | None = None,
) -> tuple[str, m.LinkView]:
    """Make a link to the file or folder at ``path``; returns its URL and the server's view.

    The link secret snapshots the node's key and metadata now; for a file that is its current
    version (spec/sharing.md: a new version needs a new link).
    """
    chain, node = await drive.walk(path)
    if node is None:
        raise SealboxError("the root folder cannot be linked; link a folder inside it")
    key = node.record.open_key(chain[-1].key)
    metadata = replace(node.metadata, trashed_from=None)
    rng = drive.rng
    link_id, key_of_link = rng(16), LinkKey(rng(32))
    secret = crypto_links.make_link_secret(key_of_link, link_id, node.node_id, key, metadata, rng)
    view = await drive.api.create_link(
        m.LinkCreateRequest(
            link_id=link_id,
            node_id=node.node_id,
            secret=secret,
            expires_in=expires_in,
            max_downloads=max_downloads,
        )
    )
    if password is None:
        fragment = crypto_links.plain_fragment(key_of_link)
    else:
        params = KdfParams.generate(rng, password.opslimit, password.memlimit)
        fragment = crypto_links.password_fragment(
            key_of_link, link_id, password.password, params, rng
        )
    return link_url(drive.session.server, link_id, fragment), view


@dataclass(frozen=True)
class OwnedLink:
    view: m.LinkView
    path: str | None  # None when the node is no longer in the drive's tree (e.g. in the trash)


async def list_links(drive: Drive, withheld: Withheld | None = None) -> list[OwnedLink]:
    """The account's links, each with the path of the node it opens. Folders whose items the
    server withheld go into ``withheld`` (or raise, without it: see walks.iter_tree), since a
    link to a withheld node would show as not in the drive."""
    views = (await drive.api.links()).links
    if not views:
        return []
    tree = await drive.iter_tree(await drive.root(), withheld=withheld)
    paths = {node.node_id: path for path, _, node in tree}
    return [OwnedLink(v, paths.get(v.node_id)) for v in views]


async def revoke_links(drive: Drive, target: str) -> int:
    """Revoke one link (by URL or id) or every link to a path; returns how many went."""
    if target.startswith("/"):
        _, node = await drive.walk(target)
        if node is None:
            raise SealboxError("the root folder has no links")
        doomed = [v.link_id for v in (await drive.api.links()).links if v.node_id == node.node_id]
        if not doomed:
            raise NotFoundError(f"no links to {target}")
    else:
        doomed = [parse_link(target).link_id if is_link(target) else _bare_id(target)]
    for link_id in doomed:
        await drive.api.revoke_link(link_id)
    return len(doomed)


def _bare_id(text: str) -> bytes:
    try:
        value = from_b64url(text)
    except ValueError:
        value = b""
    if len(value) != 16:
        raise SealboxError(f"not a link, a link id or a remote path: {text}")
    return value


# Opening a link (anyone)


class OpenedLink:
    """A link opened by a visitor: the node it opens, readable like a drive of its own.

    A visitor has no pins. The owner's identity bundle comes from the server and is accepted on
    first sight, so a linked folder's listings are checked against it (spec/sharing.md, "Link
    visitors and writers"); files are authenticated by the link secret itself.
    """

    def __init__(
        self,
        api: LinkApi,
        state: LocalState,
        address: LinkAddress,
        opened: m.LinkOpened,
        secret: crypto_links.LinkSecret,
        writers: dict[bytes, bytes],
    ) -> None:
        self.api = api
        self.state = state
        self.address = address
        self.opened = opened
        self.secret = secret
        self.writers = writers
        # Items a published decision removed, met through this link (removals.py): a visitor
        # checks only that the decision is published and removed content.
        self.noticed = Noticed()
        self._removals = RemovalCheck(api, None, self.noticed)

    @property
    def scope(self) -> str:
        return f"{self.address.server}:link:{b64url(self.address.link_id)}"

    @property
    def link_id(self) -> bytes:
        return self.address.link_id

    @property
    def node_id(self) -> bytes:
        return self.opened.node_id

    @property
    def name(self) -> str:
        return self.secret.metadata.name

    @property
    def is_folder(self) -> bool:
        return self.secret.node_type == NodeType.FOLDER

    def file(self) -> tuple[FileKey, FileMetadata]:
        key, metadata = self.secret.node_key, self.secret.metadata
        if not isinstance(key, FileKey) or not isinstance(metadata, FileMetadata):
            raise SealboxError("this link opens a folder, not a file")
        return key, metadata

    async def folder(
        self, folder_id: bytes, key: FolderKey, ancestry: Ancestry | None = None
    ) -> Folder:
        # No freshness mark: a visitor keeps no state about the owner's tree. That is why the
        # walks' cycle check matters most here (threat catalogue A26).
        with collection_paused():
            checked = await fetch_checked(self.api, folder_id, key, self.writers, None)
            folder = folder_of(folder_id, key, checked)
        folder.ancestry = ancestry or Ancestry(folder_id)
        if folder.claims and folder.withheld:
            await self._removals.confirm(folder, folder.claims)
        return folder

    async def root(self) -> Folder:
        key = self.secret.node_key
        if not isinstance(key, FolderKey):
            raise SealboxError("this link opens a file, not a folder")
        return await self.folder(self.node_id, key)

    async def open_folder(self, parent: Folder, node: Node) -> Folder:
        ancestry = ancestry_of(parent).below(node.node_id, node.name)
        return await self.folder(node.node_id, node.record.open_folder_key(parent.key), ancestry)

    async def iter_tree(
        self, folder: Folder, prefix: str = "", withheld: Withheld | None = None
    ) -> list[tuple[str, Folder, Node]]:
        """Every node below ``folder``, as Drive.iter_tree."""
        return await walks.iter_tree(self, folder, prefix, withheld)

    async def walk(self, path: str) -> tuple[list[Folder], Node | None]:
        """Resolve a path inside a folder link ("/" is the linked folder itself)."""
        return await walk_path(await self.root(), path, self.open_folder, " in the link")


async def open_link(
    http: httpx.AsyncClient, state: LocalState, address: LinkAddress, key: LinkKey
) -> OpenedLink:
    """Fetch and open the link secret (this counts one download of the link)."""
    api = LinkApi(http, address.link_id)
    opened = await api.open_link(address.link_id)
    try:
        secret = crypto_links.open_link_secret(key, opened.secret, address.link_id, opened.node_id)
    except IntegrityError as exc:
        if exc.code != ErrorCode.DECRYPT_FAILED:
            raise  # the key opened it: what it holds is the server's or the owner's doing
        raise WrongLink(exc.code, str(exc)) from exc
    if (opened.node_type == "folder") != (secret.node_type == NodeType.FOLDER):
        raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "the server names another node type")
    bundle = verify_bundle(opened.owner_bundle, opened.owner_username, None)
    writers = {bundle.user_id: bundle.keys.sign_public}
    return OpenedLink(api, state, address, opened, secret, writers)


# Importing (an account holder)


async def import_link(drive: Drive, link: OpenedLink, target_path: str) -> str:
    """Copy what the link opens into the drive without moving any content: new nodes, new keys
    for folders, the same file keys and content ids, each file put naming the link so the server
    lets this account reference the content. Returns the new path."""
    parts = split_path(target_path)
    try:
        chain, found = await drive.walk(target_path)
        if found is not None and not found.is_folder:
            raise ConflictError(f"already exists: {join_path(parts)}")
        target = chain[0] if found is None else await drive.open_folder(chain[-1], found)
        name = link.name
        base = join_path([*parts, name])
    except NotFoundError:
        if not parts:
            raise
        target, name = await drive.folder_at(join_path(parts[:-1])), parts[-1]
        base = join_path(parts)
    if target.child(name) is not None:
        raise ConflictError(f"already exists: {base}")
    if not link.is_folder:
        key, metadata = link.file()
        change = Change()
        drive.add_file(
            change, target, replace(metadata, name=name), key, via_link=link.link_id
        )  # fmt: skip
        await drive.commit(change)
        return base
    # The whole linked tree first: complete at every level, no cycle, within the depth limit,
    # since the new manifests are made from these listings (threat catalogue A25).
    withheld: Withheld = []
    source = await link.root()
    originals = [f async for _, f in walks.folders_below(link, source, "", withheld)]
    if withheld:
        raise WithheldError(withheld, WithheldError.REFUSED)
    copies = {source.folder_id: await drive.new_folder(target, name)}
    for original in originals:
        await _import_folder(drive, link, original, copies)
    return base


async def _import_folder(
    drive: Drive, link: OpenedLink, source: Folder, copies: dict[bytes, Folder]
) -> None:
    """Import the files of one linked folder into its copy and make its sub-folders, which are
    noted in ``copies`` to be filled in their turn."""
    target = copies.pop(source.folder_id)
    change = Change()
    for node in source.children:
        if node.is_folder:
            continue
        key = node.record.open_file_key(source.key)
        metadata = as_file_metadata(replace(node.metadata, trashed_from=None))
        drive.add_file(change, target, metadata, key, via_link=link.link_id)
    if change.puts:
        target = (await drive.commit(change))[target.folder_id]
    for node in sorted(source.children, key=lambda n: n.name):
        if node.is_folder:
            copies[node.node_id] = await drive.ensure_folder(target, node.name)
            target = await drive.reload(target)
