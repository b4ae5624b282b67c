# SPDX-License-Identifier: AGPL-3.0-or-later
"""A put lists each folder on its way once: every listing is a round trip on the client's
network and a request the server pays for (issue 20: a put listed the root three times before it
sent a byte)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import httpx
import pytest

from sealbox.client.sdk import files
from sealbox.client.sdk.errors import NotFoundError, SealboxError
from sealbox.protocol import routes

from .conftest import World

pytestmark = pytest.mark.anyio

FOLDERS = routes.FOLDER.split("{")[0]


def count_listings(world: World) -> Counter[str]:
    listed: Counter[str] = Counter()

    async def note(request: httpx.Request) -> None:
        if request.method == "GET" and request.url.path.startswith(FOLDERS):
            listed[request.url.path] += 1

    world.http.event_hooks["request"].append(note)
    return listed


@pytest.mark.parametrize(
    "remote", ["/", "/new.txt", "/docs", "/docs/", "/docs/new.txt", "/fresh/", "/docs/old.txt"]
)
async def test_a_put_lists_each_folder_on_its_way_once(
    world: World, tmp_path: Path, remote: str
) -> None:
    drive = await world.user("alice")
    await drive.mkdir("/docs")
    (tmp_path / "old.txt").write_text("old")
    await files.put(drive, [tmp_path / "old.txt"], "/docs/", files.Reporter())
    source = tmp_path / "a.txt"
    source.write_text("a small file, sent inline")
    listed = count_listings(world)
    await files.put(drive, [source], remote, files.Reporter())
    assert listed and max(listed.values()) == 1, listed


async def test_the_put_still_refuses_what_it_refused(world: World, tmp_path: Path) -> None:
    drive = await world.user("alice")
    await drive.mkdir("/docs")
    (tmp_path / "f.txt").write_text("f")
    await files.put(drive, [tmp_path / "f.txt"], "/docs/f.txt", files.Reporter())
    sources = [tmp_path / "f.txt", tmp_path / "f.txt"]
    with pytest.raises(NotFoundError, match=r"no such file or folder: /nowhere"):
        await files.put(drive, [tmp_path / "f.txt"], "/nowhere/a.txt", files.Reporter())
    with pytest.raises(NotFoundError, match=r"no such file or folder: /nowhere"):
        await files.put(drive, sources, "/nowhere/deeper", files.Reporter())
    with pytest.raises(SealboxError, match=r"not a folder: /docs/f.txt") as refused:
        await files.put(drive, [tmp_path / "f.txt"], "/docs/f.txt/x", files.Reporter())
    assert not isinstance(refused.value, NotFoundError)
    with pytest.raises(SealboxError, match=r"not a folder: /docs/f.txt"):
        await files.put(drive, sources, "/docs/f.txt", files.Reporter())
