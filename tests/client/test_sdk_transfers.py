"""Large transfers through the SDK, with and without writes that bypass the page cache."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sealbox.client.sdk import files
from sealbox.crypto import content

from .conftest import World

pytestmark = pytest.mark.anyio

CHUNK = content.DEFAULT_CHUNK_SIZE


@pytest.mark.parametrize("direct", [True, False], ids=["o_direct", "page_cache"])
async def test_large_file_round_trips_whatever_the_filesystem_allows(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, direct: bool
) -> None:
    if not direct:
        # What a filesystem without O_DIRECT looks like to both the client and the blob store.
        monkeypatch.delattr(os, "O_DIRECT", raising=False)
    drive = await world.user("frank")
    # Whole chunks, then a tail whose length is no multiple of any block size.
    data = os.urandom(5 * CHUNK + 12345)
    source = tmp_path / "big.bin"
    source.write_bytes(data)
    await files.put(drive, [source], "/big.bin", files.Reporter())
    out = tmp_path / "out.bin"
    await files.get(drive, ["/big.bin"], out, files.Reporter())
    assert out.read_bytes() == data
    assert not list(tmp_path.glob(".sealbox-*.part"))
