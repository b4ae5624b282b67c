# SPDX-License-Identifier: AGPL-3.0-or-later
"""Reading the drive: nodes, folder listings and the kept versions of files; deleting a kept
version.

Changes to the tree go through the folder transaction (services/transaction.py).
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from functools import partial

from anyio import to_thread

from sealbox.protocol import listing as framing
from sealbox.protocol import models as m
from sealbox.server.db import cases, nodes, takedowns
from sealbox.server.db.engine import Connection, Engine, read_only, writing
from sealbox.server.db.nodes import RECORD_NODE_VERSION, ListedFolder, ListedNode, ListedRow
from sealbox.server.errors import not_found
from sealbox.server.services.collector import Collector

__all__ = ["DriveService", "ListedFolder", "ListedNode", "ListedRow", "Listing"]


@dataclass(frozen=True, slots=True)
class FramedListing:
    """A folder's listing in the binary framing, in pieces framed as the rows are read."""

    manifest_version: int
    count: int  # children
    pieces: AsyncIterator[bytes]


@dataclass(frozen=True, slots=True)
class Listing:
    """A folder (its manifest and version) and its children, read in one snapshot."""

    folder: ListedFolder
    children: list[ListedRow]  # ListedNode's values, as plain tuples (nodes.children)
    # Nodes a decision removed from the folder, with the decision's public id and reason.
    removed: tuple[framing.RemovedChild, ...] = ()

    def json(self) -> m.FolderListing:
        return m.FolderListing(
            node_id=self.folder.node_id,
            manifest_version=self.folder.manifest_version,
            manifest=self.folder.manifest,
            children=[nodes.view(ListedNode._make(c)) for c in self.children],
            removed=[
                m.RemovedView(node_id=r.node_id, decision=r.decision, reason=r.reason)
                for r in self.removed
            ],
        )


def _folder(conn: Connection, user_id: bytes, folder_id: bytes) -> ListedFolder:
    """The user's folder, its manifest and version; not found unless it is theirs."""
    folder = nodes.folder(conn, user_id, folder_id)
    if folder is None:
        raise not_found("folder")
    return folder


def _removed(
    conn: Connection, owner_id: bytes, folder_id: bytes
) -> tuple[framing.RemovedChild, ...]:
    """What decisions removed from the folder, each named by its decision's public id."""
    puids: dict[bytes, str | None] = {}
    out = []
    for r in takedowns.removed_in(conn, owner_id, folder_id):
        if r.case_id not in puids:
            case = cases.find(conn, r.case_id)
            puids[r.case_id] = case.puid if case is not None else None
        puid = puids[r.case_id]
        if puid is not None:
            out.append(framing.RemovedChild(r.node_id, puid, r.reason))
    return tuple(out)


def _settle(head: asyncio.Future[tuple[int, int]], value: tuple[int, int]) -> None:
    if not head.done():  # not if the request was given up meanwhile
        head.set_result(value)


def _fail(
    head: asyncio.Future[tuple[int, int]],
    queue: asyncio.Queue[bytes | BaseException | None],
    exc: BaseException,
) -> None:
    """What the reading raised: to the caller if nothing was sent yet, else to the answer."""
    if head.done():
        queue.put_nowait(exc)
    else:
        head.set_exception(exc)


async def _drain(
    queue: asyncio.Queue[bytes | BaseException | None], producer: asyncio.Task[None]
) -> AsyncIterator[bytes]:
    """The pieces ``producer`` queues, until it is done; what it raised, raised here."""
    while (item := await queue.get()) is not None:
        if isinstance(item, BaseException):
            raise item
        yield item
    await producer


