# SPDX-License-Identifier: AGPL-3.0-or-later
# Over 400 lines: uploads and downloads share chunk geometry, journals, buffers and workers.
"""Resumable, parallel, constant-memory transfers of content objects (spec/object-format.md).

Uploads seal chunks in place in reusable buffers on worker threads (the cipher releases the GIL),
take the plaintext hash from the same buffers, and send a bounded number at once; a journal in
the local state remembers the file key, content id and nonce prefix, so a rerun re-seals exactly
the same chunks and sends only those the server does not have. Downloads stream ranges that each
cover a run of chunks, open every chunk on its own, in place, and write it at its offset in a
temporary file beside the destination, which is renamed into place only after every chunk has
verified. Where profiles showed the time going, and why, is in docs/benchmarks.md ("Changes for
issue 8" and "Client efficiency (issue 20, item 2)").
"""

from __future__ import annotations

import asyncio
import contextlib
import mimetypes
import mmap
import os
import secrets
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISDIR, S_ISREG

import httpx

from sealbox.client.sdk import orphans
from sealbox.client.sdk.api import Api
from sealbox.client.sdk.bulk_http import Body, Pieces
from sealbox.client.sdk.direct import DirectDownloads, DirectUploads, store_client
from sealbox.client.sdk.errors import ApiError, SealboxError
from sealbox.client.sdk.state import LocalState
from sealbox.client.sdk.upload_journal import GroupedSaves, StartOver, UploadJournal
from sealbox.crypto import content
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.keys import FileKey, RandomSource, system_random
from sealbox.crypto.layout import b64url
from sealbox.crypto.tree import FileMetadata
from sealbox.durability import fsync_dir
from sealbox.protocol import limits
from sealbox.protocol import models as m
from sealbox.protocol.errors import ErrorCode as Wire

Progress = Callable[[int], None]
"""Called with the number of plaintext bytes just transferred (or skipped as already there)."""

INLINE_MAX = 1024 * 1024
"""Files up to this size travel inside the folder transaction, many to a request."""

