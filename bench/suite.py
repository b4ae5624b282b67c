# SPDX-License-Identifier: AGPL-3.0-or-later
"""Sealbox's benchmark suite: one table, every figure next to a ceiling measured in the same run.

    scripts/bench            # full sizes (about 15 minutes on 2 cores)
    scripts/bench --quick    # small sizes, to check the suite itself works

Ceilings: raw libsodium AEAD, disk write + fsync, and loopback HTTP up and down through the same
server stack with no crypto and no database (bench/bare_http.py). Measured: the real `sealbox` CLI
against a real `sealbox server` process (SQLite + local disk): 1 GiB put and get, a public link
download of the 1 GiB file with no account, 10,000 files of 4 KiB, listing a folder of 100,000
entries, login, and 50 concurrent 100 MiB uploads. Each case runs several times and the median is
reported. Nothing here is asserted by the tests.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import msgspec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sealbox.testing.postgres import free_port
from sealbox.testing.server_process import ServerProcess

HERE = Path(__file__).resolve().parent
MIB = 1024 * 1024


@dataclass
class Row:
    case: str
    value: str
    ceiling: str = ""
    ratio: str = ""
    notes: str = ""


ROWS: list[Row] = []


def add(case: str, value: str, ceiling: str = "", ratio: str = "", notes: str = "") -> None:
    ROWS.append(Row(case, value, ceiling, ratio, notes))
    print(f"  {case}: {value} {ratio} {notes}", file=sys.stderr, flush=True)


def median(values: list[float]) -> float:
    return statistics.median(values)


# Ceilings -----------------------------------------------------------------------------------


def aead_ceiling(size: int) -> tuple[float, float]:
    """The content cipher alone (AES-256-GCM through pyca, as crypto/_aesgcm.py calls it) on
    4 MiB chunks: the ceiling for client-side sealing and opening."""
    chunk = 4 * MIB
    data = os.urandom(chunk)
    aead, nonce, ad = AESGCM(os.urandom(32)), os.urandom(12), os.urandom(32)
    rounds = size // chunk
    start = time.perf_counter()
    for _ in range(rounds):
        sealed = aead.encrypt(nonce, data, ad)
    enc = size / (time.perf_counter() - start) / 1e6
    start = time.perf_counter()
    for _ in range(rounds):
        aead.decrypt(nonce, sealed, ad)
    dec = size / (time.perf_counter() - start) / 1e6
    return enc, dec


def disk_ceiling(directory: Path, size: int) -> float:
    block = os.urandom(4 * MIB)
    path = directory / "disk-ceiling.bin"
    start = time.perf_counter()
    with path.open("wb") as f:
        for _ in range(size // len(block)):
            f.write(block)
        os.fsync(f.fileno())
    rate = size / (time.perf_counter() - start) / 1e6
    path.unlink()
    return rate


def http_ceiling(directory: Path, size: int, runs: int) -> tuple[float, float]:
    port = free_port()
    blobs = directory / "bare"
    blobs.mkdir()
    process = subprocess.Popen([sys.executable, str(HERE / "bare_http.py"), str(port), str(blobs)])
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_http(f"{url}/health")
        block = os.urandom(4 * MIB)

        def body() -> Iterator[bytes]:
            for _ in range(size // len(block)):
                yield block

        ups, downs = [], []
        with httpx.Client(timeout=300) as client:
            for _ in range(runs):
                start = time.perf_counter()
                client.put(f"{url}/blob/x", content=body()).raise_for_status()
                ups.append(size / (time.perf_counter() - start) / 1e6)
                start = time.perf_counter()
                with client.stream("GET", f"{url}/blob/x") as response:
                    got = sum(len(p) for p in response.iter_bytes(1024 * 1024))
                assert got == size
                downs.append(size / (time.perf_counter() - start) / 1e6)
        return median(ups), median(downs)
    finally:
        process.terminate()
        process.wait()


def _wait_http(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


# The real CLI against a real server ---------------------------------------------------------


@dataclass
class Usage:
    seconds: float
    cpu: float
    peak_rss: int


def renamed(metadata: Any, name: str) -> Any:
    """``metadata`` under another name. It is a msgspec struct since decision 2010 and a
    dataclass in older trees, which the benchmarks still run with PYTHONPATH to compare."""
    if dataclasses.is_dataclass(metadata):
        return dataclasses.replace(metadata, name=name)  # type: ignore[type-var]
    return msgspec.structs.replace(metadata, name=name)


def proc_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def reset_peak_rss(pid: int) -> None:
    # Writing 5 to clear_refs resets VmHWM (Linux); without permission the peak stays cumulative.
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        pass


class Stack:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.server = ServerProcess(directory / "server")
        self.server.start()
        self.home = directory / "home"
        self.env = {
            **os.environ,
            "SEALBOX_SERVER": self.server.url,
            "SEALBOX_HOME": str(self.home),
            "SEALBOX_PASSWORD": "benchmark password",
        }

    @property
    def server_pid(self) -> int:
        assert self.server.process is not None
        return self.server.process.pid

    def cli(self, *args: str, terminal: bool = False, **env: str) -> tuple[Usage, Usage]:
        """Run the CLI; return (client usage, server usage) for the run. With ``terminal``, its
        standard error is a pseudo-terminal and progress is drawn (otherwise ``-q``)."""
        reset_peak_rss(self.server_pid)
        server_cpu = proc_cpu(self.server_pid)
        start = time.perf_counter()
        master, slave = os.openpty() if terminal else (-1, -1)
        process = subprocess.Popen(
            [sys.executable, "-m", "sealbox", *([] if terminal else ["-q"]), *args],
            env={**self.env, "TERM": "xterm-256color", **env},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=slave if terminal else None,
        )
        if terminal:
            os.close(slave)
            drain = threading.Thread(target=_drain, args=(master,), daemon=True)
            drain.start()
        _, status, usage = os.wait4(process.pid, 0)
        if terminal:
            drain.join()
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise RuntimeError(f"sealbox {' '.join(args)} exited {process.returncode}")
        client = Usage(elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024)
        server = Usage(
            elapsed, proc_cpu(self.server_pid) - server_cpu, proc_peak_rss(self.server_pid)
        )
        return client, server

    def stop(self) -> None:
        self.server.stop()


def _drain(fd: int) -> None:
    """Read a pseudo-terminal until its other end closes, as a terminal would."""
    try:
        while os.read(fd, 65536):
            pass
    except OSError:  # EIO once the child has gone
        pass
    finally:
        os.close(fd)


def timed_runs(
    runs: int, before: Callable[[], None], run: Callable[[], tuple[Usage, Usage]]
) -> list[tuple[Usage, Usage]]:
    results = []
    for _ in range(runs):
        before()
        results.append(run())
    return results


def write_random_file(path: Path, size: int) -> None:
    block = os.urandom(MIB)
    with path.open("wb") as f:
        for i in range(size // MIB):
            f.write(i.to_bytes(8, "big") + block[8:])


def big_file_cases(
    stack: Stack, directory: Path, size: int, runs: int, up: float, down: float
) -> None:
    source = directory / "big.bin"
    write_random_file(source, size)
    out = directory / "big-out.bin"
    puts = timed_runs(
        runs,
        lambda: stack.cli("rm", "--permanent", "/big.bin") if _exists(stack, "/big.bin") else None,
        lambda: stack.cli("put", str(source), "/big.bin"),
    )
    gets = timed_runs(
        runs, lambda: out.unlink(missing_ok=True), lambda: stack.cli("get", "/big.bin", str(out))
    )
    # A visitor with the public link: no account and no session, a home of its own.
    link = _export(stack, "/big.bin")
    visitor = str(directory / "visitor")
    links = timed_runs(
        runs,
        lambda: out.unlink(missing_ok=True),
        lambda: stack.cli("get", link, str(out), SEALBOX_HOME=visitor),
    )
    label = f"{size // MIB} MiB"
    cases = (("put", puts, up), ("get", gets, down), ("public link get", links, down))
    for name, results, ceiling in cases:
        seconds = median([c.seconds for c, _ in results])
        rate = size / seconds / 1e6
        client_cpu = median([c.cpu for c, _ in results]) / (size / 1e9)
        server_cpu = median([s.cpu for _, s in results]) / (size / 1e9)
        add(
            f"{name} {label} (CLI)",
            f"{rate:.0f} MB/s",
            f"{ceiling:.0f} MB/s HTTP {'up' if name == 'put' else 'down'}",
            f"{rate / ceiling:.0%}",
            f"CPU s/GB client {client_cpu:.2f}, server {server_cpu:.2f}; peak RSS client "
            f"{max(c.peak_rss for c, _ in results) / MIB:.0f} MiB, server "
            f"{max(s.peak_rss for _, s in results) / MIB:.0f} MiB",
        )
    source.unlink()
    out.unlink(missing_ok=True)


def _export(stack: Stack, path: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "sealbox", "-q", "export", path],
        env=stack.env, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return result.stdout.strip()


def _exists(stack: Stack, path: str) -> bool:
    result = subprocess.run(
        [sys.executable, "-m", "sealbox", "-q", "ls", path],
        env=stack.env, stdin=subprocess.DEVNULL, capture_output=True, check=False,
    )  # fmt: skip
    return result.returncode == 0


def small_file_cases(stack: Stack, directory: Path, count: int, runs: int) -> None:
    source = directory / "small"
    source.mkdir()
    block = os.urandom(4096)
    for i in range(count):
        (source / f"f{i:05}.bin").write_bytes(i.to_bytes(4, "big") + block[4:])
    out = directory / "small-out"
    puts = timed_runs(
        runs,
        lambda: stack.cli("rm", "--permanent", "/small") if _exists(stack, "/small") else None,
        lambda: stack.cli("put", str(source), "/small"),
    )
    gets = timed_runs(
        runs,
        lambda: shutil.rmtree(out, ignore_errors=True),
        lambda: stack.cli("get", "/small", str(out)),
    )
    bars = timed_runs(
        runs,
        lambda: shutil.rmtree(out, ignore_errors=True),
        lambda: stack.cli("get", "/small", str(out), terminal=True),
    )
    unchanged_reput_case(stack, source, count, runs)
    for name, results in (("put", puts), ("get", gets)):
        seconds = median([c.seconds for c, _ in results])
        add(f"{name} {count:,} files of 4 KiB (CLI)", f"{count / seconds:.0f} files/s",
            notes=f"{seconds:.1f} s incl. process start")  # fmt: skip
    quiet = median([c.cpu for c, _ in gets])
    drawn = median([c.cpu for c, _ in bars])
    add(f"get {count:,} files of 4 KiB with progress on a terminal: client CPU",
        f"{drawn:.1f} s", f"{quiet:.1f} s with -q", f"{drawn / quiet - 1:+.0%}",
        "the rendering cost (issue 14: under 5 %)")  # fmt: skip


def _writes_seen(stack: Stack) -> float:
    """Requests that could carry content or change anything (POST, PUT, DELETE), as the
    server's metrics count them, and chunk bytes it stored."""
    text = httpx.get(f"{stack.server.url}/metrics", timeout=30).text
    total = 0.0
    for line in text.splitlines():
        if line.startswith("sealbox_http_requests_total{") and re.search(
            r'method="(POST|PUT|DELETE)"', line
        ):
            total += float(line.rsplit(" ", 1)[1])
        if line.startswith("sealbox_chunk_bytes_received_total "):
            total += float(line.rsplit(" ", 1)[1])
    return total