class DriveService:
    def __init__(self, engine: Engine, collector: Collector) -> None:
        self._engine = engine
        self._collector = collector

    def _node(self, user_id: bytes, node_id: bytes) -> m.NodeView:
        with read_only(self._engine) as conn:
            found = nodes.node(conn, user_id, node_id)
        if found is None:
            raise not_found("node")
        return nodes.view(found)

    async def node(self, user_id: bytes, node_id: bytes) -> m.NodeView:
        return await to_thread.run_sync(partial(self._node, user_id, node_id))

    def _listing(self, user_id: bytes, folder_id: bytes) -> Listing:
        # A large folder's rows are many objects in no cycle: see collection_paused. The pause
        # is process-wide; where two requests overlap, one may end the other's early, which
        # costs only time.
        with read_only(self._engine) as conn, framing.collection_paused():
            folder = _folder(conn, user_id, folder_id)
            children = nodes.children(conn, user_id, folder_id)
            return Listing(folder, children, _removed(conn, user_id, folder_id))

    def _frame(
        self,
        user_id: bytes,
        folder_id: bytes,
        started: Callable[[int, int], None],
        send: Callable[[bytes], None],
    ) -> None:
        # Framed in the same pause as the read: a large folder's rows (a tuple and a few bytes
        # objects per child) are freed without the collector ever walking them, which it did
        # once they outlived the pause (about an eighth of the listing's CPU at 100,000).
        with read_only(self._engine) as conn, framing.collection_paused():
            folder = _folder(conn, user_id, folder_id)
            count = nodes.child_count(conn, user_id, folder_id)
            removed = _removed(conn, user_id, folder_id)
            started(folder.manifest_version, count)
            rows = nodes.framing_rows(conn, user_id, folder_id)
            for piece in framing.iter_framed(
                folder.manifest_version, folder.manifest, count, rows, removed
            ):
                send(piece)

    async def framed_listing(self, user_id: bytes, folder_id: bytes) -> FramedListing:
        """The folder's listing in the binary framing (spec/http-api.md, "Reading"), read in one
        snapshot and sent in pieces of a few thousand children as they are read, so that a
        client checks the first while the server reads the rest.

        A worker thread reads and frames the whole listing at its own pace into a queue, which
        the answer empties: a slow client never holds the database's snapshot or connection
        open, and the pieces waiting for it are what the whole listing was before (about 25 MB
        at 100,000 children). A folder that is not found is refused before anything is sent."""
        loop = asyncio.get_running_loop()
        head: asyncio.Future[tuple[int, int]] = loop.create_future()
        queue: asyncio.Queue[bytes | BaseException | None] = asyncio.Queue()

        def started(version: int, count: int) -> None:
            loop.call_soon_threadsafe(_settle, head, (version, count))

        def send(piece: bytes) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, piece)

        async def produce() -> None:
            try:
                await to_thread.run_sync(partial(self._frame, user_id, folder_id, started, send))
            except Exception as exc:
                _fail(head, queue, exc)
            except asyncio.CancelledError:  # the server is stopping
                _fail(head, queue, RuntimeError("the server stopped while reading a listing"))
                raise
            else:
                queue.put_nowait(None)

        producer = asyncio.create_task(produce())
        version, count = await head
        return FramedListing(version, count, _drain(queue, producer))

    async def listing(self, user_id: bytes, folder_id: bytes) -> Listing:
        """The folder's manifest and version and its children, read in one snapshot."""
        return await to_thread.run_sync(partial(self._listing, user_id, folder_id))

    def _versions(self, user_id: bytes, node_id: bytes) -> m.VersionList:
        with read_only(self._engine) as conn:
            if nodes.node_type(conn, user_id, node_id) is None:
                raise not_found("node")
            kept = nodes.kept_versions(conn, user_id, node_id)
        return m.VersionList(
            versions=[
                m.VersionView(
                    version=int.from_bytes(v.record[RECORD_NODE_VERSION], "little"),
                    record=v.record,
                    content_id=v.content_id,
                    size=v.size,
                )
                for v in kept
            ]
        )

    async def versions(self, user_id: bytes, node_id: bytes) -> m.VersionList:
        return await to_thread.run_sync(partial(self._versions, user_id, node_id))

    def _remove_version(self, user_id: bytes, node_id: bytes, node_version: int) -> set[bytes]:
        with writing(self._engine) as conn:
            if nodes.node_type(conn, user_id, node_id) != "file":
                raise not_found("file")
            released = nodes.remove_version(conn, user_id, node_id, node_version)
        if not released:
            raise not_found("version")
        return released

    async def remove_version(self, user_id: bytes, node_id: bytes, node_version: int) -> None:
        """Delete one kept version (spec/http-api.md §5.5), then collect its content if nothing
        else references it."""
        released = await to_thread.run_sync(
            partial(self._remove_version, user_id, node_id, node_version)
        )
        await self._collector.release(released)
