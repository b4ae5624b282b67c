# SPDX-License-Identifier: AGPL-3.0-or-later
"""Removing a member from a shared folder (spec/sharing.md, "Removing a member"), as one
resumable operation.

Who leaves is decided by the owner's own pin and signed roster (threat catalogue A32). Then, in
order: the subtree is verified complete under the roster in force, the share ends, every folder
of the subtree gets a new key (rotation.py), drop key wraps follow the new keys and links to
rotated folders are revoked, and last the new roster goes out with the remaining members' new
envelopes. A journal on this device (the state's ``journal`` table) holds the removal from its
first step to its last: the roster in force when it began (whose writers keep verifying the
subtree until the new roster is out), every folder key the rotation made or replaced, and the
folders already rotated. Killed at any point, ``unshare`` run again with the same member picks up
where it stopped; run after the new roster went out, it only clears the journal.
"""

from __future__ import annotations

from typing import Any

from sealbox.client.sdk import rosters
from sealbox.client.sdk.account import normalize_username
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.errors import NotFoundError, SealboxError
from sealbox.client.sdk.rotation import Progress, Rotated, rotate_subtree_keys, subtree
from sealbox.crypto.drops import unwrap_drop_keys, wrap_drop_keys
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.keys import FolderKey
from sealbox.crypto.layout import b64url, from_b64url
from sealbox.crypto.roster import Roster, open_roster
from sealbox.crypto.shares import ShareGrant, envelope_head, make_share_envelope
from sealbox.protocol import models as m
from sealbox.rights import Rights


class Journal:
    """The removal of ``leaving`` from ``folder_id`` in progress, kept in the local state."""

    def __init__(self, drive: Drive, folder_id: bytes, body: dict[str, Any]) -> None:
        self.drive = drive
        self.folder_id = folder_id
        self.key = rosters.removal_key(drive.session, folder_id)
        self.leaving = from_b64url(body["leaving"])
        self.roster_bytes = from_b64url(body["roster"])
        self.roster = open_roster(self.roster_bytes, drive.session.bundle.pin(), folder_id)
        self.progress = Progress(
            keys={
                from_b64url(f): [FolderKey(from_b64url(k)) for k in keys]
                for f, keys in body.get("keys", {}).items()
            },
            done={from_b64url(f) for f in body.get("done", [])},
            save=lambda _: self.save(),
        )

    @classmethod
    def load(cls, drive: Drive, folder_id: bytes) -> Journal | None:
        body = drive.session.state.journal(rosters.removal_key(drive.session, folder_id))
        return None if body is None else cls(drive, folder_id, body)

    @classmethod
    def begin(cls, drive: Drive, folder_id: bytes, leaving: bytes, roster: bytes) -> Journal:
        journal = cls(drive, folder_id, {"leaving": b64url(leaving), "roster": b64url(roster)})
        journal.save()
        return journal

    def save(self) -> None:
        p = self.progress
        body = {
            "leaving": b64url(self.leaving),
            "roster": b64url(self.roster_bytes),
            "keys": {b64url(f): [b64url(k.secret_bytes()) for k in ks] for f, ks in p.keys.items()},
            "done": sorted(b64url(f) for f in p.done),
        }
        self.drive.session.state.save_journal(self.key, body)

    def finish(self) -> None:
        self.drive.session.state.drop_journal(self.key)


def pending_removal(drive: Drive, folder_id: bytes) -> str | None:
    """The username of the member whose removal from ``folder_id`` is unfinished, if any."""
    journal = Journal.load(drive, folder_id)
    if journal is None:
        return None
    pinned = drive.session.state.pin(drive.session.user_id, journal.leaving)
    return pinned[1] if pinned else "a former member"


async def unshare(drive: Drive, path: str, username: str) -> None:
    """End ``username``'s access to the folder at ``path``, then give the folder and every folder
    below it a new key, so that what is written from now on anywhere in the subtree is sealed
    under keys the former member never had. Resumable (module docstring).

    The server refuses the former member at once. What they already downloaded, and the keys of
    file versions that existed before, stay known to them.
    """
    _, node = await drive.walk(path)
    if node is None or not node.is_folder:
        raise SealboxError(f"not a shared folder: {path}")
    folder_id = node.node_id
    outgoing = [v for v in (await drive.api.shares()).outgoing if v.folder_id == folder_id]
    current = await rosters.own_roster(drive.session, folder_id)
    journal = Journal.load(drive, folder_id)
    if journal is None:
        leaving = _leaving(drive, path, username, current, outgoing)
        assert current is not None
        stored = (await rosters.own_rosters(drive.session))[folder_id]
        journal = Journal.begin(drive, folder_id, leaving, stored)
    else:
        _same_removal(drive, path, username, journal)
        if current is not None and current.version > journal.roster.version:
            if current.member(journal.leaving) is None:
                journal.finish()  # the new roster went out before the last run stopped
                return
    await _remove(drive, path, journal, outgoing)


