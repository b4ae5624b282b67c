"""Shares between accounts (spec/sharing.md, "Shares"): granting a folder, opening what others
granted, working inside a shared folder, and unsharing with rotation of the folder key.

A member reads the owner's folder through the share with the folder key from the owner's signed
envelope, and verifies every listing against the writers: the owner and the write members, each
taken from a pinned bundle. In format version 1 the member list itself comes from the server
(spec/sharing.md, "Planned for a later version").
"""

from __future__ import annotations

from dataclasses import dataclass

from sealbox.client.sdk import contacts
from sealbox.client.sdk.account import normalize_username
from sealbox.client.sdk.api import ShareApi
from sealbox.client.sdk.errors import NotFoundError, SealboxError
from sealbox.client.sdk.tree import Change, Drive, Folder, Node
from sealbox.crypto.drops import unwrap_drop_keys, wrap_drop_keys
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.keys import FileKey, FolderKey, RandomSource, system_random
from sealbox.crypto.shares import Rights, ShareGrant, make_share_envelope, open_share_envelope
from sealbox.crypto.tree import FileMetadata
from sealbox.protocol import models as m

READ, WRITE = 1, 2


async def share_folder(drive: Drive, path: str, username: str, rights: int) -> m.ShareView:
    """Grant the folder at ``path`` to ``username``. The recipient's key comes from a bundle
    accepted against the pin; after a key change this raises ``key_changed`` and sends nothing."""
    chain, node = await drive.walk(path)
    if node is None or not node.is_folder:
        raise SealboxError(f"only folders inside the root can be shared: {path}")
    recipient = await contacts.identity(drive.session, username)
    if recipient.bundle.user_id == drive.session.user_id:
        raise SealboxError("a folder cannot be shared with yourself")
    key = node.record.open_key(chain[-1].key)
    assert isinstance(key, FolderKey)
    return await _send_share(drive, node.node_id, node.name, key, recipient, rights)


async def _send_share(
    drive: Drive,
    folder_id: bytes,
    name: str,
    key: FolderKey,
    recipient: contacts.Identity,
    rights: int,
) -> m.ShareView:
    s = drive.session
    grant = ShareGrant(
        share_id=drive.rng(16),
        folder_id=folder_id,
        sender_id=s.user_id,
        recipient_id=recipient.bundle.user_id,
        rights=Rights(rights),
        folder_key=key,
        folder_name=name,
    )
    envelope = make_share_envelope(s.identity, grant, recipient.bundle.keys.box_public, drive.rng)
    return await drive.api.create_share(
        m.ShareCreateRequest(
            share_id=grant.share_id,
            folder_id=folder_id,
            recipient_id=grant.recipient_id,
            rights=rights,  # type: ignore[arg-type]  # Rights is 1 or 2
            envelope=envelope,
        )
    )


@dataclass(frozen=True)
class Incoming:
    """A share granted to this account, its envelope verified and opened."""

    view: m.ShareView
    grant: ShareGrant
    owner_verified: bool

    @property
    def name(self) -> str:
        return self.grant.folder_name


async def incoming(drive: Drive) -> list[Incoming]:
    out = []
    for view in (await drive.api.shares()).incoming:
        owner = await contacts.identity(drive.session, view.owner_username)
        if owner.bundle.user_id != view.owner_id:
            raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "the share names another owner")
        s = drive.session
        grant = open_share_envelope(s.identity, s.user_id, view.envelope, owner.bundle.pin())
        if (grant.share_id, grant.folder_id, grant.rights) != (
            view.share_id,
            view.folder_id,
            view.rights,
        ):
            raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "the server altered the share")
        out.append(Incoming(view, grant, owner.verified))
    return out


class SharedDrive(Drive):
    """A folder shared with this account, used like a drive whose root is that folder."""

    def __init__(
        self,
        drive: Drive,
        share: Incoming,
        writers: dict[bytes, bytes],
        names: dict[bytes, str],
        rng: RandomSource = system_random,
    ) -> None:
        super().__init__(drive.session, rng)
        self.api = ShareApi(drive.api.http, drive.api.token, share.view.share_id)
        self.share = share
        self._writers = writers
        self.names = names  # user id -> username, to show who wrote what

    @property
    def writers(self) -> dict[bytes, bytes]:
        return self._writers

    async def load_members(self) -> bool:
        return False

    @property
    def can_write(self) -> bool:
        return self.share.grant.rights == WRITE

    async def root(self) -> Folder:
        return await self.folder(self.share.grant.folder_id, self.share.grant.folder_key)

    async def trash(self) -> Folder:
        raise SealboxError("a shared folder has no trash for its members; use rm --permanent")

    def author(self, node: Node) -> str:
        return self.names.get(node.record.writer_id, "an unknown writer")


