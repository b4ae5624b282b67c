# SPDX-License-Identifier: AGPL-3.0-or-later
"""Uploads, their stored chunks, and the content objects a complete upload becomes."""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    LargeBinary,
    bindparam,
    delete,
    exists,
    func,
    insert,
    select,
    text,
    update,
)

from sealbox.protocol.content_layout import ContentLayout
from sealbox.server.db.batching import batched
from sealbox.server.db.contents import StoredContent
from sealbox.server.db.engine import IntegrityError
from sealbox.server.db.schema import contents, upload_chunks, uploads


@dataclass(frozen=True, slots=True)
class Upload:
    content_id: bytes
    owner_id: bytes
    header: bytes
    chunk_size: int
    chunk_count: int
    total_size: int
    received_bytes: int
    touched_at: int

    @property
    def layout(self) -> ContentLayout:
        return ContentLayout(
            header_size=len(self.header),
            chunk_size=self.chunk_size,
            chunk_count=self.chunk_count,
            total_size=self.total_size,
        )


class IdTaken(Exception):
    """The content id was taken by a concurrent upload between the check and the insert."""


def _mine(user_id: bytes, content_id: bytes) -> ColumnElement[bool]:
    return (uploads.c.content_id == content_id) & (uploads.c.owner_id == user_id)


def find(conn: Connection, content_id: bytes) -> Upload | None:
    row = conn.execute(select(uploads).where(uploads.c.content_id == content_id)).first()
    return None if row is None else Upload(**row._mapping)


# The statements of every chunk, built once: building one and its cache key cost more CPU than
# running it.
# (Bind names that are not column names: an UPDATE reserves those for its SET clause.)
_MINE = (uploads.c.content_id == bindparam("upload")) & (uploads.c.owner_id == bindparam("owner"))
_FIND_OWN = select(uploads).where(_MINE)
_FIND_OWN_LOCKED = _FIND_OWN.with_for_update()
# An upload and whether one of its chunks is stored, in one statement (a chunk PUT's checks).
_FIND_OWN_AND_CHUNK = (
    select(uploads, upload_chunks.c.chunk_index.label("stored_index"))
    .select_from(
        uploads.outerjoin(
            upload_chunks,
            (upload_chunks.c.content_id == uploads.c.content_id)
            & (upload_chunks.c.chunk_index == bindparam("index")),
        )
    )
    .where(_MINE)
)
_HAS_CHUNK = select(upload_chunks.c.chunk_index).where(
    (upload_chunks.c.content_id == bindparam("content_id"))
    & (upload_chunks.c.chunk_index == bindparam("index"))
)
_COUNT_CHUNK = (
    update(uploads)
    .where(_MINE)
    .values(
        received_bytes=uploads.c.received_bytes + bindparam("arrived"),
        touched_at=bindparam("at"),
    )
)
# The chunk's row unless it is there already (a repeat): one statement instead of a read and an
# insert, in the group commit's transaction.
_ADD_CHUNK = insert(upload_chunks).from_select(
    ["content_id", "chunk_index", "size"],
    select(
        bindparam("content_id", type_=LargeBinary()),
        bindparam("index", type_=BigInteger()),
        bindparam("size", type_=BigInteger()),
    ).where(~exists(_HAS_CHUNK)),
)


def find_own(
    conn: Connection, user_id: bytes, content_id: bytes, *, lock: bool = False
) -> Upload | None:
    query = _FIND_OWN_LOCKED if lock else _FIND_OWN
    row = conn.execute(query, {"owner": user_id, "upload": content_id}).first()
    return None if row is None else Upload(**row._mapping)


def is_own(conn: Connection, user_id: bytes, content_id: bytes) -> bool:
    return (
        conn.execute(select(uploads.c.content_id).where(_mine(user_id, content_id))).first()
        is not None
    )


def content_exists(conn: Connection, content_id: bytes) -> bool:
    return (
        conn.execute(
            select(contents.c.content_id).where(contents.c.content_id == content_id)
        ).first()
        is not None
    )


def any_taken(conn: Connection, content_ids: list[bytes]) -> bool:
    """Whether any of the ids names a content object or an upload already."""
    for batch in batched(content_ids):
        if (
            conn.execute(
                select(contents.c.content_id).where(contents.c.content_id.in_(batch))
            ).first()
            or conn.execute(
                select(uploads.c.content_id).where(uploads.c.content_id.in_(batch))
            ).first()
        ):
            return True
    return False


def pending_bytes(conn: Connection, user_id: bytes) -> int:
    """The declared sizes of the account's open uploads."""
    pending: int = conn.execute(
        select(func.coalesce(func.sum(uploads.c.total_size), 0)).where(
            uploads.c.owner_id == user_id
        )
    ).scalar_one()
    return int(pending)


