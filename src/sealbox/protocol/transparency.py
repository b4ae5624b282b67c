# SPDX-License-Identifier: AGPL-3.0-or-later
"""Wire models of the transparency log's public routes (spec/transparency.md §Routes).

Entries and hashes travel as base64url; the client checks every entry against a signed
checkpoint with an inclusion proof, so nothing here is trusted as it arrives.
"""

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer, WithJsonSchema

from sealbox.protocol.models import Wire, b64decode, b64encode

MAX_ENTRIES = 1000  # per call of the entries route
MAX_ENTRY_BYTES = 4096
HASH_BYTES = 32
MAX_PROOF = 64  # hashes in a proof: a tree of 2^63 entries needs fewer


def _to_bytes(value: Any) -> Any:
    return value if isinstance(value, bytes) else b64decode(value)


_B64 = (
    BeforeValidator(_to_bytes),
    PlainSerializer(b64encode, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "base64url"}),
)
Entry = Annotated[bytes, Field(max_length=MAX_ENTRY_BYTES), *_B64]
Hash = Annotated[bytes, Field(min_length=HASH_BYTES, max_length=HASH_BYTES), *_B64]
Size = Annotated[int, Field(ge=0)]


class EntryRange(Wire):
    start: Size
    entries: Annotated[list[Entry], Field(max_length=MAX_ENTRIES)]


class InclusionProof(Wire):
    index: Size
    size: Size
    path: Annotated[list[Hash], Field(max_length=MAX_PROOF)]


class ConsistencyProof(Wire):
    # "from" is a Python keyword: the field is from_ in code and "from" on the wire.
    from_: Size = Field(alias="from")
    to: Size
    proof: Annotated[list[Hash], Field(max_length=MAX_PROOF)]


class LogKey(Wire):
    origin: str
    key: str  # the signed-note verifier key, <name>+<hex key hash>+<base64 key>
