# SPDX-License-Identifier: AGPL-3.0-or-later
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from anyio import to_thread

from sealbox.server.blobs.base import (
    BlobNotFound,
    BlobStore,
    BlobStoreError,
    file_spans,
    staging,
)
from sealbox.server.blobs.blob_writes import WRITE_BATCH, AlignedBuffers
from sealbox.server.blobs.filesystem import READ_PIECE, STALE_TEMP_SECONDS, FilesystemBlobStore
from sealbox.server.blobs.memory import MemoryBlobStore
from sealbox.server.blobs.metered import MeteredBlobStore
from sealbox.testing.blobstore import BlobStoreConformance


class TestFilesystemBlobStore(BlobStoreConformance):
    async def create_store(self, tmp_path: Path) -> BlobStore:
        return FilesystemBlobStore(tmp_path / "store")

    async def test_blobs_survive_reopening(self, tmp_path: Path) -> None:
        first = FilesystemBlobStore(tmp_path / "s")
        await first.put("k", b"durable")
        second = FilesystemBlobStore(tmp_path / "s")
        assert b"".join([p async for p in second.get("k")]) == b"durable"

    async def test_blobs_are_sharded_and_private(self, tmp_path: Path) -> None:
        store = FilesystemBlobStore(tmp_path / "s")
        await store.put("chunks/a/0", b"x")
        files = [p for p in (tmp_path / "s" / "blobs").rglob("*") if p.is_file()]
        assert len(files) == 1
        assert len(files[0].relative_to(tmp_path / "s" / "blobs").parts) == 3
        assert files[0].stat().st_mode & 0o077 == 0

    @pytest.mark.parametrize("age, survives", [(STALE_TEMP_SECONDS + 60, False), (60, True)])
    async def test_stale_temporary_files_are_removed_on_open(
        self, tmp_path: Path, age: int, survives: bool
    ) -> None:
        FilesystemBlobStore(tmp_path / "s")
        leftover = tmp_path / "s" / "tmp" / f"{os.getpid()}-x.part"
        leftover.write_bytes(b"half")
        old = leftover.stat().st_mtime - age
        os.utime(leftover, (old, old))
        FilesystemBlobStore(tmp_path / "s")
        assert leftover.exists() is survives


@pytest.mark.anyio
@pytest.mark.parametrize("direct", [True, False], ids=["o_direct", "page_cache"])
@pytest.mark.parametrize(
    "size", [1, 4095, 4096, WRITE_BATCH - 1, WRITE_BATCH, 3 * WRITE_BATCH + 4099]
)
async def test_streamed_blobs_of_awkward_sizes_round_trip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, direct: bool, size: int
) -> None:
    if not direct:
        monkeypatch.delattr(os, "O_DIRECT", raising=False)
    store = FilesystemBlobStore(tmp_path / "s")
    data = os.urandom(size)

    async def pieces() -> AsyncIterator[bytes]:
        # Piece sizes that never line up with the store's buffer or any block.
        position, step = 0, 1
        while position < size:
            yield data[position : position + step]
            position += step
            step = step * 7 % 100_003 + 1

    info = await store.put("k", pieces())
    assert info.size == size
    assert b"".join([p async for p in store.get("k")]) == data
    assert list((tmp_path / "s" / "tmp").iterdir()) == []


def test_temporary_files_of_dead_writers_are_removed_on_open(tmp_path: Path) -> None:
    FilesystemBlobStore(tmp_path / "s")
    dead = tmp_path / "s" / "tmp" / "999999999-abc.part"
    unnamed = tmp_path / "s" / "tmp" / "junk.part"
    dead.write_bytes(b"half")
    unnamed.write_bytes(b"half")
    FilesystemBlobStore(tmp_path / "s")
    assert not dead.exists() and not unnamed.exists()


@pytest.mark.anyio
@pytest.mark.parametrize("direct", [True, False], ids=["o_direct", "page_cache"])
async def test_staged_blobs_are_invisible_until_published_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, direct: bool
) -> None:
    if not direct:
        monkeypatch.delattr(os, "O_DIRECT", raising=False)
    store = FilesystemBlobStore(tmp_path / "s")
    await store.put("b", b"old")
    datas = {"a": os.urandom(3 * WRITE_BATCH + 5), "b": b"new", "c": b""}

    async def pieces(data: bytes) -> AsyncIterator[bytes]:
        for start in range(0, len(data), 70_001):
            yield data[start : start + 70_001]

    staged = [await store.staging.stage(key, pieces(data)) for key, data in datas.items()]
    assert [s.size for s in staged] == [len(d) for d in datas.values()]
    # Nothing is visible, and the replaced blob is still the old one.
    assert await store.stat("a") is None
    assert b"".join([p async for p in store.get("b")]) == b"old"
    await store.staging.publish(staged)
    for key, data in datas.items():
        assert b"".join([p async for p in store.get(key)]) == data
    assert list((tmp_path / "s" / "tmp").iterdir()) == []