DEFAULT_CONCURRENCY = 4
SPAN_CHUNKS = 16  # the most chunks one download request covers
HASH_BLOCK = 1024 * 1024  # bytes read at a time for the plaintext hash
SYNC_EVERY = 16  # downloaded chunks between journal checkpoints (each preceded by an fdatasync)


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
    """Seal a small file whole, for the one-request path. Read through one descriptor: its
    size and time are those of the file read, and a folder of small files costs one open each."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        found = os.fstat(fd)
        data = _read_up_to(fd, INLINE_MAX + 1, min(found.st_size, INLINE_MAX) + 1)
    finally:
        os.close(fd)
    if len(data) > INLINE_MAX:
        raise SealboxError(f"{path} grew while it was being read")
    return seal_bytes(data, name, found.st_mtime_ns, rng)


def _read_up_to(fd: int, limit: int, step: int) -> bytes:
    """Read from ``fd`` until the end or ``limit`` bytes, ``step`` bytes a read (the file's size
    and one more: two small reads for a small file, no buffer of ``limit`` bytes each time)."""
    pieces, total = [], 0
    while total < limit:
        piece = os.read(fd, min(step, limit - total))
        if not piece:
            break
        pieces.append(piece)
        total += len(piece)
    return b"".join(pieces)


def seal_link(path: Path, name: str, rng: RandomSource = system_random) -> Sealed:
    """Seal a symbolic link itself, as a small file holding the path it points to."""
    target = os.fsencode(os.readlink(path))
    return seal_bytes(target, name, path.lstat().st_mtime_ns, rng)


def seal_bytes(data: bytes, name: str, mtime_ns: int, rng: RandomSource) -> Sealed:
    file_key, content_id = FileKey.generate(rng), rng(16)
    encryptor = content.ContentEncryptor(file_key, content_id, rng=rng)
    chunk = encryptor.encrypt_chunk(0, data, final=True)
    metadata = FileMetadata(
        name, mtime_ns // 1_000_000, len(data), guess_mime(name), content_id,
        encryptor.header_hash, plaintext_hash=content.plaintext_hash(file_key, data),
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
    resumed: Progress | None = None,
) -> Sealed:
    """Upload a file's content in chunks, resuming a journaled earlier attempt when that cannot
    seal any chunk twice (upload_journal.py); otherwise starting over under a new key. The bytes
    of chunks an earlier attempt sent are told to ``resumed`` (to ``progress`` without it)."""
    stat = path.stat()
    key = upload_key(scope, path, stat)
    for _ in range(2):
        earlier = UploadJournal.load(state, key)
        journal = earlier or UploadJournal.begin(state, key, rng)
        try:
            return await _upload_once(
                api, journal, path, name, stat, concurrency, (progress, resumed or progress), rng
            )
        except StartOver:
            journal.drop()
            with contextlib.suppress(SealboxError):
                await api.abandon_upload(journal.content_id)
        except ApiError as exc:
            # The content id of an earlier attempt is taken: that attempt was committed (the
            # run ended between the commit and forgetting its journal) or the server let the
            # upload lapse and its id be used. Either way start over under a new id.
            if earlier is None or exc.code != Wire.ID_TAKEN:
                raise
            journal.drop()
    raise SealboxError(f"{path} changed while it was being uploaded; run the command again")


def upload_key(scope: str, path: Path, stat: os.stat_result) -> str:
    return f"up:{scope}:{path.resolve()}:{_identity(stat)}"


def committed_earlier(state: LocalState, scope: str, path: Path, content_id: bytes) -> bool:
    """Whether an interrupted earlier upload of ``path`` (unchanged since) is the content the
    remote file already names: the run was ended after the commit and before its journal was
    dropped. The journal is dropped now; nothing is left to send."""
    key = upload_key(scope, path, path.stat())
    journal = UploadJournal.load(state, key)
    if journal is None or journal.content_id != content_id:
        return False
    journal.drop()
    return True


async def _upload_once(
    api: Api,
    journal: UploadJournal,
    path: Path,
    name: str,
    stat: os.stat_result,
    concurrency: int,
    told: tuple[Progress, Progress],
    rng: RandomSource,
) -> Sealed:
    progress, resumed = told  # bytes sent now; bytes an earlier attempt sent
    size = stat.st_size
    encryptor = journal.encryptor(rng)
    content_id, chunk_size = journal.content_id, encryptor.chunk_size
    count = content.chunk_count(size, chunk_size)
    view, present = await _open_upload(api, journal, encryptor, size, resumed)
    # Shared by the workers, each taking the next chunk: nothing is listed per chunk up front.
    missing: Iterator[int] = (index for index in range(count) if index not in present)
    direct: DirectUploads | None = None
    order: list[int] = []
    store = store_client(api) if view.direct and api.transfers_direct else None
    if store is not None:
        direct = DirectUploads(api, store, content_id)
        order = [index for index in range(count) if index not in present]
        missing = iter(order)
    fd = os.open(path, os.O_RDONLY)
    # A resumed upload skips chunks, so it reads the file a second time for the plaintext hash.
    sealer = _Sealer(fd, encryptor, size, journal.file_key, in_one_pass=not present)
    saves = GroupedSaves(journal)

    async def worker(indexes: Iterator[int]) -> None:
        # One buffer per worker, reused: each chunk is read into it and sealed in place.
        buffer = memoryview(bytearray(chunk_size + content.TAG_BYTES))
        for index in indexes:
            sealed = await asyncio.to_thread(sealer.seal, index, buffer)
            await saves.sealing(index, bytes(sealed[-content.TAG_BYTES :]))
            # A chunk sent to the store is acknowledged once the server has recorded it.
            if direct is None or not await direct.put(index, sealed, order):
                await api.put_chunk(content_id, index, sealed)
                journal.acknowledged(index)
            progress(len(sealed) - content.TAG_BYTES)

    try:
        await _all([*sealer.hashing(), *(worker(missing) for _ in range(max(1, concurrency)))])
        if direct is not None:
            await worker(iter(await _confirm_direct(direct, journal)))
        plaintext_hash = await sealer.digest()
    except ValueError:
        raise SealboxError(f"{path} changed while it was being uploaded") from None
    finally:
        os.close(fd)
        if store is not None:
            await store.aclose()
    if _identity(path.stat()) != _identity(stat):
        journal.drop()
        raise SealboxError(f"{path} changed while it was being uploaded; run the command again")
    metadata = FileMetadata(
        name, stat.st_mtime_ns // 1_000_000, size, guess_mime(name), content_id,
        encryptor.header_hash, plaintext_hash=plaintext_hash,
    )  # fmt: skip
    return Sealed(journal.file_key, metadata, journal_key=journal.key)


async def _open_upload(
    api: Api, journal: UploadJournal, encryptor: content.ContentEncryptor, size: int,
    resumed: Progress,
) -> tuple[m.UploadView, set[int]]:  # fmt: skip
    """Open (or reopen) the upload; returns its view and the chunks the server has already,
    which are acknowledged in the journal and told to ``resumed``."""
    chunk_size = encryptor.chunk_size
    count = content.chunk_count(size, chunk_size)
    view = await api.open_upload(
        m.UploadOpenRequest(
            content_id=journal.content_id,
            header=encryptor.header,
            chunk_size=chunk_size,
            chunk_count=count,
            total_size=content.encrypted_size(size, chunk_size),
        )
    )
    present = {index for index in view.present if 0 <= index < count}
    journal.check_resumable(present)
    for index in present:
        journal.acknowledged(index)
        resumed(min(chunk_size, size - index * chunk_size))
    return view, present


async def _confirm_direct(direct: DirectUploads, journal: UploadJournal) -> list[int]:
    """Have the server record the chunks sent to the store; returns those the store does not
    show, which the caller sends again through the server (the same sealed bytes: the journal's
    nonces do not change). Direct sending is over for this upload either way."""
    present = await direct.confirm()
    for index in direct.sent:
        if index in present:
            journal.acknowledged(index)
    lost = sorted({index for index in direct.sent if index not in present})
    direct.broken, direct.sent = True, []
    return lost


class _Sealer:
    """Reads a file's chunks into the workers' buffers and seals them in place. With
    ``in_one_pass`` the plaintext hash is fed from the same buffers before sealing (every chunk
    must then be sealed in this run, in order); otherwise ``hashing`` reads the file a second
    time, while the workers seal."""

    def __init__(
        self, fd: int, encryptor: content.ContentEncryptor, size: int, file_key: FileKey,
        *, in_one_pass: bool,
    ) -> None:  # fmt: skip
        self._fd, self._encryptor, self._size, self._file_key = fd, encryptor, size, file_key
        self._count = content.chunk_count(size, encryptor.chunk_size)
        self._in_pass = _HashInOrder(file_key) if in_one_pass else None
        self._read_again: bytes | None = None

    def seal(self, index: int, buffer: memoryview) -> memoryview:
        chunk_size, in_pass = self._encryptor.chunk_size, self._in_pass
        try:
            want = min(chunk_size, self._size - index * chunk_size)
            read = _pread_into(self._fd, buffer[:want], index * chunk_size)
            if in_pass is not None:
                in_pass.feed(index, buffer[:read])
            final = index == self._count - 1
            sealed = self._encryptor.encrypt_chunk_in_place(index, buffer, read, final=final)
        except BaseException:
            if in_pass is not None:
                in_pass.abandon()  # no thread waits for a chunk that will never be hashed
            raise
        return buffer[:sealed]

    def hashing(self) -> list[Coroutine[object, object, None]]:
        """What to run beside the workers: the second read, unless the hash is taken in pass."""
        return [self._hash_again()] if self._in_pass is None else []

    async def _hash_again(self) -> None:
        self._read_again = await asyncio.to_thread(_hash_fd, self._fd, self._file_key)

    async def digest(self) -> bytes:
        """The keyed plaintext hash of the whole file, once every chunk is sealed."""
        whole = self._in_pass.digest(self._count) if self._in_pass is not None else None
        if whole is None:
            whole = self._read_again
        if whole is None:  # in pass, but not every chunk was sealed in order in this run
            whole = await asyncio.to_thread(_hash_fd, self._fd, self._file_key)
        return whole


class _HashInOrder:
    """The keyed plaintext hash, fed from the sealing threads chunk by chunk in index order: the
    thread holding chunk ``i`` waits until chunk ``i - 1`` is hashed. Workers take chunks in
    order and hand each to a thread at once, so the chunk waited for is always being read (or
    has failed, and ``abandon`` releases the waiters); hashing never holds the event loop."""

    def __init__(self, file_key: FileKey) -> None:
        self._hasher = content.PlaintextHasher(file_key)
        self._next = 0  # the index of the next chunk to hash
        self._abandoned = False
        self._turn = threading.Condition()

    def feed(self, index: int, plaintext: memoryview) -> None:
        with self._turn:
            self._turn.wait_for(lambda: self._next >= index or self._abandoned)
            if self._next != index or self._abandoned:
                return  # hashed already (a chunk sent again after a direct send), or given up
        self._hasher.update(plaintext)  # only the thread whose turn it is gets here
        with self._turn:
            self._next += 1
            self._turn.notify_all()

    def abandon(self) -> None:
        with self._turn:
            self._abandoned = True
            self._turn.notify_all()

    def digest(self, chunks: int) -> bytes | None:
        """The hash, if all ``chunks`` chunks were fed in order; else None."""
        with self._turn:
            whole = self._next == chunks and not self._abandoned
        return self._hasher.digest() if whole else None


def _hash_fd(fd: int, file_key: FileKey) -> bytes:
    hasher = content.PlaintextHasher(file_key)
    offset = 0
    while block := os.pread(fd, HASH_BLOCK, offset):
        hasher.update(block)
        offset += len(block)
    return hasher.digest()


def _pread_into(fd: int, target: memoryview, offset: int) -> int:
    """Read into ``target`` until it is full or the file ends; returns the bytes read."""
    filled = 0
    while filled < len(target):
        got = os.preadv(fd, [target[filled:]], offset + filled)
        if got == 0:
            break
        filled += got
    return filled


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


PARTIAL_PREFIX, PARTIAL_SUFFIX = ".sealbox-", ".part"


def create_partial(dest: Path, *, journaled: bool = False) -> tuple[int, Path]:
    """Create the hidden file a download is written to before it is renamed to ``dest``: in the
    same folder, under an unpredictable name, created exclusively (``mkstemp``: O_EXCL and
    O_NOFOLLOW, mode 0600), so nothing anyone planted there, a symlink least of all, is ever
    opened or written through. Returns its descriptor and path.

    The same flags as ``tempfile.mkstemp``, without its per-call Python work (a name drawn
    letter by letter, its arguments sanitised): 20 to 30 µs per file, with the GIL held, when a
    get writes thousands of small files.

    A partial file no journal names (``journaled`` false: written whole and renamed by the same
    run) carries this process's id in its name, so that a later get can remove the ones a killed
    run left behind (``orphans.sweep``)."""
    tag = "" if journaled else orphans.tag()
    for _ in range(PARTIAL_TRIES):
        path = dest.parent / f"{PARTIAL_PREFIX}{tag}{secrets.token_hex(8)}{PARTIAL_SUFFIX}"
        try:
            return os.open(path, _PARTIAL_FLAGS, 0o600), path
        except FileExistsError:
            continue  # 64 random bits taken: something else made that name; draw another
    raise FileExistsError(f"no free name for a partial file in {dest.parent}")


PARTIAL_TRIES = 100
_PARTIAL_FLAGS = (
    os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
)


def _reopen_partial(path: Path) -> int | None:
    """Open a partial file a download journal names, only if it is still the one this client
    made: a regular file with one link, owned by this user, reached without a symlink."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        fd = None
    if fd is not None:
        found = os.fstat(fd)
        if S_ISREG(found.st_mode) and found.st_nlink == 1 and found.st_uid == os.geteuid():
            return fd
        os.close(fd)
    with contextlib.suppress(OSError):
        if not S_ISDIR(os.lstat(path).st_mode):
            path.unlink()  # a symlink or link someone put in its place; unlink never follows
    return None


