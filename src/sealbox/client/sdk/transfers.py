"""Resumable, parallel, constant-memory transfers of content objects (spec/object-format.md).

Uploads seal chunks in worker threads (libsodium releases the GIL) and send a bounded number at
once; a journal in the local state remembers the file key, content id and nonce prefix, so a rerun
re-seals exactly the same chunks and sends only those the server does not have. Downloads fetch
chunks by range, open each on its own and write it at its offset in a temporary file beside the
destination, which is renamed into place only after every chunk has verified.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import mimetypes
import os
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path

from sealbox.client.sdk.api import Api
from sealbox.client.sdk.errors import SealboxError
from sealbox.client.sdk.state import LocalState
from sealbox.crypto import content
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.keys import FileKey, RandomSource, system_random
from sealbox.crypto.layout import b64url, from_b64url
from sealbox.crypto.tree import FileMetadata
from sealbox.protocol import models as m

Progress = Callable[[int], None]
"""Called with the number of plaintext bytes just transferred (or skipped as already there)."""

INLINE_MAX = 1024 * 1024
"""Files up to this size travel inside the folder transaction, many to a request."""

DEFAULT_CONCURRENCY = 4
SYNC_EVERY = 8  # downloaded chunks between journal checkpoints (each preceded by an fdatasync)


def _ignore(_: int) -> None:
    pass


@dataclass(frozen=True)
class Sealed:
    """A file's content, sealed and ready to commit: the key and the metadata that names it."""

    file_key: FileKey
    metadata: FileMetadata
    inline: m.InlineContent | None = None
    journal_key: str | None = None


def guess_mime(name: str) -> str:
    mime, _ = mimetypes.guess_type(name, strict=False)
    return mime or "application/octet-stream"


def _identity(stat: os.stat_result) -> str:
    # ctime changes on every write and cannot be set by users, so a file edited in place between
    # two runs never resumes an upload sealed for its old bytes (which would reuse nonces).
    return f"{stat.st_dev}:{stat.st_ino}:{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}"


def seal_small(path: Path, name: str, rng: RandomSource = system_random) -> Sealed:
    """Seal a small file whole, for the one-request path."""
    data = path.read_bytes()
    if len(data) > INLINE_MAX:
        raise SealboxError(f"{path} grew while it was being read")
    stat = path.stat()
    file_key, content_id = FileKey.generate(rng), rng(16)
    encryptor = content.ContentEncryptor(file_key, content_id, rng=rng)
    chunk = encryptor.encrypt_chunk(0, data, final=True)
    metadata = FileMetadata(
        name, stat.st_mtime_ns // 1_000_000, len(data), guess_mime(name), content_id,
        encryptor.header_hash,
    )  # fmt: skip
    inline = m.InlineContent(
        content_id=content_id,
        header=encryptor.header,
        chunk_size=encryptor.chunk_size,
        chunk=bytes(chunk),
    )
    return Sealed(file_key, metadata, inline)


async def upload(
    api: Api,
    state: LocalState,
    scope: str,
    path: Path,
    name: str,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: Progress = _ignore,
    rng: RandomSource = system_random,
) -> Sealed:
    """Upload a file's content in chunks, resuming a journaled earlier attempt."""
    stat = path.stat()
    size = stat.st_size
    key = f"up:{scope}:{path.resolve()}:{_identity(stat)}"
    journal = state.journal(key)
    if journal is None:
        journal = {
            "file_key": b64url(rng(32)),
            "content_id": b64url(rng(16)),
            "nonce_prefix": b64url(rng(content.NONCE_PREFIX_BYTES)),
        }
        state.save_journal(key, journal)
    file_key = FileKey(from_b64url(journal["file_key"]))
    content_id = from_b64url(journal["content_id"])
    nonce_prefix = from_b64url(journal["nonce_prefix"])
    encryptor = content.ContentEncryptor(file_key, content_id, rng=lambda _: nonce_prefix)
    chunk_size = encryptor.chunk_size
    count = content.chunk_count(size, chunk_size)
    view = await api.open_upload(
        m.UploadOpenRequest(
            content_id=content_id,
            header=encryptor.header,
            chunk_size=chunk_size,
            chunk_count=count,
            total_size=content.encrypted_size(size, chunk_size),
        )
    )
    present = set(view.present)
    for index in present:
        progress(min(chunk_size, size - index * chunk_size))
    gate = asyncio.Semaphore(concurrency)
    fd = os.open(path, os.O_RDONLY)

    def seal_chunk(index: int) -> bytearray:
        plain = os.pread(fd, chunk_size, index * chunk_size)
        return encryptor.encrypt_chunk(index, plain, final=index == count - 1)

    async def send(index: int) -> None:
        async with gate:
            sealed = await asyncio.to_thread(seal_chunk, index)
            await api.put_chunk(content_id, index, sealed)
            progress(len(sealed) - content.TAG_BYTES)

    try:
        await _all([send(i) for i in range(count) if i not in present])
    except ValueError:
        raise SealboxError(f"{path} changed while it was being uploaded") from None
    finally:
        os.close(fd)
    if _identity(path.stat()) != _identity(stat):
        state.drop_journal(key)
        raise SealboxError(f"{path} changed while it was being uploaded; run the command again")
    metadata = FileMetadata(
        name, stat.st_mtime_ns // 1_000_000, size, guess_mime(name), content_id,
        encryptor.header_hash,
    )  # fmt: skip
    return Sealed(file_key, metadata, journal_key=key)


