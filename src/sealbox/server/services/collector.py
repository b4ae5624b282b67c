# SPDX-License-Identifier: AGPL-3.0-or-later
"""Garbage collection: expired uploads, content objects nothing references, and orphan blobs.

Content objects are shared (a copy reuses its source's content id), so one is deleted only when no
node and no version of any account references it. The database decides: a content row is deleted
only where no reference exists, and the foreign keys from nodes and versions make a concurrent new
reference either wait for the delete or make it fail, never dangle. Blobs go after their row, so a
crash in between leaves orphan blobs, which the sweep removes.

Each run is guarded by a lease row so that, once several servers share a database, only one of them
collects at a time.
"""

import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial

from anyio import to_thread

from sealbox.server.blobs.base import BlobStore
from sealbox.server.blobs.keys import CHUNK_PREFIX, content_of_chunk_key
from sealbox.server.clock import Clock
from sealbox.server.db import collection, uploads
from sealbox.server.db.batching import batched
from sealbox.server.db.engine import Engine, read_only, writing
from sealbox.server.services.uploads import delete_chunks

log = logging.getLogger("sealbox.collector")

LEASE_NAME = "collect"
LEASE_SECONDS = 3600


@dataclass(slots=True)
class CollectReport:
    expired_uploads: int = 0
    idle_sessions: int = 0
    expired_links: int = 0
    deleted_contents: int = 0
    orphan_blobs: int = 0
    skipped: bool = False
    details: list[str] = field(default_factory=list)


