# SPDX-License-Identifier: AGPL-3.0-or-later
"""Resumable chunked uploads.

An upload reserves a content id and declares the object's geometry. Chunks arrive in any order, in
parallel, as often as the client likes (a repeat replaces the chunk atomically), and stream straight
to the blob store, checked against the declared length before they become visible. Nothing of an
upload is visible in the drive until a folder transaction commits it; uploads left alone expire and
the collector deletes them. Inline files (sent inside a folder transaction) are not uploads: the
transaction checks them here and stores them with its commit (``commit_inline``).
"""

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from functools import partial

from anyio import to_thread

from sealbox.protocol import models as m
from sealbox.protocol.content_layout import ContentLayout
from sealbox.protocol.errors import ErrorCode
from sealbox.server.blobs.base import BlobStore, StagedBlob, direct_links, staging
from sealbox.server.blobs.keys import chunk_key
from sealbox.server.clock import Clock
from sealbox.server.db import accounts, contents, inline_chunks, uploads
from sealbox.server.db.batching import batched
from sealbox.server.db.engine import Connection, Engine, read_only, writing
from sealbox.server.errors import ServiceError, not_found
from sealbox.server.services.direct_transfers import DirectTransfers
from sealbox.server.services.enforcement import refuse_removed_content
from sealbox.server.services.group_commit import GroupCommit
from sealbox.server.services.metrics import Metrics
from sealbox.server.settings import Settings


class WrongLength(ServiceError):
    def __init__(self, expected: int) -> None:
        super().__init__(ErrorCode.WRONG_LENGTH, f"chunk must be exactly {expected} bytes")


class _Exactly:
    """The body passed through, raising before its end if it is longer or shorter than
    ``expected``: as a stream of pieces, or, when the body can fill a buffer itself (``readinto``
    not None), through that."""

    def __init__(self, body: AsyncIterable[bytes], expected: int) -> None:
        self._body = body
        self._expected = expected
        self._left = expected  # what readinto may still deliver
        self._fill = getattr(body, "readinto", None)
        self.readinto = None if self._fill is None else self._readinto

    async def __aiter__(self) -> AsyncIterator[bytes]:
        seen = 0
        async for piece in self._body:
            seen += len(piece)
            if seen > self._expected:
                raise WrongLength(self._expected)
            yield piece
        if seen != self._expected:
            raise WrongLength(self._expected)

    async def _readinto(self, buffer: memoryview) -> int:
        assert self._fill is not None
        filled: int = await self._fill(buffer)
        self._left -= filled
        if self._left < 0 or (filled == 0 and self._left and buffer):
            raise WrongLength(self._expected)
        return filled


@dataclass(frozen=True, slots=True)
class ChunkState:
    length: int  # the length the upload's layout requires of the chunk
    stored: bool  # already received (chunks are write-once)


def chunk_state(conn: Connection, user_id: bytes, content_id: bytes, index: int) -> ChunkState:
    """The state of chunk ``index`` of ``user_id``'s upload ``content_id``: ``not_found`` when
    there is no such upload of theirs, ``bad_request`` for an index outside its layout."""
    found = uploads.find_own_and_chunk(conn, user_id, content_id, index)
    if found is None:
        raise not_found("upload")
    upload, stored = found
    try:
        return ChunkState(upload.layout.chunk_length(index), stored)
    except ValueError as exc:
        raise ServiceError(ErrorCode.BAD_REQUEST, str(exc)) from exc


@dataclass(frozen=True, slots=True)
class _Arrival:
    """A chunk received in full, waiting for the group commit that makes it durable."""

    owner: bytes
    content_id: bytes
    index: int
    size: int
    staged: StagedBlob | None  # None: already stored (a repeat, or a store without staging)


def _id_taken() -> ServiceError:
    return ServiceError(ErrorCode.ID_TAKEN, "content id is already in use")