def set_mtime(fd: int, mtime_ms: int) -> None:
    """Give a partial file its modification time, through its descriptor (never by name); in
    whole nanoseconds, so that the file's time read back is exactly the metadata's (a float of
    seconds can land a nanosecond short, a different millisecond, and the file would never
    compare as unchanged)."""
    ns = mtime_ms * 1_000_000
    os.utime(fd, ns=(ns, ns))


def place(temp: Path, dest: Path) -> None:
    """Rename a verified partial file to ``dest``. Rename replaces whatever entry is at ``dest``
    (a file, or a symlink someone planted) and never follows it; a folder in the way is refused,
    and the partial file deleted."""
    with contextlib.suppress(FileNotFoundError):
        if S_ISDIR(os.lstat(dest).st_mode):
            temp.unlink(missing_ok=True)
            raise SealboxError(f"a folder is in the way: {dest}")
    os.replace(temp, dest)


def check_geometry(decryptor: content.ContentDecryptor, stated: int | None) -> None:
    """Refuse a size the object cannot have before anything is allocated or scheduled for it:
    more chunks than a content object may have with the header's chunk size, or an object whose
    length, as the server states it, differs from the one the size implies. (A server that
    states the implied length while the object is shorter fails on the first missing chunk.)"""
    if decryptor.chunks > limits.MAX_CHUNK_COUNT:
        raise IntegrityError(
            ErrorCode.CONTENT_LENGTH,
            f"the file's metadata claims {decryptor.size} bytes, more than a content object "
            f"with {decryptor.chunk_size}-byte chunks can hold",
        )
    implied = content.encrypted_size(decryptor.size, decryptor.chunk_size)
    if stated is not None and stated != implied:
        raise IntegrityError(
            ErrorCode.CONTENT_LENGTH,
            f"the content object has {stated} bytes; the file's metadata implies {implied}",
        )


