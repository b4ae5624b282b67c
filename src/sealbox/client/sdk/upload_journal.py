# SPDX-License-Identifier: AGPL-3.0-or-later
"""What an interrupted upload remembers, so that resuming it never reuses a nonce
(spec/object-format.md, "Resuming an upload").

A resumed upload seals under the file key and nonce prefix it started with, so that the chunks the
server already stored still belong to the same object. One (key, nonce) must never seal two
different plaintexts, and a file can change between two runs while its path, inode, size and times
stay the same (writes through mmap, coarse timestamps). So the journal records, before a chunk's
first byte is sent, that its index was sealed and the tag it was sealed with. On a rerun:

- a chunk never sealed is sealed now;
- a chunk sealed and not yet acknowledged is sealed again and sent only if the new tag equals the
  recorded one: under one key and nonce, equal tags mean equal bytes (a collision of the 128-bit
  Poly1305 tag under a key the file's writer never sees is a chance of about 2⁻⁸³ for the largest
  chunk), so what is sent is what may already have been sent;
- a chunk sealed and acknowledged that the server now says it lacks cannot be sent again as the
  same bytes (they are not kept), so the upload starts over under a new file key, content id and
  nonce prefix. So does a chunk whose new tag differs: the file changed.

Memory and journal size stay small whatever the file's size: sealed indexes are kept as runs, and
tags only for chunks in flight.
"""

from __future__ import annotations

import asyncio
import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sealbox.client.sdk.state import LocalState
from sealbox.crypto import content
from sealbox.crypto.keys import FileKey, RandomSource
from sealbox.crypto.layout import b64url, from_b64url


class GroupedSaves:
    """Saves the sealing records of chunks sealed at about the same time in one journal write.

    Each write is a database commit with its syncs (about 1 to 6 ms here, on the event loop);
    one per chunk held the loop up to a fifth of an upload. A worker notes its chunk, and the
    first to note one since the last write schedules the next, which runs once the loop has
    handed out what is ready; every worker waits for the write that holds its record before it
    sends a byte of its chunk, as the journal's rule asks."""

    def __init__(self, journal: UploadJournal) -> None:
        self._journal = journal
        self._next: asyncio.Future[None] | None = None

    async def sealing(self, index: int, tag: bytes) -> None:
        """``UploadJournal.sealing``, returning once the record is saved."""
        if self._journal.note_sealing(index, tag) and self._next is None:
            loop = asyncio.get_running_loop()
            self._next = loop.create_future()
            loop.call_soon(self._save)
        if self._next is not None:  # a write still to come may hold this chunk's record
            await asyncio.shield(self._next)

    def _save(self) -> None:
        done, self._next = self._next, None
        assert done is not None
        try:
            self._journal.save()
        except Exception as exc:  # every waiter raises it
            done.set_exception(exc)
        else:
            done.set_result(None)


class StartOver(Exception):
    """The upload cannot go on under its key and nonce prefix without sealing a chunk twice."""


class Runs:
    """A set of chunk indexes kept as sorted, disjoint half-open runs ``[start, end)``."""

    def __init__(self, runs: list[list[int]] | None = None) -> None:
        self._starts = [r[0] for r in runs or []]
        self._ends = [r[1] for r in runs or []]

    def __contains__(self, index: int) -> bool:
        at = bisect.bisect_right(self._starts, index) - 1
        return at >= 0 and index < self._ends[at]

    def add(self, index: int) -> None:
        if index in self:
            return
        at = bisect.bisect_right(self._starts, index)
        joins_left = at > 0 and self._ends[at - 1] == index
        joins_right = at < len(self._starts) and self._starts[at] == index + 1
        if joins_left and joins_right:
            self._ends[at - 1] = self._ends[at]
            del self._starts[at], self._ends[at]
        elif joins_left:
            self._ends[at - 1] = index + 1
        elif joins_right:
            self._starts[at] = index
        else:
            self._starts.insert(at, index)
            self._ends.insert(at, index + 1)

    def __iter__(self) -> Iterator[int]:
        for start, end in zip(self._starts, self._ends, strict=True):
            yield from range(start, end)

    def dump(self) -> list[list[int]]:
        return [[s, e] for s, e in zip(self._starts, self._ends, strict=True)]


