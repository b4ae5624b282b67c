# SPDX-License-Identifier: AGPL-3.0-or-later
"""Blob keys the server uses. Chunks of an upload keep their key once the upload is committed, so a
commit moves no bytes.

A content id appears in a key as base64url without padding, the wire's spelling of ids; the blob
package imports nothing of the protocol's, so the two lines of encoding live here.
"""

import base64

CHUNK_PREFIX = "chunks/"


def _encode(content_id: bytes) -> str:
    return base64.urlsafe_b64encode(content_id).rstrip(b"=").decode("ascii")


def chunk_key(content_id: bytes, index: int) -> str:
    return f"{CHUNK_PREFIX}{_encode(content_id)}/{index}"


def content_of_chunk_key(key: str) -> bytes | None:
    """The content id a chunk key belongs to, or None for a key that is not a chunk's."""
    if not key.startswith(CHUNK_PREFIX):
        return None
    encoded, _, index = key[len(CHUNK_PREFIX) :].partition("/")
    try:
        content_id = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except ValueError:
        return None
    # Only the canonical spelling names a chunk: anything else was not written by this server.
    if _encode(content_id) != encoded:
        return None
    return content_id if index.isdigit() and len(content_id) == 16 else None