@pytest.mark.anyio
async def test_discarded_and_failed_staged_blobs_leave_nothing(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path / "s")
    dropped = await store.staging.stage("a", b"dropped")
    await store.staging.discard([dropped])
    assert list((tmp_path / "s" / "tmp").iterdir()) == []
    # A group whose publication fails part way: a blob's shard directory cannot be made.
    first = await store.staging.stage("x", b"x")
    second = await store.staging.stage("y", b"y")
    blocked = store._path("y").parent
    blocked.parent.mkdir(parents=True, exist_ok=True)
    blocked.write_bytes(b"a file where the shard directory goes")
    with pytest.raises(OSError):
        await store.staging.publish([first, second])
    assert list((tmp_path / "s" / "tmp").iterdir()) == []
    assert not store._path("y").exists()


@pytest.mark.anyio
async def test_the_metered_wrapper_passes_staging_on_and_counts_its_failures(
    tmp_path: Path,
) -> None:
    failures: list[str] = []
    store = MeteredBlobStore(FilesystemBlobStore(tmp_path / "s"), failures.append)
    assert store.staging is not None
    assert staging(MeteredBlobStore(MemoryBlobStore(), failures.append)) is None
    staged = await store.staging.stage("k", b"bytes")
    await store.staging.publish([staged])
    assert b"".join([p async for p in store.get("k")]) == b"bytes"
    assert failures == []
    gone = await store.staging.stage("j", b"x")
    Path(gone.pending).unlink()  # the temporary file vanished: the publish fails, and counts
    with pytest.raises(OSError):
        await store.staging.publish([gone])
    assert failures == ["put"]


class _Filling:
    """A body that fills the store's buffer itself, as a chunk read from the socket does."""

    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)

    def __aiter__(self) -> AsyncIterator[bytes]:
        raise AssertionError("read through readinto only")

    async def readinto(self, buffer: memoryview) -> int:
        taken = min(len(self._data), len(buffer))
        buffer[:taken] = self._data[:taken]
        self._data = self._data[taken:]
        return taken


@pytest.mark.anyio
@pytest.mark.parametrize("direct", [True, False], ids=["o_direct", "page_cache"])
async def test_a_staged_chunk_is_created_by_its_first_write_and_a_failed_one_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, direct: bool
) -> None:
    """A 4 MiB chunk costs two trips to a worker thread (its two writes), not three: the first
    write creates the file (decision 2009). A body that fails part way leaves no file."""
    if not direct:
        monkeypatch.delattr(os, "O_DIRECT", raising=False)
    store = FilesystemBlobStore(tmp_path / "s")
    hops: list[str] = []
    real = to_thread.run_sync

    async def counted(func: Any, *args: Any, **kwargs: Any) -> Any:
        hops.append(getattr(func, "__name__", repr(func)))
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(to_thread, "run_sync", counted)
    chunk = os.urandom(4 * 1024 * 1024 + 16)
    staged = await store.staging.stage("c", _Filling(chunk))  # type: ignore[arg-type]
    assert hops == ["write_at", "write_at"]
    await store.staging.publish([staged])
    assert b"".join([p async for p in store.get("c")]) == chunk

    class Broken(_Filling):
        async def readinto(self, buffer: memoryview) -> int:
            if len(self._data) < len(chunk) - WRITE_BATCH:
                raise ConnectionResetError("the client went away")
            return await super().readinto(buffer)

    with pytest.raises(ConnectionResetError):
        await store.staging.stage("d", Broken(chunk))  # type: ignore[arg-type]
    assert list((tmp_path / "s" / "tmp").iterdir()) == []


@pytest.mark.anyio
async def test_what_follows_a_publication_runs_only_after_it_and_is_not_counted_as_the_stores(
    tmp_path: Path,
) -> None:
    """``publish_then``: the group commit records the chunks' rows in the publication's worker
    thread. The follow-up sees the blobs already published, is skipped when the publication
    fails, and its own failure is not counted as the store's."""
    failures: list[str] = []
    store = MeteredBlobStore(FilesystemBlobStore(tmp_path / "s"), failures.append)
    assert store.staging is not None
    staged = await store.staging.stage("k", b"bytes")
    seen = await store.staging.publish_then([staged], lambda: store.inner._path("k").read_bytes())
    assert seen == b"bytes"
    gone = await store.staging.stage("j", b"x")
    Path(gone.pending).unlink()
    called: list[bool] = []
    with pytest.raises(OSError):
        await store.staging.publish_then([gone], lambda: called.append(True))
    assert called == [] and failures == ["put"]

    def refuse() -> None:
        raise LookupError("the rows could not be recorded")

    with pytest.raises(LookupError):
        await store.staging.publish_then([await store.staging.stage("i", b"i")], refuse)
    assert failures == ["put"]
    assert b"".join([p async for p in store.get("i")]) == b"i"


