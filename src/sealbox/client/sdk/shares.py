# SPDX-License-Identifier: AGPL-3.0-or-later
# Over 400 lines: granting, opening and unsharing all read and write the same rosters and envelopes.
"""Shares between accounts (spec/sharing.md, "Shares"): granting a folder, opening what others
granted, working inside a shared folder, and unsharing with rotation of the folder key.

A member reads the owner's folder through the share with the folder key from the owner's signed
envelope, and verifies every listing against the writers: the owner (from the member's pin) and the
write members of the owner's signed roster (spec/sharing.md, "Share roster"). The server's member
list only supplies usernames to show; a writer the roster does not list is no writer. The
envelope's epoch must be the key epoch of the newest roster the member accepted, so a replayed
envelope from before a rotation never hands the member an old folder key.

The owner takes every identity from its pins and its own signed roster, never from the server's
share list: who leaves on ``unshare``, and who gets the new keys afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sealbox.client.sdk import contacts
from sealbox.client.sdk.account import normalize_username
from sealbox.client.sdk.api import ShareApi
from sealbox.client.sdk.changes import Change
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.errors import NotFoundError, SealboxError
from sealbox.client.sdk.tree import Folder, Node
from sealbox.crypto.drops import unwrap_drop_keys, wrap_drop_keys
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.identity import Pin
from sealbox.crypto.keys import FileKey, FolderKey, RandomSource, system_random
from sealbox.crypto.manifest import Seen
from sealbox.crypto.roster import Roster, RosterMember, make_roster, open_roster, roster_digest
from sealbox.crypto.shares import (
    ShareGrant,
    envelope_head,
    make_share_envelope,
    open_share_envelope,
)
from sealbox.crypto.tree import FileMetadata
from sealbox.protocol import limits
from sealbox.protocol import models as m
from sealbox.rights import READ as READ  # READ and WRITE: what callers pass to share_folder
from sealbox.rights import WRITE as WRITE
from sealbox.rights import Rights


async def share_folder(drive: Drive, path: str, username: str, rights: int) -> m.ShareView:
    """Grant the folder at ``path`` to ``username``. The recipient's key comes from a bundle
    accepted against the pin; after a key change this raises ``key_changed`` and sends nothing."""
    chain, node = await drive.walk(path)
    if node is None or not node.is_folder:
        raise SealboxError(f"only folders inside the root can be shared: {path}")
    recipient = await contacts.identity(drive.session, username)
    if recipient.bundle.user_id == drive.session.user_id:
        raise SealboxError("a folder cannot be shared with yourself")
    await contacts.require_contact(drive.session, recipient.bundle.user_id, recipient.username)
    key = node.record.open_folder_key(chain[-1].key)
    views = [v for v in (await drive.api.shares()).outgoing if v.folder_id == node.node_id]
    current = own_roster(drive, node.node_id, views)
    members = [
        member
        for member in (current.members if current else ())
        if member.user_id != recipient.bundle.user_id
    ]
    members.append(
        RosterMember(recipient.bundle.user_id, recipient.bundle.keys.sign_public, rights)
    )
    # The new roster travels with the share, so the server stores both in one transaction. A new
    # member gets the folder's current key, so its envelope carries the current key epoch.
    roster, data = _next_roster(drive, node.node_id, current, members, rotated=False)
    view = await _send_share(drive, node.node_id, node.name, key, recipient, roster, data)
    _published(drive, roster, data)
    return view


def own_roster(drive: Drive, folder_id: bytes, views: list[m.ShareView]) -> Roster | None:
    """The latest roster this account signed for one of its folders, checked against the mark
    this device keeps. It, not the server's share list, says who the members are: a share the
    server lists for someone the roster does not name is the server's invention, and gets no key
    (threat catalogue A22). None for a folder this device never shared and the server shows no
    roster for."""
    s = drive.session
    stored = next((v.roster for v in views if v.roster is not None), None)
    return _checked_roster(drive, s.bundle.pin(), folder_id, stored)


def _checked_roster(
    drive: Drive, owner: Pin, folder_id: bytes, data: bytes | None
) -> Roster | None:
    """Verify ``data`` as ``owner``'s roster of the folder and hold it to the high-water mark:
    never older than, nor different at the same version from, one accepted before."""
    s = drive.session
    mark = s.state.roster_mark(s.user_id, owner.user_id, folder_id)
    if data is None:
        if mark is not None:
            raise IntegrityError(ErrorCode.ROLLBACK, "the server withheld the folder's roster")
        return None
    roster = open_roster(data, owner, folder_id)
    digest = roster_digest(data)
    if mark is not None and roster.version < mark.version:
        raise IntegrityError(
            ErrorCode.ROLLBACK, "the server sent an older roster of this folder than one seen"
        )
    if mark is not None and roster.version == mark.version and digest != mark.hash:
        raise IntegrityError(ErrorCode.FORK, "two different rosters of this folder, one version")
    s.state.save_roster_mark(s.user_id, owner.user_id, folder_id, Seen(roster.version, digest))
    return roster


def _next_roster(
    drive: Drive,
    folder_id: bytes,
    current: Roster | None,
    members: list[RosterMember],
    rotated: bool,
) -> tuple[Roster, bytes]:
    """Sign the folder's next roster, one version above the current one, which members (who
    refuse older versions) therefore accept. Its key epoch is its own version when it goes out
    with a new folder key (the first share, or a rotation), else the current one. Returns the
    roster and its signed bytes; the device's mark moves only once the server has it
    (:func:`_published`)."""
    s = drive.session
    version = current.version + 1 if current else 1
    epoch = current.key_epoch if current and not rotated else version
    roster = Roster(folder_id, version, epoch, s.user_id, tuple(members))
    return roster, make_roster(s.identity, roster)


def _published(drive: Drive, roster: Roster, data: bytes) -> None:
    s = drive.session
    seen = Seen(roster.version, roster_digest(data))
    s.state.save_roster_mark(s.user_id, s.user_id, roster.folder_id, seen)


async def _send_share(
    drive: Drive,
    folder_id: bytes,
    name: str,
    key: FolderKey,
    recipient: contacts.Identity,
    roster: Roster,
    data: bytes,
) -> m.ShareView:
    s = drive.session
    member = roster.member(recipient.bundle.user_id)
    assert member is not None
    grant = ShareGrant(
        share_id=drive.rng(16),
        folder_id=folder_id,
        sender_id=s.user_id,
        recipient_id=recipient.bundle.user_id,
        rights=Rights(member.rights),
        epoch=roster.key_epoch,
        folder_key=key,
        folder_name=name,
    )
    envelope = make_share_envelope(s.identity, grant, recipient.bundle.keys.box_public, drive.rng)
    return await drive.api.create_share(
        m.ShareCreateRequest(
            share_id=grant.share_id,
            folder_id=folder_id,
            recipient_id=grant.recipient_id,
            rights=member.rights,  # type: ignore[arg-type]  # Rights is 1 or 2
            envelope=envelope,
            roster=data,
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


@dataclass(frozen=True)
class Refused:
    """A share the server lists for this account whose envelope did not verify. Its owner's name
    is only what the server says; the folder name is unknown (it is inside the envelope)."""

    view: m.ShareView
    error: IntegrityError | NotFoundError


@dataclass(frozen=True)
class Hidden:
    """A share the server lists for this account from someone who is not an accepted contact
    with a key pinned on this device: not opened, nothing fetched or pinned for it, until the
    person accepts them (spec/sharing.md, "Shares from contacts only"). The owner's name is only
    what the server says."""

    view: m.ShareView
    invited: bool  # they invited this account: `contacts accept` shows the share
    contact: bool  # an accepted contact whose key this device has not pinned yet

    @property
    def owner(self) -> str:
        return self.view.owner_username

    def advice(self) -> str:
        """What the person can do to see the share."""
        if self.invited or self.contact:
            return f"accept them with `sealbox contacts accept {self.owner}` to see it"
        return f"it shows once you and {self.owner} are contacts (`sealbox contacts invite`)"

    def message(self) -> str:
        return (
            f"a share from {self.owner} (as the server names them) is hidden, since you have not "
            f"accepted them as a contact on this device: {self.advice()}"
        )


@dataclass(frozen=True)
class IncomingShares:
    """The shares granted to this account: those whose envelopes opened, and those refused. One
    bad envelope is left out and reported; it does not hide the others. Shares from people who
    are not accepted contacts pinned here are ``hidden``."""

    shares: list[Incoming]
    refused: list[Refused]
    hidden: list[Hidden] = field(default_factory=list)


async def incoming(drive: Drive) -> IncomingShares:
    """Open the shares granted to this account, each with its owner's pinned key. Listing never
    pins anyone: a share from someone not pinned here, or not an accepted contact, stays hidden
    until the person accepts them (a server could otherwise make a first sight happen, with a key
    of its own making, just by listing a share)."""
    s = drive.session
    listed = await drive.api.shares()
    known = await drive.api.contacts()
    accepted = {view.user_id for view in known.accepted}
    inviting = {view.user_id for view in known.incoming}
    found = IncomingShares([], [])
    for view in listed.incoming:
        pinned = s.state.pin(s.user_id, view.owner_id)
        if view.owner_id not in accepted or pinned is None:
            hidden = Hidden(view, view.owner_id in inviting, view.owner_id in accepted)
            found.hidden.append(hidden)
            continue
        try:
            found.shares.append(await _opened(drive, view, pinned[1]))
        except (IntegrityError, NotFoundError) as exc:
            found.refused.append(Refused(view, exc))
    return found


async def _opened(drive: Drive, view: m.ShareView, pinned_name: str) -> Incoming:
    """Open a share whose owner this device has pinned as ``pinned_name``."""
    if view.owner_username != pinned_name:
        raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "the share names another owner")
    owner = await contacts.identity(drive.session, pinned_name)
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
    return Incoming(view, grant, owner.verified)


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
        super().__init__(drive.session, rng, drive.clock)
        self.api = ShareApi(drive.api.http, drive.api.token, share.view.share_id)
        self.share = share
        self._writers = writers
        self.names = names  # user id -> username, to show who wrote what

    @property
    def writers(self) -> dict[bytes, bytes]:
        return self._writers

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
    listed = await incoming(drive)
    found = [
        share for share in listed.shares if which in (share.name, m.b64encode(share.view.share_id))
    ]
    if not found and listed.refused:
        # The folder asked for may be the one whose envelope did not verify (its name is sealed
        # inside): say so rather than "no such share".
        bad = next(
            (r for r in listed.refused if m.b64encode(r.view.share_id) == which),
            listed.refused[0],
        )
        raise bad.error
    if not found:
        raise NotFoundError(f"no folder shared with you is called {which}{_hidden_note(listed)}")
    if len(found) > 1:
        raise SealboxError(f"several shares are called {which}; use the share id")
    share = found[0]
    owner = await contacts.identity(drive.session, share.view.owner_username)
    roster = verified_roster(drive, share, owner.bundle.pin())
    writers: dict[bytes, bytes] = {owner.bundle.user_id: owner.bundle.keys.sign_public}
    names: dict[bytes, str] = {owner.bundle.user_id: _shown(owner)}
    usernames = {member.user_id: member.username for member in share.view.members}
    for user_id, key in (roster.writers() if roster else {}).items():
        writers[user_id] = key
        names[user_id] = await _writer_name(drive, user_id, key, usernames.get(user_id))
    return SharedDrive(drive, share, writers, names, drive.rng)


def _hidden_note(listed: IncomingShares) -> str:
    """Why a share asked for may be hidden: it may come from someone not yet accepted."""
    if not listed.hidden:
        return ""
    first = listed.hidden[0]
    return (
        f" that you accepted; {len(listed.hidden)} share(s) from people you have not accepted "
        f"as contacts are hidden (from {first.owner}, says the server: {first.advice()})"
    )


def verified_roster(drive: Drive, share: Incoming, owner: Pin) -> Roster | None:
    """The owner's roster of the shared folder, verified with the owner's pin, newer than or
    equal to the last one seen, and listing this account with the rights of its envelope.

    None only for a share made before rosters existed and never seen with one: its writer set is
    then the owner alone.
    """
    s = drive.session
    roster = _checked_roster(drive, owner, share.grant.folder_id, share.view.roster)
    if roster is None:
        return None
    me = roster.member(s.user_id)
    if me is None:
        raise IntegrityError(
            ErrorCode.CONTEXT_MISMATCH, "the owner's signed roster of this folder does not list you"
        )
    if me.rights != share.grant.rights:
        raise IntegrityError(
            ErrorCode.CONTEXT_MISMATCH, "your rights in the owner's roster differ from your share"
        )
    if share.grant.epoch < roster.key_epoch:
        raise IntegrityError(
            ErrorCode.ROLLBACK,
            "the server sent the key this folder had before its owner replaced it (an old share "
            "envelope); nothing was read or written with it",
        )
    if share.grant.epoch > roster.key_epoch:
        raise IntegrityError(
            ErrorCode.ROLLBACK,
            "the server withholds the owner's roster that goes with your share's key",
        )
    return roster


async def _writer_name(drive: Drive, user_id: bytes, key: bytes, username: str | None) -> str:
    """How to show a writer: the username the server gives, only if that user's bundle (checked
    against the pin) has the key the owner's roster lists; marked unverified unless verified."""
    if username is not None:
        try:
            found = await contacts.identity(drive.session, username, first_sight=False)
        except IntegrityError:
            found = None
        if found and found.bundle.user_id == user_id and found.bundle.keys.sign_public == key:
            return _shown(found)
    return "a member the server did not name (unverified)"


