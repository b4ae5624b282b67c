# SPDX-License-Identifier: AGPL-3.0-or-later
"""The binary listing framing of spec/http-api.md ("Reading"), shared by server and clients.

All integers are big-endian. The parser is strict: a short or over-long body raises ValueError,
since a client must not act on a listing it could only half read. After the children, a listing
may end with the section of nodes a decision removed (spec/compliance.md §3.4), present only when
there are some.
"""

from __future__ import annotations

import gc
import struct
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import msgspec

MAGIC = b"SBL1"
FILE, FOLDER = 0, 1
HAS_CONTENT = 1
HEAD = struct.Struct(">4sQI")
CHILD = struct.Struct(">16sBB16sQQI")
COUNT = struct.Struct(">I")
NO_CONTENT = bytes(16)
REMOVED_MAGIC = b"RMV1"
REMOVED = struct.Struct(">16s36sB")  # node id, the decision's public id (a UUID), reason length


@dataclass(frozen=True, slots=True)
class RemovedChild:
    """The server's claim that a decision removed a node the manifest may still list. A claim,
    not a fact: a client checks it against the public decision before it believes it."""

    node_id: bytes
    decision: str  # the decision's public id (puid)
    reason: str  # the reason code: copyright, csam, ...


class ListedChild(msgspec.Struct, frozen=True, gc=False):
    """One child as the server lists it (a struct, not a frozen dataclass, for the same reason as
    crypto.tree.NodeRecord: one per child of a listing)."""

    node_id: bytes
    node_type: str  # "file" or "folder", as in the JSON listing
    content_id: bytes | None
    size: int  # ciphertext bytes of the content object (files)
    manifest_version: int  # folders
    record: bytes


@dataclass(frozen=True, slots=True)
class BinaryListing:
    manifest_version: int
    manifest: bytes
    children: list[ListedChild]
    removed: tuple[RemovedChild, ...] = ()


@contextmanager
def collection_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a large listing is read or checked.

    Reading a listing makes a few objects per child and none of them form cycles, but each few
    hundred new objects set the collector off, and its older generations walk every live object
    again: about a third of the time of a 100,000-entry listing. Nothing is left uncollected:
    the collector runs as before once the block ends.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def parse_listing(data: bytes) -> BinaryListing:
    with collection_paused():
        reader = ListingReader()
        children = [
            ListedChild(
                node_id,
                "folder" if node_type == FOLDER else "file",
                content_id if flags & HAS_CONTENT else None,
                size,
                version,
                record,
            )
            for (node_id, node_type, flags, content_id, size, version, _), record in reader.feed(
                data
            )
        ]
        removed = reader.close()
        assert reader.manifest is not None  # close() refuses a listing without its head
        return BinaryListing(reader.manifest_version, reader.manifest, children, removed)


Framed = tuple[tuple[bytes, int, int, bytes, int, int, int], bytes]
"""A child as read from the framing: its fixed fields (``CHILD``: node id, type, flags, content
id, size, manifest version, record length) and its record."""


class ListingReader:
    """The framing read piece by piece as it arrives, so that a client can check the children
    it has while the server is still sending the rest (spec/http-api.md, "Reading").

    :meth:`feed` returns the children its piece completed; :attr:`manifest` is set as soon as
    the head has arrived. :meth:`close` reads the optional section of removed nodes and raises
    ValueError unless exactly a whole listing arrived: a client must not act on a listing it
    could only half read.
    """

    __slots__ = ("_head", "_left", "_rest", "manifest", "manifest_version")

    def __init__(self) -> None:
        self.manifest_version = 0
        self.manifest: bytes | None = None
        self._left = 0  # children still to come
        self._rest = b""  # bytes received after the head and not yet read
        self._head = bytearray()  # bytes received until the head is whole (a manifest can be MBs)

    def feed(self, piece: bytes) -> list[Framed]:
        if self.manifest is None:
            self._head += piece
            if not self._read_head():
                return []
            data, self._rest = self._rest, b""
        else:
            data = self._rest + piece if self._rest else piece
        out: list[Framed] = []
        left, end, size, offset = self._left, len(data), CHILD.size, 0
        unpack = CHILD.unpack_from
        while left and offset + size <= end:
            fields = unpack(data, offset)
            stop = offset + size + fields[6]
            if stop > end:
                break
            if fields[1] > FOLDER:
                raise ValueError("listing is malformed")
            out.append((fields, data[offset + size : stop]))
            offset = stop
            left -= 1
        self._left = left
        self._rest = data[offset:] if offset else data
        return out

    def _read_head(self) -> bool:
        """Read the head and the manifest once they have all arrived, keeping what follows."""
        head = self._head
        if len(head) < HEAD.size:
            return False
        magic, manifest_version, manifest_len = HEAD.unpack_from(head, 0)
        if magic != MAGIC:
            raise ValueError("not a Sealbox listing")
        end = HEAD.size + manifest_len
        if len(head) < end + COUNT.size:
            return False
        self.manifest_version, self.manifest = manifest_version, bytes(head[HEAD.size : end])
        (self._left,) = COUNT.unpack_from(head, end)
        self._rest, self._head = bytes(head[end + COUNT.size :]), bytearray()
        return True

    def close(self) -> tuple[RemovedChild, ...]:
        """The removed section, once the whole listing has arrived."""
        if self.manifest is None or self._left:
            raise ValueError("listing is truncated")
        view = memoryview(self._rest)
        try:
            removed, offset = _parse_removed(view, 0)
        except struct.error:
            raise ValueError("listing is truncated") from None
        if offset != len(view):
            raise ValueError("listing is truncated or has trailing bytes")
        return removed


