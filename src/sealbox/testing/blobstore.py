# SPDX-License-Identifier: AGPL-3.0-or-later
"""The conformance suite every BlobStore implementation must pass.

Subclass ``BlobStoreConformance`` in a test module and implement ``create_store`` (a factory that
returns a fresh, empty store); every test below then runs against that store. An implementation that
needs set-up (a bucket, a server) does it in its factory.
"""

import os
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

from sealbox.server.blobs.base import BlobInfo, BlobNotFound, BlobStore


async def _collect(stream: AsyncIterator[bytes]) -> bytes:
    return b"".join([piece async for piece in stream])


async def _pieces(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


class _Boom(Exception):
    pass


async def _failing_stream(prefix: bytes) -> AsyncIterator[bytes]:
    yield prefix
    raise _Boom("the client went away")


@pytest.mark.anyio
class BlobStoreConformance:
    async def create_store(self, tmp_path: Path) -> BlobStore:
        raise NotImplementedError

    @pytest.fixture
    def anyio_backend(self) -> str:
        return "asyncio"

    @pytest.fixture
    async def store(self, tmp_path: Path) -> AsyncIterator[BlobStore]:
        store = await self.create_store(tmp_path)
        try:
            yield store
        finally:
            await store.close()

    async def test_put_then_get_returns_the_same_bytes(self, store: BlobStore) -> None:
        data = os.urandom(700_000)
        info = await store.put("chunks/a/0", data)
        assert info == BlobInfo(key="chunks/a/0", size=len(data))
        assert await _collect(store.get("chunks/a/0")) == data

    async def test_put_from_a_stream(self, store: BlobStore) -> None:
        parts = [os.urandom(n) for n in (1, 65536, 3, 2_000_000)]
        info = await store.put("s", _pieces(*parts))
        assert info.size == sum(map(len, parts))
        assert await _collect(store.get("s")) == b"".join(parts)

    async def test_empty_blob(self, store: BlobStore) -> None:
        await store.put("empty", b"")
        assert await _collect(store.get("empty")) == b""
        assert await store.stat("empty") == BlobInfo(key="empty", size=0)

    async def test_ranged_get(self, store: BlobStore) -> None:
        data = os.urandom(1_000_003)
        await store.put("r", data)
        for start, end in [(0, 1), (5, 5), (17, 900_000), (999_999, None), (0, None)]:
            want = data[start:end]
            assert await _collect(store.get("r", start, end)) == want

    async def test_range_outside_the_blob_raises_value_error(self, store: BlobStore) -> None:
        await store.put("r", b"0123456789")
        for start, end in [(0, 11), (-1, 3), (6, 5), (11, None)]:
            with pytest.raises(ValueError):
                await _collect(store.get("r", start, end))

    async def test_missing_blob(self, store: BlobStore) -> None:
        assert await store.stat("nope") is None
        with pytest.raises(BlobNotFound):
            await _collect(store.get("nope"))
        await store.delete("nope")

    async def test_put_replaces(self, store: BlobStore) -> None:
        await store.put("k", b"old contents")
        await store.put("k", b"new")
        assert await _collect(store.get("k")) == b"new"
        assert await store.stat("k") == BlobInfo(key="k", size=3)

    async def test_failed_put_leaves_the_old_blob(self, store: BlobStore) -> None:
        await store.put("k", b"old")
        with pytest.raises(_Boom):
            await store.put("k", _failing_stream(b"partial new bytes"))
        assert await _collect(store.get("k")) == b"old"

    async def test_failed_put_leaves_no_blob(self, store: BlobStore) -> None:
        with pytest.raises(_Boom):
            await store.put("fresh", _failing_stream(b"partial"))
        assert await store.stat("fresh") is None
        assert [info async for info in store.list()] == []

    async def test_delete(self, store: BlobStore) -> None:
        await store.put("a", b"1")
        await store.put("b", b"22")
        await store.delete("a")
        assert await store.stat("a") is None
        assert await store.stat("b") == BlobInfo(key="b", size=2)

    async def test_list_by_prefix(self, store: BlobStore) -> None:
        keys = ["chunks/x/0", "chunks/x/1", "chunks/y/0", "other", "chunks/xx/0"]
        for n, key in enumerate(keys):
            await store.put(key, b"z" * n)
        listed = {info.key: info.size async for info in store.list("chunks/x/")}
        assert listed == {"chunks/x/0": 0, "chunks/x/1": 1}
        everything = {info.key async for info in store.list()}
        assert everything == set(keys)

    async def test_keys_with_awkward_characters(self, store: BlobStore) -> None:
        key = "chunks/AbC-_/0%2F..\u00e9"
        await store.put(key, b"v")
        assert await _collect(store.get(key)) == b"v"
        assert [info.key async for info in store.list("chunks/AbC")] == [key]

    async def test_concurrent_puts_to_different_keys(self, store: BlobStore) -> None:
        blobs = {f"c/{n}": os.urandom(50_000 + n) for n in range(20)}
        async with anyio.create_task_group() as group:
            for key, value in blobs.items():
                group.start_soon(store.put, key, value)
        for key, value in blobs.items():
            assert await _collect(store.get(key)) == value

    async def test_concurrent_puts_to_one_key_leave_one_whole_value(self, store: BlobStore) -> None:
        values = [bytes([n]) * 300_000 for n in range(8)]
        async with anyio.create_task_group() as group:
            for value in values:
                group.start_soon(store.put, "same", value)
        assert await _collect(store.get("same")) in values
