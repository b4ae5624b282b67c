# SPDX-License-Identifier: AGPL-3.0-or-later
"""The blocking drive handle that WebDAV and fsspec share: every operation, ranged reads that
fetch only the chunks they touch, and a swapped chunk that raises instead of returning bytes."""

from __future__ import annotations

import errno
import os
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from sealbox.client.access import Tampered
from sealbox.crypto import content
from sealbox.testing.hostile import Exchange
from tests.access.conftest import Hostile, open_hostile

CONTENT = r"/v1/contents/[^/]+"
CHUNK = content.DEFAULT_CHUNK_SIZE


def write(hostile: Hostile, path: str, data: bytes) -> None:
    with hostile.handle.open_write(path) as out:
        out.write(data)


def test_operations_round_trip(hostile: Hostile) -> None:
    handle = hostile.handle
    handle.mkdir("/docs")
    write(hostile, "/docs/a.txt", b"hello")
    write(hostile, "/docs/empty", b"")
    assert [e.name for e in handle.listdir("/docs")] == ["a.txt", "empty"]
    assert handle.stat("/docs/a.txt").size == 5
    assert handle.read_bytes("/docs/empty") == b""
    write(hostile, "/docs/a.txt", b"hello again")
    assert handle.read_bytes("/docs/a.txt") == b"hello again"
    handle.copy("/docs", "/copy")
    handle.move("/docs/a.txt", "/docs/b.txt")
    assert handle.read_bytes("/copy/a.txt") == b"hello again"
    assert handle.read_bytes("/docs/b.txt") == b"hello again"
    with pytest.raises(FileExistsError):
        handle.move("/docs/b.txt", "/copy/a.txt")
    handle.delete("/copy")
    assert not handle.exists("/copy")
    assert [e.name for e in handle.listdir("/")] == ["docs"]
    with pytest.raises(FileNotFoundError):
        handle.open_read("/nothing")
    with pytest.raises(IsADirectoryError):
        handle.open_read("/docs")


def test_ranged_reads_fetch_only_the_chunks_they_touch(hostile: Hostile) -> None:
    data = os.urandom(2 * CHUNK + 12345)
    write(hostile, "/big.bin", data)
    before = len(hostile.server.requests)
    with hostile.handle.open_read("/big.bin") as reader:
        reader.seek(CHUNK + 100)
        assert reader.read(1000) == data[CHUNK + 100 : CHUNK + 1100]
        reader.seek(-10, os.SEEK_END)
        assert reader.read() == data[-10:]
        reader.seek(CHUNK - 5)
        assert reader.read(10) == data[CHUNK - 5 : CHUNK + 5]
    fetched = [r for r in hostile.server.requests[before:] if re.fullmatch(CONTENT, r.path)]
    # the header, then chunks 1 (and 2 read ahead), 2, 0 (and 1 ahead) and 1: never the whole
    assert sum(1 for r in fetched if r.method == "GET") <= 7
    assert hostile.handle.read_bytes("/big.bin") == data


SEALED = CHUNK + content.TAG_BYTES
SWAPPED_SIZE = 3 * CHUNK + 1  # chunks 1 and 2 are both full and neither is the final one


def range_start(exchange: Exchange) -> int:
    header = dict(exchange.request.headers).get(b"range", b"").decode()
    return int(re.fullmatch(r"bytes=(\d+)-\d+", header).group(1))  # type: ignore[union-attr]


def swap_chunks(hostile: Hostile, path: str) -> None:
    """From now on the server answers every request for chunk 1 of the file at ``path`` with its
    chunk 2: genuine ciphertext of the same file and length, in the wrong place (A12)."""
    handle = hostile.handle
    _, node = handle.submit(handle.listings.lookup(path)).result()
    content_id = node.metadata.content_id  # type: ignore[union-attr]
    first = content.HEADER_BYTES + SEALED
    second = handle.submit(
        handle.drive.api.content_range(content_id, first + SEALED, first + 2 * SEALED)
    ).result()
    assert len(second) == SEALED
    hostile.server.on("GET", CONTENT, lambda ex: second if range_start(ex) == first else None)


def test_a_swapped_chunk_raises_and_hands_on_nothing(hostile: Hostile) -> None:
    data = os.urandom(SWAPPED_SIZE)
    write(hostile, "/big.bin", data)
    swap_chunks(hostile, "/big.bin")
    with hostile.handle.open_read("/big.bin") as reader:
        assert reader.read(100) == data[:100]
        with pytest.raises(Tampered) as raised:
            reader.read(CHUNK)
        assert raised.value.errno == errno.EIO
        reader.seek(CHUNK + 10)
        with pytest.raises(Tampered):
            reader.read(10)
        reader.seek(2 * CHUNK)  # the chunks the server left alone still read
        assert reader.read(10) == data[2 * CHUNK : 2 * CHUNK + 10]


def wait_for(condition: Callable[[], bool], seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_listings_are_kept_and_dropped_when_the_change_feed_reports(tmp_path: Path) -> None:
    """Kept for an hour here, yet a change made behind the handle's back shows up as soon as the
    change feed reports it; without the feed it stays hidden for the hour."""
    for watch in (True, False):
        opened = open_hostile(tmp_path / str(watch), watch_feed=watch, ttl=3600)
        try:
            handle = opened.handle
            assert handle.listdir("/") == []
            handle.submit(handle.drive.mkdir("/elsewhere")).result()
            seen = wait_for(lambda h=handle: [e.name for e in h.listdir("/")] == ["elsewhere"],
                            seconds=10 if watch else 3)  # fmt: skip
            assert seen == watch
        finally:
            opened.close()
