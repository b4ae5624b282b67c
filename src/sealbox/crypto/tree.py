# SPDX-License-Identifier: AGPL-3.0-or-later
# Over 400 lines: node key wraps, sealed metadata and node records are one format (metadata.md).
"""The drive tree: folder and file keys, sealed metadata and signed node records (spec/metadata.md).

Each node's key is wrapped under its parent folder's key and its metadata is sealed under a key
derived from the parent folder's key, both with the node's ids in the AD, so listing a folder
costs one AEAD per child and a record moved or copied elsewhere by the server fails to open.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from enum import IntEnum
from typing import Any

import msgspec

from sealbox.crypto import _sodium
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.identity import IdentityKeys, verify_signature
from sealbox.crypto.key_chain import EarlierKey, check_earlier, decode_earlier, encode_earlier
from sealbox.crypto.keys import (
    FileKey,
    FolderKey,
    MasterKey,
    RandomSource,
    derive,
    system_random,
)
from sealbox.crypto.layout import (
    HASH_BYTES,
    ID_BYTES,
    PREFIX_BYTES,
    ObjectType,
    Reader,
    b64url,
    canonical_json,
    check_id,
    from_b64url,
    parse_canonical_json,
    prefix,
    u32,
    u64,
)
from sealbox.crypto.metadata_fields import FileFields, FolderFields, read_fields
from sealbox.crypto.sealed import open_sealed, parse_sealed, seal
from sealbox.crypto.thumbnails import check_thumbnail

RECORD_LABEL = b"sealbox node record v1"
MAX_NAME_BYTES = 1024
MAX_MIME_BYTES = 255
MAX_AUTHOR_NAME_BYTES = 64  # a username (spec/metadata.md, "Schema")
MAX_SEALED_FIELD = 64 * 1024
SAFE_INTEGER = 2**53 - 1  # the largest integer a JavaScript client holds exactly


class NodeType(IntEnum):
    FOLDER = 1
    FILE = 2


class TopFolder(IntEnum):
    """The folders without a parent. The role is bound into their key wraps so a server cannot
    present the trash as the root on a new device."""

    ROOT = 1
    TRASH = 2


def record_hash(data: bytes) -> bytes:
    """BLAKE2b-256 of an object's bytes: how manifests and metadata refer to other objects."""
    return _BLAKE2B(data, digest_size=HASH_BYTES).digest()


_BLAKE2B = _sodium.BLAKE2B


# Keys ---------------------------------------------------------------------------------------


def wrap_top_folder_key(
    master_key: MasterKey,
    folder_key: FolderKey,
    user_id: bytes,
    folder_id: bytes,
    role: TopFolder,
    rng: RandomSource = system_random,
) -> bytes:
    """Wrap the key of a folder with no parent (the root and the trash) under the master key."""
    context = check_id(user_id) + check_id(folder_id) + bytes([role])
    return seal(
        derive(master_key, 1, b"sbtopkey"),
        ObjectType.TOP_FOLDER_KEY,
        folder_key.secret_bytes(),
        context,
        rng,
    )


def unwrap_top_folder_key(
    master_key: MasterKey, wrap: bytes, user_id: bytes, folder_id: bytes, role: TopFolder
) -> FolderKey:
    context = check_id(user_id) + check_id(folder_id) + bytes([role])
    key = derive(master_key, 1, b"sbtopkey")
    return FolderKey(open_sealed(key, wrap, ObjectType.TOP_FOLDER_KEY, context, 32))


def _node_key_context(node_id: bytes, parent_id: bytes, node_type: NodeType) -> bytes:
    return check_id(node_id) + check_id(parent_id) + bytes([node_type])


def wrap_node_key(
    parent_key: FolderKey,
    node_key: FolderKey | FileKey,
    node_id: bytes,
    parent_id: bytes,
    rng: RandomSource = system_random,
) -> bytes:
    node_type = NodeType.FOLDER if isinstance(node_key, FolderKey) else NodeType.FILE
    return seal(
        derive(parent_key, 1, b"sbnodkey"),
        ObjectType.NODE_KEY,
        node_key.secret_bytes(),
        _node_key_context(node_id, parent_id, node_type),
        rng,
    )


