# SPDX-License-Identifier: AGPL-3.0-or-later
"""Folder manifests: the signed, versioned list of a folder's children (spec/metadata.md).

A client shows only children the latest manifest lists, with exactly the record the manifest
hashes; it remembers the highest version and hash it has seen per folder, so a server can neither
inject, swap, withhold nor roll back children without the client noticing.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise

import msgspec

from sealbox.crypto import _sodium
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.identity import IdentityKeys, verify_signature
from sealbox.crypto.layout import (
    HASH_BYTES,
    ID_BYTES,
    ObjectType,
    Reader,
    check_id,
    prefix,
    u32,
    u64,
)
from sealbox.crypto.tree import NodeRecord, NodeType, parse_node_record, record_hash

MANIFEST_LABEL = b"sealbox manifest v1"
ENTRY_BYTES = ID_BYTES + 1 + HASH_BYTES
NO_PREVIOUS = bytes(HASH_BYTES)
_ENTRY = struct.Struct(f"<{ID_BYTES}sB{HASH_BYTES}s")
_NODE_TYPES = {NodeType.FOLDER.value: NodeType.FOLDER, NodeType.FILE.value: NodeType.FILE}


class ManifestEntry(msgspec.Struct, frozen=True, gc=False):
    """One child as the manifest lists it. A msgspec struct for the same reason as
    tree.NodeRecord: a large folder's manifest has one per child (docs/decisions/2010)."""

    node_id: bytes
    node_type: NodeType
    record_hash: bytes


@dataclass(frozen=True, slots=True)
class Manifest:
    folder_id: bytes
    version: int
    previous_hash: bytes
    writer_id: bytes
    entries: tuple[ManifestEntry, ...]
    signature: bytes
    encoded: bytes

    @property
    def hash(self) -> bytes:
        return record_hash(self.encoded)


def make_manifest(
    writer: IdentityKeys,
    writer_id: bytes,
    folder_id: bytes,
    version: int,
    previous_hash: bytes,
    entries: Iterable[ManifestEntry],
) -> bytes:
    ordered = sorted(entries, key=lambda e: e.node_id)
    if any(a.node_id == b.node_id for a, b in pairwise(ordered)):
        raise ValueError("a manifest lists each node once")
    if version < 1 or (version == 1) != (previous_hash == NO_PREVIOUS):
        raise ValueError("version 1 has no previous manifest and every later version has one")
    body = (
        prefix(ObjectType.MANIFEST)
        + check_id(folder_id)
        + u64(version)
        + previous_hash
        + check_id(writer_id)
        + u32(len(ordered))
        + b"".join(check_id(e.node_id) + bytes([e.node_type]) + e.record_hash for e in ordered)
    )
    return body + writer.sign(MANIFEST_LABEL, body)


def parse_manifest(data: bytes) -> Manifest:
    reader = Reader(data)
    reader.prefix(ObjectType.MANIFEST)
    folder_id = reader.take(ID_BYTES)
    version = reader.u64()
    previous_hash = reader.take(HASH_BYTES)
    writer_id = reader.take(ID_BYTES)
    count = reader.u32()
    if count * ENTRY_BYTES > len(data):
        raise IntegrityError(ErrorCode.MALFORMED, "object is truncated")
    entries = []
    # One struct pass over the entries: a large folder's manifest has one per child.
    for node_id, type_byte, entry_hash in _ENTRY.iter_unpack(reader.take(count * ENTRY_BYTES)):
        node_type = _NODE_TYPES.get(type_byte)
        if node_type is None:
            raise IntegrityError(ErrorCode.MALFORMED, "unknown node type")
        entries.append(ManifestEntry(node_id, node_type, entry_hash))
    signature = reader.take(_sodium.SIGNATURE_BYTES)
    reader.end()
    if any(a.node_id >= b.node_id for a, b in pairwise(entries)):
        raise IntegrityError(ErrorCode.MALFORMED, "entries are not in strictly ascending order")
    if version < 1 or (version == 1) != (previous_hash == NO_PREVIOUS):
        raise IntegrityError(ErrorCode.MALFORMED, "version and previous hash disagree")
    return Manifest(folder_id, version, previous_hash, writer_id, tuple(entries), signature, data)