def unchanged_reput_case(stack: Stack, source: Path, count: int, runs: int) -> None:
    """A re-put of the unchanged tree just put (issue 14: sends no content and takes under
    3 s for 10,000 files): the files' sizes and times match their sealed metadata, so nothing is
    sealed, sent or committed. The server's metrics show no write at all."""
    before = _writes_seen(stack)
    results = timed_runs(runs, lambda: None, lambda: stack.cli("put", str(source), "/small"))
    writes = _writes_seen(stack) - before
    seconds = median([c.seconds for c, _ in results])
    add(f"re-put of {count:,} unchanged files (CLI)", f"{seconds:.2f} s",
        notes=f"incl. process start; {writes:.0f} writing requests or chunk bytes "
        "(issue 14: none, under 3 s)")  # fmt: skip


def listing_case(stack: Stack, count: int, runs: int) -> None:
    """Create ``count`` files in one folder through the SDK (copies of one content, so only
    records and manifests are made), then time listing it: SDK (list, verify, decrypt) and CLI."""
    code = f"""
import asyncio, time, httpx, sys
from sealbox.client.sdk import account
from sealbox.client.sdk.api import Api
from sealbox.client.sdk.state import LocalState
from sealbox.client.sdk import Change, Drive
from sealbox.client.sdk.transfers import seal_small
from pathlib import Path
sys.path.insert(0, {str(HERE)!r})
from suite import renamed

async def main():
    async with httpx.AsyncClient(base_url={stack.server.url!r}, timeout=600) as http:
        state = LocalState(Path({str(stack.home)!r}))
        drive = Drive(await account.resume(Api(http), state))
        await drive.mkdir("/wide")
        folder = await drive.folder_at("/wide")
        sample = Path({str(stack.directory / "sample.txt")!r})
        sample.write_bytes(b"x" * 100)
        sealed = seal_small(sample, "sample.txt")
        change = Change()
        drive.add_file(change, folder, sealed.metadata, sealed.file_key, inline=sealed.inline)
        folder = (await drive.commit(change))[folder.folder_id]
        made = 1
        while made < {count}:
            change = Change()
            for _ in range(min(5000, {count} - made)):
                meta = renamed(sealed.metadata, f"file{{made:06}}.txt")
                drive.add_file(change, folder, meta, sealed.file_key)
                made += 1
            folder = (await drive.commit(change))[folder.folder_id]
        timings = []
        for _ in range({runs}):
            start = time.perf_counter()
            listed = await drive.folder(folder.folder_id, folder.key)
            timings.append(time.perf_counter() - start)
            assert len(listed.children) == {count}, len(listed.children)
        print(sorted(timings)[len(timings) // 2])

asyncio.run(main())
"""
    result = subprocess.run(
        [sys.executable, "-c", code], env=stack.env, capture_output=True, text=True, check=True
    )
    sdk_seconds = float(result.stdout.strip().splitlines()[-1])
    clis = [stack.cli("ls", "/wide")[0].seconds for _ in range(runs)]
    add(f"list {count:,}-entry folder, verified and decrypted (SDK)", f"{sdk_seconds:.2f} s")
    add(f"`sealbox ls` of the {count:,}-entry folder", f"{median(clis):.2f} s",
        notes="whole command, including process start")  # fmt: skip


