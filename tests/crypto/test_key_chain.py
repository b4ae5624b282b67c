# SPDX-License-Identifier: AGPL-3.0-or-later
"""A folder's earlier keys in its sealed metadata (spec/sharing.md, "Earlier keys after a
rotation"; key_chain.py): the schema's rules, both ways, and how a rotation extends the list."""

from __future__ import annotations

import pytest

from sealbox.crypto.errors import IntegrityError
from sealbox.crypto.key_chain import (
    MAX_EARLIER_KEYS,
    EarlierKey,
    check_earlier,
    decode_earlier,
    encode_earlier,
    successor_chain,
)
from sealbox.crypto.keys import FolderKey
from sealbox.crypto.layout import canonical_json
from sealbox.crypto.tree import FolderMetadata, NodeType, decode_metadata, encode_metadata

A, B = b"\x01" * 16, b"\x02" * 16
SIGN = b"\x05" * 32


def key(n: int) -> bytes:
    return bytes([n]) * 32


def test_earlier_keys_round_trip_through_folder_metadata() -> None:
    earlier = (EarlierKey(key(1), ((A, SIGN), (B, SIGN))), EarlierKey(key(2)))
    metadata = FolderMetadata("collab", 1, earlier_keys=earlier)
    assert decode_metadata(encode_metadata(metadata), NodeType.FOLDER) == metadata
    assert earlier[0].folder_key() == FolderKey(key(1))
    assert earlier[0].writer_keys() == {A: SIGN, B: SIGN}
    assert b"earlier_keys" not in encode_metadata(FolderMetadata("plain", 1))


@pytest.mark.parametrize(
    "earlier",
    [
        tuple(EarlierKey(key(n % 250)) for n in range(MAX_EARLIER_KEYS + 1)),
        (EarlierKey(b"\x01" * 31),),
        (EarlierKey(key(1), tuple((n.to_bytes(16, "big"), SIGN) for n in range(1001))),),
        (EarlierKey(key(1), ((B, SIGN), (A, SIGN))),),
        (EarlierKey(key(1), ((A, SIGN), (A, SIGN))),),
        (EarlierKey(key(1), ((b"\x01" * 15, SIGN),)),),
        (EarlierKey(key(1), ((A, b"\x05" * 31),)),),
    ],
    ids=[
        "too many",
        "short key",
        "too many writers",
        "unsorted",
        "twice",
        "short id",
        "short sign",
    ],
)
def test_the_schema_refuses(earlier: tuple[EarlierKey, ...]) -> None:
    with pytest.raises(ValueError):
        check_earlier(earlier)
    with pytest.raises(IntegrityError):
        decode_metadata(_raw(encode_earlier(earlier)), NodeType.FOLDER)


@pytest.mark.parametrize(
    "value",
    [
        "x",
        [],
        ["x"],
        [{"key": "AA"}],
        [{"key": "AA", "writers": "x"}],
        [{"key": "AA", "writers": [["a"]]}],
        [{"key": "AA", "writers": [[1, 2]]}],
        [{"key": "AA", "writers": ["ab"]}],
        [{"key": 1, "writers": []}],
    ],
)
def test_decoding_refuses_other_shapes(value: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        decode_earlier(value)


def test_a_rotation_puts_the_replaced_key_first_once_and_keeps_at_most_the_limit() -> None:
    before = tuple(EarlierKey(key(n)) for n in range(1, MAX_EARLIER_KEYS + 1))
    chain = successor_chain(FolderKey(key(200)), {B: SIGN, A: SIGN}, before)
    assert chain[0] == EarlierKey(key(200), ((A, SIGN), (B, SIGN)))
    assert len(chain) == MAX_EARLIER_KEYS and chain[1:] == before[:-1]
    again = successor_chain(FolderKey(key(1)), {}, before[:2])
    assert [e.key for e in again] == [key(1), key(2)]


def _raw(earlier: object) -> bytes:
    return canonical_json({"earlier_keys": earlier, "mtime": 1, "name": "a"})
