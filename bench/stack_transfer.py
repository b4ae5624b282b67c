# SPDX-License-Identifier: AGPL-3.0-or-later
"""Benchmark: put and get of one large file through the real CLI, on both deployment stacks.

* embedded: ``sealbox server`` with SQLite and the filesystem blob store under --data;
* scale-out: ``sealbox server`` with a throw-away PostgreSQL cluster and a throw-away Ceph
  cluster (radosgw S3, OSD in RAM) started by this script;
* direct: the scale-out stack with direct transfers on (``public_endpoint``: the client moves
  chunks to and from radosgw itself, spec/http-api.md §6.6).

The API server's CPU seconds (user + system, from /proc) during each put and get are reported per
GB moved: the figure of issue 20's acceptance for direct transfers.

Each stack gets a fresh server; the CLI signs up, then ``sealbox put`` and ``sealbox get`` are
timed end to end (client encryption and decryption included) and the file is checked.

    .venv/bin/python bench/stack_transfer.py --size-mib 1024 --stack both
    .venv/bin/python bench/stack_transfer.py --size-mib 1024 --stack direct

Results go to docs/benchmarks.md ("Scale-out stack"). Nothing here is asserted by the test suite.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
from botocore.config import Config

from sealbox.testing import ceph
from sealbox.testing.postgres import PostgresCluster, find_pg_bin
from sealbox.testing.server_process import ServerProcess

MIB = 1024 * 1024


@dataclass
class Result:
    stack: str
    size_mib: int
    put_seconds: float
    get_seconds: float
    server_peak_rss_mib: float
    put_server_cpu: float = 0.0
    get_server_cpu: float = 0.0


def cpu_seconds(server: ServerProcess) -> float:
    """User + system CPU of the server process so far."""
    if server.process is None:
        raise SystemExit("the server is not running")
    fields = Path(f"/proc/{server.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def write_file(path: Path, size_mib: int) -> str:
    digest = hashlib.sha256()
    block = os.urandom(MIB)
    with path.open("wb") as f:
        for i in range(size_mib):
            piece = i.to_bytes(8, "big") + block[8:]  # every MiB differs
            digest.update(piece)
            f.write(piece)
    return digest.hexdigest()


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while piece := f.read(8 * MIB):
            digest.update(piece)
    return digest.hexdigest()


def cli(server: ServerProcess, home: Path, *args: str) -> None:
    env = {
        **os.environ,
        "SEALBOX_SERVER": server.url,
        "SEALBOX_HOME": str(home),
        "SEALBOX_PASSWORD": "a long benchmark password",
    }
    subprocess.run(
        [sys.executable, "-m", "sealbox", "--quiet", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        # signup prints the recovery key: not for the benchmark's table.
        stdout=subprocess.DEVNULL,
        check=True,
    )


def measure(stack: str, server: ServerProcess, work: Path, size_mib: int, repeat: int) -> Result:
    source = work / "big.bin"
    expected = write_file(source, size_mib)
    home = work / "home"
    cli(server, home, "signup", "bench")
    # A first small file warms the server (its S3 client is made on first use, which costs about
    # 0.7 CPU s once), so that the CPU figures are per GB moved, not per process start.
    warm = work / "warm.bin"
    write_file(warm, 2)
    cli(server, home, "put", str(warm), "/warm.bin")
    cli(server, home, "get", "/warm.bin", str(work / "warm-again.bin"))
    peak = server.rss_bytes()
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            with contextlib.suppress(OSError, AssertionError):
                peak = max(peak, server.rss_bytes())
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    put_seconds = get_seconds = put_cpu = get_cpu = 0.0
    try:
        for round_ in range(repeat):
            if round_:
                expected = write_file(source, size_mib)
            began, cpu = time.perf_counter(), cpu_seconds(server)
            cli(server, home, "put", str(source), f"/big-{round_}.bin")
            put_seconds += (time.perf_counter() - began) / repeat
            put_cpu += (cpu_seconds(server) - cpu) / repeat
            source.unlink()
            out = work / "big-again.bin"
            began, cpu = time.perf_counter(), cpu_seconds(server)
            cli(server, home, "get", f"/big-{round_}.bin", str(out))
            get_seconds += (time.perf_counter() - began) / repeat
            get_cpu += (cpu_seconds(server) - cpu) / repeat
            if file_digest(out) != expected:
                raise SystemExit(f"{stack}: the file came back different")
            out.unlink()
    finally:
        done.set()
        sampler.join()
    return Result(stack, size_mib, put_seconds, get_seconds, peak / MIB, put_cpu, get_cpu)


@contextlib.contextmanager
def embedded(work: Path) -> Iterator[ServerProcess]:
    server = ServerProcess(work / "data")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def scale_out(work: Path, size_mib: int, direct: bool = False) -> Iterator[ServerProcess]:
    pg_bin = find_pg_bin()
    if pg_bin is None:
        raise SystemExit("no PostgreSQL binaries: run scripts/system-deps")
    ceph.ensure_installed()
    postgres = PostgresCluster(pg_bin)
    postgres.start()
    # The test OSD keeps objects in RAM: room for the file plus slack.
    os.environ.setdefault("MEMSTORE_BYTES", str((size_mib + 1024) * MIB))
    cluster = ceph.start_cluster(work / "ceph")
    try:
        boto3.client(
            "s3",
            endpoint_url=cluster.endpoint,
            aws_access_key_id=cluster.access_key,
            aws_secret_access_key=cluster.secret_key,
            region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"}),
        ).create_bucket(Bucket="sealbox-bench")
        server = ServerProcess(
            work / "data",
            postgres.create_database("sealbox_bench"),
            "--blobs",
            f"s3://sealbox-bench?endpoint={cluster.endpoint}"
            + (f"&public_endpoint={cluster.endpoint}" if direct else ""),
            env={
                "SEALBOX_S3_ACCESS_KEY_ID": cluster.access_key,
                "SEALBOX_S3_SECRET_ACCESS_KEY": cluster.secret_key,
            },
        )
        server.start(timeout=60)
        try:
            yield server
        finally:
            server.stop()
    finally:
        cluster.stop()
        postgres.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument(
        "--stack", choices=["embedded", "scale-out", "direct", "both"], default="both"
    )
    parser.add_argument(
        "--repeat", type=int, default=1,
        help="put and get the file this many times on one stack; figures are the means (the "
        "server's CPU is read in 10 ms ticks, so a few repeats are needed to resolve a few ms)",
    )  # fmt: skip
    args = parser.parse_args()
    results: list[Result] = []
    stacks = ["embedded", "scale-out"] if args.stack == "both" else [args.stack]
    for stack in stacks:
        with tempfile.TemporaryDirectory(prefix="sealbox-bench-") as tmp:
            work = Path(tmp)
            context = (
                embedded(work)
                if stack == "embedded"
                else scale_out(work, args.size_mib * args.repeat, direct=stack == "direct")
            )
            with context as server:
                results.append(measure(stack, server, work, args.size_mib, args.repeat))
    print(f"{'stack':<12} {'size':>9} {'put s':>8} {'put MiB/s':>10} {'get s':>8} "
          f"{'get MiB/s':>10} {'server RSS':>11} {'srv CPU s/GB put':>17} {'get':>6}")  # fmt: skip
    for r in results:
        gb = r.size_mib * MIB / 1e9
        print(
            f"{r.stack:<12} {r.size_mib:>5} MiB {r.put_seconds:>8.1f} "
            f"{r.size_mib / r.put_seconds:>10.1f} {r.get_seconds:>8.1f} "
            f"{r.size_mib / r.get_seconds:>10.1f} {r.server_peak_rss_mib:>7.0f} MiB "
            f"{r.put_server_cpu / gb:>17.3f} {r.get_server_cpu / gb:>6.3f}"
        )


if __name__ == "__main__":
    main()
