# SPDX-License-Identifier: AGPL-3.0-or-later
"""Vector operations for the two binary framings of spec/http-api.md: the folder listing (SBL1,
§5.4) and the batch content download (SBC1, §6.4). They carry no cryptography, but a second client
must parse them exactly as strictly as this one, so they have known answers and malformed cases
like every other format (issue 15). Registered into ``sealbox.testing.vectors.OPERATIONS``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.protocol import content_batch, listing
from sealbox.testing.vectors import Inputs, Outputs, operation

STATUS_NAMES = {
    content_batch.INCLUDED: "included",
    content_batch.NOT_FOUND: "not_found",
    content_batch.OMITTED: "omitted",
}
STATUS_CODES = {name: code for code, name in STATUS_NAMES.items()}


@contextmanager
def _framing_errors() -> Iterator[None]:
    """A framing a parser refuses is ``malformed``, like any other object that does not parse."""
    try:
        yield
    except ValueError as exc:
        raise IntegrityError(ErrorCode.MALFORMED, str(exc)) from None


def _hex_or_none(value: bytes | None) -> str | None:
    return None if value is None else value.hex()


def _listing_from(inputs: Inputs) -> listing.BinaryListing:
    children = [
        listing.ListedChild(
            bytes.fromhex(c["node_id"]),
            c["node_type"],
            None if c["content_id"] is None else bytes.fromhex(c["content_id"]),
            c["size"],
            c["manifest_version"],
            bytes.fromhex(c["record"]),
        )
        for c in inputs["children"]
    ]
    return listing.BinaryListing(
        inputs["manifest_version"], bytes.fromhex(inputs["manifest"]), children
    )


def _make_listing(inputs: Inputs) -> bytes:
    return listing.encode_listing(_listing_from(inputs))


@operation("binary_listing", _make_listing)
def _open_listing(inputs: Inputs, obj: bytes | None) -> Outputs:
    assert obj is not None
    with _framing_errors():
        parsed = listing.parse_listing(obj)
    children: list[dict[str, Any]] = [
        {
            "node_id": c.node_id.hex(),
            "node_type": c.node_type,
            "content_id": _hex_or_none(c.content_id),
            "size": c.size,
            "manifest_version": c.manifest_version,
            "record": c.record.hex(),
        }
        for c in parsed.children
    ]
    return {
        "manifest_version": parsed.manifest_version,
        "manifest": parsed.manifest.hex(),
        "children": children,
    }


def _batch_from(inputs: Inputs) -> list[content_batch.BatchItem]:
    return [
        content_batch.BatchItem(
            bytes.fromhex(item["content_id"]),
            STATUS_CODES[item["status"]],
            bytes.fromhex(item["data"]),
        )
        for item in inputs["items"]
    ]


def _make_batch(inputs: Inputs) -> bytes:
    return b"".join(content_batch.encode_batch(_batch_from(inputs)))


@operation("content_batch", _make_batch)
def _open_batch(inputs: Inputs, obj: bytes | None) -> Outputs:
    assert obj is not None
    with _framing_errors():
        items = content_batch.parse_batch(obj)
    return {
        "items": [
            {
                "content_id": item.content_id.hex(),
                "status": STATUS_NAMES[item.status],
                "data": item.data.hex(),
            }
            for item in items
        ]
    }


MAKERS: dict[str, Callable[[Inputs], bytes]] = {
    "binary_listing": _make_listing,
    "content_batch": _make_batch,
}
