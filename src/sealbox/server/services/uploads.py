"""Resumable chunked uploads.

An upload reserves a content id and declares the object's geometry. Chunks arrive in any order, in
parallel, as often as the client likes (a repeat replaces the chunk atomically), and stream straight
to the blob store, checked against the declared length before they become visible. Nothing of an
upload is visible in the drive until a folder transaction commits it; uploads left alone expire and
the collector deletes them.
"""

from collections.abc import AsyncIterable, AsyncIterator
from functools import partial
from typing import Any

from anyio import to_thread
from sqlalchemy import Connection, Engine, Row, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from sealbox.protocol import models as m
from sealbox.protocol.content_layout import ContentLayout
from sealbox.protocol.errors import ErrorCode
from sealbox.server.blobs.base import BlobStore
from sealbox.server.blobs.keys import chunk_key
from sealbox.server.clock import Clock
from sealbox.server.db.engine import read_only
from sealbox.server.db.schema import contents, upload_chunks, uploads
from sealbox.server.errors import ServiceError, not_found
from sealbox.server.services.accounts import usage
from sealbox.server.services.sql import batched, lock_account
from sealbox.server.settings import Settings

# Inline files of one transaction are written this many at a time.


class WrongLength(ServiceError):
    def __init__(self, expected: int) -> None:
        super().__init__(ErrorCode.WRONG_LENGTH, f"chunk must be exactly {expected} bytes")


async def _exactly(stream: AsyncIterable[bytes], expected: int) -> AsyncIterator[bytes]:
    """Pass the stream through, raising before the end if it is longer or shorter than expected."""
    seen = 0
    async for piece in stream:
        seen += len(piece)
        if seen > expected:
            raise WrongLength(expected)
        yield piece
    if seen != expected:
        raise WrongLength(expected)


def layout_of(row: Row[Any]) -> ContentLayout:
    return ContentLayout(
        header_size=len(row.header),
        chunk_size=row.chunk_size,
        chunk_count=row.chunk_count,
        total_size=row.total_size,
    )


