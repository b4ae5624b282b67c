# SPDX-License-Identifier: AGPL-3.0-or-later
"""Direct transfers (spec/http-api.md §6.6): presigned store URLs for the chunks of uploads and
contents, and the recording of chunks that clients stored through them.

The server moves no chunk bytes here: it signs URLs (a few HMACs each, blobs/presign.py) and
looks at the store once per confirmation (one listing of the upload's chunk keys), then records
what it found exactly as a chunk received through the API is recorded, so the commit checks
presence and size the same way whichever route the bytes took.
"""

from collections.abc import Callable
from functools import partial

from anyio import to_thread

from sealbox.protocol import models as m
from sealbox.protocol.content_layout import ContentLayout
from sealbox.protocol.errors import ErrorCode
from sealbox.server.blobs.base import BlobStore, DirectLinks
from sealbox.server.blobs.keys import chunk_key
from sealbox.server.clock import Clock
from sealbox.server.db import uploads
from sealbox.server.db.engine import Connection, Engine, read_only, writing
from sealbox.server.errors import ServiceError, not_found

UploadViewer = Callable[[Connection, bytes, bytes], m.UploadView]


class DirectTransfers:
    def __init__(
        self,
        engine: Engine,
        blobs: BlobStore,
        links: DirectLinks,
        clock: Clock,
        view: UploadViewer,
    ) -> None:
        self._engine = engine
        self._blobs = blobs
        self._links = links
        self._clock = clock
        self._view = view

    def _sizes(self, user_id: bytes, content_id: bytes, indexes: list[int]) -> dict[int, int]:
        if len(set(indexes)) != len(indexes):
            raise ServiceError(ErrorCode.BAD_REQUEST, "a chunk index is named twice")
        with read_only(self._engine) as conn:
            found = uploads.find_own(conn, user_id, content_id)
        if found is None:
            raise not_found("upload")
        try:
            return {index: found.layout.chunk_length(index) for index in indexes}
        except ValueError as exc:
            raise ServiceError(ErrorCode.BAD_REQUEST, str(exc)) from exc

    async def puts(self, user_id: bytes, content_id: bytes, indexes: list[int]) -> m.DirectPuts:
        """Presigned PUT URLs for chunks of ``user_id``'s upload, each bound to its key and exact
        length and refused by the store once the chunk exists."""
        links = self._links
        sizes = await to_thread.run_sync(partial(self._sizes, user_id, content_id, indexes))
        now = self._clock.now()
        return m.DirectPuts(
            expires_at=int(now) + links.lifetime,
            chunks=[
                m.DirectUrl(index=i, url=links.put_url(chunk_key(content_id, i), n, now), size=n)
                for i, n in sizes.items()
            ],
        )

    async def confirm(self, user_id: bytes, content_id: bytes, indexes: list[int]) -> m.UploadView:
        """Record the named chunks that the store holds with exactly their length; a chunk the
        store lacks stays missing (the view says which). One listing, not a request per chunk."""
        sizes = await to_thread.run_sync(partial(self._sizes, user_id, content_id, indexes))
        prefix = chunk_key(content_id, 0).rpartition("/")[0] + "/"
        found = {info.key: info.size async for info in self._blobs.list(prefix)}
        arrived = {i: n for i, n in sizes.items() if chunk_key(content_id, i) in found}
        for index, size in arrived.items():
            if found[chunk_key(content_id, index)] != size:
                # Not what the signed URL allows; whatever put it there, it is not the chunk.
                await self._blobs.delete(chunk_key(content_id, index))
                raise ServiceError(ErrorCode.WRONG_LENGTH, f"chunk must be exactly {size} bytes")
        return await to_thread.run_sync(partial(self._record_direct, user_id, content_id, arrived))

    def gets(
        self, content_id: bytes, header: bytes, layout: ContentLayout, span: m.ChunkSpan
    ) -> m.DirectGets:
        """Presigned GET URLs for a span of chunks of a content the caller may read."""
        links = self._links
        if span.start >= layout.chunk_count:
            raise not_found("chunk")
        indexes = range(span.start, min(span.start + span.count, layout.chunk_count))
        now = self._clock.now()
        return m.DirectGets(
            header=header,
            total_size=layout.total_size,
            expires_at=int(now) + links.lifetime,
            chunks=[
                m.DirectUrl(
                    index=index,
                    url=links.get_url(chunk_key(content_id, index), now),
                    size=layout.chunk_length(index),
                )
                for index in indexes
            ],
        )

    def _record_direct(
        self, user_id: bytes, content_id: bytes, arrived: dict[int, int]
    ) -> m.UploadView:
        with writing(self._engine) as conn:
            # Locked first, so two confirmations of the same chunks cannot both insert them.
            if uploads.find_own(conn, user_id, content_id, lock=True) is None:
                raise not_found("upload")
            stored = set(uploads.present(conn, content_id))
            new = {index: size for index, size in arrived.items() if index not in stored}
            if not uploads.record_chunks(conn, user_id, content_id, new, int(self._clock.now())):
                raise not_found("upload")
            return self._view(conn, user_id, content_id)
