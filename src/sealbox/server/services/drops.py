# SPDX-License-Identifier: AGPL-3.0-or-later
"""Drop links (file requests): anyone holding one uploads into the owner's folder, and can do
nothing else (spec/sharing.md, "Drop links").

An anonymous uploader opens an upload through the drop (charged to the owner's quota), sends its
chunks, then posts the sealed drop upload object, which turns the upload into a content object
held by the drop until the owner accepts it into the folder (a folder transaction naming its
content id) or rejects it. There is no route through which a drop lists or reads anything.
"""

from dataclasses import dataclass
from functools import partial

from anyio import to_thread

from sealbox.protocol import models as m
from sealbox.protocol.errors import ErrorCode
from sealbox.server.clock import Clock
from sealbox.server.db import drops
from sealbox.server.db.engine import Connection, Engine, read_only, writing
from sealbox.server.db.subtrees import within
from sealbox.server.errors import ServiceError, not_found
from sealbox.server.services.collector import Collector
from sealbox.server.services.uploads import commit_upload


@dataclass(frozen=True, slots=True)
class OpenDrop:
    drop_id: bytes
    owner_id: bytes
    folder_id: bytes


class DropService:
    def __init__(self, engine: Engine, clock: Clock, collector: Collector) -> None:
        self._engine = engine
        self._clock = clock
        self._collector = collector

    # The owner's side

    def _create(self, user_id: bytes, req: m.DropCreateRequest) -> m.DropView:
        with writing(self._engine) as conn:
            folder = drops.folder_and_trash(conn, user_id, req.folder_id)
            if folder is None or folder[0] != "folder":
                raise not_found("folder")
            if within(conn, user_id, req.folder_id, folder[1]):
                raise ServiceError(ErrorCode.BAD_REQUEST, "the trash cannot receive drops")
            if drops.exists(conn, req.drop_id):
                raise ServiceError(ErrorCode.ID_TAKEN, "drop id already in use")
            expires_at = None if req.expires_in is None else int(self._clock.now()) + req.expires_in
            drops.add(conn, user_id, req, expires_at)
        return m.DropView(
            drop_id=req.drop_id,
            folder_id=req.folder_id,
            public_key=req.public_key,
            key_wrap=req.key_wrap,
            pending=0,
            expires_at=expires_at,
        )

    async def create(self, user_id: bytes, req: m.DropCreateRequest) -> m.DropView:
        return await to_thread.run_sync(partial(self._create, user_id, req))

    def _list(self, user_id: bytes) -> m.DropList:
        with read_only(self._engine) as conn:
            return m.DropList(drops=drops.list_views(conn, user_id))

    async def list_drops(self, user_id: bytes) -> m.DropList:
        return await to_thread.run_sync(partial(self._list, user_id))

    def _remove(self, user_id: bytes, drop_id: bytes) -> list[bytes]:
        with writing(self._engine) as conn:
            self._owned(conn, user_id, drop_id)
            return drops.remove(conn, drop_id)

    async def remove(self, user_id: bytes, drop_id: bytes) -> None:
        """Delete the drop link and its pending files, then collect their contents."""
        released = await to_thread.run_sync(partial(self._remove, user_id, drop_id))
        await self._collector.release(released)

    def _rewrap(self, user_id: bytes, drop_id: bytes, key_wrap: bytes) -> None:
        with writing(self._engine) as conn:
            changed = drops.rewrap(conn, user_id, drop_id, key_wrap)
        if not changed:
            raise not_found("drop")

    async def rewrap(self, user_id: bytes, drop_id: bytes, key_wrap: bytes) -> None:
        """Replace the drop key wrap, after the folder's key was rotated."""
        await to_thread.run_sync(partial(self._rewrap, user_id, drop_id, key_wrap))

    def _files(self, user_id: bytes, drop_id: bytes) -> m.DroppedFileList:
        with read_only(self._engine) as conn:
            self._owned(conn, user_id, drop_id)
            return m.DroppedFileList(files=drops.waiting_files(conn, drop_id))

    async def files(self, user_id: bytes, drop_id: bytes) -> m.DroppedFileList:
        return await to_thread.run_sync(partial(self._files, user_id, drop_id))

    def _reject(self, user_id: bytes, drop_id: bytes, content_id: bytes) -> None:
        with writing(self._engine) as conn:
            self._owned(conn, user_id, drop_id)
            gone = drops.reject(conn, drop_id, content_id)
        if not gone:
            raise not_found("dropped file")

    async def reject(self, user_id: bytes, drop_id: bytes, content_id: bytes) -> None:
        """Refuse a delivered file, then collect its content."""
        await to_thread.run_sync(partial(self._reject, user_id, drop_id, content_id))
        await self._collector.release([content_id])

    def _owned(self, conn: Connection, user_id: bytes, drop_id: bytes) -> None:
        if not drops.owned(conn, user_id, drop_id):
            raise not_found("drop")

    # The uploader's side

    def usable(self, conn: Connection, drop_id: bytes) -> OpenDrop:
        """The drop if it exists, has not expired, and its folder is not in the trash."""
        row = drops.find(conn, drop_id)
        if row is None or within(conn, row.owner_id, row.folder_id, row.trash_id):
            raise not_found("drop")
        # Expiry takes effect at once, whatever the collector has got round to deleting.
        if row.expires_at is not None and self._clock.now() >= row.expires_at:
            raise ServiceError(ErrorCode.LINK_EXPIRED, "this drop link has expired")
        return OpenDrop(row.drop_id, row.owner_id, row.folder_id)

    def _owner(self, drop_id: bytes) -> bytes:
        with read_only(self._engine) as conn:
            return self.usable(conn, drop_id).owner_id

    async def owner(self, drop_id: bytes) -> bytes:
        """The account that uploads through the drop are charged to."""
        return await to_thread.run_sync(partial(self._owner, drop_id))

    def _deliver(self, drop_id: bytes, req: m.DropDelivery) -> None:
        with writing(self._engine) as conn:
            drop = self.usable(conn, drop_id)
            commit_upload(conn, drop.owner_id, req.content_id)
            drops.deliver(conn, drop_id, req.content_id, req.sealed)

    async def deliver(self, drop_id: bytes, req: m.DropDelivery) -> None:
        """Finish an anonymous upload: its content waits in the drop for the owner."""
        await to_thread.run_sync(partial(self._deliver, drop_id, req))