def _shown(found: contacts.Identity) -> str:
    return found.username if found.verified else f"{found.username} (unverified)"


async def unshare(drive: Drive, path: str, username: str) -> None:
    """End ``username``'s access to the folder at ``path``, then give the folder and every folder
    below it a new key, so that what is written from now on anywhere in the subtree is sealed
    under keys the former member never had.

    Who leaves comes from this device's pin of ``username`` and this account's own signed roster,
    never from the server's share list (threat catalogue A32). The new roster, and the members'
    envelopes with the new keys, go out together after the rotation, with a new key epoch
    (spec/sharing.md, "Removing a member"). Run again after an interruption, it resumes: until
    the new roster is out, the old one still lists the member.

    The server refuses the former member at once. What they already downloaded, and the keys of
    file versions that existed before, stay known to them.
    """
    _, node = await drive.walk(path)
    if node is None or not node.is_folder:
        raise SealboxError(f"not a shared folder: {path}")
    outgoing = (await drive.api.shares()).outgoing
    roster, leaving_id, share_id = _leaving(drive, path, node.node_id, username, outgoing)
    if share_id is not None:
        await drive.api.remove_share(share_id)
    rotated = await rotate_subtree_keys(drive, path)
    for drop in (await drive.api.drops()).drops:
        # Drop key wraps were made under old keys: wrap the same drop keys under the new ones.
        if drop.folder_id in rotated:
            old, new, _ = rotated[drop.folder_id]
            keys = unwrap_drop_keys(
                old, drop.key_wrap, drop.drop_id, drop.folder_id, drop.public_key
            )
            wrap = wrap_drop_keys(new, keys, drop.drop_id, drop.folder_id, drive.rng)
            await drive.api.rewrap_drop(drop.drop_id, wrap)
    for link in (await drive.api.links()).links:
        # Link secrets of folders hold their old keys: those links must be made again. Links to
        # files stay valid (file keys do not change).
        if link.node_id in rotated:
            await drive.api.revoke_link(link.link_id)
    # Deepest folders first and the shared folder last: until its new roster is out, running
    # unshare again finds the member still listed and resumes.
    for folder_id in reversed(rotated):
        views = [v for v in outgoing if v.folder_id == folder_id and v.share_id != share_id]
        if folder_id == node.node_id:
            await _publish_rotation(drive, rotated[folder_id], views, roster, leaving_id)
        elif views:
            below = own_roster(drive, folder_id, views)
            if below is not None:
                await _publish_rotation(drive, rotated[folder_id], views, below, None)