@dataclass
class UploadJournal:
    """One upload's key, content id and nonce prefix, and what it has sealed."""

    state: LocalState
    key: str
    file_key: FileKey
    content_id: bytes
    nonce_prefix: bytes | None  # None until the first encryptor of a new upload chose it
    sealed: Runs = field(default_factory=Runs)
    tags: dict[int, bytes] = field(default_factory=dict)  # sealed, not yet acknowledged

    @classmethod
    def load(cls, state: LocalState, key: str) -> UploadJournal | None:
        """The journal of an earlier attempt, if it records what it sealed (a journal from before
        it did cannot be resumed safely, and is ignored), and if its nonce prefix is of the
        current content format (one of the XChaCha20-Poly1305 format is ignored too)."""
        body = state.journal(key)
        if body is None or "sealed" not in body:
            return None
        if len(from_b64url(body["nonce_prefix"])) != content.NONCE_PREFIX_BYTES:
            return None
        return cls(
            state,
            key,
            FileKey(from_b64url(body["file_key"])),
            from_b64url(body["content_id"]),
            from_b64url(body["nonce_prefix"]),
            Runs(body["sealed"]),
            {int(i): from_b64url(t) for i, t in body["tags"].items()},
        )

    @classmethod
    def begin(cls, state: LocalState, key: str, rng: RandomSource) -> UploadJournal:
        return cls(state, key, FileKey.generate(rng), rng(16), None)

    def encryptor(self, rng: RandomSource) -> content.ContentEncryptor:
        if self.nonce_prefix is None:
            encryptor = content.ContentEncryptor(self.file_key, self.content_id, rng=rng)
            self.nonce_prefix = encryptor.nonce_prefix
            self.save()
            return encryptor
        return content.ContentEncryptor.resume(self.file_key, self.content_id, self.nonce_prefix)

    def check_resumable(self, present: set[int]) -> None:
        """Raise StartOver if the server lacks a chunk this client sealed and no longer knows the
        tag of: it cannot be sent again as the same bytes. Checked before anything is sent."""
        for index in self.sealed:
            if index not in present and index not in self.tags:
                raise StartOver

    def sealing(self, index: int, tag: bytes) -> None:
        """Record that chunk ``index`` was sealed with ``tag``; call before sending any of it.
        Raises StartOver if it was sealed before with another tag (the bytes changed): then the
        new sealing must not be sent."""
        if self.note_sealing(index, tag):
            self.save()

    def note_sealing(self, index: int, tag: bytes) -> bool:
        """``sealing`` without the save: returns whether there is something new to save, which
        must be saved before any of the chunk is sent (GroupedSaves)."""
        earlier = self.tags.get(index)
        if earlier is not None:
            if earlier != tag:
                raise StartOver
            return False
        if index in self.sealed:
            raise StartOver  # check_resumable let it through only if the server had it
        self.sealed.add(index)
        self.tags[index] = tag
        return True

    def acknowledged(self, index: int) -> None:
        """The server holds chunk ``index``: its tag need not be kept (saved with the next)."""
        self.tags.pop(index, None)

    def drop(self) -> None:
        self.state.drop_journal(self.key)

    def save(self) -> None:
        body: dict[str, Any] = {
            "file_key": b64url(self.file_key.secret_bytes()),
            "content_id": b64url(self.content_id),
            "nonce_prefix": b64url(self.nonce_prefix or b""),
            "sealed": self.sealed.dump(),
            "tags": {str(i): b64url(t) for i, t in self.tags.items()},
        }
        self.state.save_journal(self.key, body)