def unwrap_node_key(
    parent_key: FolderKey, wrap: bytes, node_id: bytes, parent_id: bytes, node_type: NodeType
) -> FolderKey | FileKey:
    raw = open_sealed(
        derive(parent_key, 1, b"sbnodkey"),
        wrap,
        ObjectType.NODE_KEY,
        _node_key_context(node_id, parent_id, node_type),
        32,
    )
    return FolderKey(raw) if node_type == NodeType.FOLDER else FileKey(raw)


# Metadata -----------------------------------------------------------------------------------


class FolderMetadata(msgspec.Struct, frozen=True, gc=False):
    """A folder's sealed metadata (a msgspec struct, as NodeRecord is: one per child of a
    listing; change one with ``msgspec.structs.replace``)."""

    name: str
    mtime: int  # milliseconds since the Unix epoch
    trashed_from: bytes | None = None  # the parent id to restore to, while in the trash
    # Who wrote the node, when the folder's owner re-signed a member's record (a rotation or a
    # move): honoured only in a record signed by the owner (spec/sharing.md, "Attribution").
    author: bytes | None = None
    author_name: str | None = None
    # The keys the folder had before a rotation, newest first (key_chain.py).
    earlier_keys: tuple[EarlierKey, ...] = ()


class FileMetadata(msgspec.Struct, frozen=True, gc=False):
    """A file's sealed metadata (a msgspec struct, as FolderMetadata)."""

    name: str
    mtime: int
    size: int  # plaintext bytes
    mime: str
    content_id: bytes
    header_hash: bytes  # BLAKE2b-256 of the content object's header
    trashed_from: bytes | None = None
    author: bytes | None = None
    author_name: str | None = None
    plaintext_hash: bytes | None = None  # keyed (object-format.md, "Plaintext hash"); optional
    thumbnail: bytes | None = None  # a small JPEG (thumbnails.py; metadata.md, "Thumbnails")


Metadata = FolderMetadata | FileMetadata


def as_file_metadata(metadata: Metadata) -> FileMetadata:
    """``metadata`` as a file's; a folder's is refused (IntegrityError)."""
    if not isinstance(metadata, FileMetadata):
        raise IntegrityError(ErrorCode.WRONG_TYPE, "a folder where a file was expected")
    return metadata


def encode_metadata(metadata: Metadata) -> bytes:
    check_metadata(metadata)
    fields: dict[str, Any] = {"name": metadata.name, "mtime": metadata.mtime}
    if isinstance(metadata, FileMetadata):
        fields |= {
            "size": metadata.size,
            "mime": metadata.mime,
            "content_id": b64url(metadata.content_id),
            "header_hash": b64url(metadata.header_hash),
        }
        if metadata.plaintext_hash is not None:
            fields["plaintext_hash"] = b64url(metadata.plaintext_hash)
        if metadata.thumbnail is not None:
            fields["thumbnail"] = b64url(metadata.thumbnail)
    if metadata.trashed_from is not None:
        fields["trashed_from"] = b64url(metadata.trashed_from)
    if metadata.author is not None:
        fields["author"] = b64url(metadata.author)
    if metadata.author_name is not None:
        fields["author_name"] = metadata.author_name
    if isinstance(metadata, FolderMetadata) and metadata.earlier_keys:
        fields["earlier_keys"] = encode_earlier(metadata.earlier_keys)
    return canonical_json(fields)


def check_metadata(metadata: Metadata) -> None:
    """The schema's rules on values (spec/metadata.md, "Schema"); ValueError when one fails."""
    check_name(metadata.name)
    _safe_integer(metadata.mtime)
    if isinstance(metadata, FileMetadata):
        if not 0 <= metadata.size <= SAFE_INTEGER or not _valid_mime(metadata.mime):
            raise ValueError("bad file size or MIME type")
        if len(metadata.header_hash) != HASH_BYTES:
            raise ValueError("header hashes are 32 bytes")
        if metadata.plaintext_hash is not None and len(metadata.plaintext_hash) != HASH_BYTES:
            raise ValueError("plaintext hashes are 32 bytes")
        if metadata.thumbnail is not None:
            check_thumbnail(metadata.thumbnail)
        check_id(metadata.content_id)
    if metadata.trashed_from is not None:
        check_id(metadata.trashed_from)
    if metadata.author is not None:
        check_id(metadata.author)
    if metadata.author_name is not None:
        name = metadata.author_name.encode("utf-8")
        if metadata.author is None or not 1 <= len(name) <= MAX_AUTHOR_NAME_BYTES:
            raise ValueError("an author name is 1 to 64 bytes and comes with an author id")
    if isinstance(metadata, FolderMetadata):
        check_earlier(metadata.earlier_keys)


