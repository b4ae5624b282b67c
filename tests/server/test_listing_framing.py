# SPDX-License-Identifier: AGPL-3.0-or-later
"""The server's binary listing framing is byte for byte the framing of the vectors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sealbox.protocol.listing import (
    FOLDER,
    HAS_CONTENT,
    BinaryListing,
    ListedChild,
    ListingReader,
    RemovedChild,
    encode_listing,
    iter_framed,
    parse_listing,
)

VECTORS = Path(__file__).resolve().parents[2] / "spec" / "vectors" / "framing.json"
LISTINGS = [
    v
    for v in json.loads(VECTORS.read_text())["vectors"]
    if v["operation"] == "binary_listing" and "outputs" in v
]


@pytest.mark.parametrize("vector", LISTINGS, ids=[v["name"] for v in LISTINGS])
def test_the_server_writes_the_listing_of_the_vectors(vector: dict[str, Any]) -> None:
    inputs = vector["inputs"]
    # The rows as the server's database reads them for the framing (nodes.framing_rows): a
    # missing size or manifest version is 0 there (tests/server/test_drive.py checks the SQL).
    rows = [
        (
            bytes.fromhex(c["node_id"]),
            c["node_type"],
            None if c["content_id"] is None else bytes.fromhex(c["content_id"]),
            c["size"] or 0,
            c["manifest_version"] or 0,
            bytes.fromhex(c["record"]),
        )
        for c in inputs["children"]
    ]
    manifest = bytes.fromhex(inputs["manifest"])
    streamed = b"".join(iter_framed(inputs["manifest_version"], manifest, len(rows), rows))
    assert streamed.hex() == vector["object"]


def test_the_removed_section_round_trips_and_nothing_else_may_follow() -> None:
    """spec/http-api.md §5.4: the optional RMV1 section after the children, and only it."""
    claim = RemovedChild(b"n" * 16, "2f1c0000-0000-4000-8000-000000000000", "copyright")
    child = ListedChild(b"a" * 16, "file", b"c" * 16, 5, 0, b"record")
    plain = encode_listing(BinaryListing(3, b"manifest", [child]))
    assert parse_listing(plain).removed == ()
    data = encode_listing(BinaryListing(3, b"manifest", [child], (claim,)))
    assert parse_listing(data).removed == (claim,)
    assert data.startswith(plain)
    for bad in (data[:-1], data + b"x", plain + b"RMV2" + data[len(plain) + 4 :], plain + b"x"):
        with pytest.raises(ValueError):
            parse_listing(bad)


ALL_LISTINGS = [
    v
    for v in json.loads(VECTORS.read_text())["vectors"]
    if v["operation"] == "binary_listing" and "object" in v
]


def read_in_pieces(data: bytes, cuts: list[int]) -> BinaryListing:
    """``data`` through ListingReader, cut at ``cuts``: what a client checking a listing as it
    arrives reads (client/sdk/listing_check.py)."""
    reader, children, start = ListingReader(), [], 0
    for end in [*sorted(cuts), len(data)]:
        for (node_id, node_type, flags, content_id, size, version, _), record in reader.feed(
            data[start:end]
        ):
            kind = "folder" if node_type == FOLDER else "file"
            content = content_id if flags & HAS_CONTENT else None
            children.append(ListedChild(node_id, kind, content, size, version, record))
        start = max(start, end)
    removed = reader.close()
    assert reader.manifest is not None
    return BinaryListing(reader.manifest_version, reader.manifest, children, removed)


def outcome(read: Any, data: bytes) -> BinaryListing | str:
    try:
        listing: BinaryListing = read(data)
    except ValueError:
        return "refused"
    return listing


@pytest.mark.parametrize("vector", ALL_LISTINGS, ids=[v["name"] for v in ALL_LISTINGS])
def test_a_listing_read_a_byte_at_a_time_reads_as_it_does_whole(vector: dict[str, Any]) -> None:
    """Every listing vector, good or malformed, read one byte at a time: the same children, or
    refused as the whole-body parser refuses it."""
    data = bytes.fromhex(vector["object"])
    whole = outcome(parse_listing, data)
    assert outcome(lambda d: read_in_pieces(d, list(range(1, len(d)))), data) == whole
    assert (whole == "refused") == ("expected_error" in vector)


children_strategy = st.lists(
    st.builds(
        ListedChild,
        st.binary(min_size=16, max_size=16),
        st.sampled_from(["file", "folder"]),
        st.none() | st.binary(min_size=16, max_size=16),
        st.integers(0, 2**64 - 1),
        st.integers(0, 2**64 - 1),
        st.binary(max_size=300),
    ),
    max_size=20,
)
removed_strategy = st.lists(
    st.builds(
        RemovedChild,
        st.binary(min_size=16, max_size=16),
        st.just("2f1c0000-0000-4000-8000-000000000000"),
        st.sampled_from(["copyright", "csam", "other"]),
    ),
    max_size=3,
)


@settings(max_examples=300, deadline=None)
@given(
    children_strategy,
    removed_strategy,
    st.binary(max_size=500),
    st.lists(st.integers(0, 10_000), max_size=12),
    st.data(),
)
def test_a_listing_read_in_any_pieces_reads_as_it_does_whole(
    children: list[ListedChild],
    removed: list[RemovedChild],
    manifest: bytes,
    cuts: list[int],
    data: st.DataObject,
) -> None:
    """Cut anywhere, a listing reads the same; cut short or with a byte more, it is refused."""
    encoded = encode_listing(BinaryListing(7, manifest, children, tuple(removed)))
    cuts = [c % (len(encoded) + 1) for c in cuts]
    assert read_in_pieces(encoded, cuts) == parse_listing(encoded)
    short = data.draw(st.integers(0, len(encoded) - 1))
    for bad in (encoded[:short], encoded + b"\0"):
        assert outcome(lambda d: read_in_pieces(d, [c for c in cuts if c <= len(d)]), bad) == (
            outcome(parse_listing, bad)
        )
        assert outcome(parse_listing, bad) == "refused"
