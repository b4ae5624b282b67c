# SPDX-License-Identifier: AGPL-3.0-or-later
"""The only module that imports blake3: keyed BLAKE3 for the plaintext hash.

The plaintext hash (spec/object-format.md, "Plaintext hash"; docs/decisions/2005) is the one use
of BLAKE3 in Sealbox; every other hash stays BLAKE2b in ``sealbox.crypto._sodium``. The bindings
are the BLAKE3 team's (PyPI ``blake3``, over the Rust crate). Like hashlib they release the GIL
for any update of 2048 bytes or more, so a sealing thread hashing a chunk never holds up the event
loop or the other workers; they hash on the calling thread only (``max_threads`` stays at its
default of 1: the client already runs one worker per core).
"""

from __future__ import annotations

from blake3 import blake3

KEY_BYTES = 32
OUT_BYTES = 32

Buffer = bytes | bytearray | memoryview


class KeyedHash:
    """BLAKE3 in its keyed mode with a 32-byte key and the default 32-byte output, fed in pieces."""

    __slots__ = ("_state",)

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError("keyed BLAKE3 takes a 32-byte key")
        self._state = blake3(key=key)

    def update(self, data: Buffer) -> None:
        self._state.update(data)

    def digest(self) -> bytes:
        return self._state.digest(length=OUT_BYTES)
