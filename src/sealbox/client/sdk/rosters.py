# SPDX-License-Identifier: AGPL-3.0-or-later
"""Share rosters as clients hold them (spec/sharing.md, "Share roster"): checking one against the
device's roster mark, the owner's own rosters (read with or without members), the next roster an
owner signs, and the writers an owner's drive accepts in its shared folders.

The owner reads its rosters from ``GET /v1/rosters``, never from share rows: a roster outlives
the last member of its folder, so after everyone left the owner still finds the version it wrote
and a later share continues it (no false "withheld roster" alarm). While a removal is under way
(removal.py) the roster in force when it began stays a source of writers, from the removal's
journal, so the subtree is verified under the roster its objects were written under.
"""

from __future__ import annotations

from sealbox.client.sdk import contacts
from sealbox.client.sdk.account import Session
from sealbox.client.sdk.errors import SealboxError
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.identity import Pin
from sealbox.crypto.layout import b64url, from_b64url
from sealbox.crypto.manifest import Seen
from sealbox.crypto.roster import Roster, RosterMember, make_roster, open_roster, roster_digest

REMOVAL_JOURNAL = "unshare"


def removal_key(session: Session, folder_id: bytes) -> str:
    """The journal key of a removal of a member from ``folder_id`` by this account."""
    return f"{REMOVAL_JOURNAL}:{session.server}:{session.username}:{b64url(folder_id)}"


def checked_roster(
    session: Session, owner: Pin, folder_id: bytes, data: bytes | None
) -> Roster | None:
    """Verify ``data`` as ``owner``'s roster of the folder and hold it to the high-water mark:
    never older than, nor different at the same version from, one accepted before."""
    s = session
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


async def own_rosters(session: Session) -> dict[bytes, bytes]:
    """This account's stored rosters by folder id, as the server returns them (unchecked)."""
    return {r.folder_id: r.roster for r in (await session.api.rosters()).rosters}


async def own_roster(session: Session, folder_id: bytes) -> Roster | None:
    """The latest roster this account signed for one of its folders, checked against the mark
    this device keeps. It, not the server's share list, says who the members are: a share the
    server lists for someone the roster does not name is the server's invention, and gets no key
    (threat catalogue A22). None for a folder that was never shared."""
    stored = (await own_rosters(session)).get(folder_id)
    return checked_roster(session, session.bundle.pin(), folder_id, stored)


def next_roster(
    session: Session,
    folder_id: bytes,
    current: Roster | None,
    members: list[RosterMember],
    rotated: bool,
) -> tuple[Roster, bytes]:
    """Sign the folder's next roster, one version above the current one, which members (who
    refuse older versions) therefore accept. Its key epoch is its own version when it goes out
    with a new folder key (the first share, or a rotation), else the current one. Returns the
    roster and its signed bytes; the device's mark moves only once the server has it
    (:func:`published`)."""
    version = current.version + 1 if current else 1
    epoch = current.key_epoch if current and not rotated else version
    roster = Roster(folder_id, version, epoch, session.user_id, tuple(members))
    return roster, make_roster(session.identity, roster)


def published(session: Session, roster: Roster, data: bytes) -> None:
    s = session
    seen = Seen(roster.version, roster_digest(data))
    s.state.save_roster_mark(s.user_id, s.user_id, roster.folder_id, seen)


def history(session: Session, folder_id: bytes) -> Roster | None:
    """The roster that was in force when a removal from ``folder_id`` began, while that removal
    is unfinished (its journal, removal.py), verified again with this account's own key."""
    body = session.state.journal(removal_key(session, folder_id))
    if body is None:
        return None
    return open_roster(from_b64url(body["roster"]), session.bundle.pin(), folder_id)


async def write_members(session: Session) -> dict[bytes, dict[bytes, bytes]]:
    """For each folder this account shares, the signing keys of its write members, from the
    account's own signed roster (verified with its own key and refused if older than the last it
    wrote), never from the server's member list, and from the roster in force when an unfinished
    removal began. The roster holds the keys this account had pinned, so a member whose key
    changed since signs with a key that does not verify."""
    members: dict[bytes, dict[bytes, bytes]] = {}
    for folder_id, data in (await own_rosters(session)).items():
        roster = checked_roster(session, session.bundle.pin(), folder_id, data)
        assert roster is not None
        members[folder_id] = roster.writers()
        before = history(session, folder_id)
        if before is not None:
            members[folder_id] = {**before.writers(), **members[folder_id]}
    return {folder: writers for folder, writers in members.items() if writers}


async def member_identity(session: Session, user_id: bytes) -> contacts.Identity:
    """A member's bundle, found through this device's pin of their user id (not a username the
    server gives) and accepted against that pin."""
    s = session
    pinned = s.state.pin(s.user_id, user_id)
    if pinned is None:
        raise SealboxError("a member of this folder has no pinned key on this device")
    found = await contacts.identity(s, pinned[1])
    if found.bundle.user_id != user_id:
        raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "the bundle names another account")
    return found