async def open_shared(drive: Drive, which: str) -> SharedDrive:
    """The incoming share named ``which`` (the owner's folder name, or the share id)."""
    found = [
        share
        for share in await incoming(drive)
        if which in (share.name, m.b64encode(share.view.share_id))
    ]
    if not found:
        raise NotFoundError(f"no folder shared with you is called {which}")
    if len(found) > 1:
        raise SealboxError(f"several shares are called {which}; use the share id")
    share = found[0]
    writers: dict[bytes, bytes] = {}
    names: dict[bytes, str] = {}
    owner = await contacts.identity(drive.session, share.view.owner_username)
    writers[owner.bundle.user_id] = owner.bundle.keys.sign_public
    names[owner.bundle.user_id] = _shown(owner)
    for member in share.view.members:
        if member.rights != WRITE:
            continue
        try:
            found_member = await contacts.identity(drive.session, member.username)
        except IntegrityError:
            # A member whose key changed is not trusted to sign until verified again.
            continue
        if found_member.bundle.user_id == member.user_id:
            writers[member.user_id] = found_member.bundle.keys.sign_public
            names[member.user_id] = _shown(found_member)
    return SharedDrive(drive, share, writers, names, drive.rng)


def _shown(found: contacts.Identity) -> str:
    return found.username if found.verified else f"{found.username} (unverified)"


async def unshare(drive: Drive, path: str, username: str) -> None:
    """End ``username``'s access to the folder at ``path``, then rotate the folder's key so that
    what is written from now on is sealed under a key the former member never had.

    The server refuses the former member at once. What they already downloaded, and the keys of
    files and subfolders that existed before, stay known to them (spec/sharing.md, "Removing a
    member"); subfolders keep their keys in this version.
    """
    _, node = await drive.walk(path)
    if node is None or not node.is_folder:
        raise SealboxError(f"not a shared folder: {path}")
    name = normalize_username(username)
    views = [v for v in (await drive.api.shares()).outgoing if v.folder_id == node.node_id]
    leaving = [v for v in views if v.recipient_username == name]
    if not leaving:
        raise NotFoundError(f"{path} is not shared with {name}")
    await drive.api.remove_share(leaving[0].share_id)
    old_key, key = await rotate_folder_key(drive, path)
    for drop in (await drive.api.drops()).drops:
        # Drop key wraps were made under the old key: wrap the same drop keys under the new one.
        if drop.folder_id == node.node_id:
            keys = unwrap_drop_keys(
                old_key, drop.key_wrap, drop.drop_id, drop.folder_id, drop.public_key
            )
            wrap = wrap_drop_keys(key, keys, drop.drop_id, drop.folder_id, drive.rng)
            await drive.api.rewrap_drop(drop.drop_id, wrap)
    for view in views:
        if view.recipient_username == name:
            continue
        # The remaining members get the new key in new envelopes.
        member = await contacts.identity(drive.session, view.recipient_username)
        await drive.api.remove_share(view.share_id)
        await _send_share(drive, node.node_id, node.name, key, member, view.rights)
    for link in (await drive.api.links()).links:
        # Link secrets hold the old key; a link to the folder must be made again.
        if link.node_id == node.node_id:
            await drive.api.revoke_link(link.link_id)


async def rotate_folder_key(drive: Drive, path: str) -> tuple[FolderKey, FolderKey]:
    """Give the folder at ``path`` a new random key in one transaction: every child's key and
    metadata re-wrapped under it, the folder's own key re-wrapped in its parent, new manifests.
    Returns the old key and the new one."""

    async def attempt() -> tuple[FolderKey, FolderKey]:
        chain, node = await drive.walk(path)
        assert node is not None and node.is_folder
        parent = chain[-1]
        folder = await drive.open_folder(parent, node)
        new_key = FolderKey.generate(drive.rng)
        rekeyed = Folder(folder.folder_id, new_key, folder.manifest, folder.children)
        change = Change()
        record = drive.record_for(
            parent, node.node_id, new_key, node.metadata, node.record.node_version + 1
        )
        change.puts.append(
            m.NodePut(
                node_id=node.node_id, parent_id=parent.folder_id, node_type="folder", record=record
            )
        )
        change.place(parent, record, node.metadata)
        for child in folder.children:
            child_key = child.record.open_key(folder.key)
            version = child.record.node_version + 1
            child_record = drive.record_for(
                rekeyed, child.node_id, child_key, child.metadata, version
            )
            is_file = isinstance(child_key, FileKey)
            metadata = child.metadata
            change.puts.append(
                m.NodePut(
                    node_id=child.node_id,
                    parent_id=folder.folder_id,
                    node_type="file" if is_file else "folder",
                    record=child_record,
                    content_id=metadata.content_id if isinstance(metadata, FileMetadata) else None,
                )
            )
            change.place(rekeyed, child_record, metadata)
        await drive.commit(change)
        return folder.key, new_key

    return await drive.retrying(attempt)
