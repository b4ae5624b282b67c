# SPDX-License-Identifier: AGPL-3.0-or-later
"""Where the CPU goes in a large put and get: py-spy on both the CLI and the server process.

    .venv/bin/python bench/profile_transfer.py --size-mib 1024 --out /tmp/sealbox-profile

Starts a real ``sealbox server`` (SQLite + local disk), signs up with the real CLI, then runs
``sealbox put``, ``sealbox get`` and (with ``--link``) ``sealbox get LINK`` twice each: once bare,
to measure CPU seconds per GB of each process from /proc and rusage, and once under
``py-spy record`` (both processes, idle threads excluded), to say where those seconds go. Prints
the per-process CPU figures and, for each profile, the functions with the most samples (self and
inclusive). The raw collapsed stacks stay in ``--out`` for flame graphs. Needs py-spy (a dev
dependency) and permission to trace processes (root, or ptrace_scope 0).
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sealbox.testing.server_process import ServerProcess

MIB = 1024 * 1024
PY_SPY = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
NATIVE: list[str] = []


def proc_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def write_file(path: Path, size_mib: int) -> None:
    block = os.urandom(MIB)
    with path.open("wb") as f:
        for i in range(size_mib):
            f.write(i.to_bytes(8, "big") + block[8:])


class Bench:
    def __init__(self, work: Path) -> None:
        self.work = work
        self.server = ServerProcess(work / "server")
        self.server.start()
        self.env = {
            **os.environ,
            "SEALBOX_SERVER": self.server.url,
            "SEALBOX_HOME": str(work / "home"),
            "SEALBOX_PASSWORD": "profile password",
        }

    @property
    def server_pid(self) -> int:
        assert self.server.process is not None
        return self.server.process.pid

    def cli(self, *args: str, profile: Path | None = None, env: dict[str, str] | None = None,
            capture: bool = False) -> tuple[float, float, float, int, str]:  # fmt: skip
        """Run the CLI; returns (seconds, client CPU, server CPU, client peak RSS, stdout)."""
        command = [sys.executable, "-m", "sealbox", "-q", *args]
        spy = None
        if profile is not None:
            command = [PY_SPY, "record", "-r", "200", "--format", "raw", "--threads", *NATIVE,
                       "-o", str(profile.with_suffix(".client.txt")), "--", *command]  # fmt: skip
            spy = subprocess.Popen(
                [PY_SPY, "record", "-r", "200", "--format", "raw", "--threads", *NATIVE,
                 "-o", str(profile.with_suffix(".server.txt")), "-p", str(self.server_pid)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            time.sleep(1.0)
        server_before = proc_cpu(self.server_pid)
        start = time.perf_counter()
        process = subprocess.Popen(
            command,
            env={**self.env, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
        )
        out = process.stdout.read().decode() if process.stdout is not None else ""
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        server_cpu = proc_cpu(self.server_pid) - server_before
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait()
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"sealbox {' '.join(args)} failed")
        client_cpu = usage.ru_utime + usage.ru_stime
        return seconds, client_cpu, server_cpu, usage.ru_maxrss * 1024, out


# Leaf frames of threads that wait rather than work. py-spy's own idle detection misses them in
# some containers, so samples ending here are dropped before counting.
IDLE_LEAVES = {
    "_worker (thread.py)",  # a thread pool's worker waiting on its queue
    "Condition.wait (threading.py)",
    "EpollSelector.select (selectors.py)",
    "select (selectors.py)",
    "WorkerThread.run (_asyncio.py)",
}


def summarize(path: Path, top: int) -> None:
    """Self and inclusive sample counts per function from py-spy's collapsed stacks, idle
    samples left out. Time in C code (libsodium, the kernel, uvloop) counts for the Python
    function that called it."""
    if not path.exists():
        print(f"  (no profile at {path})")
        return
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        count = int(count_text)
        frames = [_short(f) for f in stack.split(";")[1:]]  # the first frame is the thread
        if not frames or frames[-1] in IDLE_LEAVES:
            continue
        total += count
        if frames:
            own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    print(f"  {path.name}: {total} samples that were not idle")
    print("   self:")
    for frame, count in own.most_common(top):
        print(f"    {count / total:6.1%}  {frame}")
    print("   inclusive:")
    for frame, count in inclusive.most_common(top):
        print(f"    {count / total:6.1%}  {frame}")


def _short(frame: str) -> str:
    # "function (path/to/module.py:123)" -> "function (module.py)": lines split the counts.
    name, _, where = frame.partition(" (")
    module = where.rsplit("/", 1)[-1].split(":", 1)[0]
    return f"{name} ({module})"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--out", type=Path, default=Path("/tmp/sealbox-profile"))
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--link", action="store_true", help="also a public link download")
    parser.add_argument("--no-profile", action="store_true", help="CPU figures only")
    parser.add_argument(
        "--native",
        action="store_true",
        help="sample native frames too (pauses the processes while sampling)",
    )
    parser.add_argument("--only", choices=["put", "get", "link"], action="append")
    args = parser.parse_args()
    NATIVE.extend(["--native"] if args.native else ["--nonblocking"])
    args.out.mkdir(parents=True, exist_ok=True)
    gb = args.size_mib * MIB / 1e9
    with tempfile.TemporaryDirectory(prefix="sealbox-profile-") as tmp:
        work = Path(tmp)
        bench = Bench(work)
        try:
            bench.cli("signup", "prof", env={"SEALBOX_KDF_OPSLIMIT": "2",
                                             "SEALBOX_KDF_MEMLIMIT_MIB": "64"})  # fmt: skip
            source = work / "big.bin"
            write_file(source, args.size_mib)
            out = work / "out.bin"
            cases: list[tuple[str, list[str], Path | None]] = [
                ("put", ["put", str(source), "/big.bin"], None),
                ("get", ["get", "/big.bin", str(out)], out),
            ]
            only = set(args.only or ["put", "get", "link"])
            for round_ in ("bare", "profiled"):
                if round_ == "profiled" and args.no_profile:
                    break
                for name, command, made in cases:
                    if name not in only and not (name == "put" and round_ == "bare"):
                        continue
                    if name == "put":
                        bench.cli("rm", "--permanent", "/big.bin") if round_ == "profiled" else None
                    profile = args.out / name if round_ == "profiled" else None
                    seconds, ccpu, scpu, rss, _ = bench.cli(*command, profile=profile)
                    print(f"{round_:8} {name}: {args.size_mib / seconds * MIB / 1e6:6.0f} MB/s, "
                          f"CPU s/GB client {ccpu / gb:.2f} server {scpu / gb:.2f}, "
                          f"client peak RSS {rss / MIB:.0f} MiB", flush=True)  # fmt: skip
                    if made is not None:
                        made.unlink()
                if args.link and "link" in only:
                    # The profiled round put a new version, so each round links its own.
                    link = bench.cli("export", "/big.bin", capture=True)[4].strip()
                    profile = args.out / "link" if round_ == "profiled" else None
                    # A visitor: no session, so a home of its own.
                    visitor = {"SEALBOX_HOME": str(work / f"visitor-{round_}")}
                    seconds, ccpu, scpu, rss, _ = bench.cli(
                        "get", link, str(out), profile=profile, env=visitor
                    )
                    print(f"{round_:8} link: {args.size_mib / seconds * MIB / 1e6:6.0f} MB/s, "
                          f"CPU s/GB client {ccpu / gb:.2f} server {scpu / gb:.2f}, "
                          f"client peak RSS {rss / MIB:.0f} MiB", flush=True)  # fmt: skip
                    if not out.exists():
                        raise SystemExit("the link download wrote nothing")
                    out.unlink()
        finally:
            bench.server.stop()
    if not args.no_profile:
        for name in sorted(only):
            for side in ("client", "server"):
                summarize(args.out / f"{name}.{side}.txt", args.top)


if __name__ == "__main__":
    main()
