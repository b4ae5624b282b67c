"""Reading content objects: who may, and streaming their bytes from the blob store.

Authorisation lives in ``readable_content`` alone, so that shares and links (a later issue) extend
one function instead of every route.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import partial

from anyio import to_thread
from sqlalchemy import Engine, exists, select

from sealbox.protocol.content_layout import ContentLayout
from sealbox.server.blobs.base import BlobStore
from sealbox.server.blobs.keys import chunk_key
from sealbox.server.db.engine import read_only
from sealbox.server.db.schema import contents, nodes, versions
from sealbox.server.errors import not_found
from sealbox.server.services.uploads import layout_of


@dataclass(frozen=True, slots=True)
class ContentInfo:
    content_id: bytes
    header: bytes
    layout: ContentLayout

    @property
    def size(self) -> int:
        return self.layout.total_size


class ContentService:
    def __init__(self, engine: Engine, blobs: BlobStore) -> None:
        self._engine = engine
        self._blobs = blobs

    def _readable_content(self, user_id: bytes, content_id: bytes) -> ContentInfo:
        referenced = exists().where(
            (nodes.c.owner_id == user_id) & (nodes.c.content_id == content_id)
        ) | exists().where((versions.c.owner_id == user_id) & (versions.c.content_id == content_id))
        with read_only(self._engine) as conn:
            row = conn.execute(
                select(contents).where((contents.c.content_id == content_id) & referenced)
            ).first()
        if row is None:
            raise not_found("content")
        return ContentInfo(content_id=content_id, header=row.header, layout=layout_of(row))

    async def readable_content(self, user_id: bytes, content_id: bytes) -> ContentInfo:
        """The content if ``user_id`` may read it; NOT_FOUND otherwise, missing or not."""
        return await to_thread.run_sync(partial(self._readable_content, user_id, content_id))

    async def stream(self, info: ContentInfo, start: int, end: int) -> AsyncIterator[bytes]:
        """Bytes ``[start, end)`` of the content object ``header ‖ chunks``."""
        layout = info.layout
        pos = start
        if pos < layout.header_size:
            stop = min(end, layout.header_size)
            yield info.header[pos:stop]
            pos = stop
        while pos < end:
            index = (pos - layout.header_size) // layout.full_chunk
            offset = layout.chunk_offset(index)
            stop = min(end - offset, layout.chunk_length(index))
            async for piece in self._blobs.get(
                chunk_key(info.content_id, index), pos - offset, stop
            ):
                yield piece
            pos = offset + stop

    def chunk(self, info: ContentInfo, index: int) -> AsyncIterator[bytes]:
        return self._blobs.get(chunk_key(info.content_id, index))