def _parse_removed(view: memoryview, offset: int) -> tuple[tuple[RemovedChild, ...], int]:
    """The optional section of removed nodes: ``"RMV1" | u32 count | count × (node_id[16] |
    puid[36] ASCII | u8 reason_len | reason ASCII)``."""
    if offset == len(view):
        return (), offset
    if bytes(view[offset : offset + 4]) != REMOVED_MAGIC:
        raise ValueError("listing has trailing bytes")
    (count,) = COUNT.unpack_from(view, offset + 4)
    offset += 4 + COUNT.size
    found = []
    for _ in range(count):
        node_id, puid, reason_len = REMOVED.unpack_from(view, offset)
        offset += REMOVED.size
        reason = bytes(view[offset : offset + reason_len])
        offset += reason_len
        if len(reason) != reason_len:
            raise ValueError("listing is truncated")
        try:
            found.append(RemovedChild(node_id, puid.decode("ascii"), reason.decode("ascii")))
        except UnicodeDecodeError:
            raise ValueError("listing is malformed") from None
    return tuple(found), offset


def encode_listing(listing: BinaryListing) -> bytes:
    """The inverse of :func:`parse_listing` (tests use it to play a server that lies)."""
    return b"".join(
        iter_encoded(listing.manifest_version, listing.manifest, listing.children, listing.removed)
    )


def iter_encoded(
    manifest_version: int,
    manifest: bytes,
    children: Sequence[ListedChild],
    removed: Sequence[RemovedChild] = (),
) -> Iterator[bytes]:
    """The listing framing produced in pieces of about 2000 children, for a server that streams
    a large folder's listing without building it whole."""
    rows = (
        (c.node_id, c.node_type, c.content_id, c.size, c.manifest_version, c.record)
        for c in children
    )
    return iter_framed(manifest_version, manifest, len(children), rows, removed)


Row = tuple[bytes, str, bytes | None, int, int, bytes]
"""A child as (node id, node type, content id, size, manifest version, record)."""


def iter_framed(
    manifest_version: int,
    manifest: bytes,
    count: int,
    rows: Iterable[Row],
    removed: Sequence[RemovedChild] = (),
) -> Iterator[bytes]:
    """:func:`iter_encoded` from plain rows, ``count`` of them: a server framing its database
    rows makes no object per child."""
    yield HEAD.pack(MAGIC, manifest_version, len(manifest))
    yield manifest
    yield COUNT.pack(count)
    pack = CHILD.pack
    batch: list[bytes] = []
    framed = 0
    for node_id, node_type, content_id, size, version, record in rows:
        batch.append(
            pack(
                node_id,
                FOLDER if node_type == "folder" else FILE,
                HAS_CONTENT if content_id is not None else 0,
                content_id or NO_CONTENT,
                size,
                version,
                len(record),
            )
        )
        batch.append(record)
        framed += 1
        if len(batch) >= 4000:
            yield b"".join(batch)
            batch = []
    if framed != count:
        raise ValueError(f"{count} children announced, {framed} framed")
    if batch:
        yield b"".join(batch)
    if removed:
        yield encode_removed(removed)


def encode_removed(removed: Sequence[RemovedChild]) -> bytes:
    parts = [REMOVED_MAGIC, COUNT.pack(len(removed))]
    for r in removed:
        reason = r.reason.encode("ascii")
        parts += [REMOVED.pack(r.node_id, r.decision.encode("ascii"), len(reason)), reason]
    return b"".join(parts)
