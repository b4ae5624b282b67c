# SPDX-License-Identifier: AGPL-3.0-or-later
"""A node's metadata as its canonical JSON spells it, read in one call (spec/metadata.md, "Schema").

A listing opens one metadata object per child. `read_fields` reads it with msgspec into a
struct of the schema's fields, each with the JSON type the schema gives it, and takes it only if
the struct's encoding is the text byte for byte: the fields in sorted order, the optional ones only
when present, strings escaped as canonical JSON escapes them (tests/crypto/test_properties.py). In
one call in C, that checks what `parse_canonical_json` and the field-by-field reading in
`tree.decode_metadata` check, without a dictionary, a lookup per key or a type check per
value. Anything else is None: the caller then reads the text the long way, which refuses it and
says why. Checking the values (ids, sizes, names) is left to the caller, whichever way it read
them (docs/decisions/2010).
"""

from __future__ import annotations

import msgspec


class FileFields(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True,
                 gc=False):  # fmt: skip
    author: str | None = None
    author_name: str | None = None
    content_id: str
    header_hash: str
    mime: str
    mtime: int
    name: str
    plaintext_hash: str | None = None
    size: int
    thumbnail: str | None = None
    trashed_from: str | None = None


class FolderFields(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True,
                   gc=False):  # fmt: skip
    """A folder's fields without earlier keys (a folder with them is read the long way)."""

    author: str | None = None
    author_name: str | None = None
    mtime: int
    name: str
    trashed_from: str | None = None


_FILE = msgspec.json.Decoder(FileFields)
_FOLDER = msgspec.json.Decoder(FolderFields)
_ENCODER = msgspec.json.Encoder()


def read_fields(data: bytes | bytearray, folder: bool) -> FileFields | FolderFields | None:
    """The fields of canonical metadata of the schema's shape; None for anything else: another
    shape, a value of another JSON type, an explicit null, a text that is not canonical."""
    try:
        fields = (_FOLDER if folder else _FILE).decode(data)
        return fields if _ENCODER.encode(fields) == data else None
    except (msgspec.MsgspecError, ValueError):  # not this shape, not JSON, not UTF-8
        return None
