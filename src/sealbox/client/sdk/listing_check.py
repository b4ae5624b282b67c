# SPDX-License-Identifier: AGPL-3.0-or-later
"""Checking a folder's listing as it arrives (spec/metadata.md, "Listing a folder").

The server sends a large listing in pieces. Each child is checked as soon as its piece is in, so
a client spends the time the server takes to read and send the rest on checking what it already
has, and none of the listing is believed before all of it has been checked:

- the manifest, first in the framing, is checked before any child: its signature by one of the
  folder's writers, its version against the listed one, and its freshness;
- each record is matched against the manifest (its hash, id, type and parent) and its metadata
  opened with the folder key;
- at the end, the framing must be whole, the records by other writers carry their own
  signatures, and each file's content is the one the server names.

Nothing is returned before :meth:`ListingCheck.finish` has run every check. The order in which
two different faults in one listing are found may differ from a check of the whole listing at
once; each is refused either way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

import msgspec

from sealbox.client.sdk.api import Api
from sealbox.crypto import manifest as mf
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.keys import FolderKey
from sealbox.crypto.tree import FileMetadata, Metadata, MetadataOpener, NodeRecord, NodeType
from sealbox.protocol.listing import (
    HAS_CONTENT,
    Framed,
    ListingReader,
    RemovedChild,
)

__all__ = ["Checked", "ListingCheck", "Node", "fetch_checked"]


class Node(msgspec.Struct, frozen=True, gc=False):
    """A child as the manifest vouches for it, with its decrypted metadata. A msgspec struct, one
    per child of a listing, for the same reason as crypto.tree.NodeRecord; nothing it holds
    refers back to it, so the collector need not track it."""

    record: NodeRecord
    metadata: Metadata
    stored_size: int  # ciphertext bytes the server reports (files); shown as "server-reported"
    # A kept version sealed under an earlier key of its folder (kept_versions.py): that key.
    sealed_under: FolderKey | None = None

    @property
    def node_id(self) -> bytes:
        return self.record.node_id

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def is_folder(self) -> bool:
        return self.record.node_type == NodeType.FOLDER

    @property
    def size(self) -> int:
        return self.metadata.size if isinstance(self.metadata, FileMetadata) else 0


class Checked(msgspec.Struct, frozen=True):
    """A listing with every check passed: what a Folder is made of."""

    manifest: mf.Manifest
    children: list[Node]
    withheld: tuple[bytes, ...]
    injected: int
    claims: tuple[RemovedChild, ...]
    mark: mf.Seen  # the new high-water mark to remember


def _malformed(exc: ValueError) -> IntegrityError:
    return IntegrityError(ErrorCode.MALFORMED, f"server listing: {exc}")


class ListingCheck:
    """One folder's listing, fed piece by piece (:meth:`feed`), checked by :meth:`finish`.

    ``writers`` maps who may sign in the folder to their pinned keys. If the manifest's signer is
    not among them, :meth:`feed` raises BAD_SIGNATURE and keeps what it was given: a caller that
    learns of more writers (the write members of a share) calls :meth:`use_writers` and goes on
    feeding. :meth:`finish` may likewise be called again after :meth:`use_writers`.
    """

    def __init__(
        self,
        folder_id: bytes,
        key: FolderKey,
        writers: Mapping[bytes, bytes],
        seen: mf.Seen | None,
    ) -> None:
        self.folder_id, self.writers, self._seen = folder_id, writers, seen
        self._reader = ListingReader()
        self._opener = MetadataOpener(key)
        self._manifest: mf.Manifest | None = None
        self._mark: mf.Seen | None = None
        self._matching: mf.Reconciler | None = None
        self._waiting: list[Framed] = []  # children read before the manifest was accepted
        # The framing's fields of each child by the node id the server gave it (what it says of
        # the record with that id), and the opened metadata of each accepted record by the
        # manifest's own signer (others are opened once their own signature is checked, in
        # finish).
        self._carried: dict[bytes, tuple[bytes, int, int, bytes, int, int, int]] = {}
        self._opened: dict[bytes, Metadata] = {}

    def feed(self, piece: bytes) -> None:
        try:
            framed = self._reader.feed(piece)
        except ValueError as exc:
            raise _malformed(exc) from None
        if self._matching is None:
            self._waiting += framed
            if self._reader.manifest is None:
                return
            self._accept_manifest(self._reader.manifest)
            framed, self._waiting = self._waiting, []
        self._children(framed)

    def use_writers(self, writers: Mapping[bytes, bytes]) -> None:
        """Check again with more writers, after a BAD_SIGNATURE from feed or finish."""
        self.writers = writers
        self.feed(b"")

    def _accept_manifest(self, data: bytes) -> None:
        manifest = mf.verify_manifest(data, self.folder_id, self.writers)
        if self._reader.manifest_version != manifest.version:
            raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "listed and signed versions differ")
        self._mark = mf.check_freshness(manifest, self._seen)
        self._manifest, self._matching = manifest, mf.Reconciler(manifest)

    def _children(self, framed: list[Framed]) -> None:
        assert self._matching is not None and self._manifest is not None
        add, signer, opened = self._matching.add, self._manifest.writer_id, self._opened
        carried, open_metadata = self._carried, self._opener.open
        for fields, _ in framed:
            carried[fields[0]] = fields
        for record in add([data for _, data in framed]):
            if record.writer_id == signer:
                opened[record.node_id] = open_metadata(record)

    def finish(self) -> Checked:
        """Every check on the whole listing; the children in the manifest's order."""
        try:
            claims = self._reader.close()
        except ValueError as exc:
            raise _malformed(exc) from None
        if self._matching is None:  # the manifest was refused and finish called all the same
            self.feed(b"")
        assert self._manifest is not None and self._matching is not None and self._mark
        reconciled = self._matching.result()
        children: list[Node] = []
        opened, carried, append = self._opened, self._carried, children.append
        for record in reconciled.records:
            node_id = record.node_id
            metadata = opened.get(node_id) or self._open_signed(record)
            fields = carried.get(node_id)
            if fields is None:  # the server moved the record into another child's place
                raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "the server lists no such child")
            if isinstance(metadata, FileMetadata) and metadata.content_id != (
                fields[3] if fields[2] & HAS_CONTENT else None
            ):
                raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "the server names other content")
            append(Node(record, metadata, fields[4]))
        return Checked(
            self._manifest, children, reconciled.withheld, len(reconciled.injected), claims,
            self._mark,
        )  # fmt: skip

    def _open_signed(self, record: NodeRecord) -> Metadata:
        """The metadata of a record by another writer than the manifest's signer, which must
        carry that writer's own signature (the manifest's vouches for the rest: their hashes)."""
        writer_key = self.writers.get(record.writer_id)
        if writer_key is None:
            raise IntegrityError(ErrorCode.BAD_SIGNATURE, "a record by an unknown writer")
        record.verify(writer_key)
        metadata = self._opened[record.node_id] = self._opener.open(record)
        return metadata


