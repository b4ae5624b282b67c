# SPDX-License-Identifier: AGPL-3.0-or-later
"""Ed25519 for signed notes (spec/transparency.md): the operator's log key signs checkpoints of
the transparency log as plain text. Unlike every other Sealbox signature, no label is prefixed:
the C2SP signed-note format fixes what is signed, so standard tools can check the signature, and
the note's own first line (the log's origin) keeps its signatures apart from any other use.
A log key opens nothing; it only vouches for what the log holds.
"""

from __future__ import annotations

from sealbox.crypto import _sodium


class NoteSigner:
    """The log key's signing half, from a 32-byte seed the operator keeps."""

    def __init__(self, seed: bytes) -> None:
        if len(seed) != 32:
            raise ValueError("a log key's seed is 32 bytes")
        self.public_key, self._secret = _sodium.sign_keypair(seed)

    def sign(self, text: bytes) -> bytes:
        return _sodium.sign(self._secret, text)


def verify_note(public_key: bytes, text: bytes, signature: bytes) -> None:
    """Raise IntegrityError (bad_signature) unless ``signature`` is ``public_key``'s over
    ``text``."""
    _sodium.verify(public_key, text, signature)
