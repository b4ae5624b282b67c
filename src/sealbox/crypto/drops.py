# SPDX-License-Identifier: AGPL-3.0-or-later
"""Upload-only drop links (file requests) (spec/sharing.md, "Drop links").

The owner makes an X25519 key pair per drop link: the public key travels in the link's fragment
and the secret is wrapped under the target folder's key. Anyone holding the link can seal a file
key and metadata to it, and nobody but the owner can open what was dropped; the link grants no
way to list or read anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sealbox.crypto import _sodium
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.identity import IdentityKeys
from sealbox.crypto.keys import FileKey, FolderKey, RandomSource, derive, system_random
from sealbox.crypto.layout import (
    ID_BYTES,
    ObjectType,
    Reader,
    b64url,
    check_id,
    from_b64url,
    prefix,
)
from sealbox.crypto.sealed import open_sealed, seal
from sealbox.crypto.tree import FileMetadata, NodeType, decode_metadata, encode_metadata

DROP_TAG = "d"


class DropKeys:
    """The drop link's key pair. Only the X25519 half of an identity is used."""

    __slots__ = ("_keys",)

    def __init__(self, secret: bytes) -> None:
        self._keys = IdentityKeys(bytes(_sodium.KEY_BYTES), secret)

    @classmethod
    def generate(cls, rng: RandomSource = system_random) -> DropKeys:
        return cls(rng(_sodium.KEY_BYTES))

    @property
    def public(self) -> bytes:
        return self._keys.public.box_public

    def fragment(self) -> str:
        return DROP_TAG + b64url(self.public)

    def __repr__(self) -> str:
        return "<DropKeys>"


def parse_drop_fragment(fragment: str) -> bytes:
    """The drop public key from the text after ``#``; ValueError when it is damaged."""
    try:
        if fragment[:1] == DROP_TAG:
            public = from_b64url(fragment[1:])
            if len(public) == _sodium.PUBLIC_KEY_BYTES:
                return public
    except ValueError:
        pass
    raise ValueError("the drop link's key part (after #) is damaged or incomplete")


def wrap_drop_keys(
    folder_key: FolderKey,
    drop_keys: DropKeys,
    drop_id: bytes,
    folder_id: bytes,
    rng: RandomSource = system_random,
) -> bytes:
    secret = drop_keys._keys.secret_bytes()[_sodium.KEY_BYTES :]
    context = check_id(drop_id) + check_id(folder_id) + drop_keys.public
    return seal(derive(folder_key, 1, b"sbdropky"), ObjectType.DROP_KEY, secret, context, rng)


def unwrap_drop_keys(
    folder_key: FolderKey, wrap: bytes, drop_id: bytes, folder_id: bytes, public: bytes
) -> DropKeys:
    context = check_id(drop_id) + check_id(folder_id) + public
    key = derive(folder_key, 1, b"sbdropky")
    keys = DropKeys(open_sealed(key, wrap, ObjectType.DROP_KEY, context, _sodium.KEY_BYTES))
    if keys.public != public:
        raise IntegrityError(ErrorCode.KEY_MISMATCH)
    return keys


def seal_drop_upload(
    drop_public: bytes,
    drop_id: bytes,
    file_key: FileKey,
    metadata: FileMetadata,
    rng: RandomSource = system_random,
) -> bytes:
    inner = check_id(drop_id) + file_key.secret_bytes() + encode_metadata(metadata)
    sealed = _sodium.box_seal(inner, drop_public, rng(_sodium.KEY_BYTES))
    return prefix(ObjectType.DROP_UPLOAD) + drop_id + sealed


@dataclass(frozen=True, slots=True)
class DroppedFile:
    file_key: FileKey
    metadata: FileMetadata


def open_drop_upload(drop_keys: DropKeys, data: bytes, drop_id: bytes) -> DroppedFile:
    """Open something dropped through the link ``drop_id``. The uploader is anonymous, so the
    owner's client treats the result as unverified input from a stranger."""
    reader = Reader(data)
    reader.prefix(ObjectType.DROP_UPLOAD)
    outer_id = reader.take(ID_BYTES)
    inner = drop_keys._keys.open_sealed_box(reader.rest())
    if len(inner) < ID_BYTES + _sodium.KEY_BYTES:
        raise IntegrityError(ErrorCode.MALFORMED, "drop upload is malformed")
    if outer_id != check_id(drop_id) or inner[:ID_BYTES] != drop_id:
        raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "dropped through another link")
    file_key = FileKey(inner[ID_BYTES : ID_BYTES + _sodium.KEY_BYTES])
    # decode_metadata returns the type it is asked for.
    metadata = cast(FileMetadata, decode_metadata(inner[ID_BYTES + 32 :], NodeType.FILE))
    return DroppedFile(file_key, metadata)