async def _all(tasks: list[Coroutine[object, object, None]]) -> None:
    """Run coroutines together. On the first failure the rest are cancelled and one failure is
    raised on its own: tampering before anything else, since it decides what is cleaned up."""
    try:
        async with asyncio.TaskGroup() as group:
            for task in tasks:
                group.create_task(task)
    except BaseExceptionGroup as failures:
        leaves = _leaves(failures)
        raise next((e for e in leaves if isinstance(e, IntegrityError)), leaves[0]) from None


run_all = _all  # for the small-file downloads in small_files.py


def _leaves(group: BaseExceptionGroup[BaseException]) -> list[BaseException]:
    out: list[BaseException] = []
    for exc in group.exceptions:
        out.extend(_leaves(exc) if isinstance(exc, BaseExceptionGroup) else [exc])
    return out


def partial_path(dest: Path, content_id: bytes) -> Path:
    """The hidden file a download is written to before it is renamed to ``dest``. Its name has a
    fixed length, so it fits wherever the destination's name does."""
    tag = hashlib.blake2b(dest.name.encode("utf-8", "surrogateescape") + content_id, digest_size=12)
    return dest.with_name(f".sealbox-{b64url(tag.digest())}.part")


async def download(
    api: Api,
    state: LocalState,
    scope: str,
    file_key: FileKey,
    metadata: FileMetadata,
    dest: Path,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: Progress = _ignore,
) -> None:
    """Download, verify and write one file. Nothing appears at ``dest`` unless every chunk
    verified; on tampering the partial file is deleted, on other failures kept for a rerun."""
    content_id, size = metadata.content_id, metadata.size
    if size <= INLINE_MAX:
        await _download_whole(api, file_key, metadata, dest, progress)
        return
    header = await api.content_range(content_id, 0, content.HEADER_BYTES)
    decryptor = content.ContentDecryptor(file_key, header, content_id, metadata.header_hash, size)
    temp = partial_path(dest, content_id)
    key = f"down:{scope}:{b64url(content_id)}:{dest.resolve()}"
    journal = state.journal(key)
    done: set[int] = set(journal["done"]) if journal and temp.exists() else set()
    if not done:
        temp.unlink(missing_ok=True)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        os.ftruncate(fd, size)
        for index in done:
            progress(decryptor.chunk_plaintext_size(index))
        gate = asyncio.Semaphore(concurrency)
        pending: list[int] = []

        def checkpoint() -> None:
            os.fdatasync(fd)
            done.update(pending)
            pending.clear()
            state.save_journal(key, {"done": sorted(done)})

        async def checkpoint_soon() -> None:
            # Only chunks written before the sync may be recorded as done, so take them first.
            batch = pending[:]
            del pending[:]
            await asyncio.to_thread(os.fdatasync, fd)
            done.update(batch)
            state.save_journal(key, {"done": sorted(done)})

        async def fetch(index: int) -> None:
            async with gate:
                start, end = decryptor.chunk_range(index)
                sealed = await api.content_range(content_id, start, end)
                if len(sealed) != end - start:
                    raise IntegrityError(ErrorCode.CHUNK_LENGTH, f"chunk {index}")
                plain = await asyncio.to_thread(decryptor.decrypt_chunk, index, sealed)
                await asyncio.to_thread(os.pwrite, fd, plain, index * decryptor.chunk_size)
                pending.append(index)
                progress(len(plain))
                if len(pending) >= SYNC_EVERY:
                    await checkpoint_soon()

        tampered = False
        try:
            await _all([fetch(i) for i in range(decryptor.chunks) if i not in done])
        except IntegrityError:
            tampered = True
            raise
        finally:
            if tampered:
                _discard(fd, temp)
                state.drop_journal(key)
            elif pending or len(done) < decryptor.chunks:
                # Interrupted or complete: either way, record what is durably written.
                with contextlib.suppress(OSError):
                    checkpoint()
        os.fsync(fd)
    finally:
        with contextlib.suppress(OSError):
            os.close(fd)
    mtime = metadata.mtime / 1000
    os.utime(temp, (mtime, mtime))
    os.replace(temp, dest)
    _fsync_dir(dest.parent)
    state.drop_journal(key)


async def _download_whole(
    api: Api, file_key: FileKey, metadata: FileMetadata, dest: Path, progress: Progress
) -> None:
    """A small file in one request: the whole content object, opened in memory."""
    total = content.encrypted_size(metadata.size)
    data = await api.content_range(metadata.content_id, 0, total)
    decryptor = content.ContentDecryptor(
        file_key, data[: content.HEADER_BYTES], metadata.content_id, metadata.header_hash,
        metadata.size,
    )  # fmt: skip
    if decryptor.chunks != 1 or len(data) != total:
        raise IntegrityError(ErrorCode.CONTENT_LENGTH, "content has the wrong length")
    plain = decryptor.decrypt_chunk(0, memoryview(data)[content.HEADER_BYTES :])
    temp = partial_path(dest, metadata.content_id)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, plain)
        os.fsync(fd)
    finally:
        os.close(fd)
    mtime = metadata.mtime / 1000
    os.utime(temp, (mtime, mtime))
    os.replace(temp, dest)
    progress(len(plain))


def _discard(fd: int, temp: Path) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)
    temp.unlink(missing_ok=True)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