class UploadService:
    def __init__(
        self,
        engine: Engine,
        blobs: BlobStore,
        clock: Clock,
        settings: Settings,
        metrics: Metrics | None = None,
    ) -> None:
        self._engine = engine
        self._blobs = blobs
        self._clock = clock
        self._settings = settings
        self._metrics = metrics or Metrics()
        links = direct_links(blobs)
        # Direct transfers (spec/http-api.md §6.6), when the store offers them.
        self.direct = (
            None if links is None else DirectTransfers(engine, blobs, links, clock, self._view)
        )
        self._staging = staging(blobs)
        self.arrivals: GroupCommit[_Arrival, None] = GroupCommit(
            self._commit_arrivals, self._forget_arrival
        )

    def _now(self) -> int:
        return int(self._clock.now())

    # Opening

    def _open(
        self, user_id: bytes, req: m.UploadOpenRequest, payer: bytes | None = None
    ) -> m.UploadView:
        """Open (or reopen) ``user_id``'s upload. ``payer`` is the account whose quota it is
        checked against: the caller's own, or a share owner's for a write member's upload into
        that share (the owner is charged once it is committed)."""
        try:
            ContentLayout(len(req.header), req.chunk_size, req.chunk_count, req.total_size)
        except ValueError as exc:
            raise ServiceError(ErrorCode.BAD_REQUEST, str(exc)) from exc
        new = uploads.Upload(
            content_id=req.content_id,
            owner_id=user_id,
            header=req.header,
            chunk_size=req.chunk_size,
            chunk_count=req.chunk_count,
            total_size=req.total_size,
            received_bytes=0,
            touched_at=self._now(),
        )
        payer = payer or user_id
        with writing(self._engine) as conn:
            account = accounts.lock(conn, payer)
            refuse_removed_content(conn, [req.content_id])
            existing = uploads.find(conn, req.content_id)
            if existing is not None:
                same = (existing.owner_id, existing.header, existing.chunk_size) == (
                    user_id,
                    req.header,
                    req.chunk_size,
                ) and (existing.chunk_count, existing.total_size) == (
                    req.chunk_count,
                    req.total_size,
                )
                if not same:
                    raise _id_taken()
                # Opening the same upload again is how a client resumes: report what is there.
                return self._view(conn, user_id, req.content_id)
            if uploads.content_exists(conn, req.content_id):
                raise _id_taken()
            self._check_quota(conn, payer, account.quota_bytes, req.total_size)
            try:
                uploads.add(conn, [new], guarded=True)
            except uploads.IdTaken as exc:
                raise _id_taken() from exc
            return self._view(conn, user_id, req.content_id)

    def _check_quota(
        self, conn: Connection, user_id: bytes, own_quota: int | None, adding: int
    ) -> None:
        """Refuse, before any byte is stored, uploads that would take the account over quota."""
        quota = own_quota if own_quota is not None else self._settings.default_quota
        if quota is None:
            return
        pending = uploads.pending_bytes(conn, user_id)
        if accounts.usage(conn, user_id) + pending + adding > quota:
            raise ServiceError(
                ErrorCode.QUOTA_EXCEEDED,
                f"this upload would exceed the account's quota of {quota} bytes",
            )

    def check_inline(
        self,
        conn: Connection,
        user_id: bytes,
        items: list[m.InlineContent],
        payer: bytes | None = None,
    ) -> None:
        """Check inline files inside the folder transaction that carries them and then commits
        them (``commit_inline``), as an upload's opening is checked: a valid layout, ids that are
        distinct and free, and room in ``payer``'s quota (whose account row this locks)."""
        for item in items:
            try:
                ContentLayout(len(item.header), item.chunk_size, 1, _inline_size(item))
            except ValueError as exc:
                raise ServiceError(ErrorCode.BAD_REQUEST, str(exc)) from exc
        ids = [item.content_id for item in items]
        if len(set(ids)) != len(ids):
            raise ServiceError(ErrorCode.INVALID_TRANSACTION, "duplicate inline content ids")
        payer = payer or user_id
        account = accounts.lock(conn, payer)
        if uploads.any_taken(conn, ids):
            raise _id_taken()
        self._check_quota(conn, payer, account.quota_bytes, sum(map(_inline_size, items)))

    async def open(
        self, user_id: bytes, req: m.UploadOpenRequest, payer: bytes | None = None
    ) -> m.UploadView:
        return await to_thread.run_sync(partial(self._open, user_id, req, payer))

    # Inspecting

    def _view(self, conn: Connection, user_id: bytes, content_id: bytes) -> m.UploadView:
        found = uploads.find_own(conn, user_id, content_id)
        if found is None:
            raise not_found("upload")
        return m.UploadView(
            content_id=content_id,
            chunk_size=found.chunk_size,
            chunk_count=found.chunk_count,
            total_size=found.total_size,
            present=uploads.present(conn, content_id),
            received_bytes=found.received_bytes,
            expires_at=found.touched_at + self._settings.upload_ttl_seconds,
            direct=self.direct is not None,
        )

    def _status(self, user_id: bytes, content_id: bytes) -> m.UploadView:
        with read_only(self._engine) as conn:
            return self._view(conn, user_id, content_id)

    async def status(self, user_id: bytes, content_id: bytes) -> m.UploadView:
        return await to_thread.run_sync(partial(self._status, user_id, content_id))

    # Chunks

    def _chunk_state(self, user_id: bytes, content_id: bytes, index: int) -> ChunkState:
        with read_only(self._engine) as conn:
            return chunk_state(conn, user_id, content_id, index)

    async def put_chunk(
        self,
        user_id: bytes,
        content_id: bytes,
        index: int,
        body: AsyncIterable[bytes] | bytes,
        declared_length: int | None = None,
        state: ChunkState | None = None,
    ) -> m.ChunkReceipt:
        """Store one chunk of ``user_id``'s upload, whichever route it came through (the
        account's own or a drop's), and count it in the metrics. The receipt is returned only
        once the chunk's bytes and its row are durable, in a group commit shared with the chunks
        that arrived meanwhile. ``state``: the chunk's state, when the caller read it already
        (with its authentication, ``AccountService.authenticate_and_read``)."""
        if state is None:
            state = await to_thread.run_sync(partial(self._chunk_state, user_id, content_id, index))
        expected, stored = state.length, state.stored
        if declared_length is not None and declared_length != expected:
            raise WrongLength(expected)
        key = chunk_key(content_id, index)
        staged = None
        if isinstance(body, bytes):
            if len(body) != expected:
                raise WrongLength(expected)
            if not stored:
                staged = await self._store(key, body)
        elif stored:
            # Chunks are write-once: a repeat is read, checked and dropped, so a late duplicate
            # can never change bytes that a commit has already made part of a content object.
            async for _piece in _Exactly(body, expected):
                pass
        else:
            staged = await self._store(key, _Exactly(body, expected))
        await self.arrivals.submit(_Arrival(user_id, content_id, index, expected, staged))
        self._metrics.chunk_received(expected)
        return m.ChunkReceipt(index=index, size=expected)

    async def _store(self, key: str, data: AsyncIterable[bytes] | bytes) -> StagedBlob | None:
        """Stage the chunk where the store can publish a group at once, else store it now."""
        if self._staging is None:
            await self._blobs.put(key, data)
            return None
        return await self._staging.stage(key, data)

    async def _commit_arrivals(self, arrivals: list[_Arrival]) -> list[Exception | None]:
        """One group: every staged chunk made durable and visible behind one barrier, then every
        chunk's row in one transaction."""
        staged = [arrival.staged for arrival in arrivals if arrival.staged is not None]
        record = partial(self._record_arrivals, arrivals)
        if staged:
            assert self._staging is not None
            return await self._staging.publish_then(staged, record)
        return await to_thread.run_sync(record)

    def _record_arrivals(self, arrivals: list[_Arrival]) -> list[Exception | None]:
        now = self._now()
        with writing(self._engine) as conn:
            return [
                None
                if uploads.record_chunk(conn, a.owner, a.content_id, a.index, a.size, now)
                # Committed, aborted or expired meanwhile; a stray blob is the collector's job.
                else not_found("upload")
                for a in arrivals
            ]

    async def _forget_arrival(self, arrival: _Arrival) -> None:
        if arrival.staged is not None and self._staging is not None:
            await self._staging.discard([arrival.staged])

    # Aborting

    def _forget(self, user_id: bytes, content_id: bytes) -> int:
        with writing(self._engine) as conn:
            count = uploads.chunk_count_of_own(conn, user_id, content_id)
            if count is None:
                raise not_found("upload")
            uploads.forget(conn, [content_id])
        return count

    async def abort(self, user_id: bytes, content_id: bytes) -> None:
        count = await to_thread.run_sync(partial(self._forget, user_id, content_id))
        await delete_chunks(self._blobs, content_id, count)


