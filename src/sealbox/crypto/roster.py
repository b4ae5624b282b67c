# SPDX-License-Identifier: AGPL-3.0-or-later
"""Share rosters: the owner's signed list of a shared folder's members and their rights
(spec/sharing.md, "Share roster").

Members take the folder's writer set from the roster, not from the server, so a server that adds
a writer to a member list, swaps in another folder's roster or replays an older one is caught:
the signature binds the folder id and the version, and members keep the highest version seen.

The key epoch says which folder key is current: the roster version at which the owner last made
the folder's key (its first share, or the last rotation). Members accept only the envelope of that
epoch, so a server that replays an envelope from before a rotation is caught by anyone who has
seen the roster that followed it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sealbox.crypto import _sodium
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.identity import IdentityKeys, Pin, verify_signature
from sealbox.crypto.layout import ID_BYTES, ObjectType, Reader, check_id, prefix, u32, u64
from sealbox.rights import READ, WRITE

ROSTER_LABEL = b"sealbox share roster v2"
MAX_MEMBERS = 1000
MEMBER_BYTES = ID_BYTES + 32 + 1


@dataclass(frozen=True, slots=True)
class RosterMember:
    user_id: bytes
    sign_public: bytes
    rights: int


@dataclass(frozen=True, slots=True)
class Roster:
    folder_id: bytes
    version: int
    key_epoch: int
    owner_id: bytes
    members: tuple[RosterMember, ...]

    def member(self, user_id: bytes) -> RosterMember | None:
        for member in self.members:
            if member.user_id == user_id:
                return member
        return None

    def writers(self) -> dict[bytes, bytes]:
        """User id to signing key of every write member (the owner is not listed)."""
        return {m.user_id: m.sign_public for m in self.members if m.rights == WRITE}


def roster_digest(data: bytes) -> bytes:
    """What a member remembers with the version, to tell two rosters of one version apart."""
    return _sodium.blake2b(ROSTER_LABEL + b"\x00" + data)


def make_roster(owner: IdentityKeys, roster: Roster) -> bytes:
    """Sign ``roster`` with the owner's key. Members are written sorted by user id."""
    members = sorted(roster.members, key=lambda m: m.user_id)
    if len({m.user_id for m in members}) != len(members) or len(members) > MAX_MEMBERS:
        raise ValueError("a roster lists each member once, at most 1000 of them")
    if not 1 <= roster.key_epoch <= roster.version < 2**64:
        raise ValueError("roster version or key epoch out of range")
    body = prefix(ObjectType.SHARE_ROSTER) + check_id(roster.folder_id) + u64(roster.version)
    body += u64(roster.key_epoch) + check_id(roster.owner_id) + u32(len(members))
    for member in members:
        if member.rights not in (READ, WRITE) or len(member.sign_public) != 32:
            raise ValueError("bad roster member")
        if member.user_id == roster.owner_id:
            raise ValueError("the owner is not a member of their own roster")
        body += check_id(member.user_id) + member.sign_public + bytes([member.rights])
    return body + owner.sign(ROSTER_LABEL, body)


def open_roster(data: bytes, owner: Pin, folder_id: bytes) -> Roster:
    """Verify the roster with the owner's pinned key and check that it is for ``folder_id``.

    The caller compares the version with the highest it has seen (``rollback``) and checks its
    own entry against its share envelope.
    """
    reader = Reader(data)
    reader.prefix(ObjectType.SHARE_ROSTER)
    folder = reader.take(ID_BYTES)
    version = reader.u64()
    key_epoch = reader.u64()
    owner_id = reader.take(ID_BYTES)
    count = reader.u32()
    if count > MAX_MEMBERS:
        raise IntegrityError(ErrorCode.MALFORMED, "too many roster members")
    raw = reader.take(count * MEMBER_BYTES)
    body = reader.consumed()
    signature = reader.take(_sodium.SIGNATURE_BYTES)
    reader.end()
    verify_signature(owner.sign_public, ROSTER_LABEL, body, signature)
    if owner_id != owner.user_id:
        raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "the roster names another owner")
    if folder != check_id(folder_id):
        raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "the roster is for another folder")
    if not 1 <= key_epoch <= version:
        raise IntegrityError(ErrorCode.MALFORMED, "the roster's key epoch is out of range")
    members: list[RosterMember] = []
    for start in range(0, len(raw), MEMBER_BYTES):
        user_id = raw[start : start + ID_BYTES]
        rights = raw[start + MEMBER_BYTES - 1]
        if members and user_id <= members[-1].user_id:
            raise IntegrityError(ErrorCode.MALFORMED, "roster members are not sorted")
        if rights not in (READ, WRITE) or user_id == owner_id:
            raise IntegrityError(ErrorCode.MALFORMED, "bad roster member")
        members.append(
            RosterMember(user_id, raw[start + ID_BYTES : start + MEMBER_BYTES - 1], rights)
        )
    return Roster(folder, version, key_epoch, owner_id, tuple(members))
