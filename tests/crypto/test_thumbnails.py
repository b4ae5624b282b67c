# SPDX-License-Identifier: AGPL-3.0-or-later
"""The thumbnail check (spec/metadata.md, "Thumbnails"): each rule refuses what it names."""

from __future__ import annotations

import os

import pytest

from sealbox.crypto import tree
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.keys import FolderKey
from sealbox.crypto.thumbnails import MAX_THUMBNAIL_BYTES, check_thumbnail

from .conftest import new_id

SOI, EOI = b"\xff\xd8", b"\xff\xd9"
APP0 = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
DQT = b"\xff\xdb\x00\x04\x00\x01"
SOS = b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00"
DATA = b"\x12\x34\x56"


def frame(height: int = 6, width: int = 8, marker: int = 0xC0) -> bytes:
    body = bytes([8]) + height.to_bytes(2, "big") + width.to_bytes(2, "big") + b"\x01\x01\x11\x00"
    return bytes([0xFF, marker]) + (len(body) + 2).to_bytes(2, "big") + body


def jpeg(*segments: bytes) -> bytes:
    return SOI + b"".join(segments) + DATA + EOI


GOOD = jpeg(APP0, DQT, frame(), SOS)


def test_a_baseline_jpeg_passes_and_progressive_frames_count() -> None:
    assert check_thumbnail(GOOD) == GOOD
    progressive = jpeg(APP0, frame(marker=0xC2), SOS)
    assert check_thumbnail(progressive) == progressive
    assert check_thumbnail(jpeg(frame(256, 256), SOS))


@pytest.mark.parametrize(
    ("picture", "why"),
    [
        (b"\xff\xd8", "16 KiB"),
        (SOI + bytes(MAX_THUMBNAIL_BYTES) + EOI, "16 KiB"),
        (b"\x89PNG" + GOOD[4:], "starts and ends"),
        (GOOD[:-1] + b"\x00", "starts and ends"),
        (SOI + b"\x00" + GOOD[2:], "markers run past"),
        (jpeg(APP0, frame()), "markers run past"),
        (jpeg(b"\xff\xe0\x00\x01", frame(), SOS), "segment runs past"),
        (SOI + b"\xff\xe0\x00\x40" + EOI, "segment runs past"),
        (jpeg(b"\xff\xe1\x00\x06Exif", frame(), SOS), "EXIF"),
        (jpeg(b"\xff\xfe\x00\x04hi", frame(), SOS), "comment"),
        (jpeg(b"\xff\xe2\x00\x04\x00\x00", frame(), SOS), "ICC"),
        (jpeg(APP0, SOS), "exactly one frame"),
        (jpeg(frame(), frame(), SOS), "exactly one frame"),
        (jpeg(b"\xff\xc0\x00\x05\x08\x00\x06", SOS), "too short"),
        (jpeg(frame(height=257), SOS), "256 x 256"),
        (jpeg(frame(width=0), SOS), "256 x 256"),
        (jpeg(frame(width=257), SOS), "256 x 256"),
    ],
)
def test_a_thumbnail_outside_the_rules_is_refused(picture: bytes, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        check_thumbnail(picture)


def test_a_thumbnail_travels_in_file_metadata_and_binds_to_its_node() -> None:
    parent_key, node, other, parent = FolderKey(os.urandom(32)), new_id(), new_id(), new_id()
    metadata = tree.FileMetadata("a.jpg", 1, 3, "image/jpeg", new_id(), bytes(32), thumbnail=GOOD)
    sealed = tree.seal_metadata(parent_key, metadata, node, parent, 1)
    opened = tree.open_metadata(parent_key, sealed, node, parent, tree.NodeType.FILE, 1)
    assert tree.as_file_metadata(opened).thumbnail == GOOD
    # The server moving the sealed metadata (and its thumbnail) to another file is caught.
    with pytest.raises(IntegrityError) as caught:
        tree.open_metadata(parent_key, sealed, other, parent, tree.NodeType.FILE, 1)
    assert caught.value.code == ErrorCode.DECRYPT_FAILED


def test_a_writer_cannot_seal_a_thumbnail_with_exif() -> None:
    bad = jpeg(b"\xff\xe1\x00\x06Exif", frame(), SOS)
    metadata = tree.FileMetadata("a.jpg", 1, 3, "image/jpeg", new_id(), bytes(32), thumbnail=bad)
    with pytest.raises(ValueError, match="EXIF"):
        tree.encode_metadata(metadata)
    good = tree.encode_metadata(metadata.__class__("a.jpg", 1, 3, "", new_id(), bytes(32)))
    assert b"thumbnail" not in good
    with pytest.raises(IntegrityError) as caught:
        tree.decode_metadata(good.replace(b"3}", b'3,"thumbnail":"AA"}'), tree.NodeType.FILE)
    assert caught.value.code == ErrorCode.MALFORMED
