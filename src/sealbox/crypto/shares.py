"""Share envelopes: a folder key sent to another user (spec/sharing.md, "Shares").

The folder key is sealed to the recipient's X25519 key taken from a bundle the sender pinned, and
the envelope is signed by the sender. Sealed boxes are anonymous and carry no AD, so the ids and
rights are repeated inside the box and must match the signed outer copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

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
)
from sealbox.crypto.tree import check_name

ENVELOPE_LABEL = b"sealbox share envelope v1"
MAX_SEALED = 64 * 1024


class Rights(IntEnum):
    READ = 1
    WRITE = 2


@dataclass(frozen=True, slots=True)
class ShareGrant:
    share_id: bytes
    folder_id: bytes
    sender_id: bytes
    recipient_id: bytes
    rights: Rights
    folder_key: FolderKey
    folder_name: str


def _ids(share_id: bytes, folder_id: bytes, sender_id: bytes, recipient_id: bytes) -> bytes:
    return b"".join(check_id(i) for i in (share_id, folder_id, sender_id, recipient_id))


def make_share_envelope(
    sender: IdentityKeys,
    grant: ShareGrant,
    recipient_box_public: bytes,
    rng: RandomSource = system_random,
) -> bytes:
    """Seal ``grant`` to the recipient. ``recipient_box_public`` must come from a bundle that
    :func:`sealbox.crypto.identity.verify_bundle` accepted against the sender's pin."""
    ids = _ids(grant.share_id, grant.folder_id, grant.sender_id, grant.recipient_id)
    check_name(grant.folder_name)
    name = canonical_json({"name": grant.folder_name})
    inner = ids + bytes([grant.rights]) + grant.folder_key.secret_bytes() + name
    sealed = _sodium.box_seal(inner, recipient_box_public, rng(_sodium.KEY_BYTES))
    body = prefix(ObjectType.SHARE_ENVELOPE) + ids + bytes([grant.rights]) + u32(len(sealed))
    body += sealed
    return body + sender.sign(ENVELOPE_LABEL, body)


def open_share_envelope(
    recipient: IdentityKeys, recipient_id: bytes, data: bytes, sender: Pin
) -> ShareGrant:
    """Verify the sender's signature with their pinned key, then open the folder key.

    ``sender`` is the pin of the user the envelope must come from; an envelope naming another
    sender id fails even if the signature checks out under the key passed in.
    """
    reader = Reader(data)
    reader.prefix(ObjectType.SHARE_ENVELOPE)
    ids = reader.take(4 * ID_BYTES)
    rights_byte = reader.u8()
    sealed = reader.sized(MAX_SEALED)
    body = reader.consumed()
    signature = reader.take(_sodium.SIGNATURE_BYTES)
    reader.end()
    verify_signature(sender.sign_public, ENVELOPE_LABEL, body, signature)
    if ids[2 * ID_BYTES : 3 * ID_BYTES] != sender.user_id:
        raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "the share names another sender")
    if ids[3 * ID_BYTES :] != check_id(recipient_id):
        raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "the share is for someone else")
    inner = recipient.open_sealed_box(sealed)
    key_start = 4 * ID_BYTES + 1
    if rights_byte not in (Rights.READ, Rights.WRITE) or len(inner) < key_start + 32:
        raise IntegrityError(ErrorCode.MALFORMED, "share envelope is malformed")
    if inner[:key_start] != ids + bytes([rights_byte]):
        raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "sealed ids differ from signed ids")
    fields = parse_canonical_json(inner[key_start + 32 :])
    name = fields.get("name")
    try:
        if set(fields) != {"name"} or not isinstance(name, str):
            raise ValueError("unexpected fields")
        check_name(name)
    except ValueError:
        raise IntegrityError(ErrorCode.MALFORMED, "share envelope is malformed") from None
    return ShareGrant(
        ids[:16],
        ids[16:32],
        ids[32:48],
        ids[48:64],
        Rights(rights_byte),
        FolderKey(inner[key_start : key_start + 32]),
        name,
    )