def _leaving(
    drive: Drive, path: str, folder_id: bytes, username: str, outgoing: list[m.ShareView]
) -> tuple[Roster, bytes, bytes | None]:
    """This account's current roster of the folder, the user id of the member ``username``
    names through this device's pin, and the share to end (None when the server shows none: an
    earlier removal ended it). Refuses, before anything is changed, unless this account's own
    latest roster of the folder lists that user id, and unless the share's envelope, signed by
    this account, names that user id."""
    s = drive.session
    name = normalize_username(username)
    views = [v for v in outgoing if v.folder_id == folder_id]
    roster = own_roster(drive, folder_id, views)
    pinned = s.state.pin_by_username(s.user_id, name)
    user_id = pinned[0].user_id if pinned else None
    if user_id is None or roster is None or roster.member(user_id) is None:
        if any(v.recipient_username == name or v.recipient_id == user_id for v in views):
            raise IntegrityError(
                ErrorCode.CONTEXT_MISMATCH,
                f"the server lists {path} as shared with {name}, but your own signed list of "
                "the folder's members does not name them: the server invented that share. "
                "Nothing was changed",
            )
        raise NotFoundError(f"{path} is not shared with {name}")
    share_id = None
    for view in views:
        if view.recipient_id == user_id:
            _check_sent(drive, view, folder_id, user_id)
            share_id = view.share_id
    return roster, user_id, share_id