@dataclass
class _Partial:
    """The partial file of one download, and the chunks durably written to it: ``done`` is
    journaled at checkpoints, ``pending`` are written but not yet synced."""

    state: LocalState
    key: str
    fd: int
    path: Path
    done: set[int]
    pending: list[int] = field(default_factory=list)

    def journal(self) -> None:
        self.state.save_journal(self.key, {"done": sorted(self.done), "temp": self.path.name})

    def checkpoint(self) -> None:
        sync_and_release(self.fd)
        self.done.update(self.pending)
        self.pending.clear()
        self.journal()

    async def checkpoint_soon(self) -> None:
        # Only chunks written before the sync may be recorded as done, so take them first.
        batch = self.pending[:]
        del self.pending[:]
        await asyncio.to_thread(sync_and_release, self.fd)
        self.done.update(batch)
        self.journal()


def sync_and_release(fd: int) -> None:
    """Make what is written to ``fd`` durable, then let the kernel drop its now clean pages.

    A download writes through the page cache and syncs every ``SYNC_EVERY`` chunks, so its dirty
    pages stay under about 100 MiB (those chunks and the ones the workers hold), and each sync
    writes them back in large requests. Giving
    the clean pages back at once spares the kernel their later reclaim, and keeps a large download
    from pushing other files out of the cache (docs/decisions/2012)."""
    os.fdatasync(fd)
    if hasattr(os, "posix_fadvise"):
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)


