# SPDX-License-Identifier: AGPL-3.0-or-later
"""A folder's earlier keys (spec/sharing.md, "Earlier keys after a rotation"): when a removal
replaces a folder's key, the owner's new record of the folder keeps every key it had before,
newest first, each with the signing keys of the writers of the roster in force while it was the
folder's key. The list lives in the folder's sealed metadata (``earlier_keys``), so it is sealed
under the parent's key and covered by the owner's signature of the record: a server can neither
read, change, add to nor shorten it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sealbox.crypto import _sodium
from sealbox.crypto.keys import FolderKey
from sealbox.crypto.layout import b64url, check_id, from_b64url

MAX_EARLIER_KEYS = 64  # one per removal; older keys are dropped, oldest first
MAX_WRITERS = 1000  # a roster's limit (roster.py)


@dataclass(frozen=True, slots=True)
class EarlierKey:
    """A key the folder had before, and who could write in it then (user id, signing key)."""

    key: bytes
    writers: tuple[tuple[bytes, bytes], ...] = ()

    def folder_key(self) -> FolderKey:
        return FolderKey(self.key)

    def writer_keys(self) -> dict[bytes, bytes]:
        return dict(self.writers)


def check_earlier(earlier: tuple[EarlierKey, ...]) -> None:
    """The schema's rules (ValueError): at most MAX_EARLIER_KEYS keys of 32 bytes, each with at
    most MAX_WRITERS writers, sorted by user id, each once, with 32-byte signing keys."""
    if len(earlier) > MAX_EARLIER_KEYS:
        raise ValueError("too many earlier keys")
    for entry in earlier:
        ids = [user_id for user_id, _ in entry.writers]
        if len(entry.key) != _sodium.KEY_BYTES or len(ids) > MAX_WRITERS:
            raise ValueError("earlier keys are 32 bytes, with at most 1000 writers")
        if ids != sorted(set(ids)):
            raise ValueError("earlier writers are sorted by user id, each once")
        for user_id, sign_public in entry.writers:
            check_id(user_id)
            if len(sign_public) != _sodium.PUBLIC_KEY_BYTES:
                raise ValueError("signing keys are 32 bytes")


def encode_earlier(earlier: tuple[EarlierKey, ...]) -> list[dict[str, Any]]:
    return [
        {"key": b64url(e.key), "writers": [[b64url(u), b64url(k)] for u, k in e.writers]}
        for e in earlier
    ]


def decode_earlier(value: object) -> tuple[EarlierKey, ...]:
    """The field as parsed JSON; TypeError or ValueError when it is not the schema's."""
    if not isinstance(value, list) or not value:
        raise TypeError("earlier keys are a non-empty list")
    found = []
    for item in value:
        if not isinstance(item, dict) or set(item) != {"key", "writers"}:
            raise TypeError("an earlier key has a key and its writers")
        writers = item["writers"]
        if not isinstance(writers, list) or not all(
            isinstance(w, list) and len(w) == 2 and all(isinstance(p, str) for p in w)
            for w in writers
        ):
            raise TypeError("writers are pairs of strings")
        if not isinstance(item["key"], str):
            raise TypeError("keys are strings")
        pairs = tuple((from_b64url(u), from_b64url(k)) for u, k in writers)
        found.append(EarlierKey(from_b64url(item["key"]), pairs))
    earlier = tuple(found)
    check_earlier(earlier)
    return earlier


def successor_chain(
    replaced: FolderKey, writers: dict[bytes, bytes], before: tuple[EarlierKey, ...]
) -> tuple[EarlierKey, ...]:
    """The list for a folder whose key ``replaced`` is being replaced: that key with the writers
    in force while it was the key, then the keys it had before, at most MAX_EARLIER_KEYS."""
    entry = EarlierKey(replaced.secret_bytes(), tuple(sorted(writers.items())))
    chain = (entry, *(e for e in before if e.key != entry.key))
    return chain[:MAX_EARLIER_KEYS]
