# SPDX-License-Identifier: AGPL-3.0-or-later
"""Downloading many small files at once (spec/http-api.md §6.4).

A folder of small files is fetched in batches of up to 256 content objects per request, several
batches in flight. Each batch is opened in memory, written to hidden temporary files beside the
destinations, made durable with one filesystem sync, and only then renamed into place: a crash
leaves no partial file under a real name, and a file that fails verification is never written.
Paying one sync per batch instead of one fsync per file is what makes thousands of files a second
possible; the guarantee is the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sealbox.client.sdk import transfers
from sealbox.client.sdk.api import Api
from sealbox.client.sdk.errors import ApiError, SealboxError
from sealbox.crypto import content
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.keys import FileKey
from sealbox.crypto.tree import FileMetadata
from sealbox.durability import fsync_dir, sync_filesystem
from sealbox.protocol import content_batch as cb
from sealbox.protocol import limits

BATCH_FILES = limits.MAX_BATCH_CONTENTS
# Sized by the metadata's plaintext sizes, below the server's bound so that nothing is omitted
# unless the server lies about sizes; an omitted file is fetched on its own.
BATCH_BYTES = limits.MAX_BATCH_BYTES // 2
IN_FLIGHT = 3


@dataclass(frozen=True)
class SmallFile:
    """A verified file to fetch: the key from its record, the metadata that names its content."""

    key: FileKey
    metadata: FileMetadata
    dest: Path


@dataclass(frozen=True)
class Hooks:
    start_file: Callable[[str, int], None]
    advance: Callable[[int], None]
    finish_file: Callable[[str], None]


def batches(files: list[SmallFile]) -> list[list[SmallFile]]:
    out: list[list[SmallFile]] = []
    current: list[SmallFile] = []
    size = 0
    for small in files:
        sealed = content.encrypted_size(small.metadata.size)
        if current and (len(current) >= BATCH_FILES or size + sealed > BATCH_BYTES):
            out.append(current)
            current, size = [], 0
        current.append(small)
        size += sealed
    if current:
        out.append(current)
    return out


def open_whole(small: SmallFile, data: bytes) -> bytearray:
    """Verify and open a one-chunk content object against the file's authenticated metadata."""
    metadata = small.metadata
    decryptor = content.ContentDecryptor(
        small.key, data[: content.HEADER_BYTES], metadata.content_id, metadata.header_hash,
        metadata.size,
    )  # fmt: skip
    if decryptor.chunks != 1 or len(data) != content.encrypted_size(metadata.size):
        raise IntegrityError(ErrorCode.CONTENT_LENGTH, "content has the wrong length")
    return decryptor.decrypt_chunk(0, memoryview(data)[content.HEADER_BYTES :])


Failed = Callable[[SmallFile, BaseException], None]
"""Called (on the event loop) for a file that did not verify or could not be written; the others
go on."""


def _raise(_: SmallFile, exc: BaseException) -> None:
    raise exc


async def download_small(
    api: Api, files: list[SmallFile], hooks: Hooks, failed: Failed = _raise
) -> None:
    """Fetch, verify and write ``files`` (each at most ``transfers.INLINE_MAX`` bytes)."""
    gate = asyncio.Semaphore(IN_FLIGHT)
    entries = threading.Lock()

    async def one(batch: list[SmallFile]) -> None:
        async with gate:
            for small in batch:
                hooks.start_file(small.metadata.name, small.metadata.size)
            items = await api.contents_batch([s.metadata.content_id for s in batch])
            included = [(s, i.data) for s, i in zip(batch, items, strict=True)
                        if i.status == cb.INCLUDED]  # fmt: skip
            written = await asyncio.to_thread(_verify_and_write, included, hooks, entries)
            for small, exc in written:
                failed(small, exc)
            for small, item in zip(batch, items, strict=True):
                if item.status == cb.NOT_FOUND:
                    failed(small, ApiError(404, "not_found", "content not found"))
                if item.status == cb.OMITTED:
                    await _download_one(api, small, hooks, failed, entries)

    await transfers.run_all([one(batch) for batch in batches(files)])