def verify_manifest(data: bytes, folder_id: bytes, writers: Mapping[bytes, bytes]) -> Manifest:
    """Parse a manifest for ``folder_id`` and check it is signed by an authorised writer.

    ``writers`` maps the user id of everyone allowed to write the folder to their pinned signing
    key: the owner alone, or the owner and the members a share grants write access.
    """
    manifest = parse_manifest(data)
    if manifest.folder_id != folder_id:
        raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "the manifest belongs to another folder")
    public_key = writers.get(manifest.writer_id)
    if public_key is None:
        raise IntegrityError(ErrorCode.BAD_SIGNATURE, "signed by someone who may not write here")
    body = data[: -_sodium.SIGNATURE_BYTES]
    verify_signature(public_key, MANIFEST_LABEL, body, manifest.signature)
    return manifest


@dataclass(frozen=True, slots=True)
class Seen:
    """The newest manifest a client has accepted for a folder: its local high-water mark."""

    version: int
    hash: bytes


def check_freshness(manifest: Manifest, seen: Seen | None) -> Seen:
    """Refuse a manifest older than, or forked from, the one last seen; return the new mark."""
    if seen is not None:
        if manifest.version < seen.version:
            raise IntegrityError(ErrorCode.ROLLBACK, f"version {manifest.version} < {seen.version}")
        same_version_differs = manifest.version == seen.version and manifest.hash != seen.hash
        next_version_forks = (
            manifest.version == seen.version + 1 and manifest.previous_hash != seen.hash
        )
        if same_version_differs or next_version_forks:
            raise IntegrityError(ErrorCode.FORK)
    return Seen(manifest.version, manifest.hash)


@dataclass(frozen=True, slots=True)
class Listing:
    """A folder's children as the manifest vouches for them, plus what the server got wrong."""

    records: tuple[NodeRecord, ...]
    withheld: tuple[bytes, ...] = field(default=())
    injected: tuple[bytes, ...] = field(default=())


def reconcile(manifest: Manifest, records: Iterable[bytes]) -> Listing:
    """Match the records a server returned against the manifest's entries.

    Only records whose hash the manifest lists, under the right id and type and parent, are kept.
    Listed ids without such a record are reported as withheld; anything else as injected. The
    caller decides how loudly to report each (spec/metadata.md, "Listing a folder").
    """
    matching = Reconciler(manifest)
    matching.add(records)
    return matching.result()


class Reconciler:
    """:func:`reconcile` a few records at a time, for a client that checks a listing's records
    as they arrive."""

    __slots__ = ("_accepted", "_expected", "_injected", "_manifest")

    def __init__(self, manifest: Manifest) -> None:
        self._manifest = manifest
        self._expected = {e.node_id: e for e in manifest.entries}
        self._accepted: dict[bytes, NodeRecord] = {}
        self._injected: list[bytes] = []

    def add(self, records: Iterable[bytes]) -> list[NodeRecord]:
        """Of ``records``, those the manifest lists, parsed; the others count as injected."""
        expected, accepted, injected = self._expected, self._accepted, self._injected
        folder_id, found = self._manifest.folder_id, []
        for data in records:
            entry = expected.get(data[6 : 6 + ID_BYTES])  # a short record fails the hash
            if entry is None or entry.record_hash != record_hash(data):
                injected.append(data)
                continue
            record = parse_node_record(data)
            if record.node_type != entry.node_type or record.parent_id != folder_id:
                raise IntegrityError(
                    ErrorCode.CONTEXT_MISMATCH, "a signed manifest lists a bad record"
                )
            accepted[entry.node_id] = record
            found.append(record)
        return found

    def result(self) -> Listing:
        """The records the manifest vouches for in its order, and what the server got wrong."""
        accepted, entries = self._accepted, self._manifest.entries
        withheld = tuple(e.node_id for e in entries if e.node_id not in accepted)
        ordered = tuple(accepted[e.node_id] for e in entries if e.node_id in accepted)
        return Listing(ordered, withheld, tuple(self._injected))