def _check_sent(drive: Drive, view: m.ShareView, folder_id: bytes, recipient_id: bytes) -> None:
    """The share id, folder and recipient the server lists must be those this account signed
    into the share's envelope."""
    head = envelope_head(view.envelope, drive.session.bundle.pin())
    if (head.share_id, head.folder_id, head.recipient_id) != (
        view.share_id,
        folder_id,
        recipient_id,
    ):
        raise IntegrityError(
            ErrorCode.CONTEXT_MISMATCH,
            "the server's share does not match the envelope you signed for it; nothing was changed",
        )


async def _publish_rotation(
    drive: Drive,
    keys: tuple[FolderKey, FolderKey, str],
    views: list[m.ShareView],
    current: Roster,
    gone: bytes | None,
) -> None:
    """After the folder's key was replaced: its next roster (``current`` without ``gone``),
    with a new key epoch, and a new envelope with the new key for every member that roster
    lists, sent in one request that the server applies in one transaction. Members and their
    rights come from the roster this account signed; a share the server lists for anyone else
    gets nothing (threat catalogue A22)."""
    s = drive.session
    folder_id = current.folder_id
    members = [m for m in current.members if m.user_id != gone]
    roster, data = _next_roster(drive, folder_id, current, members, rotated=True)
    if gone is not None and roster.member(gone) is not None:
        raise SealboxError("the new roster still lists the member who left")
    envelopes: dict[bytes, bytes] = {}
    for member in roster.members:
        view = next((v for v in views if v.recipient_id == member.user_id), None)
        if view is None:
            raise IntegrityError(
                ErrorCode.ROLLBACK,
                "the server withholds the share of a member of this folder; run unshare again",
            )
        _check_sent(drive, view, folder_id, member.user_id)
        recipient = await _member_identity(drive, member.user_id)
        grant = ShareGrant(
            share_id=view.share_id,
            folder_id=folder_id,
            sender_id=s.user_id,
            recipient_id=member.user_id,
            rights=Rights(member.rights),
            epoch=roster.key_epoch,
            folder_key=keys[1],
            folder_name=keys[2],
        )
        envelopes[view.share_id] = make_share_envelope(
            s.identity, grant, recipient.bundle.keys.box_public, drive.rng
        )
    await drive.api.set_roster(folder_id, data, envelopes)
    _published(drive, roster, data)


