# SPDX-License-Identifier: AGPL-3.0-or-later
"""The thumbnail a file's metadata may carry: a small JPEG (spec/metadata.md, "Thumbnails").

A thumbnail is sealed inside its file's metadata, so the metadata's AEAD and the signed record bind
it to the node and the version; what is left to check here is its shape. The check walks the JPEG
markers up to the first scan and refuses what a privacy-minded writer never emits: any APPn segment
but APP0 (EXIF, XMP and ICC live there, and EXIF carries GPS), comments, and pictures larger than
256 x 256 pixels. The entropy-coded data after the scan header is not decoded here: a browser or
Pillow decodes it, and a picture that fails to decode is shown as a placeholder.
"""

from __future__ import annotations

MAX_THUMBNAIL_BYTES = 16 * 1024
MAX_THUMBNAIL_SIDE = 256

_SOI, _EOI, _SOS = 0xD8, 0xD9, 0xDA
_APP0, _DQT, _DHT, _DRI = 0xE0, 0xDB, 0xC4, 0xDD
# Start-of-frame markers: C0 to CF but DHT (C4), JPG (C8) and DAC (CC).
_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_TABLES = frozenset({_APP0, _DQT, _DHT, _DRI})


def check_thumbnail(data: bytes) -> bytes:
    """``data`` if it is a thumbnail the spec allows; ValueError otherwise (the caller's code)."""
    if not 4 <= len(data) <= MAX_THUMBNAIL_BYTES:
        raise ValueError("a thumbnail is a JPEG of at most 16 KiB")
    if data[:2] != b"\xff\xd8" or data[-2:] != b"\xff\xd9":
        raise ValueError("a thumbnail starts and ends like a JPEG")
    end, at, frames = len(data) - 2, 2, 0
    while True:
        if at + 4 > end or data[at] != 0xFF:
            raise ValueError("a thumbnail's markers run past its end")
        marker, length = data[at + 1], int.from_bytes(data[at + 2 : at + 4], "big")
        if length < 2 or at + 2 + length > end:
            raise ValueError("a thumbnail segment runs past its end")
        if marker == _SOS:
            break
        if marker in _FRAMES:
            frames += 1
            _check_frame(data[at + 4 : at + 2 + length])
        elif marker not in _TABLES:
            raise ValueError("a thumbnail carries no EXIF, XMP, ICC profile or comment")
        at += 2 + length
    if frames != 1:
        raise ValueError("a thumbnail has exactly one frame header before its scan")
    return data


def _check_frame(frame: bytes) -> None:
    if len(frame) < 5:
        raise ValueError("a thumbnail frame header is too short")
    height, width = int.from_bytes(frame[1:3], "big"), int.from_bytes(frame[3:5], "big")
    if not (1 <= height <= MAX_THUMBNAIL_SIDE and 1 <= width <= MAX_THUMBNAIL_SIDE):
        raise ValueError("a thumbnail is at most 256 x 256 pixels")
