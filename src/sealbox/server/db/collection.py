# SPDX-License-Identifier: AGPL-3.0-or-later
"""What garbage collection asks of the database: the lease, expiries, and unreferenced contents.

A content row is deleted only where no node, version or waiting drop file references it and no
deletion under a preservation hold keeps it (``held_contents``), checked inside the delete
itself, so a reference made meanwhile either waits for the delete or makes it fail, never
dangles.
"""

from datetime import datetime

from sqlalchemy import Connection, Engine, delete, exists, insert, select, update

from sealbox.server.db.batching import batched
from sealbox.server.db.engine import IntegrityError, read_only, writing
from sealbox.server.db.retention_tables import blob_tombstones, held_contents
from sealbox.server.db.schema import (
    contents,
    drop_files,
    drops,
    job_leases,
    links,
    nodes,
    sessions,
    uploads,
    versions,
)

_UNREFERENCED = (
    ~exists().where(nodes.c.content_id == contents.c.content_id)
    & ~exists().where(versions.c.content_id == contents.c.content_id)
    & ~exists().where(drop_files.c.content_id == contents.c.content_id)
    & ~exists().where(held_contents.c.content_id == contents.c.content_id)
)


def take_lease(conn: Connection, name: str, holder: str, now: int, seconds: int) -> bool:
    """Take the lease ``name`` for ``seconds`` if nobody holds it now."""
    taken = conn.execute(
        update(job_leases)
        .where((job_leases.c.name == name) & (job_leases.c.until < now))
        .values(holder=holder, until=now + seconds)
    ).rowcount
    if taken:
        return True
    if conn.execute(select(job_leases.c.name).where(job_leases.c.name == name)).first():
        return False
    try:
        with conn.begin_nested():
            conn.execute(insert(job_leases).values(name=name, holder=holder, until=now + seconds))
    except IntegrityError:
        return False
    return True


def release_lease(conn: Connection, name: str, holder: str) -> None:
    conn.execute(
        update(job_leases)
        .where((job_leases.c.name == name) & (job_leases.c.holder == holder))
        .values(until=0)
    )


def expire_links(conn: Connection, now: int) -> int:
    """Delete expired links, and expired drops no file waits in; returns how many."""
    gone = conn.execute(
        delete(links).where(links.c.expires_at.is_not(None) & (links.c.expires_at <= now))
    ).rowcount
    waiting = select(drop_files.c.drop_id).where(drop_files.c.drop_id == drops.c.drop_id)
    gone += conn.execute(
        delete(drops).where(
            drops.c.expires_at.is_not(None) & (drops.c.expires_at <= now) & ~waiting.exists()
        )
    ).rowcount
    return int(gone)


def end_sessions_idle_since(conn: Connection, cutoff: datetime) -> int:
    return int(
        conn.execute(
            delete(sessions).where(sessions.c.last_used_day < cutoff.strftime("%Y-%m-%d"))
        ).rowcount
    )


def unreferenced(conn: Connection, candidates: list[bytes] | None) -> list[tuple[bytes, int]]:
    """(content id, chunk count) of the given (or all) contents nothing references now."""
    query = select(contents.c.content_id, contents.c.chunk_count).where(_UNREFERENCED)
    if candidates is None:
        return [(r.content_id, r.chunk_count) for r in conn.execute(query)]
    found: list[tuple[bytes, int]] = []
    for batch in batched(candidates):
        found += [
            (r.content_id, r.chunk_count)
            for r in conn.execute(query.where(contents.c.content_id.in_(batch)))
        ]
    return found


def delete_unreferenced(engine: Engine, group: list[tuple[bytes, int]]) -> list[tuple[bytes, int]]:
    """Delete the rows of the contents in ``group`` still unreferenced, in one transaction, or one
    at a time if something unforeseen still points at one of them; returns those deleted."""
    try:
        with writing(engine) as conn:
            # Re-checked inside the delete: a reference may have appeared since the select.
            gone = conn.execute(
                delete(contents)
                .where(contents.c.content_id.in_([content_id for content_id, _ in group]))
                .where(_UNREFERENCED)
                .returning(contents.c.content_id, contents.c.chunk_count)
            ).all()
        return [(r.content_id, r.chunk_count) for r in gone]
    except IntegrityError:
        # Something still points at one of them (a row the checks above do not cover): delete
        # the rest one at a time and keep that one.
        return [item for item in group if _delete_one(engine, item[0])]


def _delete_one(engine: Engine, content_id: bytes) -> bool:
    try:
        with writing(engine) as conn:
            gone = conn.execute(
                delete(contents).where((contents.c.content_id == content_id) & _UNREFERENCED)
            ).rowcount
    except IntegrityError:
        return False
    return bool(gone)


def known(engine: Engine, content_ids: list[bytes], *, buried: bool = True) -> set[bytes]:
    """The ids among ``content_ids`` that name a content object, an upload or (with
    ``buried``) deleted blobs waiting out their grace period."""
    found: set[bytes] = set()
    columns = [contents.c.content_id, uploads.c.content_id]
    if buried:
        columns.append(blob_tombstones.c.content_id)
    with read_only(engine) as conn:
        for batch in batched(content_ids):
            for column in columns:
                found.update(conn.execute(select(column).where(column.in_(batch))).scalars())
    return found


def bury(conn: Connection, gone: list[tuple[bytes, int]], now: int) -> None:
    """Record the blobs of deleted contents or uploads, to be purged after the grace period."""
    for batch in batched([content_id for content_id, _ in gone]):
        conn.execute(delete(blob_tombstones).where(blob_tombstones.c.content_id.in_(batch)))
    if gone:
        conn.execute(
            insert(blob_tombstones),
            [{"content_id": c, "chunk_count": n, "deleted_at": now} for c, n in gone],
        )


def buried_before(conn: Connection, cutoff: int) -> list[tuple[bytes, int]]:
    rows = conn.execute(
        select(blob_tombstones.c.content_id, blob_tombstones.c.chunk_count).where(
            blob_tombstones.c.deleted_at <= cutoff
        )
    )
    return [(bytes(r.content_id), r.chunk_count) for r in rows]


def unbury(conn: Connection, content_ids: list[bytes]) -> None:
    for batch in batched(content_ids):
        conn.execute(delete(blob_tombstones).where(blob_tombstones.c.content_id.in_(batch)))
