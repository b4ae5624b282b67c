"""Drop links (file requests): anyone holding one uploads into the owner's folder, and can do
nothing else (spec/sharing.md, "Drop links").

An anonymous uploader opens an upload through the drop (charged to the owner's quota), sends its
chunks, then posts the sealed drop upload object, which turns the upload into a content object
held by the drop until the owner accepts it into the folder (a folder transaction naming its
content id) or rejects it. There is no route through which a drop lists or reads anything.
"""

from dataclasses import dataclass
from functools import partial
from typing import Any

from anyio import to_thread
from sqlalchemy import Connection, Engine, Row, delete, func, insert, select, update

from sealbox.protocol import models as m
from sealbox.protocol.errors import ErrorCode
from sealbox.server.clock import Clock
from sealbox.server.db.engine import read_only
from sealbox.server.db.schema import accounts, contents, drop_files, drops, nodes
from sealbox.server.errors import ServiceError, not_found
from sealbox.server.services.subtrees import within
from sealbox.server.services.uploads import commit_upload


@dataclass(frozen=True, slots=True)
class OpenDrop:
    drop_id: bytes
    owner_id: bytes
    folder_id: bytes


class DropService:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    # The owner's side

    def _create(self, user_id: bytes, req: m.DropCreateRequest) -> m.DropView:
        with self._engine.begin() as conn:
            folder = conn.execute(
                select(nodes.c.node_type, accounts.c.trash_id)
                .select_from(nodes.join(accounts, accounts.c.user_id == nodes.c.owner_id))
                .where((nodes.c.owner_id == user_id) & (nodes.c.node_id == req.folder_id))
            ).first()
            if folder is None or folder.node_type != "folder":
                raise not_found("folder")
            if within(conn, user_id, req.folder_id, folder.trash_id):
                raise ServiceError(ErrorCode.BAD_REQUEST, "the trash cannot receive drops")
            if conn.execute(select(drops.c.drop_id).where(drops.c.drop_id == req.drop_id)).first():
                raise ServiceError(ErrorCode.ID_TAKEN, "drop id already in use")
            expires_at = None if req.expires_in is None else int(self._clock.now()) + req.expires_in
            conn.execute(
                insert(drops).values(
                    drop_id=req.drop_id,
                    owner_id=user_id,
                    folder_id=req.folder_id,
                    public_key=req.public_key,
                    key_wrap=req.key_wrap,
                    expires_at=expires_at,
                )
            )
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
        pending = (
            select(drop_files.c.drop_id, func.count().label("n"))
            .group_by(drop_files.c.drop_id)
            .subquery()
        )
        with read_only(self._engine) as conn:
            rows = conn.execute(
                select(drops, func.coalesce(pending.c.n, 0).label("pending"))
                .select_from(drops.outerjoin(pending, pending.c.drop_id == drops.c.drop_id))
                .where(drops.c.owner_id == user_id)
                .order_by(drops.c.drop_id)
            ).all()
        return m.DropList(drops=[_view(r) for r in rows])

    async def list_drops(self, user_id: bytes) -> m.DropList:
        return await to_thread.run_sync(partial(self._list, user_id))

    def _remove(self, user_id: bytes, drop_id: bytes) -> list[bytes]:
        with self._engine.begin() as conn:
            owned = conn.execute(
                select(drops.c.drop_id).where(
                    (drops.c.drop_id == drop_id) & (drops.c.owner_id == user_id)
                )
            ).first()
            if owned is None:
                raise not_found("drop")
            released: list[bytes] = list(
                conn.execute(
                    select(drop_files.c.content_id).where(drop_files.c.drop_id == drop_id)
                ).scalars()
            )
            conn.execute(delete(drop_files).where(drop_files.c.drop_id == drop_id))
            conn.execute(delete(drops).where(drops.c.drop_id == drop_id))
        return released

    async def remove(self, user_id: bytes, drop_id: bytes) -> list[bytes]:
        """Delete the drop link and its pending files; returns their content ids to collect."""
        return await to_thread.run_sync(partial(self._remove, user_id, drop_id))

    def _rewrap(self, user_id: bytes, drop_id: bytes, key_wrap: bytes) -> None:
        with self._engine.begin() as conn:
            changed = conn.execute(
                update(drops)
                .where((drops.c.drop_id == drop_id) & (drops.c.owner_id == user_id))
                .values(key_wrap=key_wrap)
            ).rowcount
        if changed == 0:
            raise not_found("drop")

    async def rewrap(self, user_id: bytes, drop_id: bytes, key_wrap: bytes) -> None:
        """Replace the drop key wrap, after the folder's key was rotated."""
        await to_thread.run_sync(partial(self._rewrap, user_id, drop_id, key_wrap))

    def _files(self, user_id: bytes, drop_id: bytes) -> m.DroppedFileList:
        with read_only(self._engine) as conn:
            self._owned(conn, user_id, drop_id)
            rows = conn.execute(
                select(drop_files.c.content_id, drop_files.c.sealed, contents.c.total_size)
                .select_from(
                    drop_files.join(contents, contents.c.content_id == drop_files.c.content_id)
                )
                .where(drop_files.c.drop_id == drop_id)
                .order_by(drop_files.c.content_id)
            ).all()
        return m.DroppedFileList(
            files=[
                m.DroppedFileView(content_id=r.content_id, sealed=r.sealed, size=r.total_size)
                for r in rows
            ]
        )

    async def files(self, user_id: bytes, drop_id: bytes) -> m.DroppedFileList:
        return await to_thread.run_sync(partial(self._files, user_id, drop_id))

    def _reject(self, user_id: bytes, drop_id: bytes, content_id: bytes) -> None:
        with self._engine.begin() as conn:
            self._owned(conn, user_id, drop_id)
            gone = conn.execute(
                delete(drop_files).where(
                    (drop_files.c.drop_id == drop_id) & (drop_files.c.content_id == content_id)
                )
            ).rowcount
        if gone == 0:
            raise not_found("dropped file")

    async def reject(self, user_id: bytes, drop_id: bytes, content_id: bytes) -> None:
        await to_thread.run_sync(partial(self._reject, user_id, drop_id, content_id))

    def _owned(self, conn: Connection, user_id: bytes, drop_id: bytes) -> None:
        owned = conn.execute(
            select(drops.c.drop_id).where(
                (drops.c.drop_id == drop_id) & (drops.c.owner_id == user_id)
            )
        ).first()
        if owned is None:
            raise not_found("drop")

    # The uploader's side

    def usable(self, conn: Connection, drop_id: bytes) -> OpenDrop:
        """The drop if it exists, has not expired, and its folder is not in the trash."""
        row = conn.execute(
            select(
                drops.c.drop_id,
                drops.c.owner_id,
                drops.c.folder_id,
                drops.c.expires_at,
                accounts.c.trash_id,
            )
            .select_from(drops.join(accounts, accounts.c.user_id == drops.c.owner_id))
            .where(drops.c.drop_id == drop_id)
        ).first()
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
        with self._engine.begin() as conn:
            drop = self.usable(conn, drop_id)
            commit_upload(conn, drop.owner_id, req.content_id)
            conn.execute(
                insert(drop_files).values(
                    content_id=req.content_id, drop_id=drop_id, sealed=req.sealed
                )
            )

    async def deliver(self, drop_id: bytes, req: m.DropDelivery) -> None:
        """Finish an anonymous upload: its content waits in the drop for the owner."""
        await to_thread.run_sync(partial(self._deliver, drop_id, req))


def take_dropped(conn: Connection, user_id: bytes, content_id: bytes) -> bool:
    """Inside the owner's folder transaction: accept a pending dropped file into the tree. True
    when ``content_id`` was waiting in one of the owner's drops (and no longer is)."""
    waiting = conn.execute(
        select(drop_files.c.drop_id)
        .select_from(drop_files.join(drops, drops.c.drop_id == drop_files.c.drop_id))
        .where((drop_files.c.content_id == content_id) & (drops.c.owner_id == user_id))
    ).first()
    if waiting is None:
        return False
    conn.execute(delete(drop_files).where(drop_files.c.content_id == content_id))
    return True


def _view(row: Row[Any]) -> m.DropView:
    return m.DropView(
        drop_id=row.drop_id,
        folder_id=row.folder_id,
        public_key=row.public_key,
        key_wrap=row.key_wrap,
        pending=row.pending,
        expires_at=row.expires_at,
    )