def decode_metadata(data: bytes | bytearray, node_type: NodeType) -> Metadata:
    """Parse authenticated metadata; anything outside the schema is refused, not guessed at.

    Metadata of the schema's usual shape is read in one call (metadata_fields.py); the rest, and
    everything refused, goes field by field through `_decode_metadata_checked`. Both check the
    same values with `check_metadata`, so both accept the same texts with the same result
    (tests/crypto/test_properties.py)."""
    fields = read_fields(data, node_type == NodeType.FOLDER)
    if fields is None:
        return _decode_metadata_checked(bytes(data), node_type)
    try:
        metadata = _metadata_of(fields)
        check_metadata(metadata)
    except (TypeError, ValueError):
        raise IntegrityError(ErrorCode.MALFORMED, "metadata does not match its schema") from None
    return metadata


def _metadata_of(fields: FileFields | FolderFields) -> Metadata:
    # msgspec gave every field its JSON type: ids are strings, so no type check before decoding.
    trashed_from = (
        None if fields.trashed_from is None else check_id(from_b64url(fields.trashed_from))
    )
    author = None if fields.author is None else check_id(from_b64url(fields.author))
    if isinstance(fields, FolderFields):
        return FolderMetadata(fields.name, fields.mtime, trashed_from, author, fields.author_name)
    return FileMetadata(
        fields.name, fields.mtime, fields.size, fields.mime,
        check_id(from_b64url(fields.content_id)), from_b64url(fields.header_hash),
        trashed_from, author, fields.author_name,
        None if fields.plaintext_hash is None else from_b64url(fields.plaintext_hash),
        None if fields.thumbnail is None else from_b64url(fields.thumbnail),
    )  # fmt: skip


def _decode_metadata_checked(data: bytes, node_type: NodeType) -> Metadata:
    fields = parse_canonical_json(data)
    try:
        trashed_from = _id_field(fields.pop("trashed_from")) if "trashed_from" in fields else None
        author = _id_field(fields.pop("author")) if "author" in fields else None
        author_name = fields.pop("author_name", None)
        name, mtime = fields.pop("name"), fields.pop("mtime")
        if node_type == NodeType.FOLDER:
            earlier = decode_earlier(fields.pop("earlier_keys")) if "earlier_keys" in fields else ()
            metadata: Metadata = FolderMetadata(
                name, mtime, trashed_from, author, author_name, earlier
            )
        else:
            metadata = FileMetadata(
                name,
                mtime,
                fields.pop("size"),
                fields.pop("mime"),
                _id_field(fields.pop("content_id")),
                from_b64url(fields.pop("header_hash")),
                trashed_from,
                author,
                author_name,
                from_b64url(fields.pop("plaintext_hash")) if "plaintext_hash" in fields else None,
                from_b64url(fields.pop("thumbnail")) if "thumbnail" in fields else None,
            )
        if fields or not _well_typed(metadata):
            raise ValueError("unexpected fields")
        # The text was already compared with its canonical re-encoding, so checking the values
        # is all that is left of a full round trip.
        check_metadata(metadata)
    except (KeyError, TypeError, ValueError):
        raise IntegrityError(ErrorCode.MALFORMED, "metadata does not match its schema") from None
    return metadata


def _id_field(value: object) -> bytes:
    if not isinstance(value, str):
        raise TypeError("ids are strings")
    return check_id(from_b64url(value))


def _well_typed(metadata: Metadata) -> bool:
    # bool is an int in Python but never a valid number here.
    if type(metadata.mtime) is not int or type(metadata.name) is not str:
        return False
    if metadata.author_name is not None and type(metadata.author_name) is not str:
        return False
    if isinstance(metadata, FileMetadata):
        return type(metadata.size) is int and type(metadata.mime) is str
    return True


def check_name(name: str) -> None:
    encoded = name.encode("utf-8")  # a lone surrogate raises UnicodeEncodeError, a ValueError
    if (
        not 1 <= len(encoded) <= MAX_NAME_BYTES
        or name in (".", "..")
        or "/" in name
        or "\x00" in name
    ):
        raise ValueError("names are 1 to 1024 bytes, not '.' or '..', without '/' or NUL")


def _valid_mime(mime: str) -> bool:
    return len(mime) <= MAX_MIME_BYTES and mime.isascii() and mime.isprintable()