async def _remove(drive: Drive, path: str, journal: Journal, outgoing: list[m.ShareView]) -> None:
    # Verify the whole subtree (complete, under the roster in force) before ending anything.
    await subtree(drive, path)
    for view in outgoing:
        if view.recipient_id == journal.leaving:
            _check_sent(drive, view, journal.folder_id, journal.leaving)
            await drive.api.remove_share(view.share_id)
    rotated = await rotate_subtree_keys(drive, path, journal.progress, journal.roster.writers())
    await _follow_keys(drive, rotated)
    # Deepest folders first and the shared folder last: until its new roster is out, the
    # journal and the old roster still list the member, and running unshare again resumes.
    mine = [v for v in (await drive.api.shares()).outgoing if v.folder_id in rotated]
    for folder_id in reversed(rotated):
        views = [v for v in mine if v.folder_id == folder_id]
        if folder_id == journal.folder_id:
            current = await rosters.own_roster(drive.session, folder_id)
            assert current is not None
            await _publish_rotation(drive, rotated[folder_id], views, current, journal.leaving)
        elif views:
            below = await rosters.own_roster(drive.session, folder_id)
            if below is not None and below.members:
                await _publish_rotation(drive, rotated[folder_id], views, below, None)
    journal.finish()


async def _follow_keys(drive: Drive, rotated: dict[bytes, Rotated]) -> None:
    """Step 5: drop key wraps made under any earlier key of a rotated folder are wrapped again
    under its key now; links to rotated folders are revoked (their secrets hold old keys)."""
    for drop in (await drive.api.drops()).drops:
        folder = rotated.get(drop.folder_id)
        if folder is None:
            continue
        keys = None
        for candidate in [folder.new, *folder.old]:
            try:
                keys = unwrap_drop_keys(
                    candidate, drop.key_wrap, drop.drop_id, drop.folder_id, drop.public_key
                )
            except IntegrityError:
                continue
            if candidate is folder.new:
                break  # already under the key now
            wrap = wrap_drop_keys(folder.new, keys, drop.drop_id, drop.folder_id, drive.rng)
            await drive.api.rewrap_drop(drop.drop_id, wrap)
            break
        if keys is None:
            raise IntegrityError(
                ErrorCode.DECRYPT_FAILED,
                "a drop link's key does not open under any key its folder had; it was not "
                "changed (make a new drop link for that folder)",
            )
    for link in (await drive.api.links()).links:
        if link.node_id in rotated:
            await drive.api.revoke_link(link.link_id)


def _leaving(
    drive: Drive, path: str, username: str, roster: Roster | None, views: list[m.ShareView]
) -> bytes:
    """The user id of the member ``username`` names through this device's pin. Refuses, before
    anything is changed, unless this account's own latest roster of the folder lists that user
    id, and unless the share's envelope, signed by this account, names that user id."""
    s = drive.session
    name = normalize_username(username)
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
    for view in views:
        if view.recipient_id == user_id:
            _check_sent(drive, view, roster.folder_id, user_id)
    return user_id


def _same_removal(drive: Drive, path: str, username: str, journal: Journal) -> None:
    s = drive.session
    pinned = s.state.pin_by_username(s.user_id, normalize_username(username))
    if pinned is None or pinned[0].user_id != journal.leaving:
        other = pending_removal(drive, journal.folder_id)
        raise SealboxError(
            f"removing {other} from {path} was interrupted; finish it first with "
            f"`sealbox unshare {path} {other}`"
        )


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
    drive: Drive, keys: Rotated, views: list[m.ShareView], current: Roster, gone: bytes | None
) -> None:
    """After the folder's key was replaced: its next roster (``current`` without ``gone``),
    with a new key epoch, and a new envelope with the new key for every member that roster
    lists, sent in one request that the server applies in one transaction. Members and their
    rights come from the roster this account signed; a share the server lists for anyone else
    gets nothing (threat catalogue A22)."""
    s = drive.session
    folder_id = current.folder_id
    members = [m for m in current.members if m.user_id != gone]
    roster, data = rosters.next_roster(s, folder_id, current, members, rotated=True)
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
        recipient = await rosters.member_identity(s, member.user_id)
        grant = ShareGrant(
            share_id=view.share_id,
            folder_id=folder_id,
            sender_id=s.user_id,
            recipient_id=member.user_id,
            rights=Rights(member.rights),
            epoch=roster.key_epoch,
            folder_key=keys.new,
            folder_name=keys.name,
        )
        envelopes[view.share_id] = make_share_envelope(
            s.identity, grant, recipient.bundle.keys.box_public, drive.rng
        )
    await drive.api.set_roster(folder_id, data, envelopes)
    rosters.published(s, roster, data)
