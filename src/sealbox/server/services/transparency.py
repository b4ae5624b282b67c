# SPDX-License-Identifier: AGPL-3.0-or-later
"""The transparency log (spec/transparency.md): compliance events appended as entries, a
checkpoint signed by the log key after each append, and the proofs the public routes serve.

``TransparencyLog.append(kind, fields)`` is the one way in for code that records an event on its
own; ``append_in(conn, kind, fields)`` does the same inside the caller's transaction, so an action
and its entry are stored together or not at all. Each entry is checked against its kind's
fields and their shapes (``transparency_fields``): a field the spec does not name, or a value of
another shape, is refused, so nothing personal can slip into the public log by accident.

The log key is an Ed25519 key that opens nothing (docs/decisions/1701). The server never
imports the crypto package, so the signer is passed in (``LogSigner``); without one the log
still records entries, and the checkpoint route says that this server cannot sign.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Protocol

from sealbox.protocol.errors import ErrorCode
from sealbox.protocol.transparency import MAX_ENTRIES
from sealbox.server.clock import Clock
from sealbox.server.db import transparency as log_table
from sealbox.server.db.engine import Connection, Engine, read_only, writing
from sealbox.server.errors import ServiceError
from sealbox.server.services.transparency_fields import encode_entry
from sealbox.tlog import Checkpoint, NoteKey, consistency_proof, inclusion_proof, leaf_hash, root
from sealbox.tlog import sign_checkpoint as sign_note

APPEND_TRIES = 20


class LogSigner(Protocol):
    """The log key's signing half (``sealbox.crypto.notes.NoteSigner`` is one)."""

    public_key: bytes

    def sign(self, text: bytes) -> bytes: ...


SignerFactory = Callable[[bytes], LogSigner]  # 32-byte seed -> signer


def bad_range(message: str) -> ServiceError:
    return ServiceError(ErrorCode.BAD_RANGE, message)


class TransparencyLog:
    def __init__(
        self, engine: Engine, clock: Clock, origin: str, signer: LogSigner | None = None
    ) -> None:
        self._engine = engine
        self._clock = clock
        self.origin = origin
        self._signer = signer
        self.key = NoteKey(origin, signer.public_key) if signer is not None else None
        # Leaf hashes of committed entries, a prefix of the log: entries never change, so
        # proofs read only the hashes appended since.
        self._leaves: list[bytes] = []
        self._lock = threading.Lock()

    # Appending

    def append(self, kind: str, fields: Mapping[str, object]) -> int:
        """Append one entry in a transaction of its own; returns its index."""
        with writing(self._engine) as conn:
            return self.append_in(conn, kind, fields)

    def append_in(self, conn: Connection, kind: str, fields: Mapping[str, object]) -> int:
        """Append one entry inside the caller's transaction and sign the checkpoint that
        covers it; both are kept only if the transaction commits."""
        now = self._clock.now()
        entry = encode_entry(kind, fields, now)
        leaf = leaf_hash(entry)
        log_table.wait_to_append(conn)
        for _ in range(APPEND_TRIES):
            index = log_table.size(conn)
            # Another server may take this index first; the primary key refuses the second.
            if log_table.try_append(conn, index, kind, entry, leaf, int(now)):
                self._sign(conn, index + 1)
                return index
        raise ServiceError(ErrorCode.UNAVAILABLE, "the transparency log is busy; try again")

    def _sign(self, conn: Connection, size: int) -> None:
        if self._signer is None or self.key is None:
            return
        tree_root = root(self._leaf_hashes(conn, size, committed=False))
        note = sign_note(Checkpoint(self.origin, size, tree_root), self.key, self._signer.sign)
        log_table.keep_checkpoint(conn, log_table.SignedCheckpoint(size, tree_root, note))

    def _leaf_hashes(self, conn: Connection, size: int, *, committed: bool) -> list[bytes]:
        with self._lock:
            known = self._leaves[:size]
        rest = log_table.leaf_hashes(conn, len(known), size)
        leaves = known + rest
        if len(leaves) != size:
            raise ServiceError(ErrorCode.INTERNAL, "the transparency log has a gap")
        if committed:
            with self._lock:
                if len(self._leaves) < size:
                    self._leaves = leaves
        return leaves

    # Reading (the public routes)

    def checkpoint(self) -> bytes:
        """The latest signed checkpoint, signing one first if entries were appended without
        (by a process that had no signer)."""
        with read_only(self._engine) as conn:
            size = log_table.size(conn)
            latest = log_table.latest_checkpoint(conn)
        if latest is not None and latest.size == size:
            return latest.note
        if self._signer is None:
            raise ServiceError(
                ErrorCode.UNAVAILABLE, "this server was started without its transparency log key"
            )
        with writing(self._engine) as conn:
            self._sign(conn, log_table.size(conn))
            signed = log_table.latest_checkpoint(conn)
        if signed is None:
            raise ServiceError(ErrorCode.INTERNAL, "the transparency log kept no checkpoint")
        return signed.note

    def size(self) -> int:
        with read_only(self._engine) as conn:
            return log_table.size(conn)

    def entries(self, start: int, end: int) -> list[bytes]:
        """Entries ``start`` ≤ i < ``end``, ``end`` clipped to the log and to 1,000 entries."""
        with read_only(self._engine) as conn:
            size = log_table.size(conn)
            if start < 0 or end < start or start > size:
                raise bad_range(f"no entries from {start} to {end} in a log of {size}")
            return log_table.entries(conn, start, min(end, size, start + MAX_ENTRIES))

    def inclusion(self, index: int, size: int) -> list[bytes]:
        with read_only(self._engine) as conn:
            current = log_table.size(conn)
            if not 0 <= index < size <= current:
                raise bad_range(f"no entry {index} in a tree of {size} (the log has {current})")
            return inclusion_proof(self._leaf_hashes(conn, size, committed=True), index)

    def consistency(self, old: int, new: int) -> list[bytes]:
        with read_only(self._engine) as conn:
            current = log_table.size(conn)
            if not 0 < old <= new <= current:
                raise bad_range(f"no proof from {old} to {new} (the log has {current})")
            if old == new:
                return []
            return consistency_proof(self._leaf_hashes(conn, new, committed=True), old)

    def key_text(self) -> str:
        if self.key is None:
            raise ServiceError(
                ErrorCode.UNAVAILABLE, "this server was started without its transparency log key"
            )
        return self.key.text()