def _open_partial(state: LocalState, key: str, dest: Path, chunks: int) -> _Partial:
    """Reopen the partial file a journal names and the chunks it holds, or start a new one (and
    journal its name at once, so an interruption before the first checkpoint leaves no orphan)."""
    journal = state.journal(key)
    if journal and journal.get("temp"):
        path = dest.parent / str(journal["temp"])
        fd = _reopen_partial(path)
        if fd is not None:
            done = {i for i in journal.get("done", []) if 0 <= i < chunks}
            return _Partial(state, key, fd, path, done)
    fd, path = create_partial(dest, journaled=True)
    partial = _Partial(state, key, fd, path, set())
    partial.journal()
    return partial


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
    resumed: Progress | None = None,
) -> None:
    """Download, verify and write one file (the bytes of chunks an earlier attempt wrote are told
    to ``resumed``, to ``progress`` without it). Nothing appears at ``dest`` unless every chunk
    verified; on tampering the partial file is deleted, on other failures kept for a rerun.

    ``concurrency`` workers each stream one ranged request at a time covering a span of chunks,
    receive each chunk into a buffer of their own, and open and write it in a worker thread
    (libsodium and the write release the GIL) in place in that buffer, so nothing is allocated
    or copied per chunk beyond the network's own pieces. Spans are cut as workers ask for them,
    so memory does not grow with the file's claimed size.
    """
    if metadata.size <= INLINE_MAX:
        await _download_whole(api, file_key, metadata, dest, progress)
        return
    # The header's answer also says whether the server offers direct transfers (§6.6).
    header, stated, offered = await api.content_head(metadata.content_id, content.HEADER_BYTES)
    store = store_client(api) if offered and api.transfers_direct else None
    try:
        await _download_chunked(api, state, scope, file_key, metadata, dest, store, concurrency,
                                (progress, resumed or progress), (header, stated))  # fmt: skip
    finally:
        if store is not None:
            await store.aclose()


