# SPDX-License-Identifier: AGPL-3.0-or-later
"""Large transfers through the SDK, whether or not the server's blob store can bypass the page
cache, and what a download leaves in the page cache."""

from __future__ import annotations

import ctypes
import mmap
import os
from pathlib import Path

import httpx
import pytest

from sealbox.client.sdk import files, transfers
from sealbox.client.sdk.api import Api
from sealbox.client.sdk.errors import SealboxError
from sealbox.client.sdk.small_files import SmallFile, open_whole
from sealbox.crypto import content
from sealbox.crypto.keys import FileKey
from sealbox.crypto.tree import FileMetadata

from .conftest import World

pytestmark = pytest.mark.anyio

CHUNK = content.DEFAULT_CHUNK_SIZE


@pytest.mark.parametrize("direct", [True, False], ids=["o_direct", "page_cache"])
async def test_large_file_round_trips_whatever_the_filesystem_allows(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, direct: bool
) -> None:
    if not direct:
        # What a filesystem without O_DIRECT looks like to both the client and the blob store.
        monkeypatch.delattr(os, "O_DIRECT", raising=False)
    drive = await world.user("frank")
    # Whole chunks, then a tail whose length is no multiple of any block size.
    data = os.urandom(5 * CHUNK + 12345)
    source = tmp_path / "big.bin"
    source.write_bytes(data)
    await files.put(drive, [source], "/big.bin", files.Reporter())
    out = tmp_path / "out.bin"
    await files.get(drive, ["/big.bin"], out, files.Reporter())
    assert out.read_bytes() == data
    assert not list(tmp_path.glob(".sealbox-*.part"))


class _IgnoresRange(httpx.AsyncBaseTransport):
    """A server (or proxy) that answers every content request with the whole object and 200, as
    RFC 9110 allows; it also counts the content requests."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.content_requests = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if "/contents/" in request.url.path:
            self.content_requests += 1
            if "range" in request.headers:
                del request.headers["range"]
        return await self.inner.handle_async_request(request)


async def test_download_copes_with_a_server_that_ignores_ranges(
    world: World, tmp_path: Path
) -> None:
    drive = await world.user("grace")
    data = os.urandom(9 * CHUNK + 777)
    source = tmp_path / "big.bin"
    source.write_bytes(data)
    await files.put(drive, [source], "/big.bin", files.Reporter())
    root = await drive.root()
    node = root.children[0]
    key, metadata = node.record.open_key(root.key), node.metadata
    assert isinstance(key, FileKey) and isinstance(metadata, FileMetadata)
    proxy = _IgnoresRange(world.http._transport)
    async with httpx.AsyncClient(transport=proxy, base_url=str(world.http.base_url)) as http:
        api = Api(http, drive.api.token)
        out = tmp_path / "out.bin"
        await transfers.download(api, world.state("grace"), "s", key, metadata, out)
    assert out.read_bytes() == data
    # The header, then one request per span of chunks: four workers share ten chunks.
    assert proxy.content_requests == 1 + 4


class _Interrupted(Exception):
    pass


def _no_second_read(fd: int, file_key: FileKey) -> bytes:
    raise AssertionError("the file was read a second time for its plaintext hash")


@pytest.mark.parametrize("concurrency", [1, 4, 9])
async def test_a_fresh_upload_hashes_the_plaintext_in_the_sealing_pass(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, concurrency: int
) -> None:
    # 9 workers is more than the event loop's default thread pool on a small machine: the
    # threads waiting for their turn to hash must never hold up the chunk they wait for.
    drive = await world.user("hana")
    data = os.urandom(8 * CHUNK + 777)
    source = tmp_path / "big.bin"
    source.write_bytes(data)
    monkeypatch.setattr(transfers, "_hash_fd", _no_second_read)
    sealed = await transfers.upload(drive.api, drive.session.state, drive.scope, source,
                                    "big.bin", concurrency=concurrency)  # fmt: skip
    assert sealed.metadata.plaintext_hash == content.plaintext_hash(sealed.file_key, data)


async def test_a_resumed_upload_hashes_the_whole_file_again(world: World, tmp_path: Path) -> None:
    drive = await world.user("ines")
    data = os.urandom(5 * CHUNK + 99)
    source = tmp_path / "big.bin"
    source.write_bytes(data)
    sent = 0

    def progress(_: int) -> None:
        nonlocal sent
        sent += 1
        if sent == 2:
            raise _Interrupted

    state = drive.session.state
    with pytest.raises(_Interrupted):
        await transfers.upload(drive.api, state, drive.scope, source, "big.bin",
                               progress=progress)  # fmt: skip
    told: list[int] = []
    sealed = await transfers.upload(drive.api, state, drive.scope, source, "big.bin",
                                    resumed=told.append)  # fmt: skip
    assert told  # it did resume: some chunks were already on the server
    assert sealed.metadata.plaintext_hash == content.plaintext_hash(sealed.file_key, data)


async def test_a_failed_read_releases_the_chunks_waiting_to_be_hashed(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drive = await world.user("jo")
    source = tmp_path / "big.bin"
    source.write_bytes(os.urandom(6 * CHUNK))
    real = transfers._pread_into

    def failing(fd: int, target: memoryview, offset: int) -> int:
        if offset == 0:
            raise OSError(5, "Input/output error")  # chunk 0: every later chunk waits on it
        return real(fd, target, offset)

    monkeypatch.setattr(transfers, "_pread_into", failing)
    with pytest.raises(OSError, match="Input/output error"):
        await transfers.upload(drive.api, drive.session.state, drive.scope, source, "big.bin")


@pytest.mark.parametrize("size", [0, 1, 4096, transfers.INLINE_MAX])
def test_seal_small_seals_the_whole_file_with_its_time(tmp_path: Path, size: int) -> None:
    """seal_small reads through one descriptor in reads of the file's size: every byte is
    sealed, and the time is the file's, in whole milliseconds."""
    local = tmp_path / "a.bin"
    data = os.urandom(size)
    local.write_bytes(data)
    os.utime(local, ns=(1_700_000_000_123_456_789, 1_700_000_000_123_456_789))
    sealed = transfers.seal_small(local, "a.bin")
    assert sealed.inline is not None
    assert sealed.metadata.size == size and sealed.metadata.mtime == 1_700_000_000_123
    small = SmallFile(sealed.file_key, sealed.metadata, tmp_path / "out")
    assert bytes(open_whole(small, sealed.inline.header + sealed.inline.chunk)) == data


