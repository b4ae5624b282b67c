# SPDX-License-Identifier: AGPL-3.0-or-later
"""put seals a thumbnail of each picture, without its EXIF; `thumbnail` writes it back
(spec/metadata.md, "Thumbnails")."""

from __future__ import annotations

import json
import os
from pathlib import Path

from PIL import Image

from sealbox.crypto.thumbnails import MAX_THUMBNAIL_BYTES, check_thumbnail

from .conftest import Cli

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def photo_with_gps(path: Path) -> Path:
    """A 640 x 480 camera-like JPEG whose EXIF holds a location and says 'rotate 90'."""
    picture = Image.new("RGB", (640, 480), (200, 120, 40))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif.get_ifd(GPS_IFD)[2] = (48.0, 51.0, 30.0)  # GPSLatitude
    picture.save(path, "JPEG", exif=exif.tobytes())
    with Image.open(path) as saved:
        assert saved.getexif().get_ifd(GPS_IFD)
    return path


def test_put_seals_thumbnails_of_pictures_only_and_thumbnail_writes_them(
    alice: Cli, tmp_path: Path
) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    photo_with_gps(photos / "camera.jpg")
    # Over the one-request size: the chunked upload path seals a thumbnail too.
    noise = Image.frombytes("RGB", (800, 600), os.urandom(800 * 600 * 3))
    noise.save(photos / "large.png", "PNG")
    assert (photos / "large.png").stat().st_size > 1024 * 1024
    (photos / "notes.txt").write_text("not a picture")
    (photos / "fake.jpg").write_bytes(b"\xff\xd8 not really a JPEG")
    alice("put", str(photos), "/")

    rows = {r["name"]: r for r in json.loads(alice("ls", "--json", "/photos").stdout)}
    assert {n: r["thumbnail"] for n, r in rows.items()} == {
        "camera.jpg": True, "large.png": True, "notes.txt": False, "fake.jpg": False,
    }  # fmt: skip

    out = tmp_path / "thumb.jpg"
    alice("thumbnail", "/photos/camera.jpg", str(out))
    data = out.read_bytes()
    assert len(data) <= MAX_THUMBNAIL_BYTES and check_thumbnail(data) == data
    with Image.open(out) as thumb:
        assert thumb.format == "JPEG" and not thumb.getexif()  # no GPS, no orientation tag
        assert thumb.size == (96, 128)  # turned upright, then scaled to 128 on its long side

    missing = alice("thumbnail", "/photos/notes.txt", str(tmp_path / "none.jpg"), check=False)
    assert missing.returncode == 4 and "has no thumbnail" in missing.stderr
    assert not (tmp_path / "none.jpg").exists()
    folder = alice("thumbnail", "/photos", str(tmp_path / "none.jpg"), check=False)
    assert folder.returncode == 2 and "is a folder" in folder.stderr


def test_put_no_thumbnails_seals_none(alice: Cli, tmp_path: Path) -> None:
    photo = photo_with_gps(tmp_path / "camera.jpg")
    alice("put", "--no-thumbnails", str(photo), "/")
    (row,) = json.loads(alice("ls", "--json", "/").stdout)
    assert row["thumbnail"] is False
