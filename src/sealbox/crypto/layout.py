# SPDX-License-Identifier: AGPL-3.0-or-later
"""Byte layouts shared by every object: the common prefix, integers, and strict parsing.

Every stored object starts with ``magic ‖ format version ‖ object type`` (spec/README.md,
"Conventions"). Parsing is strict: a short read, trailing bytes, an unknown version or the wrong
type raises IntegrityError, because a parser that guesses is an attack surface.
"""

from __future__ import annotations

import json
from enum import IntEnum
from typing import Any

import msgspec

from sealbox import base64url
from sealbox.crypto.errors import ErrorCode, IntegrityError

MAGIC = b"SBOX"
FORMAT_VERSION = 1
PREFIX_BYTES = 6
ID_BYTES = 16
HASH_BYTES = 32


class ObjectType(IntEnum):
    """The type byte of every stored object (spec/README.md, "Object types")."""

    PASSWORD_WRAP = 0x01
    RECOVERY_WRAP = 0x02
    PRIVATE_KEYS = 0x03
    TOP_FOLDER_KEY = 0x04
    NODE_KEY = 0x05
    METADATA = 0x06
    LINK_SECRET = 0x07
    PASSWORD_LINK = 0x08
    # 0x09 was the content header of the XChaCha20-Poly1305 chunk format of earlier drafts:
    # retired, never written, refused by name (crypto/content.py).
    NODE_RECORD = 0x0A
    MANIFEST = 0x0B
    IDENTITY_BUNDLE = 0x0C
    SHARE_ENVELOPE = 0x0D
    DROP_KEY = 0x0E
    DROP_UPLOAD = 0x0F
    SHARE_ROSTER = 0x10
    CONTENT_HEADER = 0x11  # AES-256-GCM chunks (spec/object-format.md)
    DEVICE_NAME = 0x12  # a session's device name, sealed for the account holder (spec/keys.md)


def prefix(object_type: ObjectType) -> bytes:
    return MAGIC + bytes([FORMAT_VERSION, object_type])


def check_id(value: bytes) -> bytes:
    """Ids are chosen by callers in this process, so a wrong length is a programming error."""
    if len(value) != ID_BYTES:
        raise ValueError(f"ids are {ID_BYTES} bytes")
    return value


def u32(value: int) -> bytes:
    return value.to_bytes(4, "little")


def u64(value: int) -> bytes:
    return value.to_bytes(8, "little")