MoreWriters = Callable[[], Awaitable[Mapping[bytes, bytes]]]


async def fetch_checked(
    api: Api,
    folder_id: bytes,
    key: FolderKey,
    writers: Mapping[bytes, bytes],
    seen: mf.Seen | None,
    more_writers: MoreWriters | None = None,
) -> Checked:
    """List a folder and check the listing as it arrives. Signed by someone not in ``writers``,
    it is checked once more against ``more_writers()``, where the caller can name more (the
    write members of shares on the path): the server is not asked again. A caller listing
    large folders pauses the collector around this and around making its Folder
    (protocol.listing.collection_paused)."""
    check = ListingCheck(folder_id, key, writers, seen)
    async with api.folder_pieces(folder_id) as pieces:
        async for piece in pieces:
            try:
                check.feed(piece)
            except IntegrityError as exc:
                await _with_more_writers(check, exc, more_writers)
    try:
        return check.finish()
    except IntegrityError as exc:
        await _with_more_writers(check, exc, more_writers)
        return check.finish()


async def _with_more_writers(
    check: ListingCheck, exc: IntegrityError, more_writers: MoreWriters | None
) -> None:
    """Go on with more writers if a signature was refused and there are more; else raise."""
    if exc.code != ErrorCode.BAD_SIGNATURE or more_writers is None:
        raise exc
    writers = await more_writers()
    if writers == check.writers:
        raise exc
    check.use_writers(writers)
