# SPDX-License-Identifier: AGPL-3.0-or-later
"""Reading content objects: who may, and streaming their bytes from the blob store (or, for
inline contents, from the database: ``db/inline_chunks.py``).

Authorisation lives in ``readable_content`` alone: a content object is readable by an account that
references it through a node or a version, by a member of a share whose subtree references it, and
through a link whose subtree references it.
"""

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from functools import partial

from anyio import to_thread

from sealbox.protocol.content_layout import ContentLayout
from sealbox.server.blobs.base import BlobStore, FileSpan, file_spans
from sealbox.server.blobs.keys import chunk_key
from sealbox.server.db import contents, inline_chunks
from sealbox.server.db.engine import Connection, Engine, read_only
from sealbox.server.errors import not_found
from sealbox.server.services.links import LinkService
from sealbox.server.services.shares import ShareService


@dataclass(frozen=True, slots=True)
class ContentInfo:
    content_id: bytes
    header: bytes
    layout: ContentLayout

    @property
    def size(self) -> int:
        return self.layout.total_size


def _info(stored: contents.StoredContent) -> ContentInfo:
    return ContentInfo(content_id=stored.content_id, header=stored.header, layout=stored.layout)


class ContentService:
    def __init__(
        self, engine: Engine, blobs: BlobStore, links: LinkService, shares: ShareService
    ) -> None:
        self._engine = engine
        self._blobs = blobs
        self._spans = file_spans(blobs)
        self._links = links
        self._shares = shares

    def _readable_content(
        self,
        user_id: bytes | None,
        content_id: bytes,
        via_link: bytes | None,
        via_share: bytes | None,
    ) -> ContentInfo:
        with read_only(self._engine) as conn:
            info = self._lookup(conn, user_id, content_id, via_link, via_share)
        if info is None:
            raise not_found("content")
        return info

    def _lookup(
        self,
        conn: Connection,
        user_id: bytes | None,
        content_id: bytes,
        via_link: bytes | None,
        via_share: bytes | None,
    ) -> ContentInfo | None:
        if via_link is not None:
            if not self._links.reaches_content(conn, via_link, content_id):
                return None
        elif via_share is not None:
            if user_id is None or not self._shares.reaches_content(
                conn, user_id, via_share, content_id
            ):
                return None
        else:
            found = contents.owned(conn, user_id, [content_id]).get(content_id)
            return None if found is None else _info(found)
        stored = contents.find(conn, content_id)
        return None if stored is None else _info(stored)

    def _readable_contents(self, user_id: bytes, ids: list[bytes]) -> list[ContentInfo | None]:
        with read_only(self._engine) as conn:
            owned = contents.owned(conn, user_id, ids)
        return [_info(owned[i]) if i in owned else None for i in ids]

    async def readable_contents(
        self, user_id: bytes, content_ids: list[bytes]
    ) -> list[ContentInfo | None]:
        """For each id, the content if ``user_id`` may read it through its own nodes, versions or
        drops (exactly the single-content rule), else None; one snapshot for the whole batch."""
        return await to_thread.run_sync(partial(self._readable_contents, user_id, content_ids))

    async def readable_content(
        self,
        user_id: bytes | None,
        content_id: bytes,
        *,
        via_link: bytes | None = None,
        via_share: bytes | None = None,
    ) -> ContentInfo:
        """The content if ``user_id`` may read it: through its own nodes, through the share
        ``via_share`` it is a member of, or (anyone) through the link ``via_link``. NOT_FOUND
        otherwise, missing or not, and the link's own refusals (expired, used up)."""
        return await to_thread.run_sync(
            partial(self._readable_content, user_id, content_id, via_link, via_share)
        )

    def _find_inline(self, content_ids: list[bytes]) -> dict[bytes, bytes]:
        with read_only(self._engine) as conn:
            return inline_chunks.find_many(conn, content_ids)

    async def _inline(self, infos: list[ContentInfo]) -> dict[bytes, bytes]:
        """The chunks of ``infos`` kept in the database (inline contents, which have one chunk);
        every other chunk is in the blob store."""
        ids = [i.content_id for i in infos if i.layout.chunk_count == 1]
        return await to_thread.run_sync(self._find_inline, ids) if ids else {}

    async def _chunk(
        self, info: ContentInfo, index: int, start: int, end: int | None, as_files: bool = False
    ) -> AsyncIterator[bytes | FileSpan]:
        """Bytes ``[start, end)`` of chunk ``index`` (to its end when ``end`` is None)."""
        kept = (await self._inline([info])).get(info.content_id) if index == 0 else None
        if kept is not None:
            yield kept[start:end]
            return
        key = chunk_key(info.content_id, index)
        if as_files and self._spans is not None:
            yield await self._spans.open_span(key, start, end)
            return
        async for piece in self._blobs.get(key, start, end):
            yield piece

    @property
    def serves_files(self) -> bool:
        """Whether ``stream`` can hand over chunks as open files (``as_files``)."""
        return self._spans is not None

    async def stream(
        self, info: ContentInfo, start: int, end: int, *, as_files: bool = False
    ) -> AsyncIterator[bytes | FileSpan]:
        """Bytes ``[start, end)`` of the content object ``header ‖ chunks``. With ``as_files``
        (only where ``serves_files``), each chunk in the blob store comes as one open FileSpan,
        which the caller closes; the header and inline chunks still come as bytes."""
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
            async for piece in self._chunk(info, index, pos - offset, stop, as_files):
                yield piece
            pos = offset + stop

    async def read_whole(self, infos: list[ContentInfo]) -> list[bytes]:
        """Small content objects read whole (``header ‖ chunks``): the chunks of inline contents
        in one query, all others in one request to the blob store; the batch download's answers."""
        kept = await self._inline(infos)
        stored = [i for i in infos if i.content_id not in kept]
        keys = [chunk_key(i.content_id, n) for i in stored for n in range(i.layout.chunk_count)]
        chunks: Iterator[bytes] = iter(await self._blobs.get_many(keys) if keys else [])
        return [
            info.header + kept[info.content_id]
            if info.content_id in kept
            else b"".join([info.header, *(next(chunks) for _ in range(info.layout.chunk_count))])
            for info in infos
        ]

    def chunk(
        self, info: ContentInfo, index: int, *, as_files: bool = False
    ) -> AsyncIterator[bytes | FileSpan]:
        return self._chunk(info, index, 0, None, as_files)
