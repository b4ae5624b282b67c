# SPDX-License-Identifier: AGPL-3.0-or-later
"""Locators: link URLs named in notices. The fragment (the link key) is cut off before anything
else looks at a URL, so it is never stored or logged (spec/compliance.md §2)."""

import base64
import binascii
from dataclasses import dataclass
from urllib.parse import urlsplit

from sealbox.compliance.errors import ComplianceError

LINK_PATH = "/l/"


@dataclass(frozen=True, slots=True)
class Locator:
    """A link URL without its fragment, and the link id it names."""

    url: str
    link_id: bytes


def strip_key(url: str) -> str:
    """The URL without its fragment: everything from ``#`` on is the link key."""
    return url.split("#", 1)[0].strip()


def split_key(url: str) -> tuple[str, str]:
    """The URL without its fragment, and the fragment (for the inspector's memory only)."""
    base, _, fragment = url.strip().partition("#")
    return base, fragment


def _decode_id(text: str) -> bytes | None:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == 16 else None


def parse(url: str, hosts: frozenset[str]) -> Locator:
    """The link a URL names, if it is a link URL of this server (its host is in ``hosts``)."""
    base = strip_key(url)
    parts = urlsplit(base)
    host = (parts.netloc or "").lower()
    _, marker, rest = parts.path.rpartition(LINK_PATH)
    link_id = _decode_id(rest.rstrip("/")) if marker else None
    if parts.scheme not in ("http", "https") or host not in hosts or link_id is None:
        raise ComplianceError(
            "not_our_url", f"{base[:200]!r} is not a link URL of this server (https://HOST/l/ID)"
        )
    return Locator(url=base, link_id=link_id)