class UploadService:
    def __init__(self, engine: Engine, blobs: BlobStore, clock: Clock, settings: Settings) -> None:
        self._engine = engine
        self._blobs = blobs
        self._clock = clock
        self._settings = settings

    def _now(self) -> int:
        return int(self._clock.now())

    # Opening

    def _open(self, user_id: bytes, req: m.UploadOpenRequest) -> m.UploadView:
        try:
            ContentLayout(len(req.header), req.chunk_size, req.chunk_count, req.total_size)
        except ValueError as exc:
            raise ServiceError(ErrorCode.BAD_REQUEST, str(exc)) from exc
        with self._engine.begin() as conn:
            account = lock_account(conn, user_id)
            existing = conn.execute(
                select(uploads).where(uploads.c.content_id == req.content_id)
            ).first()
            if existing is not None:
                same = (
                    existing.owner_id == user_id
                    and existing.header == req.header
                    and existing.chunk_size == req.chunk_size
                    and existing.chunk_count == req.chunk_count
                    and existing.total_size == req.total_size
                )
                if not same:
                    raise ServiceError(ErrorCode.ID_TAKEN, "content id is already in use")
                # Opening the same upload again is how a client resumes: report what is there.
                return self._view(conn, user_id, req.content_id)
            if conn.execute(
                select(contents.c.content_id).where(contents.c.content_id == req.content_id)
            ).first():
                raise ServiceError(ErrorCode.ID_TAKEN, "content id is already in use")
            self._check_quota(conn, user_id, account.quota_bytes, req.total_size)
            try:
                with conn.begin_nested():
                    conn.execute(
                        insert(uploads).values(
                            content_id=req.content_id,
                            owner_id=user_id,
                            header=req.header,
                            chunk_size=req.chunk_size,
                            chunk_count=req.chunk_count,
                            total_size=req.total_size,
                            received_bytes=0,
                            touched_at=self._now(),
                        )
                    )
            except IntegrityError as exc:
                raise ServiceError(ErrorCode.ID_TAKEN, "content id is already in use") from exc
            return self._view(conn, user_id, req.content_id)

    def _check_quota(
        self, conn: Connection, user_id: bytes, own_quota: int | None, adding: int
    ) -> None:
        """Refuse, before any byte is stored, uploads that would take the account over quota."""
        quota = own_quota if own_quota is not None else self._settings.default_quota
        if quota is None:
            return
        pending: int = conn.execute(
            select(func.coalesce(func.sum(uploads.c.total_size), 0)).where(
                uploads.c.owner_id == user_id
            )
        ).scalar_one()
        if usage(conn, user_id) + int(pending) + adding > quota:
            raise ServiceError(
                ErrorCode.QUOTA_EXCEEDED,
                f"this upload would exceed the account's quota of {quota} bytes",
            )

    def _reserve_inline(self, user_id: bytes, items: list[m.InlineContent]) -> None:
        """Reserve content ids for inline files in one transaction, before their bytes are written.

        The reservation is an upload row without chunk rows: it keeps the id from being taken
        (or its blob overwritten) meanwhile, and cannot be committed by anything but the folder
        transaction that carried the bytes.
        """
        for item in items:
            try:
                ContentLayout(len(item.header), item.chunk_size, 1, _inline_size(item))
            except ValueError as exc:
                raise ServiceError(ErrorCode.BAD_REQUEST, str(exc)) from exc
        ids = [item.content_id for item in items]
        if len(set(ids)) != len(ids):
            raise ServiceError(ErrorCode.INVALID_TRANSACTION, "duplicate inline content ids")
        with self._engine.begin() as conn:
            account = lock_account(conn, user_id)
            for batch in batched(ids):
                taken = (
                    conn.execute(
                        select(contents.c.content_id).where(contents.c.content_id.in_(batch))
                    ).first()
                    or conn.execute(
                        select(uploads.c.content_id).where(uploads.c.content_id.in_(batch))
                    ).first()
                )
                if taken:
                    raise ServiceError(ErrorCode.ID_TAKEN, "content id is already in use")
            self._check_quota(conn, user_id, account.quota_bytes, sum(map(_inline_size, items)))
            conn.execute(
                insert(uploads),
                [
                    {
                        "content_id": item.content_id,
                        "owner_id": user_id,
                        "header": item.header,
                        "chunk_size": item.chunk_size,
                        "chunk_count": 1,
                        "total_size": _inline_size(item),
                        "received_bytes": len(item.chunk),
                        "touched_at": self._now(),
                    }
                    for item in items
                ],
            )

    async def store_inline(self, user_id: bytes, items: list[m.InlineContent]) -> None:
        """Reserve and write inline contents; the folder transaction then commits them."""
        await to_thread.run_sync(partial(self._reserve_inline, user_id, items))
        await self._blobs.put_many([(chunk_key(i.content_id, 0), i.chunk) for i in items])

    async def open(self, user_id: bytes, req: m.UploadOpenRequest) -> m.UploadView:
        return await to_thread.run_sync(partial(self._open, user_id, req))

    # Inspecting

    def _view(self, conn: Connection, user_id: bytes, content_id: bytes) -> m.UploadView:
        row = conn.execute(
            select(uploads).where(
                (uploads.c.content_id == content_id) & (uploads.c.owner_id == user_id)
            )
        ).first()
        if row is None:
            raise not_found("upload")
        present: list[int] = list(
            conn.execute(
                select(upload_chunks.c.chunk_index)
                .where(upload_chunks.c.content_id == content_id)
                .order_by(upload_chunks.c.chunk_index)
            ).scalars()
        )
        return m.UploadView(
            content_id=content_id,
            chunk_size=row.chunk_size,
            chunk_count=row.chunk_count,
            total_size=row.total_size,
            present=present,
            received_bytes=row.received_bytes,
            expires_at=row.touched_at + self._settings.upload_ttl_seconds,
        )

    def _status(self, user_id: bytes, content_id: bytes) -> m.UploadView:
        with read_only(self._engine) as conn:
            return self._view(conn, user_id, content_id)

    async def status(self, user_id: bytes, content_id: bytes) -> m.UploadView:
        return await to_thread.run_sync(partial(self._status, user_id, content_id))

    # Chunks

    def _chunk_state(self, user_id: bytes, content_id: bytes, index: int) -> tuple[int, bool]:
        """The chunk's required length and whether it is already stored."""
        with read_only(self._engine) as conn:
            row = conn.execute(
                select(
                    uploads.c.header,
                    uploads.c.chunk_size,
                    uploads.c.chunk_count,
                    uploads.c.total_size,
                ).where((uploads.c.content_id == content_id) & (uploads.c.owner_id == user_id))
            ).first()
            if row is None:
                raise not_found("upload")
            stored = conn.execute(
                select(upload_chunks.c.chunk_index).where(
                    (upload_chunks.c.content_id == content_id)
                    & (upload_chunks.c.chunk_index == index)
                )
            ).first()
        try:
            return layout_of(row).chunk_length(index), stored is not None
        except ValueError as exc:
            raise ServiceError(ErrorCode.BAD_REQUEST, str(exc)) from exc

    def _record_chunk(self, user_id: bytes, content_id: bytes, index: int, size: int) -> None:
        with self._engine.begin() as conn:
            changed = conn.execute(
                update(uploads)
                .where((uploads.c.content_id == content_id) & (uploads.c.owner_id == user_id))
                .values(
                    received_bytes=uploads.c.received_bytes + size,
                    touched_at=self._now(),
                )
            ).rowcount
            if changed == 0:
                # Committed, aborted or expired meanwhile; a stray blob is the collector's job.
                raise not_found("upload")
            known = conn.execute(
                select(upload_chunks.c.chunk_index).where(
                    (upload_chunks.c.content_id == content_id)
                    & (upload_chunks.c.chunk_index == index)
                )
            ).first()
            if known is None:
                conn.execute(
                    insert(upload_chunks).values(
                        content_id=content_id, chunk_index=index, size=size
                    )
                )

    async def put_chunk(
        self,
        user_id: bytes,
        content_id: bytes,
        index: int,
        body: AsyncIterable[bytes] | bytes,
        declared_length: int | None = None,
    ) -> m.ChunkReceipt:
        expected, stored = await to_thread.run_sync(
            partial(self._chunk_state, user_id, content_id, index)
        )
        if declared_length is not None and declared_length != expected:
            raise WrongLength(expected)
        if isinstance(body, bytes):
            if len(body) != expected:
                raise WrongLength(expected)
            if not stored:
                await self._blobs.put(chunk_key(content_id, index), body)
        elif stored:
            # Chunks are write-once: a repeat is read, checked and dropped, so a late duplicate
            # can never change bytes that a commit has already made part of a content object.
            async for _piece in _exactly(body, expected):
                pass
        else:
            await self._blobs.put(chunk_key(content_id, index), _exactly(body, expected))
        await to_thread.run_sync(partial(self._record_chunk, user_id, content_id, index, expected))
        return m.ChunkReceipt(index=index, size=expected)

    # Aborting

    def _forget(self, user_id: bytes, content_id: bytes) -> int:
        with self._engine.begin() as conn:
            count = conn.execute(
                select(uploads.c.chunk_count).where(
                    (uploads.c.content_id == content_id) & (uploads.c.owner_id == user_id)
                )
            ).scalar()
            if count is None:
                raise not_found("upload")
            conn.execute(delete(upload_chunks).where(upload_chunks.c.content_id == content_id))
            conn.execute(delete(uploads).where(uploads.c.content_id == content_id))
        return int(count)

    async def abort(self, user_id: bytes, content_id: bytes) -> None:
        count = await to_thread.run_sync(partial(self._forget, user_id, content_id))
        await delete_chunks(self._blobs, content_id, count)