def add(conn: Connection, new: list[Upload], *, guarded: bool = False) -> None:
    """Insert uploads. ``guarded`` (one upload): in a savepoint, raising IdTaken if its id was
    taken meanwhile, so the caller's transaction can go on to answer."""
    rows = [
        {
            "content_id": u.content_id,
            "owner_id": u.owner_id,
            "header": u.header,
            "chunk_size": u.chunk_size,
            "chunk_count": u.chunk_count,
            "total_size": u.total_size,
            "received_bytes": u.received_bytes,
            "touched_at": u.touched_at,
        }
        for u in new
    ]
    if not guarded:
        conn.execute(insert(uploads), rows)
        return
    try:
        with conn.begin_nested():
            conn.execute(insert(uploads).values(**rows[0]))
    except IntegrityError as exc:
        raise IdTaken from exc


def present(conn: Connection, content_id: bytes) -> list[int]:
    """The indexes of the chunks stored so far, in order."""
    return list(
        conn.execute(
            select(upload_chunks.c.chunk_index)
            .where(upload_chunks.c.content_id == content_id)
            .order_by(upload_chunks.c.chunk_index)
        ).scalars()
    )


def find_own_and_chunk(
    conn: Connection, user_id: bytes, content_id: bytes, index: int
) -> tuple[Upload, bool] | None:
    """``user_id``'s upload ``content_id`` and whether its chunk ``index`` is stored."""
    row = conn.execute(
        _FIND_OWN_AND_CHUNK, {"owner": user_id, "upload": content_id, "index": index}
    ).first()
    if row is None:
        return None
    values = dict(row._mapping)
    stored = values.pop("stored_index") is not None
    return Upload(**values), stored


def record_chunk(
    conn: Connection, user_id: bytes, content_id: bytes, index: int, size: int, now: int
) -> bool:
    """Count the chunk's bytes and remember it stored; False if the upload is gone."""
    changed = conn.execute(
        _COUNT_CHUNK, {"owner": user_id, "upload": content_id, "arrived": size, "at": now}
    ).rowcount
    if changed == 0:
        return False
    conn.execute(_ADD_CHUNK, {"content_id": content_id, "index": index, "size": size})
    return True


def record_chunks(
    conn: Connection, user_id: bytes, content_id: bytes, sizes: dict[int, int], now: int
) -> bool:
    """``record_chunk`` for many chunks in two statements (direct transfers record a whole
    upload's chunks at once); the chunks must not be recorded yet. False if the upload is gone."""
    changed = conn.execute(
        update(uploads)
        .where(_mine(user_id, content_id))
        .values(received_bytes=uploads.c.received_bytes + sum(sizes.values()), touched_at=now)
    ).rowcount
    if changed == 0:
        return False
    if sizes and conn.dialect.name == "postgresql":
        # One statement over two arrays: psycopg's executemany costs the server about 13 µs of
        # CPU per row (3 ms for a 1 GiB upload's 256 chunks), this 0.3 ms in all.
        conn.execute(
            _ADD_CHUNKS_PG,
            {"content_id": content_id, "indexes": list(sizes), "sizes": list(sizes.values())},
        )
    elif sizes:
        rows = [
            {"content_id": content_id, "chunk_index": index, "size": size}
            for index, size in sizes.items()
        ]
        conn.execute(insert(upload_chunks), rows)
    return True


_ADD_CHUNKS_PG = text(
    "INSERT INTO upload_chunks (content_id, chunk_index, size) SELECT :content_id, i, s "
    "FROM unnest(CAST(:indexes AS bigint[]), CAST(:sizes AS bigint[])) AS u(i, s)"
)


def chunk_count_of_own(conn: Connection, user_id: bytes, content_id: bytes) -> int | None:
    count = conn.execute(select(uploads.c.chunk_count).where(_mine(user_id, content_id))).scalar()
    return None if count is None else int(count)


def forget(conn: Connection, content_ids: list[bytes]) -> None:
    """Delete the uploads and their chunk rows (not their blobs)."""
    for batch in batched(content_ids):
        conn.execute(delete(upload_chunks).where(upload_chunks.c.content_id.in_(batch)))
        conn.execute(delete(uploads).where(uploads.c.content_id.in_(batch)))


def stored_chunks(conn: Connection, content_id: bytes) -> int:
    return int(
        conn.execute(
            select(func.count()).where(upload_chunks.c.content_id == content_id)
        ).scalar_one()
    )


def make_contents(conn: Connection, done: list[Upload]) -> None:
    """Turn the uploads into content objects: their rows go, the contents' rows come."""
    forget(conn, [u.content_id for u in done])
    add_contents(conn, done)


def add_contents(conn: Connection, done: Sequence[Upload | StoredContent]) -> None:
    """Insert the content rows of uploads, or of inline contents, complete in this transaction."""
    for group in batched(done):
        conn.execute(
            insert(contents),
            [
                {
                    "content_id": u.content_id,
                    "header": u.header,
                    "chunk_size": u.chunk_size,
                    "chunk_count": u.chunk_count,
                    "total_size": u.total_size,
                }
                for u in group
            ],
        )


def expired(conn: Connection, before: int) -> list[tuple[bytes, int]]:
    """Delete the uploads untouched since ``before``; returns (content id, chunk count) of each."""
    rows = conn.execute(
        select(uploads.c.content_id, uploads.c.chunk_count).where(uploads.c.touched_at < before)
    ).all()
    forget(conn, [r.content_id for r in rows])
    return [(r.content_id, r.chunk_count) for r in rows]
