# SPDX-License-Identifier: AGPL-3.0-or-later
"""Link and drop URLs (spec/sharing.md): ``<server>/l/<link id>#<fragment>`` for a link and
``<server>/d/<drop id>#d<public key>`` for a drop link. One parser for both; what a fragment holds
is for links.py and drops.py to read. A damaged URL is a ValueError (an input error).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sealbox.crypto.layout import b64url, from_b64url

LINK_PATH = "/l/"
DROP_PATH = "/d/"


def looks_like(text: str, path: str) -> bool:
    """Whether a command argument is a URL with ``path`` (a link's or a drop's) rather than a
    remote path."""
    return "://" in text and path in text


def split_url(url: str, path: str, what: str, shape: str) -> tuple[str, bytes, str]:
    """Split ``url`` into the server's address, the 16-byte id after ``path`` and the fragment.
    ``what`` and ``shape`` name the kind of URL in messages ("link", "<server>/l/<id>#<key>")."""
    base, hash_mark, fragment = url.strip().partition("#")
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"a {what} starts with https:// (or http://) and the server's address")
    prefix, marker, rest = parts.path.rpartition(path)
    if not marker or not hash_mark or not fragment:
        raise ValueError(f"this is not a complete Sealbox {what} ({shape})")
    try:
        object_id = from_b64url(rest.rstrip("/"))
    except ValueError:
        object_id = b""
    if len(object_id) != 16:
        raise ValueError(f"the {what}'s id part is damaged")
    return f"{parts.scheme}://{parts.netloc}{prefix}", object_id, fragment


def make_url(server: str, path: str, object_id: bytes, fragment: str) -> str:
    return f"{server.rstrip('/')}{path}{b64url(object_id)}#{fragment}"