async def delete_chunks(blobs: BlobStore, content_id: bytes, chunk_count: int) -> None:
    for index in range(chunk_count):
        await blobs.delete(chunk_key(content_id, index))


def _inline_size(item: m.InlineContent) -> int:
    return len(item.header) + len(item.chunk)


def commit_upload(conn: Connection, user_id: bytes, content_id: bytes) -> int:
    """Turn a complete upload of ``user_id`` into a content object inside the caller's transaction.

    Returns the content's size. Raises NOT_FOUND for an upload that is not the caller's and
    UPLOAD_INCOMPLETE while chunks are missing.
    """
    found = uploads.find_own(conn, user_id, content_id, lock=True)
    if found is None:
        raise not_found("upload")
    present = uploads.stored_chunks(conn, content_id)
    if present != found.chunk_count:
        raise ServiceError(
            ErrorCode.UPLOAD_INCOMPLETE,
            f"upload has {present} of {found.chunk_count} chunks",
        )
    uploads.make_contents(conn, [found])
    return found.total_size


def commit_inline(conn: Connection, items: list[m.InlineContent]) -> None:
    """Make content objects of inline files (checked by ``check_inline`` in the same
    transaction) and store their chunks in the database beside them (``db/inline_chunks.py``):
    durable exactly when the folder transaction is, with no file per content, and nothing to undo
    when it fails. A few statements per batch rather than per file (a folder transaction may carry
    thousands of small files)."""
    for batch in batched(items):
        made = [
            contents.StoredContent(
                content_id=item.content_id,
                header=item.header,
                chunk_size=item.chunk_size,
                chunk_count=1,
                total_size=_inline_size(item),
            )
            for item in batch
        ]
        uploads.add_contents(conn, made)
        inline_chunks.add(conn, [(i.content_id, i.chunk) for i in batch])