async def _download_chunked(
    api: Api, state: LocalState, scope: str, file_key: FileKey, metadata: FileMetadata,
    dest: Path, store: httpx.AsyncClient | None, concurrency: int, told: tuple[Progress, Progress],
    head: tuple[bytes, int | None],
) -> None:  # fmt: skip
    progress, resumed = told
    content_id, size = metadata.content_id, metadata.size
    direct = DirectDownloads(api, store, content_id) if store is not None else None
    header, stated = head
    decryptor = content.ContentDecryptor(file_key, header, content_id, metadata.header_hash, size)
    check_geometry(decryptor, stated)
    # The destination's own name, not what a symlink planted there points to.
    key = f"down:{scope}:{b64url(content_id)}:{dest.parent.resolve() / dest.name}"
    partial = _open_partial(state, key, dest, decryptor.chunks)
    try:
        for index in partial.done:
            resumed(decryptor.chunk_plaintext_size(index))
        await _fetch(api, (content_id, direct), decryptor, partial, concurrency, progress)
        set_mtime(partial.fd, metadata.mtime)
        os.fsync(partial.fd)
        try:
            place(partial.path, dest)
        except (OSError, SealboxError):
            # It cannot get its name (too long, a folder in the way): a rerun would fail the
            # same way, so nothing is kept for one.
            partial.path.unlink(missing_ok=True)
            state.drop_journal(key)
            raise
    finally:
        with contextlib.suppress(OSError):
            os.close(partial.fd)
    fsync_dir(dest.parent)
    state.drop_journal(key)


async def _fetch(
    api: Api,
    source: tuple[bytes, DirectDownloads | None],
    decryptor: content.ContentDecryptor,
    partial: _Partial,
    concurrency: int,
    progress: Progress,
) -> None:
    """Fetch, open and write every chunk not yet done, ``concurrency`` spans at a time. On
    tampering the partial file is deleted; on any other end, what is durably written is
    journaled for a rerun."""
    content_id, direct = source
    chunks = _Chunks(api, decryptor, partial, progress)
    spans = _spans(decryptor.chunks, partial.done, concurrency, SPAN_CHUNKS)

    async def worker() -> None:
        lane = _Lane(chunks, decryptor.chunk_size + content.TAG_BYTES)
        for whole in spans:  # shared by the workers: each takes the next span
            # From the store while it serves them, then through the server.
            span = whole if direct is None else await direct.span(whole, lane.taken)
            if not span:
                continue
            start, end = decryptor.chunk_range(span[0])[0], decryptor.chunk_range(span[-1])[1]
            async with api.content_range_stream(content_id, start, end) as (pieces, _):
                filler = ChunkFiller(pieces)
                for index in span:
                    await lane.step(filler, index)
        await lane.drain()

    tampered = False
    try:
        await _all([worker() for _ in range(max(1, concurrency))])
    except IntegrityError:
        tampered = True
        raise
    finally:
        if chunks.writing:
            await asyncio.wait(set(chunks.writing))
        if tampered:
            # Deleted by name only: the caller closes the descriptor, once.
            partial.path.unlink(missing_ok=True)
            partial.state.drop_journal(partial.key)
        elif partial.pending or len(partial.done) < decryptor.chunks:
            # Interrupted or complete: either way, record what is durably written.
            with contextlib.suppress(OSError):
                partial.checkpoint()


