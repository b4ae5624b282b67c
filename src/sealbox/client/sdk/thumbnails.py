# SPDX-License-Identifier: AGPL-3.0-or-later
"""Thumbnails of image files: made with Pillow on upload, read from verified metadata
(spec/metadata.md, "Thumbnails").

A thumbnail is a small JPEG sealed inside the file's metadata, so it is read, verified and bound to
its file exactly like the file's name: there is nothing extra to fetch or check here. Making one
re-encodes the picture, which leaves the original's EXIF (location, time, camera) behind; the
orientation EXIF records is applied to the pixels first. A file Pillow cannot open as a picture
gets no thumbnail, and neither does one whose picture, once small, is still over the size cap.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from msgspec import structs

from sealbox.client.sdk.transfers import Sealed
from sealbox.crypto.thumbnails import MAX_THUMBNAIL_BYTES, check_thumbnail
from sealbox.crypto.tree import FileMetadata, Metadata

if TYPE_CHECKING:
    from PIL.Image import Image as Picture

SIDE = 128  # longest side in pixels of the thumbnails this client makes
QUALITIES = (75, 50, 30)  # JPEG qualities tried in turn until one fits the size cap
# Formats Pillow decodes from its own code (no external delegates); others get no thumbnail.
FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF")
MAX_PIXELS = 100_000_000  # a larger picture is not opened at all (a decompression bomb)


def make_thumbnail(path: Path) -> bytes | None:
    """A thumbnail of the picture at ``path``, or None when it is not one Pillow decodes."""
    from PIL import Image, ImageOps  # imported here: most commands never make a thumbnail

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path, formats=FORMATS) as picture:
                if picture.width * picture.height > MAX_PIXELS:
                    return None
                picture.draft("RGB", (SIDE * 2, SIDE * 2))  # JPEG: decode at a fraction
                small = ImageOps.exif_transpose(picture)
                small.thumbnail((SIDE, SIDE))
                return _encode(_opaque(small))
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
        return None  # not a picture (UnidentifiedImageError is an OSError) or a damaged one
    except Image.DecompressionBombWarning:
        return None  # a picture far larger than MAX_PIXELS claims to be


def _opaque(picture: Picture) -> Picture:
    """RGB on white: JPEG has no transparency, and a palette or CMYK picture is converted."""
    from PIL import Image

    if picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info:
        rgba = picture.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return picture.convert("RGB")


def _encode(picture: Picture) -> bytes | None:
    for quality in QUALITIES:
        out = io.BytesIO()
        # No exif=, icc_profile= or comment=: the JPEG carries APP0 and the tables only.
        picture.save(out, "JPEG", quality=quality, optimize=True)
        data = out.getvalue()
        if len(data) <= MAX_THUMBNAIL_BYTES:
            return check_thumbnail(data)
    return None


def with_thumbnail(sealed: Sealed, path: Path) -> Sealed:
    """``sealed`` with a thumbnail of ``path`` in its metadata, when it is a picture."""
    if not sealed.metadata.mime.startswith("image/"):
        return sealed
    thumbnail = make_thumbnail(path)
    if thumbnail is None:
        return sealed
    return replace(sealed, metadata=structs.replace(sealed.metadata, thumbnail=thumbnail))


def thumbnail_of(metadata: Metadata) -> bytes | None:
    """The verified thumbnail of a file's metadata (None for a folder or a file without one)."""
    return metadata.thumbnail if isinstance(metadata, FileMetadata) else None
