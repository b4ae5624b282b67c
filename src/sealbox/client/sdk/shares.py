# SPDX-License-Identifier: AGPL-3.0-or-later
"""Shares between accounts (spec/sharing.md, "Shares"): granting a folder, opening what others
granted and working inside a shared folder. Removing a member is removal.py's (``unshare``, here
too); the owner's rosters are rosters.py's.

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

from sealbox.client.sdk import contacts, removal, rosters
from sealbox.client.sdk.api import ShareApi
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.errors import NotFoundError, SealboxError
from sealbox.client.sdk.removal import unshare as unshare  # the owner's removal of a member
from sealbox.client.sdk.tree import Folder
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.identity import Pin
from sealbox.crypto.keys import FolderKey, RandomSource, system_random
from sealbox.crypto.roster import Roster, RosterMember
from sealbox.crypto.shares import ShareGrant, make_share_envelope, open_share_envelope
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
    pending = removal.pending_removal(drive, node.node_id)
    if pending is not None:
        raise SealboxError(
            f"removing {pending} from {path} was interrupted; finish it first with "
            f"`sealbox unshare {path} {pending}`"
        )
    current = await rosters.own_roster(drive.session, node.node_id)
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
    roster, data = rosters.next_roster(drive.session, node.node_id, current, members, False)
    view = await _send_share(drive, node.node_id, node.name, key, recipient, roster, data)
    rosters.published(drive.session, roster, data)
    return view


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
        self.noticed = drive.noticed  # removed items are told of where the command ends

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

    @property
    def owner_id(self) -> bytes:
        return self.share.grant.sender_id


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
    roster = rosters.checked_roster(drive.session, owner, share.grant.folder_id, share.view.roster)
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
