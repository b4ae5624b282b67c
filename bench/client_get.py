# SPDX-License-Identifier: AGPL-3.0-or-later
"""A large `sealbox get` by client source trees in turns, against one server (decision 2012).

    .venv/bin/python bench/client_get.py --tree now=src --tree before=/tmp/base/src [--rounds 3]
        [--size-mib 1024] [--server-disk]

Starts a real ``sealbox server`` (SQLite + local disk), puts one file of random bytes, then gets
it with each tree's CLI in turns (``PYTHONPATH``), each get into a new file. The server's chunks
stay in its page cache after the first get, as in the peer bench's later runs; with
``--server-disk`` they are dropped from it before every get, so the server reads them from disk.
Prints MB/s (wall time of the whole command, start-up included) and both processes' CPU.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from profile_transfer import Bench, proc_cpu, write_file

MIB = 1024 * 1024


def drop_from_cache(directory: Path) -> None:
    for path in directory.rglob("*"):
        if path.is_file() and path.stat().st_size > MIB:
            fd = os.open(path, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", action="append", required=True, help="LABEL=SRC_DIR")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--server-disk", action="store_true")
    args = parser.parse_args()
    trees = [tree.partition("=")[::2] for tree in args.tree]
    size = args.size_mib * MIB
    with tempfile.TemporaryDirectory(prefix="sealbox-bench-get-", dir="/var/tmp") as tmp:
        work = Path(tmp)
        bench = Bench(work)
        try:
            kdf = {"SEALBOX_KDF_OPSLIMIT": "2", "SEALBOX_KDF_MEMLIMIT_MIB": "64"}
            bench.cli("signup", "bench", env=kdf)
            source = work / "big.bin"
            write_file(source, args.size_mib)
            bench.cli("put", str(source), "/big.bin")
            source.unlink()
            out = work / "out.bin"
            for _ in range(args.rounds):
                for label, src in trees:
                    out.unlink(missing_ok=True)
                    os.sync()
                    if args.server_disk:
                        drop_from_cache(work / "server")
                    env = {**bench.env, "PYTHONPATH": str(Path(src).resolve())}
                    command = [sys.executable, "-m", "sealbox", "-q", "get", "/big.bin", str(out)]
                    server = proc_cpu(bench.server_pid)
                    start = time.perf_counter()
                    process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL)
                    _, status, usage = os.wait4(process.pid, 0)
                    elapsed = time.perf_counter() - start
                    if os.waitstatus_to_exitcode(status) != 0:
                        raise RuntimeError(f"the get by {label} failed")
                    print(
                        f"{label:<12} {size / elapsed / 1e6:6,.0f} MB/s  {elapsed:.3f} s  client "
                        f"user {usage.ru_utime:.2f} system {usage.ru_stime:.2f}  server "
                        f"{proc_cpu(bench.server_pid) - server:.2f} s",
                        flush=True,
                    )
        finally:
            bench.server.stop()


if __name__ == "__main__":
    main()
