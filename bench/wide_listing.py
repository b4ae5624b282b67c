# SPDX-License-Identifier: AGPL-3.0-or-later
"""Benchmark: a folder of 100,000 entries listed and verified by the SDK, and `sealbox ls` of it
(issue 20, item 5; targets: SDK under 1 s, `sealbox ls` under 1.5 s, every check kept).

    .venv/bin/python bench/wide_listing.py [--children 100000] [--runs 5] [--profile]
    .venv/bin/python bench/wide_listing.py --offline [--children 100000]   # no server, no CLI

Builds the folder through the SDK in transactions of 5,000 files (copies of one small file, so
no content moves; the build is not timed), then measures, each run:

- SDK: ``Drive.folder`` in this process (fetch, manifest signature and freshness, each record's
  hash against the manifest, parse, metadata opening, names): wall time, this process's CPU time
  and the server's CPU time over the same interval, and the client's check alone (the fetched
  listing's bytes fed to ``ListingCheck`` in pieces of 64 KiB, in process);
- CLI: ``sealbox ls /wide`` as a real process with standard output to a pipe that is drained
  (not a terminal): wall time, the process's CPU time (user + system) and the server's.

The server sends a listing as it reads it and the client checks each piece as it arrives (since
stop 37), so on an idle machine with two cores the wall time is about the client's CPU time
plus the wait for the first piece, not the sum of the two; the last column is that sum, the wall
time the two would take one after the other. On a shared machine wall time follows the load;
CPU seconds do not. ``--profile`` prints cProfile's top functions of one check. ``--offline``
builds the listing's bytes with the crypto functions and times only the client's check in
process: the client's part alone, quick enough to compare two commits in the same minutes. An
older tree without ``ListingCheck`` is timed with ``verify_listing(parse_listing(...))``, what
its client did. Nothing here is asserted by the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import cProfile
import io
import os
import pstats
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

import sealbox

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sealbox.client.sdk import Change, Drive, account
from sealbox.client.sdk.api import Api
from sealbox.client.sdk.state import LocalState
from sealbox.client.sdk.transfers import seal_small
from sealbox.client.sdk.tree import Folder, verify_listing
from sealbox.crypto.identity import IdentityKeys
from sealbox.crypto.keys import FileKey, FolderKey
from sealbox.crypto.manifest import NO_PREVIOUS, ManifestEntry, make_manifest
from sealbox.crypto.tree import (
    FileMetadata,
    NodeType,
    make_node_record,
    record_hash,
    seal_metadata,
    wrap_node_key,
)
from sealbox.protocol.listing import (
    BinaryListing,
    ListedChild,
    collection_paused,
    encode_listing,
    parse_listing,
)
from suite import Stack, proc_cpu, renamed

BATCH = 5000
PIECE = 64 * 1024  # about what the client's HTTP stack hands over at a time


async def build(drive: Drive, directory: Path, count: int) -> Folder:
    await drive.mkdir("/wide")
    folder = await drive.folder_at("/wide")
    sample = directory / "sample.txt"
    sample.write_bytes(b"x" * 100)
    sealed = seal_small(sample, "sample.txt")
    change = Change()
    drive.add_file(change, folder, sealed.metadata, sealed.file_key, inline=sealed.inline)
    folder = (await drive.commit(change))[folder.folder_id]
    made = 1
    while made < count:
        change = Change()
        for _ in range(min(BATCH, count - made)):
            meta = renamed(sealed.metadata, f"file{made:06}.txt")
            drive.add_file(change, folder, meta, sealed.file_key)
            made += 1
        folder = (await drive.commit(change))[folder.folder_id]
    return folder


def py_spy(
    target: list[str], out: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "py-spy"), "record", "-r", "200", "-f", "raw",
         "-o", str(out), "--nonblocking", *target],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def run_ls(stack: Stack, *args: str) -> tuple[float, float, float, int]:
    """``sealbox ls`` as a real process, its output drained from a pipe: (wall, client CPU,
    server CPU, output lines)."""
    server_cpu = proc_cpu(stack.server_pid)
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "sealbox", "ls", *args],
        env=stack.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    lines = sum(chunk.count(b"\n") for chunk in iter(lambda: process.stdout.read(1 << 16), b""))
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"sealbox ls {' '.join(args)} failed")
    cpu = usage.ru_utime + usage.ru_stime
    return elapsed, cpu, proc_cpu(stack.server_pid) - server_cpu, lines


async def sdk_runs(
    stack: Stack, directory: Path, count: int, runs: int, profile: bool
) -> dict[str, list[float]]:
    figures: dict[str, list[float]] = {k: [] for k in ("wall", "cpu", "server", "verify")}
    async with httpx.AsyncClient(base_url=stack.server.url, timeout=600) as http:
        drive = Drive(await account.resume(Api(http), LocalState(stack.home)))
        started = time.monotonic()
        folder = await build(drive, directory, count)
        print(f"built {count:,} entries in {time.monotonic() - started:.0f} s", file=sys.stderr)
        writers = drive.session.writers
        for _ in range(runs):
            server_cpu = proc_cpu(stack.server_pid)
            start, cpu = time.perf_counter(), time.process_time()
            listed = await drive.folder(folder.folder_id, folder.key)
            figures["wall"].append(time.perf_counter() - start)
            figures["cpu"].append(time.process_time() - cpu)
            figures["server"].append(proc_cpu(stack.server_pid) - server_cpu)
            assert len(listed.children) == count, len(listed.children)
            body = encode_listing(await drive.api.folder(folder.folder_id))
            cpu = time.process_time()
            check_alone(body, folder.folder_id, folder.key, writers)
            figures["verify"].append(time.process_time() - cpu)
        if profile:
            profiler = cProfile.Profile()
            profiler.enable()
            check_alone(body, folder.folder_id, folder.key, writers)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
            print(out.getvalue(), file=sys.stderr)
    return figures


def check_alone(body: bytes, folder_id: bytes, key: FolderKey, writers: dict[bytes, bytes]) -> int:
    """The client's check of a listing's bytes, as its SDK does it: ``ListingCheck`` fed pieces
    of 64 KiB where the tree has it, else the whole body parsed and verified. The children."""
    with collection_paused():
        try:
            from sealbox.client.sdk.listing_check import ListingCheck
        except ImportError:  # a tree from before stop 37
            folder, _ = verify_listing(parse_listing(body), folder_id, key, writers, None)
            return len(folder.children)
        check = ListingCheck(folder_id, key, writers, None)
        for start in range(0, len(body), PIECE):
            check.feed(body[start : start + PIECE])
        return len(check.finish().children)


def offline(count: int, runs: int) -> None:
    """Parse the framing and verify a listing of ``count`` files made here, ``runs`` times."""
    owner, owner_id = IdentityKeys.generate(), os.urandom(16)
    folder_id, key, content_id = os.urandom(16), FolderKey.generate(), os.urandom(16)
    children, entries = [], []
    for i, node_id in enumerate(sorted(os.urandom(16) for _ in range(count))):
        meta = FileMetadata(f"file{i:06}.txt", 1_764_000_000_000, 100, "text/plain", content_id,
                            bytes(32))  # fmt: skip
        record = make_node_record(
            owner, owner_id, node_id, folder_id, NodeType.FILE, 1,
            wrap_node_key(key, FileKey.generate(), node_id, folder_id),
            seal_metadata(key, meta, node_id, folder_id, 1),
        )  # fmt: skip
        children.append(ListedChild(node_id, "file", content_id, 200, 0, record))
        entries.append(ManifestEntry(node_id, NodeType.FILE, record_hash(record)))
    manifest = make_manifest(owner, owner_id, folder_id, 1, NO_PREVIOUS, entries)
    data = encode_listing(BinaryListing(1, manifest, children))
    writers = {owner_id: owner.public.sign_public}
    timings = []
    for _ in range(runs):
        cpu = time.process_time()
        assert check_alone(data, folder_id, key, writers) == count
        timings.append(time.process_time() - cpu)
    best, mid = min(timings), statistics.median(timings)
    print(f"{count:,} entries, parse + verify in process, CPU: median {mid:.2f} s, best "
          f"{best:.2f} s ({best / count * 1e6:.1f} µs per entry); load average "
          f"{os.getloadavg()[0]:.1f}")  # fmt: skip


def compile_sources() -> None:
    """Write the bytecode of sealbox's modules before `sealbox ls` is timed, as an installed
    package has it (pip compiles on install). Without it, with PYTHONDONTWRITEBYTECODE set (as
    in the sessions that ran these benchmarks), every `ls` compiled all of sealbox's modules it
    imports again: about 0.3 s of CPU that no installed client spends."""
    compileall.compile_dir(Path(sealbox.__file__).parent, quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="cProfile one verification")
    parser.add_argument("--offline", action="store_true", help="parse + verify only, no server")
    parser.add_argument(
        "--spy", type=Path, default=None, help="py-spy raw profiles of the server and of ls here"
    )
    args = parser.parse_args()
    if args.offline:
        offline(args.children, args.runs)
        return
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="sealbox-bench-") as tmp:
        directory = Path(tmp)
        stack = Stack(directory)
        try:
            stack.cli("signup", "bench", SEALBOX_KDF_OPSLIMIT="2", SEALBOX_KDF_MEMLIMIT_MIB="64")
            spy = None
            if args.spy:
                args.spy.mkdir(parents=True, exist_ok=True)
                spy = py_spy(["-p", str(stack.server_pid)], args.spy / "server.txt")
            sdk = asyncio.run(sdk_runs(stack, directory, args.children, args.runs, args.profile))
            compile_sources()
            cli = [run_ls(stack, "/wide") for _ in range(args.runs)]
            if spy is not None:
                spy.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
                spy.wait()
                ls = [sys.executable, "-m", "sealbox", "ls", "/wide"]
                py_spy(["--", *ls], args.spy / "ls.txt", stack.env).wait()
        finally:
            stack.stop()
    assert all(lines == args.children for *_, lines in cli), [c[3] for c in cli]
    med = statistics.median
    rows = [
        ("SDK list + verify (`Drive.folder`)", med(sdk["wall"]), med(sdk["cpu"]),
         med(sdk["server"])),
        ("`sealbox ls` (real process, output to a pipe)", med([c[0] for c in cli]),
         med([c[1] for c in cli]), med([c[2] for c in cli])),
    ]  # fmt: skip
    print(
        f"\n{args.children:,} entries, median of {args.runs} runs; load average before: "
        f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f}, after: "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} cores)\n"
    )
    print("| case | wall | client CPU | server CPU | CPU sum (one after the other) |")
    print("|---|---:|---:|---:|---:|")
    for case, wall, cpu, server in rows:
        print(f"| {case} | {wall:.2f} s | {cpu:.2f} s | {server:.2f} s | {cpu + server:.2f} s |")
    print(f"\nthe client's check alone (`ListingCheck`, CPU): {med(sdk['verify']):.2f} s "
          f"({med(sdk['verify']) / args.children * 1e6:.1f} µs per entry)")  # fmt: skip


if __name__ == "__main__":
    main()
