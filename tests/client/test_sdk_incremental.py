# SPDX-License-Identifier: AGPL-3.0-or-later
"""Incremental transfers through the SDK (issue 14): unchanged files are left alone by put and
get, the keyed plaintext hash in the metadata compares contents, selection, local files already
there (no-clobber, backup), dry runs, check, and the bandwidth limit. Requests are counted
through the hostile wrapper's recorder, in front of the real server."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from sealbox.client.sdk import checks, comparison, files, plans
from sealbox.client.sdk.account import signup
from sealbox.client.sdk.api import Api
from sealbox.client.sdk.bandwidth import Bandwidth, parse_rate
from sealbox.client.sdk.checks import How, Verdict
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.errors import SealboxError
from sealbox.client.sdk.failures import Failures
from sealbox.client.sdk.local_tree import Links
from sealbox.client.sdk.pairing import Sides
from sealbox.client.sdk.plans import Action
from sealbox.client.sdk.selection import Selection, read_patterns
from sealbox.client.sdk.state import LocalState
from sealbox.client.sdk.transfer_options import TransferOptions
from sealbox.crypto import content
from sealbox.crypto.tree import FileMetadata, as_file_metadata
from sealbox.server.app import build_services, create_app
from sealbox.server.settings import Settings
from sealbox.testing.hostile import HostileServer

from .conftest import FAST, SERVER

pytestmark = pytest.mark.anyio

MIB = 1024 * 1024
SKIP = TransferOptions(skip_unchanged=True)
CHECKSUM = TransferOptions(skip_unchanged=True, checksum=True)


@dataclass
class Wire:
    hostile: HostileServer
    http: httpx.AsyncClient
    tmp: Path

    async def user(self, name: str) -> Drive:
        state = LocalState(self.tmp / "homes" / name)
        session, _ = await signup(Api(self.http), state, SERVER, name, "a good password", **FAST)
        return Drive(session)

    def sent(self) -> list[tuple[str, str, int]]:
        """Requests since the last call that carry content or change anything."""
        out = [
            (r.method, r.path, len(r.body))
            for r in self.hostile.requests
            if r.method != "GET" and r.path != "/v1/contents:batch"
        ]
        self.hostile.requests.clear()
        return out


@pytest.fixture
async def wire(tmp_path: Path) -> AsyncIterator[Wire]:
    settings = Settings(data_dir=tmp_path / "server", secret=bytes(range(32)))
    hostile = HostileServer(create_app(build_services(settings), background_jobs=False))
    async with hostile.app.router.lifespan_context(hostile.app):  # type: ignore[attr-defined]
        transport = httpx.ASGITransport(app=hostile)
        async with httpx.AsyncClient(transport=transport, base_url=SERVER) as http:
            yield Wire(hostile, http, tmp_path)


def _tree(top: Path) -> dict[str, bytes]:
    made = {
        "a.txt": b"alpha",
        "sub/b.txt": b"bravo",
        "sub/deep/c.log": b"charlie",
        "big.bin": os.urandom(2 * MIB + 5),
    }
    for name, data in made.items():
        (top / name).parent.mkdir(parents=True, exist_ok=True)
        (top / name).write_bytes(data)
    return made


async def _files(drive: Drive, top: str) -> dict[str, FileMetadata]:
    folder = await drive.folder_at(top)
    return {
        path.removeprefix(top + "/"): as_file_metadata(node.metadata)
        for path, _, node in await drive.iter_tree(folder, top)
        if not node.is_folder
    }


async def test_a_reput_of_an_unchanged_tree_sends_no_content_and_adds_no_version(
    wire: Wire, tmp_path: Path
) -> None:
    drive = await wire.user("ada")
    _tree(tmp_path / "docs")
    await files.put(drive, [tmp_path / "docs"], "/", files.Reporter(), options=SKIP)
    before = await _files(drive, "/docs")
    wire.sent()
    left: list[str] = []
    await files.put(
        drive, [tmp_path / "docs"], "/", files.Reporter(unchanged=left.append), options=SKIP
    )
    assert wire.sent() == []  # no upload, no chunk, no transaction
    assert sorted(Path(p).name for p in left) == ["a.txt", "b.txt", "big.bin", "c.log"]
    assert await _files(drive, "/docs") == before
    assert await drive.versions("/docs/big.bin") == []
    # Without skipping (the SDK's default, as the mount saves files) everything goes again.
    await files.put(drive, [tmp_path / "docs"], "/", files.Reporter())
    assert any(path.startswith("/v1/uploads") for _, path, _ in wire.sent())


async def test_a_changed_file_is_sent_and_checksum_sees_what_size_and_time_miss(
    wire: Wire, tmp_path: Path
) -> None:
    drive = await wire.user("bea")
    made = _tree(tmp_path / "docs")
    await files.put(drive, [tmp_path / "docs"], "/", files.Reporter(), options=SKIP)
    a = tmp_path / "docs" / "a.txt"
    stat = a.stat()
    a.write_bytes(b"ALPHA")  # same size, and the same time set back: only contents differ
    os.utime(a, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    wire.sent()
    await files.put(drive, [tmp_path / "docs"], "/", files.Reporter(), options=SKIP)
    assert wire.sent() == []
    await files.put(drive, [tmp_path / "docs"], "/", files.Reporter(), options=CHECKSUM)
    sent = wire.sent()
    assert [m for m, p, _ in sent if p == "/v1/transactions"] == ["POST"]
    assert not any(p.startswith("/v1/uploads") for _, p, _ in sent)  # big.bin is unchanged
    assert len(await drive.versions("/docs/a.txt")) == 1
    out = tmp_path / "out"
    await files.get(drive, ["/docs"], out, files.Reporter())
    assert (out / "a.txt").read_bytes() == b"ALPHA"
    assert (out / "big.bin").read_bytes() == made["big.bin"]


async def test_the_metadata_holds_the_keyed_plaintext_hash_of_small_and_large_files(
    wire: Wire, tmp_path: Path
) -> None:
    drive = await wire.user("cy")
    made = _tree(tmp_path / "docs")
    await files.put(drive, [tmp_path / "docs"], "/", files.Reporter(), options=SKIP)
    folder = await drive.folder_at("/docs")
    for path, parent, node in await drive.iter_tree(folder, "/docs"):
        if node.is_folder:
            continue
        key = node.record.open_file_key(parent.key)
        metadata = as_file_metadata(node.metadata)
        expected = content.plaintext_hash(key, made[path.removeprefix("/docs/")])
        assert metadata.plaintext_hash == expected
        # Keyed: not the plain BLAKE2b of the contents, which anyone could test a guess with.
        assert metadata.plaintext_hash != content._sodium.blake2b(made[path.removeprefix("/docs/")])


async def test_get_leaves_unchanged_files_and_keeps_or_backs_up_different_ones(
    wire: Wire, tmp_path: Path
) -> None:
    drive = await wire.user("dee")
    _tree(tmp_path / "docs")
    await files.put(drive, [tmp_path / "docs"], "/", files.Reporter(), options=SKIP)
    out = tmp_path / "out"
    await files.get(drive, ["/docs"], out, files.Reporter(), options=SKIP)
    left: list[str] = []
    wire.sent()
    await files.get(drive, ["/docs"], out, files.Reporter(unchanged=left.append), options=SKIP)
    assert len(left) == 4
    assert not any("/contents" in r.path for r in wire.hostile.requests)
    (out / "a.txt").write_bytes(b"mine, changed")
    (out / "big.bin").write_bytes(b"mine too")
    kept: list[str] = []
    no_clobber = TransferOptions(skip_unchanged=True, no_clobber=True)
    keeping = files.Reporter(skipped=lambda path, why: kept.append(path))
    await files.get(drive, ["/docs"], out, keeping, options=no_clobber)  # nothing failed
    assert sorted(Path(p).name for p in kept) == ["a.txt", "big.bin"]
    assert (out / "a.txt").read_bytes() == b"mine, changed"
    backup = TransferOptions(skip_unchanged=True, backup=".bak")
    await files.get(drive, ["/docs"], out, files.Reporter(), options=backup)
    assert (out / "a.txt").read_bytes() == b"alpha"
    assert (out / "a.txt.bak").read_bytes() == b"mine, changed"
    assert (out / "big.bin.bak").read_bytes() == b"mine too"
    assert not (out / "sub" / "b.txt.bak").exists()


async def test_exclude_and_include_select_what_put_and_get_take(wire: Wire, tmp_path: Path) -> None:
    drive = await wire.user("eve")
    _tree(tmp_path / "docs")
    no_logs = TransferOptions(skip_unchanged=True, selection=Selection(("*.log", "/big.bin")))
    await files.put(drive, [tmp_path / "docs"], "/", files.Reporter(), options=no_logs)
    assert sorted(await _files(drive, "/docs")) == ["a.txt", "sub/b.txt"]
    await files.put(drive, [tmp_path / "docs"], "/", files.Reporter(), options=SKIP)
    only_txt = TransferOptions(selection=Selection(("sub/deep/",), ("*.txt",)))
    out = tmp_path / "out"
    await files.get(drive, ["/docs"], out, files.Reporter(), options=only_txt)
    got = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert got == ["a.txt", "sub/b.txt"]
    assert not (out / "sub" / "deep").exists()  # an excluded folder is not even made


def _sides() -> Sides:
    return Sides(Selection(), Links.SKIP, Failures(lambda p, r: None, lambda p, w: None), [])


async def test_check_compares_by_content_without_downloading_unless_asked(
    wire: Wire, tmp_path: Path
) -> None:
    drive = await wire.user("fay")
    _tree(tmp_path / "docs")
    await files.put(drive, [tmp_path / "docs"], "/", files.Reporter(), options=SKIP)
    (tmp_path / "docs" / "sub" / "b.txt").write_bytes(b"BRAVO")  # same size, other contents
    (tmp_path / "docs" / "new.txt").write_bytes(b"only here")
    await drive.remove("/docs/sub/deep/c.log", True)
    await drive.mkdir("/docs/remote-only", False)
    (tmp_path / "x.txt").write_bytes(b"x")
    await files.put(drive, [tmp_path / "x.txt"], "/docs/remote-only/x.txt", files.Reporter())
    wire.hostile.requests.clear()
    found = await checks.check(drive, tmp_path / "docs", "/docs", _sides())
    verdicts = {c.relative: (c.verdict, c.how) for c in found}
    assert verdicts == {
        "a.txt": (Verdict.IDENTICAL, How.HASH),
        "big.bin": (Verdict.IDENTICAL, How.HASH),
        "new.txt": (Verdict.ONLY_LOCAL, How.NONE),
        "remote-only/x.txt": (Verdict.ONLY_REMOTE, How.NONE),
        "sub/b.txt": (Verdict.DIFFERING, How.HASH),
        "sub/deep/c.log": (Verdict.ONLY_LOCAL, How.NONE),
    }
    assert not any("/contents" in r.path for r in wire.hostile.requests)
    found = await checks.check(drive, tmp_path / "docs", "/docs", _sides(), download=True)
    downloaded = {c.relative: (c.verdict, c.how) for c in found if c.how is How.DOWNLOAD}
    assert downloaded == {
        "a.txt": (Verdict.IDENTICAL, How.DOWNLOAD),
        "big.bin": (Verdict.IDENTICAL, How.DOWNLOAD),
        "sub/b.txt": (Verdict.DIFFERING, How.DOWNLOAD),
    }
    one = await checks.check(drive, tmp_path / "docs" / "a.txt", "/docs/a.txt", _sides())
    assert [(c.relative, c.verdict) for c in one] == [("a.txt", Verdict.IDENTICAL)]


async def test_dry_runs_say_what_would_happen_and_change_nothing(
    wire: Wire, tmp_path: Path
) -> None:
    drive = await wire.user("gus")
    _tree(tmp_path / "docs")
    wire.sent()
    plan = await plans.plan_put(drive, [tmp_path / "docs"], "/", _sides(), SKIP)
    assert {(p.action, p.remote) for p in plan} == {
        (Action.SEND, "/docs/a.txt"),
        (Action.SEND, "/docs/big.bin"),
        (Action.SEND, "/docs/sub/b.txt"),
        (Action.SEND, "/docs/sub/deep/c.log"),
    }
    assert wire.sent() == []
    assert (await drive.root()).children == []
    await files.put(drive, [tmp_path / "docs"], "/", files.Reporter(), options=SKIP)
    (tmp_path / "docs" / "a.txt").write_bytes(b"longer than before")
    wire.sent()
    plan = await plans.plan_put(drive, [tmp_path / "docs"], "/", _sides(), SKIP)
    assert sorted((p.action, p.remote) for p in plan if p.action is Action.SEND) == [
        (Action.SEND, "/docs/a.txt")
    ]
    out = tmp_path / "out"
    plan = await plans.plan_get(drive, ["/docs"], out, _sides(), SKIP)
    assert {p.action for p in plan} == {Action.WRITE} and len(plan) == 4
    assert not out.exists()
    await files.get(drive, ["/docs"], out, files.Reporter(), options=SKIP)
    (out / "a.txt").write_bytes(b"local edit")
    backup = TransferOptions(skip_unchanged=True, backup="~")
    plan = await plans.plan_get(drive, ["/docs"], out, _sides(), backup)
    assert sorted(p.action for p in plan) == [Action.BACKUP] + [Action.UNCHANGED] * 3
    assert not (out / "a.txt~").exists()
    assert wire.sent() == []


async def test_the_bandwidth_limit_is_a_token_bucket_on_an_injected_clock() -> None:
    now = [0.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    bucket = Bandwidth(1000, clock=lambda: now[0], sleep=sleep)
    await bucket.take(1000)  # the first second's burst
    assert slept == []
    await bucket.take(500)
    assert slept == [0.5]
    now[0] += 10  # idle: the bucket refills, but only to one second's worth
    await bucket.take(1000)
    await bucket.take(2000)
    assert slept == [0.5, 2.0]
    assert parse_rate("10M") == 10 * MIB and parse_rate("512k") == 512 * 1024
    assert parse_rate("1.5G") == 1.5 * 1024**3 and parse_rate("100") == 100
    for bad in ("", "fast", "0", "-1M", "10X"):
        with pytest.raises(SealboxError):
            parse_rate(bad)


async def test_a_limited_transfer_takes_its_bytes_from_the_bucket(
    wire: Wire, tmp_path: Path
) -> None:
    drive = await wire.user("hal")
    taken: list[int] = []

    class Counting(Bandwidth):
        async def take(self, size: int) -> None:
            taken.append(size)

    data = os.urandom(2 * MIB + 1)
    (tmp_path / "big.bin").write_bytes(data)
    limited = TransferOptions(bandwidth=Counting(1.0))
    await files.put(drive, [tmp_path / "big.bin"], "/big.bin", files.Reporter(), options=limited)
    assert sum(taken) >= len(data)
    taken.clear()
    await files.get(drive, ["/big.bin"], tmp_path / "out.bin", files.Reporter(), options=limited)
    assert sum(taken) >= len(data)
    assert (tmp_path / "out.bin").read_bytes() == data


def test_selection_reads_patterns_as_a_gitignore_at_the_top_would(tmp_path: Path) -> None:
    chosen = Selection(("/build/", "cache/", "*.log", "!keep.log"), ())
    assert not chosen.enters_folder("build") and chosen.enters_folder("src/build")
    assert not chosen.enters_folder("cache") and not chosen.enters_folder("a/b/cache")
    assert not chosen.enters_path("a/cache/deeper") and chosen.enters_path("a/b")
    assert not chosen.takes_file("x.log") and not chosen.takes_file("d/x.log")
    assert chosen.takes_file("keep.log") and chosen.takes_file("x.txt")
    only = Selection(("secret.pdf",), ("*.pdf",))
    assert only.takes_file("a/b/paper.pdf") and not only.takes_file("notes.txt")
    assert not only.takes_file("a/secret.pdf")  # an exclude wins over an include
    assert only.enters_folder("a") and Selection().everything and not only.everything
    patterns = tmp_path / "ignore"
    patterns.write_text("# comment\n\n*.tmp\n")
    assert not Selection(read_patterns(patterns)).takes_file("x.tmp")
    with pytest.raises(SealboxError):
        read_patterns(tmp_path / "missing")


def test_a_destination_that_cannot_exist_is_left_to_the_download_to_report(
    tmp_path: Path,
) -> None:
    (tmp_path / "afile").write_text("in the way")
    metadata = FileMetadata("a.txt", 0, 1, "", bytes(16), bytes(32))
    key = content.FileKey(bytes(32))
    for dest in (tmp_path / "missing.txt", tmp_path / "afile" / "a.txt"):
        assert comparison.decide(dest, metadata, key, SKIP) is comparison.Outcome.WRITE