def test_seal_small_refuses_a_file_over_the_inline_bound(tmp_path: Path) -> None:
    local = tmp_path / "a.bin"
    local.write_bytes(os.urandom(transfers.INLINE_MAX + 1))
    with pytest.raises(SealboxError, match="grew while it was being read"):
        transfers.seal_small(local, "a.bin")


def _resident_pages(path: Path) -> int:
    """How many of the file's pages are in the page cache (mincore(2) on a shared mapping)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                          ctypes.c_int, ctypes.c_long]  # fmt: skip
    libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p]
    libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    size = path.stat().st_size
    pages = -(-size // mmap.PAGESIZE)
    fd = os.open(path, os.O_RDONLY)
    try:
        address = libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
        assert address not in (None, ctypes.c_void_p(-1).value), os.strerror(ctypes.get_errno())
        try:
            vector = ctypes.create_string_buffer(pages)
            assert libc.mincore(address, size, vector) == 0, os.strerror(ctypes.get_errno())
            return sum(byte & 1 for byte in vector.raw)
        finally:
            libc.munmap(address, size)
    finally:
        os.close(fd)


def test_a_download_checkpoint_leaves_its_synced_pages_out_of_the_cache(tmp_path: Path) -> None:
    # A download writes through the page cache; each checkpoint's sync gives the written pages
    # back, so a large download neither fills the cache nor leaves the kernel to reclaim it.
    kept, released = tmp_path / "synced.bin", tmp_path / "released.bin"
    data = os.urandom(8 * 1024 * 1024)
    for path in (kept, released):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            transfers.write_all(fd, data)
            if path is kept:
                os.fdatasync(fd)
            else:
                transfers.sync_and_release(fd)
        finally:
            os.close(fd)
    pages = len(data) // mmap.PAGESIZE
    assert _resident_pages(kept) > pages // 2  # what a sync alone leaves: the measure can fail
    assert _resident_pages(released) < pages // 8
    assert released.read_bytes() == data
