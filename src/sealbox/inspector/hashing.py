# SPDX-License-Identifier: AGPL-3.0-or-later
"""Hashes of plaintext held in memory: SHA-256 and MD5 of every file, PDQ of images (``pdqhash``
with Pillow and NumPy, the optional ``inspector`` dependencies)."""

import hashlib
import io
from dataclasses import dataclass
from typing import Any

# Images larger than this are not decoded for PDQ (the exact hashes still cover them).
PDQ_MAX_BYTES = 64 * 1024 * 1024
PDQ_MIN_QUALITY = 50


@dataclass(frozen=True, slots=True)
class Hashes:
    sha256: str
    md5: str
    pdq: str | None
    pdq_quality: int | None
    size: int

    def as_dict(self) -> dict[str, str]:
        found = {"sha256": self.sha256, "md5": self.md5}
        if self.pdq is not None:
            found["pdq"] = self.pdq
        return found


def pdq_of_image(data: bytes | bytearray) -> tuple[str, int] | None:
    """The PDQ hash (64 hex digits) and quality of an image, or None if it is not one Pillow
    reads. Decoded from memory only."""
    import numpy  # optional dependencies, loaded when an image comes
    import pdqhash
    from PIL import Image, UnidentifiedImageError

    if len(data) > PDQ_MAX_BYTES:
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            pixels: Any = numpy.asarray(image.convert("RGB"))
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    bits, quality = pdqhash.compute(pixels)
    packed = numpy.packbits(numpy.asarray(bits, dtype=numpy.uint8)).tobytes()
    return packed.hex(), int(quality)


def hash_plaintext(data: bytes | bytearray) -> Hashes:
    pdq = pdq_of_image(data)
    return Hashes(
        sha256=hashlib.sha256(data).hexdigest(),
        md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
        pdq=pdq[0] if pdq is not None and pdq[1] >= PDQ_MIN_QUALITY else None,
        pdq_quality=None if pdq is None else pdq[1],
        size=len(data),
    )