async def _member_identity(drive: Drive, user_id: bytes) -> contacts.Identity:
    """A member's bundle, found through this device's pin of their user id (not a username the
    server gives) and accepted against that pin."""
    s = drive.session
    pinned = s.state.pin(s.user_id, user_id)
    if pinned is None:
        raise SealboxError("a member of this folder has no pinned key on this device")
    found = await contacts.identity(s, pinned[1])
    if found.bundle.user_id != user_id:
        raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "the bundle names another account")
    return found


# One transaction carries at most this many node puts and manifests (spec/http-api.md §9).
BATCH_PUTS = limits.MAX_NODE_PUTS
BATCH_MANIFESTS = limits.MAX_MANIFEST_UPDATES


async def rotate_subtree_keys(
    drive: Drive, path: str
) -> dict[bytes, tuple[FolderKey, FolderKey, str]]:
    """Give the folder at ``path`` and every folder below it a new random key: every child's
    record re-wrapped and re-sealed under its parent's new key (node version +1), the top
    folder's record re-wrapped in its parent, new manifests. Folders go top-down in batches that
    fit one folder transaction each, so the tree is consistent after every batch. Returns, per
    rotated folder id, the old key, the new key and the folder's name."""
    rotated: dict[bytes, tuple[FolderKey, FolderKey, str]] = {}

    async def attempt() -> bool:
        chain, top = await drive.walk(path)
        assert top is not None and top.is_folder
        # Every folder of the subtree as it stands now, top-down: (parent, node, listing).
        order: list[tuple[Folder, Node, Folder]] = [
            (chain[-1], top, await drive.open_folder(chain[-1], top))
        ]
        for _, _, folder in order:
            for child in folder.children:
                if child.is_folder:
                    order.append((folder, child, await drive.open_folder(folder, child)))
        pending = [entry for entry in order if entry[1].node_id not in rotated]
        if not pending:
            return False
        batch: dict[bytes, tuple[Folder, Node, Folder]] = {}
        puts = manifests = 0
        for entry in pending:
            parent, node, folder = entry
            more_puts = len(folder.children) + (0 if parent.folder_id in batch else 1)
            more_manifests = 1 + (0 if parent.folder_id in batch else 1)
            if batch and (
                puts + more_puts > BATCH_PUTS or manifests + more_manifests > BATCH_MANIFESTS
            ):
                break
            batch[node.node_id] = entry
            puts, manifests = puts + more_puts, manifests + more_manifests
        new_keys = {folder_id: FolderKey.generate(drive.rng) for folder_id in batch}
        rekeyed = {
            folder_id: Folder(folder_id, new_keys[folder_id], f.manifest, f.children)
            for folder_id, (_, _, f) in batch.items()
        }
        change = Change()
        for folder_id, (parent, node, folder) in batch.items():
            if parent.folder_id not in batch:
                # The folder's own record, in a parent that keeps its key in this batch.
                _put(drive, change, parent, node, new_keys[folder_id])
            for child in folder.children:
                new = new_keys.get(child.node_id)
                key = new if new is not None else child.record.open_key(folder.key)
                _put(drive, change, rekeyed[folder_id], child, key)
        await drive.commit(change)
        for folder_id, (_, node, folder) in batch.items():
            rotated[folder_id] = (folder.key, new_keys[folder_id], node.name)
        return True

    while await drive.retrying(attempt):
        pass
    return rotated


def _put(
    drive: Drive, change: Change, parent: Folder, node: Node, key: FolderKey | FileKey
) -> None:
    """Re-put ``node`` in ``parent`` with ``key`` wrapped and its metadata sealed under the
    parent's key (which may be new), node version +1."""
    record = drive.record_for(
        parent, node.node_id, key, node.metadata, node.record.node_version + 1
    )
    metadata = node.metadata
    change.puts.append(
        m.NodePut(
            node_id=node.node_id,
            parent_id=parent.folder_id,
            node_type="file" if isinstance(key, FileKey) else "folder",
            record=record,
            content_id=metadata.content_id if isinstance(metadata, FileMetadata) else None,
        )
    )
    change.place(parent, record, metadata)