class Reader:
    """Reads fields off the front of an object, raising IntegrityError on any shortfall."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._offset = 0

    def take(self, size: int) -> bytes:
        end = self._offset + size
        if end > len(self._data):
            raise IntegrityError(ErrorCode.MALFORMED, "object is truncated")
        field = self._data[self._offset : end]
        self._offset = end
        return field

    def u8(self) -> int:
        return self.take(1)[0]

    def u32(self) -> int:
        return int.from_bytes(self.take(4), "little")

    def u64(self) -> int:
        return int.from_bytes(self.take(8), "little")

    def sized(self, limit: int) -> bytes:
        """A field preceded by its u32 length, refused when longer than ``limit``."""
        size = self.u32()
        if size > limit:
            raise IntegrityError(ErrorCode.MALFORMED, "field is longer than allowed")
        return self.take(size)

    def prefix(self, expected: ObjectType) -> bytes:
        head = self.take(PREFIX_BYTES)
        if head[:4] != MAGIC:
            raise IntegrityError(ErrorCode.BAD_MAGIC)
        if head[4] != FORMAT_VERSION:
            raise IntegrityError(ErrorCode.UNSUPPORTED_VERSION, f"format version {head[4]}")
        if head[5] != expected:
            raise IntegrityError(ErrorCode.WRONG_TYPE, f"expected {expected.name.lower()}")
        return head

    def consumed(self) -> bytes:
        return self._data[: self._offset]

    def rest(self) -> bytes:
        field = self._data[self._offset :]
        self._offset = len(self._data)
        return field

    def end(self) -> None:
        if self._offset != len(self._data):
            raise IntegrityError(ErrorCode.MALFORMED, "trailing bytes after object")


def b64url(data: bytes) -> str:
    """base64url without padding, the text form of every id and binary field (spec/README.md)."""
    return base64url.encode(data)


def from_b64url(text: str) -> bytes:
    """Strict inverse of :func:`b64url`: padding, other alphabets and non-zero tail bits raise
    ValueError (``sealbox.base64url``), anything but a string TypeError."""
    if not isinstance(text, str):  # parsed JSON may hold anything where a string is expected
        raise TypeError("base64url text is a string")
    return base64url.decode(text)


def canonical_json(value: dict[str, Any]) -> bytes:
    """UTF-8 JSON with sorted keys and no insignificant white space (spec/README.md)."""
    return _CANONICAL.encode(value).encode()


def parse_canonical_json(data: bytes) -> dict[str, Any]:
    """Parse JSON that must be an object already in canonical form.

    A listing opens one metadata object per child, so the common case takes a short way: a flat
    object of strings and integers (every metadata object but a folder's with earlier keys) is
    parsed and re-encoded by msgspec, in C, about seven times faster than the json module
    (docs/decisions/2010); another object already in canonical form goes through the json
    module's C scanner and encoder. Anything else goes the long way, which refuses it and says
    why. Every way accepts exactly the same texts with the same value: msgspec escapes every
    code point as the json module does, and a text is taken only if it is byte for byte its
    value's canonical encoding (tests/crypto/test_properties.py).
    """
    try:
        flat = _FLAT.decode(data)
        if _SORTED.encode(flat) == data:
            return flat
    except (msgspec.MsgspecError, ValueError):  # not flat, not JSON, not UTF-8
        pass
    try:
        text = data.decode("utf-8")
        value, end = _SCAN(text, 0)
        if end == len(text) and type(value) is dict and "".join(_REENCODE(value, 0)) == text:
            return value
    except (UnicodeDecodeError, ValueError, StopIteration):
        pass
    return _parse_canonical_json_checked(data)


def _parse_canonical_json_checked(data: bytes) -> dict[str, Any]:
    try:
        value = _DECODER.decode(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise IntegrityError(ErrorCode.MALFORMED, "metadata is not JSON") from None
    try:
        canonical = isinstance(value, dict) and canonical_json(value) == data
    except UnicodeEncodeError:  # a lone surrogate escaped in the JSON text
        canonical = False
    if not canonical:
        raise IntegrityError(ErrorCode.MALFORMED, "metadata is not canonical JSON")
    return value  # type: ignore[no-any-return]


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


# One encoder and one decoder for the whole process: json.dumps and json.loads with options build
# new ones on every call, which costs more than encoding a child's metadata in a large listing.
_CANONICAL = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)
_SCAN: Any = _DECODER.scan_once  # type: ignore[attr-defined]  # set by JSONDecoder.__init__
# Flat objects of strings and integers, msgspec's way: booleans, null, floats, arrays and nested
# objects are refused here (and go the json module's way); keys sorted by code point on output.
_FLAT = msgspec.json.Decoder(dict[str, str | int])
_SORTED = msgspec.json.Encoder(order="sorted")
# The canonical encoder's C core, made once: JSONEncoder.encode makes a new one on every call.
# Parsed JSON has no cycles, so the cycle check (``markers``) is left out.
_C_MAKE_ENCODER: Any = json.encoder.c_make_encoder  # type: ignore[attr-defined]
_REENCODE: Any = (
    _C_MAKE_ENCODER(
        None, _CANONICAL.default, json.encoder.encode_basestring, None, ":", ",", True, False, True
    )
    if _C_MAKE_ENCODER is not None
    else lambda value, _level: (_CANONICAL.encode(value),)
)