async def delete_chunks(blobs: BlobStore, content_id: bytes, chunk_count: int) -> None:
    for index in range(chunk_count):
        await blobs.delete(chunk_key(content_id, index))


def _inline_size(item: m.InlineContent) -> int:
    return len(item.header) + len(item.chunk)


def commit_upload(
    conn: Connection, user_id: bytes, content_id: bytes, *, inline: bool = False
) -> int:
    """Turn a complete upload of ``user_id`` into a content object inside the caller's transaction.

    Returns the content's size. Raises NOT_FOUND for an upload that is not the caller's and
    UPLOAD_INCOMPLETE while chunks are missing.
    """
    row = conn.execute(
        select(uploads)
        .where((uploads.c.content_id == content_id) & (uploads.c.owner_id == user_id))
        .with_for_update()
    ).first()
    if row is None:
        raise not_found("upload")
    present = conn.execute(
        select(func.count()).where(upload_chunks.c.content_id == content_id)
    ).scalar_one()
    # An inline reservation has no chunk rows; its one chunk was written before this transaction.
    if inline:
        present = row.chunk_count
    if present != row.chunk_count:
        raise ServiceError(
            ErrorCode.UPLOAD_INCOMPLETE,
            f"upload has {present} of {row.chunk_count} chunks",
        )
    conn.execute(delete(upload_chunks).where(upload_chunks.c.content_id == content_id))
    conn.execute(delete(uploads).where(uploads.c.content_id == content_id))
    conn.execute(
        insert(contents).values(
            content_id=content_id,
            header=row.header,
            chunk_size=row.chunk_size,
            chunk_count=row.chunk_count,
            total_size=row.total_size,
        )
    )
    return int(row.total_size)


def commit_inline(conn: Connection, user_id: bytes, content_ids: list[bytes]) -> None:
    """Turn ``user_id``'s inline reservations into content objects inside the caller's
    transaction, a few statements per batch of ids rather than per file (a folder transaction may
    carry thousands of small files). The same rule as :func:`commit_upload` with ``inline=True``:
    every id must be a reservation of the caller's, or the whole transaction is NOT_FOUND."""
    for batch in batched(content_ids):
        rows = conn.execute(
            select(uploads)
            .where((uploads.c.content_id.in_(batch)) & (uploads.c.owner_id == user_id))
            .with_for_update()
        ).all()
        if len(rows) != len(set(batch)):
            raise not_found("upload")
        conn.execute(delete(upload_chunks).where(upload_chunks.c.content_id.in_(batch)))
        conn.execute(delete(uploads).where(uploads.c.content_id.in_(batch)))
        conn.execute(
            insert(contents),
            [
                {
                    "content_id": row.content_id,
                    "header": row.header,
                    "chunk_size": row.chunk_size,
                    "chunk_count": row.chunk_count,
                    "total_size": row.total_size,
                }
                for row in rows
            ],
        )
