# SPDX-License-Identifier: AGPL-3.0-or-later
"""The plaintext hash is keyed BLAKE3 (spec/object-format.md, "Plaintext hash").

The wrapper is checked against the BLAKE3 team's own published vectors (test_vectors.json of
github.com/BLAKE3-team/BLAKE3, the keyed_hash column's first 32 bytes), not against itself, so a
wrapper that called another function, dropped the key or truncated differently would fail here
before any Sealbox vector is regenerated.
"""

from __future__ import annotations

import hashlib
import sys
import threading

import pytest

from sealbox.crypto import _blake3, content
from sealbox.crypto.keys import FileKey, derive

OFFICIAL_KEY = b"whats the Elvish word for friend"
OFFICIAL_KEYED = {  # input length -> keyed_hash (first 32 bytes)
    0: "92b2b75604ed3c761f9d6f62392c8a9227ad0ea3f09573e783f1498a4ed60d26",
    1: "6d7878dfff2f485635d39013278ae14f1454b8c0a3a2d34bc1ab38228a80c95b",
    1024: "75c46f6f3d9eb4f55ecaaee480db732e6c2105546f1e675003687c31719c7ba4",
    1025: "357dc55de0c7e382c900fd6e320acc04146be01db6a8ce7210b7189bd664ea69",
    3073: "68dede9bef00ba89e43f31a6825f4cf433389fedae75c04ee9f0cf16a427c95a",
    8193: "954a2a75420c8d6547e3ba5b98d963e6fa6491addc8c023189cc519821b4a1f5",
    31744: "efa53b389ab67c593dba624d898d0f7353ab99e4ac9d42302ee64cbf9939a419",
    102400: "1c35d1a5811083fd7119f5d5d1ba027b4d01c0c6c49fb6ff2cf75393ea5db4a7",
}


def official_input(length: int) -> bytes:
    """The vectors' input: the bytes 0, 1, ..., 250 repeated."""
    return bytes(i % 251 for i in range(length))


@pytest.mark.parametrize("length", sorted(OFFICIAL_KEYED))
def test_keyed_hash_matches_the_blake3_teams_vectors(length: int) -> None:
    data = official_input(length)
    whole = _blake3.KeyedHash(OFFICIAL_KEY)
    whole.update(data)
    assert whole.digest().hex() == OFFICIAL_KEYED[length]
    # Fed in uneven pieces (across BLAKE3's 1024-byte chunks), large ones past the GIL threshold.
    pieces = _blake3.KeyedHash(OFFICIAL_KEY)
    for start, end in zip((0, 7, 1030, 5000), (7, 1030, 5000, length), strict=True):
        pieces.update(memoryview(data)[start:end])
    assert pieces.digest() == whole.digest()


def test_keyed_hash_takes_only_a_32_byte_key() -> None:
    for size in (0, 16, 31, 33, 64):
        with pytest.raises(ValueError, match="32-byte key"):
            _blake3.KeyedHash(bytes(size))


def test_the_plaintext_hash_is_keyed_blake3_under_the_sbplhash_subkey() -> None:
    file_key = FileKey(bytes(range(32)))
    plaintext = official_input(3 * 1024 * 1024 + 17)
    expected = _blake3.KeyedHash(derive(file_key, 3, b"sbplhash"))
    expected.update(plaintext)
    assert content.plaintext_hash(file_key, plaintext) == expected.digest()
    assert len(expected.digest()) == content.PLAINTEXT_HASH_BYTES == 32
    # Not the BLAKE2b of earlier drafts under the same key.
    old = hashlib.blake2b(plaintext, digest_size=32, key=derive(file_key, 3, b"sbplhash"))
    assert content.plaintext_hash(file_key, plaintext) != old.digest()
    # Another file key gives an unrelated hash of the same plaintext.
    other = FileKey(bytes(range(1, 33)))
    assert content.plaintext_hash(other, plaintext) != content.plaintext_hash(file_key, plaintext)


def test_the_hasher_gives_the_same_hash_whatever_the_pieces() -> None:
    file_key = FileKey(bytes(range(32)))
    plaintext = official_input(70_000)
    hasher = content.PlaintextHasher(file_key)
    for start in range(0, len(plaintext), 4096):
        hasher.update(plaintext[start : start + 4096])
    assert hasher.digest() == content.plaintext_hash(file_key, plaintext)


def test_a_large_update_lets_other_threads_run() -> None:
    """The sealing threads feed the hash chunk by chunk (client/sdk/transfers.py, _HashInOrder):
    an update that held the GIL would stop the event loop and the other workers meanwhile.

    With a switch interval far longer than the test, a thread gives up the GIL only where it
    blocks or where C code releases it, whatever the machine's load. The worker wakes the main
    thread and goes straight into the update: the main thread can run before the update is over
    only if the update released the GIL."""
    woken = threading.Event()
    finished = [False]
    big = bytes(64 * 1024 * 1024)
    hasher = content.PlaintextHasher(FileKey(bytes(32)))

    def hash_big() -> None:
        woken.set()
        hasher.update(big)
        finished[0] = True

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1000.0)
    try:
        worker = threading.Thread(target=hash_big)
        worker.start()
        woken.wait()
        ran_during_the_update = not finished[0]
        worker.join()
    finally:
        sys.setswitchinterval(interval)
    assert ran_during_the_update