def _safe_integer(value: int) -> int:
    if not -SAFE_INTEGER <= value <= SAFE_INTEGER:
        raise ValueError("times are milliseconds within ±(2**53 - 1)")
    return value


def _metadata_context(
    node_id: bytes, parent_id: bytes, node_type: NodeType, node_version: int
) -> bytes:
    return _node_key_context(node_id, parent_id, node_type) + u64(node_version)


def _metadata_key(parent_key: FolderKey) -> bytes:
    """The subkey of a folder's key that seals its children's metadata (spec/metadata.md)."""
    return derive(parent_key, 1, b"sbmetaky")


def seal_metadata(
    parent_key: FolderKey,
    metadata: Metadata,
    node_id: bytes,
    parent_id: bytes,
    node_version: int,
    rng: RandomSource = system_random,
) -> bytes:
    node_type = NodeType.FOLDER if isinstance(metadata, FolderMetadata) else NodeType.FILE
    return seal(
        _metadata_key(parent_key),
        ObjectType.METADATA,
        encode_metadata(metadata),
        _metadata_context(node_id, parent_id, node_type, node_version),
        rng,
    )


def open_metadata(
    parent_key: FolderKey,
    sealed: bytes,
    node_id: bytes,
    parent_id: bytes,
    node_type: NodeType,
    node_version: int,
) -> Metadata:
    ad = _METADATA_PREFIX + _metadata_context(node_id, parent_id, node_type, node_version)
    return _open_metadata(_sodium.aead_opener(_metadata_key(parent_key)), sealed, ad, node_type)


_METADATA_PREFIX = prefix(ObjectType.METADATA)
_SEALED_MIN = PREFIX_BYTES + _sodium.NONCE_BYTES + _sodium.TAG_BYTES
# The metadata AD of a parsed record, in one call: prefix, node id, parent id, type, version.
_METADATA_AD = struct.Struct(f"<{PREFIX_BYTES}s{ID_BYTES}s{ID_BYTES}sBQ")
_NONCE_END = PREFIX_BYTES + _sodium.NONCE_BYTES


def _open_metadata(
    decrypt: Callable[[bytes, bytes, bytes], bytearray],
    sealed: bytes,
    ad: bytes,
    node_type: NodeType,
) -> Metadata:
    if sealed[:PREFIX_BYTES] != _METADATA_PREFIX or len(sealed) < _SEALED_MIN:
        parse_sealed(sealed, ObjectType.METADATA)  # raises the error that names what is wrong
    plaintext = decrypt(sealed[PREFIX_BYTES:_NONCE_END], sealed[_NONCE_END:], ad)
    return decode_metadata(plaintext, node_type)


class MetadataOpener:
    """Opens the metadata of many children of one folder, deriving the folder's metadata subkey
    once instead of once per child. Each record's own ids and version still go into its AD."""

    __slots__ = ("_decrypt",)

    def __init__(self, parent_key: FolderKey) -> None:
        self._decrypt = _sodium.aead_opener(_metadata_key(parent_key))

    def open(self, record: NodeRecord) -> Metadata:
        # A parsed record's ids are 16 bytes and its version a u64, so this is the AD that
        # open_metadata builds field by field.
        ad = _METADATA_AD.pack(
            _METADATA_PREFIX, record.node_id, record.parent_id, record.node_type,
            record.node_version,
        )  # fmt: skip
        return _open_metadata(self._decrypt, record.sealed_metadata, ad, record.node_type)


# Node records -------------------------------------------------------------------------------


