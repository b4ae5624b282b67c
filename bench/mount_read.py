# SPDX-License-Identifier: AGPL-3.0-or-later
"""Reading through `sealbox mount` against `sealbox get` on the same file, in the same run
(issue 19: the mount reads at least 50 % of get's throughput, with memory bounded).

    .venv/bin/python bench/mount_read.py --size-mib 1024

A real server (SQLite + disk), a real mount process; the file is read once with `get` and once
with `cat` through the mount (the page cache is bypassed by FUSE's direct reads of a file not
cached by the kernel, and the mount decrypts every chunk it serves). The mount's peak RSS is
sampled from /proc. Nothing here is asserted by the tests.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from sealbox.testing.server_process import ServerProcess

MIB = 1024 * 1024


def sealbox(env: dict[str, str], *args: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sealbox", "-q", *args], env=env, check=True,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)  # fmt: skip
    return time.perf_counter() - start


def peak_rss(pid: int, stop: threading.Event, found: list[int]) -> None:
    while not stop.is_set():
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    found.append(int(line.split()[1]) * 1024)
        except OSError:
            return
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sealbox-mount-bench-") as tmp:
        base = Path(tmp)
        server = ServerProcess(base / "server")
        server.start()
        env = {**os.environ, "SEALBOX_SERVER": server.url, "SEALBOX_HOME": str(base / "home"),
               "SEALBOX_PASSWORD": "benchmark password", "SEALBOX_KDF_OPSLIMIT": "2",
               "SEALBOX_KDF_MEMLIMIT_MIB": "64"}  # fmt: skip
        try:
            sealbox(env, "signup", "bench")
            source = base / "big.bin"
            with source.open("wb") as out:
                block = os.urandom(MIB)
                for i in range(args.size_mib):
                    out.write(i.to_bytes(8, "big") + block[8:])
            sealbox(env, "put", str(source), "/big.bin")
            source.unlink()
            got = sealbox(env, "get", "/big.bin", str(base / "got.bin"))
            (base / "got.bin").unlink()
            mounted, rss = read_through_mount(env, base / "mnt")
        finally:
            server.stop()
    size = args.size_mib * MIB
    print(f"file: {args.size_mib} MiB")
    print(f"sealbox get: {size / got / 1e6:.0f} MB/s ({got:.1f} s)")
    print(f"cat through sealbox mount: {size / mounted / 1e6:.0f} MB/s ({mounted:.1f} s), "
          f"{got / mounted:.0%} of get")  # fmt: skip
    print(f"mount process peak RSS while reading: {max(rss) / MIB:.0f} MiB")


def read_through_mount(env: dict[str, str], where: Path) -> tuple[float, list[int]]:
    where.mkdir()
    command = [sys.executable, "-m", "sealbox", "mount", "/", str(where)]
    quiet = subprocess.DEVNULL
    process = subprocess.Popen(command, env=env, stdin=quiet, stdout=quiet)
    try:
        while not os.path.ismount(where):
            if process.poll() is not None:
                raise SystemExit("the mount did not start")
            time.sleep(0.1)
        stop, rss = threading.Event(), []
        sampler = threading.Thread(target=peak_rss, args=(process.pid, stop, rss), daemon=True)
        sampler.start()
        start = time.perf_counter()
        with (where / "big.bin").open("rb") as source:
            while source.read(4 * MIB):
                pass
        elapsed = time.perf_counter() - start
        stop.set()
        sampler.join()
        return elapsed, rss
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


if __name__ == "__main__":
    main()
