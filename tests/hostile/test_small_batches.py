# SPDX-License-Identifier: AGPL-3.0-or-later
"""A hostile server against the batch download of small files (spec/http-api.md §6.4).

Each test lets the server lie in its batch answer and checks the client refuses with a specific
error, and that no file (partial or whole) appears for any object that failed: the batch is opened
in memory and verified before anything of it is written.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from sealbox.client.sdk import files
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.errors import SomeFailed
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.protocol import content_batch as cb
from sealbox.protocol import routes
from sealbox.testing.hostile import Exchange

from .conftest import Arena

pytestmark = pytest.mark.anyio
BATCH = re.escape(routes.CONTENTS_BATCH)


async def _folder_of_small_files(arena: Arena, tmp: Path, count: int) -> tuple[Drive, dict]:  # type: ignore[type-arg]
    drive = await arena.user("alice")
    source = tmp / "small"
    source.mkdir()
    made = {}
    for i in range(count):
        data = os.urandom(100 + i)
        (source / f"f{i}.bin").write_bytes(data)
        made[f"f{i}.bin"] = data
    await files.put(drive, [source], "/small", files.Reporter())
    return drive, made


def rewrite_items(change: object) -> object:
    def rewrite(exchange: Exchange) -> bytes | None:
        if exchange.status != 200:
            return None
        items = cb.parse_batch(exchange.body)
        return b"".join(cb.encode_batch(change(items)))  # type: ignore[operator]

    return rewrite


def _files_in(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def _only_the_others_written(out: Path, made: dict[str, bytes], failed: SomeFailed) -> None:
    """Every file but the ones named as failed is written whole; nothing of those, and no
    temporary file, is left."""
    refused = {path.removeprefix("/small/") for path, _ in failed.failed}
    assert {name: (out / name).read_bytes() for name in _files_in(out)} == {
        name: data for name, data in made.items() if name not in refused
    }


async def test_honest_batches_fetch_every_file_with_few_requests(
    arena: Arena, tmp_path: Path
) -> None:
    drive, made = await _folder_of_small_files(arena, tmp_path, 40)
    before = len(arena.hostile.requests)
    out = tmp_path / "out"
    await files.get(drive, ["/small"], out, files.Reporter())
    assert {p.name: p.read_bytes() for p in out.iterdir()} == made
    batches = [r for r in arena.hostile.requests[before:] if r.path == routes.CONTENTS_BATCH]
    assert len(batches) == 1


async def test_swapped_objects_in_a_batch_are_refused_and_not_written(
    arena: Arena, tmp_path: Path
) -> None:
    drive, made = await _folder_of_small_files(arena, tmp_path, 5)

    def swap(items: list[cb.BatchItem]) -> list[cb.BatchItem]:
        a, b = items[0], items[1]
        return [cb.BatchItem(a.content_id, a.status, b.data),
                cb.BatchItem(b.content_id, b.status, a.data), *items[2:]]  # fmt: skip

    arena.hostile.on("POST", BATCH, rewrite_items(swap))
    out = tmp_path / "out"
    # Each refused object is named; the others verified and are written (issue 13 item 7).
    with pytest.raises(SomeFailed) as failed:
        await files.get(drive, ["/small"], out, files.Reporter())
    assert failed.value.integrity and len(failed.value.failed) == 2
    _only_the_others_written(out, made, failed.value)


async def test_flipped_byte_in_one_object_is_refused_and_not_written(
    arena: Arena, tmp_path: Path
) -> None:
    drive, made = await _folder_of_small_files(arena, tmp_path, 5)

    def flip_last(items: list[cb.BatchItem]) -> list[cb.BatchItem]:
        last = items[-1]
        data = bytearray(last.data)
        data[-1] ^= 1
        return [*items[:-1], cb.BatchItem(last.content_id, last.status, bytes(data))]

    arena.hostile.on("POST", BATCH, rewrite_items(flip_last))
    out = tmp_path / "out"
    with pytest.raises(SomeFailed) as failed:
        await files.get(drive, ["/small"], out, files.Reporter())
    assert failed.value.integrity and len(failed.value.failed) == 1
    assert "decrypt failed" in failed.value.failed[0][1]
    _only_the_others_written(out, made, failed.value)


@pytest.mark.parametrize("lie", ["reorder", "drop", "truncate"])
async def test_an_answer_for_other_ids_or_cut_short_is_malformed(
    arena: Arena, tmp_path: Path, lie: str
) -> None:
    drive, _ = await _folder_of_small_files(arena, tmp_path, 5)

    def rewrite(exchange: Exchange) -> bytes | None:
        items = cb.parse_batch(exchange.body)
        if lie == "reorder":
            items = items[::-1]
        elif lie == "drop":
            items = items[:-1]
        body = b"".join(cb.encode_batch(items))
        return body[:-3] if lie == "truncate" else body

    arena.hostile.on("POST", BATCH, rewrite)
    out = tmp_path / "out"
    with pytest.raises(IntegrityError) as excinfo:
        await files.get(drive, ["/small"], out, files.Reporter())
    assert excinfo.value.code == ErrorCode.MALFORMED
    assert _files_in(out) == []


async def test_an_object_reported_missing_is_an_error_and_leaves_no_partial_file(
    arena: Arena, tmp_path: Path
) -> None:
    drive, made = await _folder_of_small_files(arena, tmp_path, 5)

    def hide_first(items: list[cb.BatchItem]) -> list[cb.BatchItem]:
        return [cb.BatchItem(items[0].content_id, cb.NOT_FOUND, b""), *items[1:]]

    arena.hostile.on("POST", BATCH, rewrite_items(hide_first))
    out = tmp_path / "out"
    with pytest.raises(SomeFailed) as failed:
        await files.get(drive, ["/small"], out, files.Reporter())
    assert len(failed.value.failed) == 1 and "not_found" in failed.value.failed[0][1]
    # The others verified and are whole; nothing half-written is left anywhere.
    written = _files_in(out)
    assert not any(name.endswith(".part") for name in written)
    assert all((out / name).read_bytes() == made[name] for name in written)
    assert len(written) == 4


async def test_omitted_objects_are_fetched_on_their_own(arena: Arena, tmp_path: Path) -> None:
    drive, made = await _folder_of_small_files(arena, tmp_path, 6)

    def omit_half(items: list[cb.BatchItem]) -> list[cb.BatchItem]:
        return [cb.BatchItem(i.content_id, cb.OMITTED, b"") if n % 2 else i
                for n, i in enumerate(items)]  # fmt: skip

    arena.hostile.on("POST", BATCH, rewrite_items(omit_half))
    before = len(arena.hostile.requests)
    out = tmp_path / "out"
    await files.get(drive, ["/small"], out, files.Reporter())
    assert {p.name: p.read_bytes() for p in out.iterdir()} == made
    singles = [r for r in arena.hostile.requests[before:] if r.path.startswith("/v1/contents/")]
    assert len(singles) == 3
