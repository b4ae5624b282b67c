# SPDX-License-Identifier: AGPL-3.0-or-later
"""The server's CPU seconds per GB, user and system apart, on a real ``sealbox put`` and ``get``.

    .venv/bin/python bench/server_cpu.py --size-mib 512 --rounds 3 \\
        --tree before=/tmp/before/src --tree after=src

Starts a real ``sealbox server`` (SQLite + local disk) per round and source tree, signs up with
the real CLI, and runs ``put`` then ``get`` of one random file. Each ``--tree`` is a source
directory put first on PYTHONPATH for the server and the CLI, so two commits are compared
interleaved, round by round, on the same machine (export one with ``git archive COMMIT src``).
Prints, per run, the rate, the server's user and system CPU seconds per GB from /proc, the
client's CPU seconds per GB and the load average: on a shared machine the CPU figures are the
comparison, not the rates.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

MIB = 1024 * 1024
HERE = Path(__file__).resolve().parent


def measure(size_mib: int) -> None:
    """One round in this process (run with the tree under test on PYTHONPATH)."""
    import tempfile

    sys.path.insert(0, str(HERE))
    import profile_transfer as pt

    def cpu(pid: int) -> tuple[float, float]:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        tick = os.sysconf("SC_CLK_TCK")
        return int(fields[11]) / tick, int(fields[12]) / tick

    gb = size_mib * MIB / 1e9
    with tempfile.TemporaryDirectory(prefix="sealbox-server-cpu-") as tmp:
        work = Path(tmp)
        bench = pt.Bench(work)
        try:
            bench.cli("signup", "prof", env={"SEALBOX_KDF_OPSLIMIT": "2",
                                             "SEALBOX_KDF_MEMLIMIT_MIB": "64"})  # fmt: skip
            source, out = work / "big.bin", work / "out.bin"
            pt.write_file(source, size_mib)
            for name, command in (
                ("put", ["put", str(source), "/big.bin"]),
                ("get", ["get", "/big.bin", str(out)]),
            ):
                # Pages left dirty by the previous command (the get's output file) would be
                # written back inside the server's next syncfs, and counted as its CPU.
                os.sync()
                user0, sys0 = cpu(bench.server_pid)
                seconds, client_cpu, _, _, _ = bench.cli(*command)
                user1, sys1 = cpu(bench.server_pid)
                print(
                    f"{name}: {size_mib * MIB / seconds / 1e6:5.0f} MB/s, server CPU s/GB "
                    f"{(user1 - user0 + sys1 - sys0) / gb:.2f} (user {(user1 - user0) / gb:.2f}, "
                    f"system {(sys1 - sys0) / gb:.2f}), client {client_cpu / gb:.2f}, "
                    f"load {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
        finally:
            bench.server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=512)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--tree", action="append", default=[], help="LABEL=PATH to a src dir")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one or not args.tree:
        measure(args.size_mib)
        return
    for _ in range(args.rounds):
        for spec in args.tree:
            label, _, path = spec.partition("=")
            env = {**os.environ, "PYTHONPATH": str(Path(path).resolve())}
            command = [sys.executable, __file__, "--one", "--size-mib", str(args.size_mib)]
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
            for line in done.stdout.splitlines():
                print(f"{label} {line}", flush=True)


if __name__ == "__main__":
    main()
