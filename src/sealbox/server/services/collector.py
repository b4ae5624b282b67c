"""Garbage collection: expired uploads, content objects nothing references, and orphan blobs.

Content objects are shared (a copy reuses its source's content id), so one is deleted only when no
node and no version of any account references it. The database decides: a content row is deleted
only where no reference exists, and the foreign keys from nodes and versions make a concurrent new
reference either wait for the delete or make it fail, never dangle. Blobs go after their row, so a
crash in between leaves orphan blobs, which the sweep removes.

Each run is guarded by a lease row so that, once several servers share a database, only one of them
collects at a time.
"""

import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from anyio import to_thread
from sqlalchemy import ColumnElement, Engine, Row, delete, exists, insert, select, update
from sqlalchemy.exc import IntegrityError

from sealbox.server.blobs.base import BlobStore
from sealbox.server.blobs.keys import CHUNK_PREFIX, content_of_chunk_key
from sealbox.server.clock import Clock
from sealbox.server.db.engine import read_only
from sealbox.server.db.schema import (
    contents,
    drop_files,
    drops,
    job_leases,
    links,
    nodes,
    sessions,
    upload_chunks,
    uploads,
    versions,
)
from sealbox.server.services.sql import batched
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
    ) -> None:
        self._upload_ttl = upload_ttl
        self._session_idle_days = session_idle_days
        self._engine = engine
        self._blobs = blobs
        self._clock = clock
        self._holder = secrets.token_hex(8)

    # The lease

    def _take_lease(self) -> bool:
        now = int(self._clock.now())
        with self._engine.begin() as conn:
            taken = conn.execute(
                update(job_leases)
                .where((job_leases.c.name == LEASE_NAME) & (job_leases.c.until < now))
                .values(holder=self._holder, until=now + LEASE_SECONDS)
            ).rowcount
            if taken:
                return True
            if conn.execute(
                select(job_leases.c.name).where(job_leases.c.name == LEASE_NAME)
            ).first():
                return False
            try:
                with conn.begin_nested():
                    conn.execute(
                        insert(job_leases).values(
                            name=LEASE_NAME, holder=self._holder, until=now + LEASE_SECONDS
                        )
                    )
            except IntegrityError:
                return False
            return True

    def _release_lease(self) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                update(job_leases)
                .where((job_leases.c.name == LEASE_NAME) & (job_leases.c.holder == self._holder))
                .values(until=0)
            )

    # Expired uploads

    def _expire_uploads(self) -> list[tuple[bytes, int]]:
        now = int(self._clock.now())
        with self._engine.begin() as conn:
            rows = conn.execute(
                select(uploads.c.content_id, uploads.c.chunk_count).where(
                    uploads.c.touched_at < now - self._upload_ttl
                )
            ).all()
            for batch in batched([r.content_id for r in rows]):
                conn.execute(delete(upload_chunks).where(upload_chunks.c.content_id.in_(batch)))
                conn.execute(delete(uploads).where(uploads.c.content_id.in_(batch)))
        return [(r.content_id, r.chunk_count) for r in rows]

    # Expired links and drop links

    def _expire_links(self) -> int:
        # The services already refuse them from the moment they expire; this deletes the rows.
        # An expired drop stays while files wait in it: they were sent to the owner in good time,
        # and deleting them unseen would lose someone's upload. The owner can still list, accept
        # and reject them; once none wait, the drop goes too.
        now = int(self._clock.now())
        with self._engine.begin() as conn:
            gone = conn.execute(
                delete(links).where(links.c.expires_at.is_not(None) & (links.c.expires_at <= now))
            ).rowcount
            waiting = select(drop_files.c.drop_id).where(drop_files.c.drop_id == drops.c.drop_id)
            gone += conn.execute(
                delete(drops).where(
                    drops.c.expires_at.is_not(None)
                    & (drops.c.expires_at <= now)
                    & ~waiting.exists()
                )
            ).rowcount
        return gone

    # Idle sessions

    def _end_idle_sessions(self) -> int:
        cutoff = datetime.fromtimestamp(self._clock.now(), UTC) - timedelta(
            days=self._session_idle_days
        )
        with self._engine.begin() as conn:
            return conn.execute(
                delete(sessions).where(sessions.c.last_used_day < cutoff.strftime("%Y-%m-%d"))
            ).rowcount

    # Unreferenced contents

    def _drop_unreferenced(self, candidates: list[bytes] | None) -> list[tuple[bytes, int]]:
        unreferenced = (
            ~exists().where(nodes.c.content_id == contents.c.content_id)
            & ~exists().where(versions.c.content_id == contents.c.content_id)
            & ~exists().where(drop_files.c.content_id == contents.c.content_id)
        )
        query = select(contents.c.content_id, contents.c.chunk_count).where(unreferenced)
        with read_only(self._engine) as conn:
            if candidates is None:
                rows = conn.execute(query).all()
            else:
                rows = []
                for batch in batched(candidates):
                    rows += conn.execute(query.where(contents.c.content_id.in_(batch))).all()
        dropped: list[tuple[bytes, int]] = []
        for group in batched(rows):
            # One transaction per batch, not per content: each commit is a durable write, and
            # deleting a folder of 10,000 small files paid one for every file.
            try:
                with self._engine.begin() as conn:
                    # Re-checked inside the delete: a reference may have appeared since the select.
                    gone = conn.execute(
                        delete(contents)
                        .where(contents.c.content_id.in_([r.content_id for r in group]))
                        .where(unreferenced)
                        .returning(contents.c.content_id, contents.c.chunk_count)
                    ).all()
                dropped += [(r.content_id, r.chunk_count) for r in gone]
            except IntegrityError:
                # Something still points at one of them (a row the checks above do not cover):
                # delete the rest one at a time and keep that one.
                dropped += self._drop_each(group, unreferenced)
        return dropped

    def _drop_each(
        self, rows: list[Row[Any]], unreferenced: ColumnElement[bool]
    ) -> list[tuple[bytes, int]]:
        dropped = []
        for row in rows:
            try:
                with self._engine.begin() as conn:
                    gone = conn.execute(
                        delete(contents).where(
                            (contents.c.content_id == row.content_id) & unreferenced
                        )
                    ).rowcount
            except IntegrityError:
                continue
            if gone:
                dropped.append((row.content_id, row.chunk_count))
        return dropped

    async def drop_unreferenced(self, candidates: Iterable[bytes] | None = None) -> int:
        """Delete the given (or all) content objects that nothing references, rows then blobs."""
        wanted = None if candidates is None else sorted(set(candidates))
        if wanted == []:
            return 0
        dropped = await to_thread.run_sync(partial(self._drop_unreferenced, wanted))
        for content_id, count in dropped:
            await delete_chunks(self._blobs, content_id, count)
        return len(dropped)

    async def delete_upload_blobs(self, uploads_gone: Iterable[tuple[bytes, int]]) -> None:
        for content_id, count in uploads_gone:
            await delete_chunks(self._blobs, content_id, count)

    # Orphan blobs

    def _known(self, content_ids: list[bytes]) -> set[bytes]:
        known: set[bytes] = set()
        with read_only(self._engine) as conn:
            for batch in batched(content_ids):
                known.update(
                    conn.execute(
                        select(contents.c.content_id).where(contents.c.content_id.in_(batch))
                    ).scalars()
                )
                known.update(
                    conn.execute(
                        select(uploads.c.content_id).where(uploads.c.content_id.in_(batch))
                    ).scalars()
                )
        return known

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
        known = await to_thread.run_sync(partial(self._known, list(found)))
        removed = 0
        for content_id, keys in found.items():
            if content_id in known:
                continue
            for key in keys:
                await self._blobs.delete(key)
                removed += 1
        return removed

    # One full run

    async def collect(self) -> CollectReport:
        if not await to_thread.run_sync(self._take_lease):
            return CollectReport(skipped=True)
        try:
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
        finally:
            await to_thread.run_sync(self._release_lease)
