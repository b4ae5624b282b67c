# SPDX-License-Identifier: AGPL-3.0-or-later
"""The server's streamed binary listing is byte for byte the framing of the vectors."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from sealbox.protocol.listing import (
    BinaryListing,
    ListedChild,
    RemovedChild,
    encode_listing,
    parse_listing,
)
from sealbox.server.api.drive import binary_listing

VECTORS = Path(__file__).resolve().parents[2] / "spec" / "vectors" / "framing.json"
LISTINGS = [
    v
    for v in json.loads(VECTORS.read_text())["vectors"]
    if v["operation"] == "binary_listing" and "outputs" in v
]


@pytest.mark.parametrize("vector", LISTINGS, ids=[v["name"] for v in LISTINGS])
def test_the_server_writes_the_listing_of_the_vectors(vector: dict[str, Any]) -> None:
    inputs = vector["inputs"]
    folder = SimpleNamespace(
        manifest_version=inputs["manifest_version"], manifest=bytes.fromhex(inputs["manifest"])
    )
    children = [
        (
            bytes.fromhex(c["node_id"]),
            None,  # the parent id, which the framing does not carry
            c["node_type"],
            bytes.fromhex(c["record"]),
            None if c["content_id"] is None else bytes.fromhex(c["content_id"]),
            c["manifest_version"],
            c["size"],
        )
        for c in inputs["children"]
    ]
    streamed = b"".join(binary_listing(cast(Any, folder), children))
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