class Collector:
    def __init__(
        self,
        engine: Engine,
        blobs: BlobStore,
        clock: Clock,
        upload_ttl: int,
        session_idle_days: int,
        blob_grace_seconds: int = 0,
    ) -> None:
        self._blob_grace = blob_grace_seconds
        self._upload_ttl = upload_ttl
        self._session_idle_days = session_idle_days
        self._engine = engine
        self._blobs = blobs
        self._clock = clock
        self._holder = secrets.token_hex(8)

    # The lease

    def _take_lease(self) -> bool:
        now = int(self._clock.now())
        with writing(self._engine) as conn:
            return collection.take_lease(conn, LEASE_NAME, self._holder, now, LEASE_SECONDS)

    def _release_lease(self) -> None:
        with writing(self._engine) as conn:
            collection.release_lease(conn, LEASE_NAME, self._holder)

    # Expired uploads

    def _expire_uploads(self) -> list[tuple[bytes, int]]:
        now = int(self._clock.now())
        with writing(self._engine) as conn:
            return uploads.expired(conn, now - self._upload_ttl)

    # Expired links and drop links

    def _expire_links(self) -> int:
        # The services already refuse them from the moment they expire; this deletes the rows.
        # An expired drop stays while files wait in it: they were sent to the owner in good time,
        # and deleting them unseen would lose someone's upload. The owner can still list, accept
        # and reject them; once none wait, the drop goes too.
        with writing(self._engine) as conn:
            return collection.expire_links(conn, int(self._clock.now()))

    # Idle sessions

    def _end_idle_sessions(self) -> int:
        cutoff = datetime.fromtimestamp(self._clock.now(), UTC) - timedelta(
            days=self._session_idle_days
        )
        with writing(self._engine) as conn:
            return collection.end_sessions_idle_since(conn, cutoff)

    # Unreferenced contents

    def _drop_unreferenced(self, candidates: list[bytes] | None) -> list[tuple[bytes, int]]:
        with read_only(self._engine) as conn:
            found = collection.unreferenced(conn, candidates)
        dropped: list[tuple[bytes, int]] = []
        for group in batched(found):
            # One transaction per batch, not per content: each commit is a durable write, and
            # deleting a folder of 10,000 small files paid one for every file.
            dropped += collection.delete_unreferenced(self._engine, group)
        return dropped

    async def drop_unreferenced(self, candidates: Iterable[bytes] | None = None) -> int:
        """Delete the given (or all) content objects that nothing references, rows then blobs."""
        wanted = None if candidates is None else sorted(set(candidates))
        if wanted == []:
            return 0
        dropped = await to_thread.run_sync(partial(self._drop_unreferenced, wanted))
        await self._discard(dropped)
        return len(dropped)

    async def delete_upload_blobs(self, uploads_gone: Iterable[tuple[bytes, int]]) -> None:
        await self._discard(list(uploads_gone))

    async def _discard(self, gone: list[tuple[bytes, int]]) -> None:
        """Delete the blobs of contents or uploads whose rows are gone, or, with a grace
        period, record them for ``purge_buried`` (so a database backup younger than the grace
        period can still be restored with its blobs)."""
        if self._blob_grace == 0:
            for content_id, count in gone:
                await delete_chunks(self._blobs, content_id, count)
        elif gone:
            await to_thread.run_sync(self._bury, gone)

    def _bury(self, gone: list[tuple[bytes, int]]) -> None:
        with writing(self._engine) as conn:
            collection.bury(conn, gone, int(self._clock.now()))

    def _buried_due(self) -> list[tuple[bytes, int]]:
        with read_only(self._engine) as conn:
            return collection.buried_before(conn, int(self._clock.now()) - self._blob_grace)

    def _unbury(self, content_ids: list[bytes]) -> None:
        with writing(self._engine) as conn:
            collection.unbury(conn, content_ids)

    async def purge_buried(self) -> int:
        """Delete the blobs buried longer than the grace period; returns how many contents or
        uploads were purged. An id that names a content or upload again (a client reused it)
        keeps its blobs: they are live."""
        due = await to_thread.run_sync(self._buried_due)
        if not due:
            return 0
        live = await to_thread.run_sync(
            partial(collection.known, self._engine, [c for c, _ in due], buried=False)
        )
        for content_id, count in due:
            if content_id not in live:
                await delete_chunks(self._blobs, content_id, count)
        await to_thread.run_sync(self._unbury, [c for c, _ in due])
        return len(due)

    async def release(
        self, content_ids: Iterable[bytes], uploads_gone: Iterable[tuple[bytes, int]] = ()
    ) -> None:
        """After a removal committed: delete the blobs of the uploads it ended, and the contents
        it released that nothing references any more. Every "remove, then collect" ends here."""
        await self.delete_upload_blobs(uploads_gone)
        await self.drop_unreferenced(content_ids)

    # Orphan blobs

    async def sweep_orphans(self) -> int:
        """Delete chunk blobs whose content id is neither an upload nor a content object.

        A chunk blob is only ever written while its upload row exists and the row is checked after
        listing, so a blob found orphan here can never become referenced again.
        """
        found: dict[bytes, list[str]] = {}
        async for info in self._blobs.list(CHUNK_PREFIX):
            content_id = content_of_chunk_key(info.key)
            if content_id is not None:
                found.setdefault(content_id, []).append(info.key)
        if not found:
            return 0
        known = await to_thread.run_sync(partial(collection.known, self._engine, list(found)))
        removed = 0
        for content_id, keys in found.items():
            if content_id in known:
                continue
            for key in keys:
                await self._blobs.delete(key)
                removed += 1
        return removed

    # One full run

    @contextlib.asynccontextmanager
    async def lease(self) -> AsyncIterator[bool]:
        """Hold the job lease for the block (True), or learn that another server holds it
        (False). The retention job runs under the same lease (services/retention.py)."""
        taken = await to_thread.run_sync(self._take_lease)
        try:
            yield taken
        finally:
            if taken:
                await to_thread.run_sync(self._release_lease)

    async def collect(self) -> CollectReport:
        async with self.lease() as taken:
            if not taken:
                return CollectReport(skipped=True)
            return await self.collect_leased()

    async def collect_leased(self) -> CollectReport:
        """One collection; the caller holds the lease."""
        report = CollectReport()
        expired = await to_thread.run_sync(self._expire_uploads)
        await self.delete_upload_blobs(expired)
        report.expired_uploads = len(expired)
        report.idle_sessions = await to_thread.run_sync(self._end_idle_sessions)
        report.expired_links = await to_thread.run_sync(self._expire_links)
        report.deleted_contents = await self.drop_unreferenced()
        report.orphan_blobs = await self.sweep_orphans()
        log.info(
            "collected: %d expired uploads, %d contents, %d orphan blobs",
            report.expired_uploads,
            report.deleted_contents,
            report.orphan_blobs,
        )
        return report
