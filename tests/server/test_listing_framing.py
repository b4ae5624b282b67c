# SPDX-License-Identifier: AGPL-3.0-or-later
"""The server's binary listing framing is byte for byte the framing of the vectors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sealbox.protocol.listing import (
    BinaryListing,
    ListedChild,
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
