# SPDX-License-Identifier: AGPL-3.0-or-later
"""Sealbox next to its peers, on the same data in the same run (issue "Performance II", item 1).

    scripts/bench --peers            # 1 GiB and 5,000 files of 4 KiB, 3 runs each (~15 minutes)
    scripts/bench --peers --quick    # 64 MiB and 500 files, one run each
    scripts/bench --peers --small    # only the 5,000 files of 4 KiB (with --quick: 500, one run)
    scripts/bench --peers --large    # only the 1 GiB file (with --quick: 64 MiB, one run)

Tools: the `sealbox` CLI against a real `sealbox server` (SQLite + local disk); rclone crypt over
a loopback `rclone serve webdav`; rclone crypt to local disk; restic to a local repository. Each
upload of a peer starts from an empty store. Every row gives the wall-clock rate, the tool's
client CPU seconds per GB (and the server's, where there is one), and sealbox's ratio to it; the
first rows are the raw cipher's CPU s/GB and what moving the bytes alone costs a client
(bench/io_floor.py), the yardsticks for client efficiency. Nothing here is
asserted by the tests.

Every run starts with nothing dirty in the page cache, and the whole system is synced right after
it. The rows "then synced" count that sync in: they compare every tool at the promise sealbox
makes (a put or get is on disk when the command returns), where rclone leaves what it wrote in
the page cache and returns (docs/decisions/2015).

A folder of many files that a run leaves behind (its output, rclone's local store) is moved
aside, not deleted, before the next timed run, and deleted only at the end. On ext4 without a
journal (this project's machine) the kernel avoids reusing an inode freed in the last minute,
scanning past each one on every file it creates: 5,000 files deleted just before a run made the
next tool's 5,000 creates cost 4-6 CPU seconds of kernel time, whichever tool it was
(docs/benchmarks.md, "The full run with clean resets (stop 29)").
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from io_floor import io_floor
from sealbox.testing.postgres import free_port
from suite import MIB, ROWS, Stack, Usage, add, aead_ceiling, median, proc_cpu, write_random_file


def set_aside(path: Path) -> None:
    """Take ``path`` out of the way of the next timed run (``measure`` then syncs, so that no run
    pays for writing back what an earlier one left in the page cache). A folder of many entries
    is moved into a sibling ``set-aside`` folder (deleted with the run's temporary folder); a
    file, or a folder of a few (a large file kept would be written back in the next run's
    filesystem sync), is deleted."""
    if path.is_dir() and len(list(itertools.islice(path.rglob("*"), 100))) == 100:
        aside = path.parent / "set-aside"
        aside.mkdir(exist_ok=True)
        path.rename(aside / f"{path.name}-{time.monotonic_ns()}")
    elif path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


@dataclass
class Figures:
    """Median results of one tool on one case: wall seconds, client and server CPU seconds, and
    wall seconds of the run followed by a sync of what it left in the page cache."""

    seconds: float
    client_cpu: float
    server_cpu: float | None
    synced: float


def run_tool(argv: Sequence[str], env: dict[str, str], server_pid: int | None = None) -> Usage:
    """Run one command to completion; its wall time and CPU (and the server's, in ``peak_rss``'s
    place, when a server process is named)."""
    before = proc_cpu(server_pid) if server_pid else 0.0
    start = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(argv)} failed")
    server = proc_cpu(server_pid) - before if server_pid else 0.0
    return Usage(elapsed, usage.ru_utime + usage.ru_stime, int(server * 1000))


def measure(runs: int, reset: Callable[[], None], run: Callable[[], Usage]) -> Figures:
    """Each run starts with nothing dirty (``reset``, then a sync); the sync after it writes back
    what the tool wrote and did not sync itself, which a durable copy would have to pay (nothing,
    for sealbox: it syncs as it goes)."""
    results, synced = [], []
    for _ in range(runs):
        reset()
        os.sync()
        usage = run()
        start = time.perf_counter()
        os.sync()
        results.append(usage)
        synced.append(usage.seconds + time.perf_counter() - start)
    return Figures(
        median([r.seconds for r in results]),
        median([r.cpu for r in results]),
        median([r.peak_rss / 1000 for r in results]),
        median(synced),
    )


class Rclone:
    """rclone crypt remotes, configured through the environment only: over a loopback
    `rclone serve webdav` and straight to a local folder."""

    def __init__(self, directory: Path) -> None:
        self.dav_root = directory / "rclone-dav-root"
        self.local_root = directory / "rclone-local-root"
        port = free_port()
        secret = subprocess.run(
            ["rclone", "obscure", "benchmark password"], capture_output=True, text=True, check=True
        ).stdout.strip()
        config = directory / "rclone.conf"
        config.write_text("")
        self.env = {
            **os.environ,
            "RCLONE_CONFIG": str(config),
            "RCLONE_CONFIG_DAV_TYPE": "webdav",
            "RCLONE_CONFIG_DAV_URL": f"http://127.0.0.1:{port}",
            "RCLONE_CONFIG_DAV_VENDOR": "other",
            "RCLONE_CONFIG_SDAV_TYPE": "crypt",
            "RCLONE_CONFIG_SDAV_REMOTE": "dav:store",
            "RCLONE_CONFIG_SDAV_PASSWORD": secret,
            "RCLONE_CONFIG_SLOCAL_TYPE": "crypt",
            "RCLONE_CONFIG_SLOCAL_REMOTE": str(self.local_root),
            "RCLONE_CONFIG_SLOCAL_PASSWORD": secret,
        }
        self.dav_root.mkdir()
        self.server = subprocess.Popen(
            ["rclone", "serve", "webdav", str(self.dav_root), "--addr", f"127.0.0.1:{port}"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(1.0)

    def empty(self, remote: str) -> None:
        if remote == "sdav":
            # Through the WebDAV server, whose directory cache would otherwise go on describing
            # the files removed behind its back (a get then fails: "file is too short").
            subprocess.run(["rclone", "purge", "dav:store"], env=self.env, capture_output=True,
                           check=False)  # fmt: skip
            return
        set_aside(self.local_root)
        self.local_root.mkdir()

    def copy(self, source: str, target: str, remote: str) -> Usage:
        pid = self.server.pid if remote == "sdav" else None
        return run_tool(["rclone", "copyto", source, target], self.env, pid)

    def stop(self) -> None:
        self.server.terminate()
        self.server.wait()


class Restic:
    """restic to a local repository, a fresh one for every backup."""

    def __init__(self, directory: Path) -> None:
        self.repo = directory / "restic-repo"
        self.env = {**os.environ, "RESTIC_PASSWORD": "benchmark password", "RESTIC_CACHE_DIR": str(
            directory / "restic-cache")}  # fmt: skip

    def fresh(self) -> None:
        shutil.rmtree(self.repo, ignore_errors=True)
        subprocess.run(["restic", "-q", "-r", str(self.repo), "init"], env=self.env,
                       check=True, stdout=subprocess.DEVNULL)  # fmt: skip

    def backup(self, path: Path) -> Usage:
        return run_tool(["restic", "-q", "-r", str(self.repo), "backup", str(path)], self.env)

    def restore(self, target: Path) -> Usage:
        argv = ["restic", "-q", "-r", str(self.repo), "restore", "latest", "--target", str(target)]
        return run_tool(argv, self.env)


def sealbox_case(stack: Stack, source: Path, out: Path, remote: str, runs: int) -> list[Figures]:
    def remove() -> None:
        subprocess.run([sys.executable, "-m", "sealbox", "-q", "rm", "--permanent", remote],
                       env=stack.env, stdin=subprocess.DEVNULL, capture_output=True)  # fmt: skip

    def cli(*args: str) -> Usage:
        client, server = stack.cli(*args)
        return Usage(client.seconds, client.cpu, int(server.cpu * 1000))

    def clear_out() -> None:
        set_aside(out)

    put = measure(runs, remove, lambda: cli("put", str(source), remote))
    get = measure(runs, clear_out, lambda: cli("get", remote, str(out)))
    return [put, get]


def peer_cases(
    rclone: Rclone, restic: Restic, source: Path, out: Path, runs: int
) -> dict[str, list[Figures]]:
    def clear_out() -> None:
        set_aside(out)

    found: dict[str, list[Figures]] = {}
    for remote, label in (("sdav", "rclone crypt → loopback WebDAV"),
                          ("slocal", "rclone crypt → local disk")):  # fmt: skip
        target = f"{remote}:{source.name}"
        put = measure(runs, lambda r=remote: rclone.empty(r),
                      lambda t=target, r=remote: rclone.copy(str(source), t, r))  # fmt: skip
        get = measure(runs, clear_out, lambda t=target, r=remote: rclone.copy(t, str(out), r))
        found[label] = [put, get]
    put = measure(runs, restic.fresh, lambda: restic.backup(source))
    get = measure(runs, clear_out, lambda: restic.restore(out))
    found["restic → local repository"] = [put, get]
    return found


def report(case: str, units: float, unit: str, ours: list[Figures],
           peers: dict[str, list[Figures]]) -> None:  # fmt: skip
    for i, direction in enumerate(("put", "get")):
        mine = ours[i]
        rate = units / mine.seconds
        add(f"{direction} {case}: sealbox", f"{rate:,.0f} {unit}", notes=_cpu(mine, units, unit))
        for label, figures in peers.items():
            theirs = units / figures[i].seconds
            ratio = f"sealbox {rate / theirs:.2f}×"
            notes = _cpu(figures[i], units, unit)
            add(f"{direction} {case}: {label}", f"{theirs:,.0f} {unit}", ratio=ratio, notes=notes)
        # The same runs, each with the sync a durable copy needs counted in (decision 2015).
        durable = units / mine.synced
        add(f"{direction} {case}, then synced: sealbox", f"{durable:,.0f} {unit}")
        for label, figures in peers.items():
            theirs = units / figures[i].synced
            ratio = f"sealbox {durable / theirs:.2f}×"
            add(f"{direction} {case}, then synced: {label}", f"{theirs:,.0f} {unit}", ratio=ratio)


def _cpu(figures: Figures, units: float, unit: str) -> str:
    if unit != "MB/s":
        # Per file, for the small-file case: what a file costs the client and the server,
        # together the figure to set against a local-disk tool's (issue 20, small files).
        text = f"CPU ms/file client {figures.client_cpu * 1e3 / units:.3f}"
        if figures.server_cpu:
            text += f", server {figures.server_cpu * 1e3 / units:.3f}"
        return text
    gb = units / 1e3
    text = f"CPU s/GB client {figures.client_cpu / gb:.2f}"
    if figures.server_cpu:
        text += f", server {figures.server_cpu / gb:.2f}"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one run each")
    parser.add_argument("--small", action="store_true", help="only the case of small files")
    parser.add_argument("--large", action="store_true", help="only the case of one large file")
    args = parser.parse_args()
    runs = 1 if args.quick else 3
    size = (64 if args.quick else 1024) * MIB
    count = 500 if args.quick else 5_000
    for tool in ("rclone", "restic"):
        if shutil.which(tool) is None:
            sys.exit(f"error: {tool} is missing (Debian: apt-get install {tool})")
    with tempfile.TemporaryDirectory(prefix="sealbox-peers-") as tmp:
        directory = Path(tmp)
        enc, dec = aead_ceiling(256 * MIB)
        add("raw AES-256-GCM (pyca), CPU s/GB seal / open", f"{1e3 / enc:.2f} / {1e3 / dec:.2f}")
        big = directory / "big.bin"
        if not args.small:
            write_random_file(big, size)
            floor_put, floor_get = io_floor(big, directory, runs)
            add(
                "bytes alone (read + loopback send / receive + write + fsync), CPU s/GB",
                f"{floor_put:.2f} / {floor_get:.2f}",
                notes="kernel work any client pays: bench/io_floor.py",
            )
            add(
                "floor: raw cipher + bytes alone, CPU s/GB put / get",
                f"{1e3 / enc + floor_put:.2f} / {1e3 / dec + floor_get:.2f}",
            )
        small = directory / "small"
        small.mkdir()
        block = os.urandom(4096)
        for i in range(0 if args.large else count):
            (small / f"f{i:05}.bin").write_bytes(i.to_bytes(4, "big") + block[4:])
        stack, rclone, restic = Stack(directory), Rclone(directory), Restic(directory)
        try:
            stack.cli("signup", "bench", SEALBOX_KDF_OPSLIMIT="2", SEALBOX_KDF_MEMLIMIT_MIB="64")
            cases = [] if args.small else [(big, f"{size // MIB} MiB", size / 1e6, "MB/s")]
            if not args.large:
                cases.append((small, f"{count:,} files of 4 KiB", count, "files/s"))
            for source, case, units, unit in cases:
                out = directory / f"out-{source.name}"
                ours = sealbox_case(stack, source, out, f"/{source.name}", runs)
                peers = peer_cases(rclone, restic, source, out, runs)
                report(case, units, unit, ours, peers)
        finally:
            stack.stop()
            rclone.stop()
    print(f"\nPeers, {platform_line()}\n")
    print("| Case | Value | Ratio | Notes |\n|---|---:|---:|---|")
    for row in ROWS:
        print(f"| {row.case} | {row.value} | {row.ratio} | {row.notes} |")


def platform_line() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    python = sys.version.split()[0]
    return f"{os.cpu_count()} cores, Python {python}, load average at the end: {load}"


if __name__ == "__main__":
    main()
