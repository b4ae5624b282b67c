"""Blob keys the server uses. Chunks of an upload keep their key once the upload is committed, so a
commit moves no bytes."""

from sealbox.protocol.models import b64decode, b64encode

CHUNK_PREFIX = "chunks/"


def chunk_key(content_id: bytes, index: int) -> str:
    return f"{CHUNK_PREFIX}{b64encode(content_id)}/{index}"


def content_of_chunk_key(key: str) -> bytes | None:
    """The content id a chunk key belongs to, or None for a key that is not a chunk's."""
    if not key.startswith(CHUNK_PREFIX):
        return None
    encoded, _, index = key[len(CHUNK_PREFIX) :].partition("/")
    try:
        content_id = b64decode(encoded)
    except ValueError:
        return None
    return content_id if index.isdigit() and len(content_id) == 16 else None