def login_case(stack: Stack, runs: int) -> None:
    env = {"SEALBOX_HOME": str(stack.directory / "login-home")}
    stack.cli("signup", "login-user", **env)  # default KDF: 3 passes, 256 MiB
    times = [stack.cli("login", "login-user", **env)[0].seconds for _ in range(runs)]
    add("login (Argon2id 3 passes, 256 MiB, CLI)", f"{median(times):.2f} s",
        notes="whole command, including process start")  # fmt: skip


def concurrent_uploads_case(uploads: int, size_mib: int) -> None:
    result = subprocess.run(
        [sys.executable, str(HERE / "server_uploads.py"), "--uploads", str(uploads),
         "--size-mib", str(size_mib)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    lines = result.stdout.splitlines()
    rss = next(line for line in lines if line.startswith("server RSS"))
    rate = next(line for line in lines if line.startswith("time"))
    add(f"{uploads} concurrent uploads of {size_mib} MiB (HTTP API)", rate.split(", ")[-1],
        notes=rss)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one run each")
    args = parser.parse_args()
    runs = 1 if args.quick else 3
    big = (64 if args.quick else 1024) * MIB
    small = 500 if args.quick else 10_000
    wide = 2_000 if args.quick else 100_000
    with tempfile.TemporaryDirectory(prefix="sealbox-bench-") as tmp:
        directory = Path(tmp)
        print("ceilings...", file=sys.stderr)
        enc, dec = aead_ceiling(256 * MIB)
        add("raw AES-256-GCM (pyca) encrypt / decrypt", f"{enc:.0f} / {dec:.0f} MB/s")
        disk = disk_ceiling(directory, big)
        add("disk write + fsync", f"{disk:.0f} MB/s")
        up, down = http_ceiling(directory, big, runs)
        add("loopback HTTP, same server stack, no crypto or database: up / down",
            f"{up:.0f} / {down:.0f} MB/s")  # fmt: skip
        stack = Stack(directory)
        try:
            stack.cli("signup", "bench", SEALBOX_KDF_OPSLIMIT="2", SEALBOX_KDF_MEMLIMIT_MIB="64")
            print("large file...", file=sys.stderr)
            big_file_cases(stack, directory, big, runs, up, down)
            print("small files...", file=sys.stderr)
            small_file_cases(stack, directory, small, runs)
            print("wide folder...", file=sys.stderr)
            listing_case(stack, wide, runs)
            login_case(stack, runs)
        finally:
            stack.stop()
    print("concurrent uploads...", file=sys.stderr)
    concurrent_uploads_case(5 if args.quick else 50, 16 if args.quick else 100)
    sizes = "quick" if args.quick else "full"
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"\nmachine: {machine}, {sizes} sizes, median of {runs} run(s)\n")
    print("| case | measured | ceiling (same run) | ratio | notes |")
    print("|---|---:|---:|---:|---|")
    for row in ROWS:
        print(f"| {row.case} | {row.value} | {row.ceiling} | {row.ratio} | {row.notes} |")


if __name__ == "__main__":
    main()