@pytest.mark.anyio
async def test_gather_buffers_are_reused_and_never_carry_bytes_of_an_earlier_blob(
    tmp_path: Path,
) -> None:
    if not hasattr(os, "O_DIRECT"):
        pytest.skip("direct writes only")
    store = FilesystemBlobStore(tmp_path / "s")
    long, short = os.urandom(2 * WRITE_BATCH - 3), os.urandom(WRITE_BATCH // 2 + 1)

    async def pieces(data: bytes) -> AsyncIterator[bytes]:
        for start in range(0, len(data), 200_003):
            yield data[start : start + 200_003]

    await store.put("long", pieces(long))
    assert store._buffers.idle == 1
    # The second blob fills the same buffer only part way: its tail must not be the first's.
    await store.put("short", pieces(short))
    assert store._buffers.idle == 1
    assert b"".join([p async for p in store.get("short")]) == short
    assert b"".join([p async for p in store.get("long")]) == long


@pytest.mark.anyio
async def test_a_failed_stream_does_not_give_its_buffer_back(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path / "s")

    async def broken() -> AsyncIterator[bytes]:
        yield b"x" * 5000
        raise ConnectionError("the client went away")

    with pytest.raises(ConnectionError):
        await store.staging.stage("k", broken())
    assert store._buffers.idle == 0
    assert list((tmp_path / "s" / "tmp").iterdir()) == []


def test_idle_gather_buffers_are_bounded() -> None:
    buffers = AlignedBuffers(keep=2)
    taken = [buffers.take() for _ in range(5)]
    assert len({id(b) for b in taken}) == 5
    for buffer in taken:
        buffers.give(buffer)
    assert buffers.idle == 2
    assert buffers.take() is taken[1]


@pytest.mark.anyio
@pytest.mark.parametrize(
    "start, end", [(0, None), (0, 0), (5, 5), (1, READ_PIECE + 7), (READ_PIECE, None)]
)
async def test_ranges_read_in_pieces_of_at_most_read_piece(
    tmp_path: Path, start: int, end: int | None
) -> None:
    store = FilesystemBlobStore(tmp_path / "s")
    data = os.urandom(2 * READ_PIECE + 11)
    await store.put("k", data)
    pieces = [p async for p in store.get("k", start, end)]
    assert b"".join(pieces) == data[start:end]
    assert all(0 < len(p) <= READ_PIECE for p in pieces)


@pytest.mark.anyio
async def test_a_range_past_the_end_is_refused_and_a_shrunk_blob_is_an_error(
    tmp_path: Path,
) -> None:
    store = FilesystemBlobStore(tmp_path / "s")
    await store.put("k", os.urandom(READ_PIECE + 10))
    with pytest.raises(ValueError):
        _ = [p async for p in store.get("k", 0, READ_PIECE + 11)]
    reader = store.get("k")
    first = await reader.__anext__()
    assert len(first) == READ_PIECE
    os.truncate(store._path("k"), READ_PIECE + 2)
    with pytest.raises(BlobStoreError, match="shrank"):
        await reader.__anext__()
    assert list((tmp_path / "s" / "tmp").iterdir()) == []


@pytest.mark.anyio
async def test_file_spans_open_exactly_the_range_and_refuse_a_short_blob(tmp_path: Path) -> None:
    failures: list[str] = []
    store = MeteredBlobStore(FilesystemBlobStore(tmp_path / "s"), failures.append)
    assert file_spans(MeteredBlobStore(MemoryBlobStore(), failures.append)) is None
    spans = file_spans(store)
    assert spans is not None
    data = os.urandom(5000)
    await store.put("k", data)
    span = await spans.open_span("k", 100, 4000)
    try:
        assert (span.offset, span.count) == (100, 3900)
        assert os.pread(span.fileno(), span.count, span.offset) == data[100:4000]
    finally:
        span.close()
    whole = await spans.open_span("k")
    whole.close()
    assert (whole.offset, whole.count) == (0, 5000)
    fds = len(os.listdir("/proc/self/fd"))
    with pytest.raises(BlobNotFound):
        await spans.open_span("absent")
    assert failures == []
    with pytest.raises(BlobStoreError, match="fewer than"):
        await spans.open_span("k", 0, 5001)
    assert failures == ["get"]
    assert len(os.listdir("/proc/self/fd")) == fds