class _Chunks:
    """The chunks of one download on their way into its partial file: each is received into a
    buffer, then opened and written in a worker thread while the next one is received."""

    def __init__(
        self,
        api: Api,
        decryptor: content.ContentDecryptor,
        partial: _Partial,
        progress: Progress,
    ) -> None:
        self._api = api
        self._decryptor = decryptor
        self._partial = partial
        self._progress = progress
        # Chunk writes still running in worker threads: the descriptor stays open until they end.
        self.writing: set[asyncio.Future[int]] = set()

    def _settled(self, job: asyncio.Future[int]) -> None:
        self.writing.discard(job)
        # The shield in ``finish`` hands any failure to the worker; mark this copy as seen.
        if not job.cancelled():
            job.exception()

    def _open_and_write(self, index: int, sealed: memoryview) -> int:
        size = self._decryptor.decrypt_chunk_in_place(index, sealed)
        _pwrite_all(self._partial.fd, sealed[:size], index * self._decryptor.chunk_size)
        return size

    async def take(
        self, filler: ChunkFiller, index: int, buffer: memoryview
    ) -> asyncio.Future[int]:
        """Fill ``buffer`` with the chunk and start opening and writing it; the write runs on
        while the caller receives the next chunk into its other buffer."""
        first, last = self._decryptor.chunk_range(index)
        sealed = buffer[: last - first]
        async with self._api.deadline_for(f"chunk {index} of a download"):
            received = await filler.fill(sealed)
        if received != len(sealed):
            raise IntegrityError(ErrorCode.CHUNK_LENGTH, f"chunk {index}")
        loop = asyncio.get_running_loop()
        job = loop.run_in_executor(None, self._open_and_write, index, sealed)
        self.writing.add(job)
        job.add_done_callback(self._settled)
        return job

    async def finish(self, job: asyncio.Future[int], index: int) -> None:
        """Wait for the chunk's write; only then is it counted as done and journaled."""
        # Shielded: a cancelled worker must not forget a write still running.
        written = await asyncio.shield(job)
        self._partial.pending.append(index)
        self._progress(written)
        if len(self._partial.pending) >= SYNC_EVERY:
            await self._partial.checkpoint_soon()


class _Lane:
    """One download worker's two buffers: a chunk is received into one while the chunk before
    it is opened and written from the other. With one buffer, a worker's socket sat idle during
    every write, and all of them at once for about a third of a 1 GiB get (docs/benchmarks.md,
    "Start-up and the download pipeline (stop 30)")."""

    def __init__(self, chunks: _Chunks, size: int) -> None:
        self._chunks = chunks
        self._buffers = (memoryview(mmap.mmap(-1, size)), memoryview(mmap.mmap(-1, size)))
        self._turn = 0
        self._ahead: tuple[asyncio.Future[int], int] | None = None

    async def step(self, filler: ChunkFiller, index: int) -> None:
        # The buffer filled here was last written from two chunks ago, and that write was
        # finished by the step before this one.
        job = await self._chunks.take(filler, index, self._buffers[self._turn])
        self._turn ^= 1
        previous, self._ahead = self._ahead, (job, index)
        if previous is not None:
            await self._chunks.finish(*previous)

    async def taken(self, pieces: AsyncIterator[bytes], index: int) -> None:
        """``step`` for a chunk that arrives on its own (a direct download from the store)."""
        await self.step(ChunkFiller(pieces), index)

    async def drain(self) -> None:
        """Finish the last chunk's write."""
        if self._ahead is not None:
            previous, self._ahead = self._ahead, None
            await self._chunks.finish(*previous)


def _spans(chunks: int, done: set[int], workers: int, most: int) -> Iterator[list[int]]:
    """Cut the chunks not yet done into runs of consecutive indexes, one request each, as the
    workers ask for them: at most ``most`` chunks, and short enough that every worker gets a
    share of a small file. Nothing is listed per chunk up front."""
    size = max(1, min(most, -(-(chunks - len(done)) // max(1, workers))))
    run: list[int] = []
    for index in range(chunks):
        if index in done:
            continue
        if run and (index != run[-1] + 1 or len(run) == size):
            yield run
            run = []
        run.append(index)
    if run:
        yield run


class ChunkFiller:
    """Fills buffers from a response's body: straight from the socket where the answer can
    (bulk_http.Body), else by copying its pieces, which need not line up with chunk boundaries."""

    def __init__(self, pieces: AsyncIterator[bytes]) -> None:
        self._body = pieces if isinstance(pieces, Body) else Pieces(pieces)

    async def fill(self, target: memoryview) -> int:
        """Fill ``target`` until it is full or the response ends; returns bytes filled."""
        return await self._body.fill(target)


def _pwrite_all(fd: int, data: memoryview, offset: int) -> None:
    while data:
        written = os.pwrite(fd, data, offset)
        data, offset = data[written:], offset + written


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
    fd, temp = create_partial(dest)
    try:
        write_all(fd, plain)
        set_mtime(fd, metadata.mtime)
        os.fsync(fd)
        place(temp, dest)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)
    progress(len(plain))


def write_all(fd: int, data: bytes | bytearray) -> None:
    """Write all of ``data`` at the descriptor's position (a write may be short)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
