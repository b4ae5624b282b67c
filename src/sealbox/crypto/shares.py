# SPDX-License-Identifier: AGPL-3.0-or-later
"""Share envelopes: a folder key sent to another user (spec/sharing.md, "Shares").

The folder key is sealed to the recipient's X25519 key taken from a bundle the sender pinned, and
the envelope is signed by the sender. Sealed boxes are anonymous and carry no AD, so the ids,
rights and epoch are repeated inside the box and must match the signed outer copy.

The epoch is the key epoch of the owner's share roster the folder key belongs to (the roster
version at which that key was made): a member refuses an envelope whose epoch is not the key epoch
of the newest roster it accepted, so a replayed envelope from before a rotation never hands it an
old key (spec/sharing.md, "Share envelope").
"""

from __future__ import annotations

from dataclasses import dataclass

from sealbox.crypto import _sodium
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.identity import IdentityKeys, Pin, verify_signature
from sealbox.crypto.keys import FolderKey, RandomSource, system_random
from sealbox.crypto.layout import (
    ID_BYTES,
    ObjectType,
    Reader,
    canonical_json,
    check_id,
    parse_canonical_json,
    prefix,
    u32,
    u64,
)
from sealbox.crypto.tree import check_name
from sealbox.rights import Rights as Rights  # the type of ShareGrant.rights

ENVELOPE_LABEL = b"sealbox share envelope v2"
MAX_SEALED = 64 * 1024
# share id, folder id, sender id, recipient id, rights (u8), epoch (u64): signed outside, and
# repeated at the start of the sealed box.
HEAD_BYTES = 4 * ID_BYTES + 1 + 8


@dataclass(frozen=True, slots=True)
class ShareGrant:
    share_id: bytes
    folder_id: bytes
    sender_id: bytes
    recipient_id: bytes
    rights: Rights
    epoch: int
    folder_key: FolderKey
    folder_name: str


@dataclass(frozen=True, slots=True)
class EnvelopeHead:
    """The signed outer fields of an envelope, which its sender can check without opening it."""

    share_id: bytes
    folder_id: bytes
    sender_id: bytes
    recipient_id: bytes
    rights: int
    epoch: int


def _head(grant: ShareGrant) -> bytes:
    ids = (grant.share_id, grant.folder_id, grant.sender_id, grant.recipient_id)
    if not 0 <= grant.epoch < 2**64:
        raise ValueError("share epoch out of range")
    return b"".join(check_id(i) for i in ids) + bytes([grant.rights]) + u64(grant.epoch)


def make_share_envelope(
    sender: IdentityKeys,
    grant: ShareGrant,
    recipient_box_public: bytes,
    rng: RandomSource = system_random,
) -> bytes:
    """Seal ``grant`` to the recipient. ``recipient_box_public`` must come from a bundle that
    :func:`sealbox.crypto.identity.verify_bundle` accepted against the sender's pin."""
    head = _head(grant)
    check_name(grant.folder_name)
    name = canonical_json({"name": grant.folder_name})
    inner = head + grant.folder_key.secret_bytes() + name
    sealed = _sodium.box_seal(inner, recipient_box_public, rng(_sodium.KEY_BYTES))
    body = prefix(ObjectType.SHARE_ENVELOPE) + head + u32(len(sealed)) + sealed
    return body + sender.sign(ENVELOPE_LABEL, body)


def _verified(data: bytes, sender: Pin) -> tuple[bytes, bytes]:
    """Parse the envelope and verify the sender's signature over it; returns the signed head
    and the sealed box, untouched."""
    reader = Reader(data)
    reader.prefix(ObjectType.SHARE_ENVELOPE)
    head = reader.take(HEAD_BYTES)
    sealed = reader.sized(MAX_SEALED)
    body = reader.consumed()
    signature = reader.take(_sodium.SIGNATURE_BYTES)
    reader.end()
    verify_signature(sender.sign_public, ENVELOPE_LABEL, body, signature)
    if head[2 * ID_BYTES : 3 * ID_BYTES] != sender.user_id:
        raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "the share names another sender")
    return head, sealed


def _fields(head: bytes) -> EnvelopeHead:
    ids = [head[i : i + ID_BYTES] for i in range(0, 4 * ID_BYTES, ID_BYTES)]
    epoch = int.from_bytes(head[4 * ID_BYTES + 1 :], "little")
    return EnvelopeHead(ids[0], ids[1], ids[2], ids[3], head[4 * ID_BYTES], epoch)


def envelope_head(data: bytes, sender: Pin) -> EnvelopeHead:
    """The signed outer fields of an envelope that ``sender`` signed, without opening it: what
    the owner's client checks before it ends a share, so that the share id it removes is the one
    it sent to that recipient (spec/sharing.md, "Removing a member")."""
    head = _fields(_verified(data, sender)[0])
    if head.rights not in (Rights.READ, Rights.WRITE):
        raise IntegrityError(ErrorCode.MALFORMED, "share envelope is malformed")
    return head


def open_share_envelope(
    recipient: IdentityKeys, recipient_id: bytes, data: bytes, sender: Pin
) -> ShareGrant:
    """Verify the sender's signature with their pinned key, then open the folder key.

    ``sender`` is the pin of the user the envelope must come from; an envelope naming another
    sender id fails even if the signature checks out under the key passed in.
    """
    head, sealed = _verified(data, sender)
    found = _fields(head)
    if found.recipient_id != check_id(recipient_id):
        raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "the share is for someone else")
    inner = recipient.open_sealed_box(sealed)
    if found.rights not in (Rights.READ, Rights.WRITE) or len(inner) < HEAD_BYTES + 32:
        raise IntegrityError(ErrorCode.MALFORMED, "share envelope is malformed")
    if inner[:HEAD_BYTES] != head:
        raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "sealed ids differ from signed ids")
    fields = parse_canonical_json(inner[HEAD_BYTES + 32 :])
    name = fields.get("name")
    try:
        if set(fields) != {"name"} or not isinstance(name, str):
            raise ValueError("unexpected fields")
        check_name(name)
    except ValueError:
        raise IntegrityError(ErrorCode.MALFORMED, "share envelope is malformed") from None
    return ShareGrant(
        found.share_id,
        found.folder_id,
        found.sender_id,
        found.recipient_id,
        Rights(found.rights),
        found.epoch,
        FolderKey(inner[HEAD_BYTES : HEAD_BYTES + 32]),
        name,
    )