async def download_each(
    api: Api, files: list[SmallFile], hooks: Hooks, failed: Failed = _raise
) -> None:
    """One request per file, several at once: for trees whose API has no batch route."""
    gate = asyncio.Semaphore(8)
    entries = threading.Lock()

    async def one(small: SmallFile) -> None:
        async with gate:
            hooks.start_file(small.metadata.name, small.metadata.size)
            await _download_one(api, small, hooks, failed, entries)

    await transfers.run_all([one(small) for small in files])


async def _download_one(
    api: Api, small: SmallFile, hooks: Hooks, failed: Failed, entries: threading.Lock
) -> None:
    data = await api.content_range(
        small.metadata.content_id, 0, content.encrypted_size(small.metadata.size)
    )
    for item, exc in await asyncio.to_thread(_verify_and_write, [(small, data)], hooks, entries):
        failed(item, exc)


def _open_each(
    items: list[tuple[SmallFile, bytes]], bad: list[tuple[SmallFile, BaseException]]
) -> list[tuple[SmallFile, bytearray]]:
    opened = []
    for small, data in items:
        try:
            opened.append((small, open_whole(small, data)))
        except IntegrityError as exc:
            bad.append((small, exc))
    return opened


def _verify_and_write(
    items: list[tuple[SmallFile, bytes]], hooks: Hooks, entries: threading.Lock
) -> list[tuple[SmallFile, BaseException]]:
    """Open every object first, so that nothing is written of one that does not verify; then
    write the temporary files, sync once, rename them all and make the renames durable. Returns
    the files that did not verify or could not be written; no temporary file of theirs is left.

    ``entries`` is held while files are created and renamed: batches written by several threads
    at once contend for their folder's lock in the kernel, and Linux spins on it, which cost more
    CPU than everything else in a download of many small files (docs/benchmarks.md)."""
    bad: list[tuple[SmallFile, BaseException]] = []
    opened = _open_each(items, bad)
    temps: list[tuple[Path, SmallFile]] = []
    try:
        with entries:
            _write_temps(opened, temps, bad)
        if temps:
            sync_filesystem(temps[0][0].parent)
    except BaseException:
        for temp, _ in temps:
            with contextlib.suppress(OSError):
                temp.unlink()
        raise
    with entries:
        placed = _place_all(temps, bad)
    for parent in {small.dest.parent for small in placed}:
        fsync_dir(parent)  # the renames made durable
    for small in placed:
        hooks.advance(small.metadata.size)
        hooks.finish_file(small.metadata.name)
    return bad


def _write_temps(
    opened: list[tuple[SmallFile, bytearray]],
    temps: list[tuple[Path, SmallFile]],
    bad: list[tuple[SmallFile, BaseException]],
) -> None:
    for small, plain in opened:
        # Created exclusively under an unpredictable name: nothing planted is written through.
        try:
            fd, temp = transfers.create_partial(small.dest)
        except OSError as exc:
            bad.append((small, exc))
            continue
        temps.append((temp, small))
        try:
            transfers.write_all(fd, plain)
            transfers.set_mtime(fd, small.metadata.mtime)
        finally:
            os.close(fd)


def _place_all(
    temps: list[tuple[Path, SmallFile]], bad: list[tuple[SmallFile, BaseException]]
) -> list[SmallFile]:
    """Rename each verified temporary file into place; one that cannot get its name (too long,
    a folder in the way) is removed and noted in ``bad``."""
    placed = []
    for at, (temp, small) in enumerate(temps):
        try:
            transfers.place(temp, small.dest)
        except (OSError, SealboxError) as exc:
            temp.unlink(missing_ok=True)
            bad.append((small, exc))
            continue
        except BaseException:
            for left, _ in temps[at:]:
                left.unlink(missing_ok=True)
            raise
        placed.append(small)
    return placed