class NodeRecord(msgspec.Struct, frozen=True, gc=False):
    """A parsed node record. A msgspec struct rather than a frozen dataclass: a listing makes one
    per child, and a struct is made in a seventh of the time and is never tracked by the cyclic
    collector, since it holds only bytes and integers (docs/decisions/2010)."""

    node_id: bytes
    parent_id: bytes
    node_type: NodeType
    node_version: int
    writer_id: bytes
    wrapped_key: bytes
    sealed_metadata: bytes
    signature: bytes
    encoded: bytes

    @property
    def hash(self) -> bytes:
        return record_hash(self.encoded)

    def verify(self, writer_sign_public: bytes) -> None:
        """Check the writer's signature; the caller looks the key up by ``writer_id``."""
        body = self.encoded[: -_sodium.SIGNATURE_BYTES]
        verify_signature(writer_sign_public, RECORD_LABEL, body, self.signature)

    def open_metadata(self, parent_key: FolderKey) -> Metadata:
        return open_metadata(
            parent_key,
            self.sealed_metadata,
            self.node_id,
            self.parent_id,
            self.node_type,
            self.node_version,
        )

    def open_key(self, parent_key: FolderKey) -> FolderKey | FileKey:
        return unwrap_node_key(
            parent_key, self.wrapped_key, self.node_id, self.parent_id, self.node_type
        )

    def open_file_key(self, parent_key: FolderKey) -> FileKey:
        """The key of a file; a record of another type is refused (IntegrityError)."""
        key = self.open_key(parent_key)
        if not isinstance(key, FileKey):
            raise IntegrityError(ErrorCode.WRONG_TYPE, "a folder where a file was expected")
        return key

    def open_folder_key(self, parent_key: FolderKey) -> FolderKey:
        """The key of a folder; a record of another type is refused (IntegrityError)."""
        key = self.open_key(parent_key)
        if not isinstance(key, FolderKey):
            raise IntegrityError(ErrorCode.WRONG_TYPE, "a file where a folder was expected")
        return key


def make_node_record(
    writer: IdentityKeys,
    writer_id: bytes,
    node_id: bytes,
    parent_id: bytes,
    node_type: NodeType,
    node_version: int,
    wrapped_key: bytes,
    sealed_metadata: bytes,
) -> bytes:
    if max(len(wrapped_key), len(sealed_metadata)) > MAX_SEALED_FIELD:
        raise ValueError("sealed fields are at most 64 KiB")
    body = (
        prefix(ObjectType.NODE_RECORD)
        + check_id(node_id)
        + check_id(parent_id)
        + bytes([node_type])
        + u64(node_version)
        + check_id(writer_id)
        + u32(len(wrapped_key))
        + wrapped_key
        + u32(len(sealed_metadata))
        + sealed_metadata
    )
    return body + writer.sign(RECORD_LABEL, body)


_RECORD_PREFIX = prefix(ObjectType.NODE_RECORD)
# prefix, node id, parent id, node type, node version, writer id, wrapped key length
_RECORD_HEAD = struct.Struct("<6s16s16sBQ16sI")
_NODE_TYPES = {NodeType.FOLDER.value: NodeType.FOLDER, NodeType.FILE.value: NodeType.FILE}


def parse_node_record(data: bytes) -> NodeRecord:
    # The common case, an intact record, is read with one struct call and a few slices; anything
    # unusual goes to the field-by-field reader, which refuses it and names what is wrong.
    if len(data) >= _RECORD_HEAD.size and data[:PREFIX_BYTES] == _RECORD_PREFIX:
        _, node_id, parent_id, type_byte, version, writer_id, key_len = _RECORD_HEAD.unpack_from(
            data
        )
        key_end = _RECORD_HEAD.size + key_len
        meta_len = int.from_bytes(data[key_end : key_end + 4], "little")
        meta_end = key_end + 4 + meta_len
        node_type = _NODE_TYPES.get(type_byte)
        if (
            node_type is not None
            and key_len <= MAX_SEALED_FIELD
            and meta_len <= MAX_SEALED_FIELD
            and len(data) == meta_end + _sodium.SIGNATURE_BYTES
        ):
            return NodeRecord(
                node_id,
                parent_id,
                node_type,
                version,
                writer_id,
                data[_RECORD_HEAD.size : key_end],
                data[key_end + 4 : meta_end],
                data[meta_end:],
                data,
            )
    return _read_node_record(data)


def _read_node_record(data: bytes) -> NodeRecord:
    reader = Reader(data)
    reader.prefix(ObjectType.NODE_RECORD)
    node_id = reader.take(ID_BYTES)
    parent_id = reader.take(ID_BYTES)
    try:
        node_type = NodeType(reader.u8())
    except ValueError:
        raise IntegrityError(ErrorCode.MALFORMED, "unknown node type") from None
    node_version = reader.u64()
    writer_id = reader.take(ID_BYTES)
    wrapped_key = reader.sized(MAX_SEALED_FIELD)
    sealed_metadata = reader.sized(MAX_SEALED_FIELD)
    signature = reader.take(_sodium.SIGNATURE_BYTES)
    reader.end()
    return NodeRecord(
        node_id,
        parent_id,
        node_type,
        node_version,
        writer_id,
        wrapped_key,
        sealed_metadata,
        signature,
        data,
    )
