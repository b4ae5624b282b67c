# SPDX-License-Identifier: AGPL-3.0-or-later
"""Profile the small-file and wide-listing cases: CPU seconds of the CLI and the server, and
optionally py-spy flame data for both (issue 8). A driver for iterating, not part of the table.

    .venv/bin/python bench/small_profile.py --files 2000 --children 20000 [--spy OUTDIR]

CPU seconds rather than wall-clock rates are what to compare on a shared machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from suite import Stack, proc_cpu

LISTING = """
import asyncio, os, sys, time, httpx
from pathlib import Path
from sealbox.client.sdk import account
from sealbox.client.sdk.api import Api
from sealbox.client.sdk.state import LocalState
from sealbox.client.sdk.transfers import seal_small
from sealbox.client.sdk import Change, Drive

async def main(count, runs, home, sample):
    async with httpx.AsyncClient(base_url=os.environ["SEALBOX_SERVER"], timeout=600) as http:
        drive = Drive(await account.resume(Api(http), LocalState(Path(home))))
        await drive.mkdir("/wide")
        folder = await drive.folder_at("/wide")
        Path(sample).write_bytes(b"x" * 100)
        sealed = seal_small(Path(sample), "sample.txt")
        change = Change()
        drive.add_file(change, folder, sealed.metadata, sealed.file_key, inline=sealed.inline)
        folder = (await drive.commit(change))[folder.folder_id]
        made = 1
        while made < count:
            change = Change()
            for _ in range(min(5000, count - made)):
                meta = renamed(sealed.metadata, f"file{made:06}.txt")
                drive.add_file(change, folder, meta, sealed.file_key)
                made += 1
            folder = (await drive.commit(change))[folder.folder_id]
        print("ready", flush=True)
        sys.stdin.readline()
        for _ in range(runs):
            start, cpu = time.perf_counter(), time.process_time()
            listed = await drive.folder(folder.folder_id, folder.key)
            print(f"sdk list: {time.perf_counter() - start:.2f} s, client CPU "
                  f"{time.process_time() - cpu:.2f} s", flush=True)
            assert len(listed.children) == count

asyncio.run(main(*map(eval, sys.argv[1:])))
"""


def spy(pid: int, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "py-spy"), "record", "-r", "200", "-p", str(pid),
         "-f", "raw", "-o", str(out), "--nonblocking"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def proc_user_sys(pid: int) -> tuple[float, float]:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def run_cli(stack: Stack, label: str, spy_dir: Path | None, *args: str) -> None:
    server_cpu = proc_cpu(stack.server_pid)
    server_user, server_sys = proc_user_sys(stack.server_pid)
    start = time.perf_counter()
    command = [sys.executable, "-m", "sealbox", "-q", *args]
    spies = []
    if spy_dir is not None:
        command = [str(Path(sys.executable).parent / "py-spy"), "record", "-r", "200", "-f",
                   "raw", "-o", str(spy_dir / f"{label}-client.txt"), "--", *command]  # fmt: skip
        spies.append(spy(stack.server_pid, spy_dir / f"{label}-server.txt"))
    process = subprocess.Popen(command, env=stack.env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL)  # fmt: skip
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    for s in spies:
        s.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT, not on SIGTERM
        s.wait()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"sealbox {' '.join(args)} failed")
    print(f"{label}: {elapsed:.2f} s wall, client CPU "
          f"{usage.ru_utime + usage.ru_stime:.2f} s (user "
          f"{usage.ru_utime:.2f}, sys {usage.ru_stime:.2f}), server CPU "
          f"{proc_cpu(stack.server_pid) - server_cpu:.2f} s (user "
          f"{proc_user_sys(stack.server_pid)[0] - server_user:.2f}, sys "
          f"{proc_user_sys(stack.server_pid)[1] - server_sys:.2f})", flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--children", type=int, default=20000)
    parser.add_argument("--spy", type=Path, default=None, help="write py-spy raw profiles here")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if args.spy:
        args.spy.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sealbox-prof-") as tmp:
        directory = Path(tmp)
        stack = Stack(directory)
        try:
            stack.cli("signup", "bench", SEALBOX_KDF_OPSLIMIT="2", SEALBOX_KDF_MEMLIMIT_MIB="64")
            if args.files:
                source = directory / "small"
                source.mkdir()
                block = os.urandom(4096)
                for i in range(args.files):
                    (source / f"f{i:05}.bin").write_bytes(i.to_bytes(4, "big") + block[4:])
                run_cli(stack, "put", args.spy, "put", str(source), "/small")
                out = directory / "small-out"
                run_cli(stack, "get", args.spy, "get", "/small", str(out))
                for i in range(args.files):
                    name = f"f{i:05}.bin"
                    if (out / name).read_bytes() != (source / name).read_bytes():
                        raise RuntimeError(f"{name} differs")
                shutil.rmtree(out)
            if args.children:
                lister = subprocess.Popen(
                    [sys.executable, "-c", LISTING, str(args.children), "3",
                     repr(str(stack.home)), repr(str(directory / "sample.txt"))],
                    env=stack.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                )  # fmt: skip
                assert lister.stdin is not None and lister.stdout is not None
                assert lister.stdout.readline().strip() == "ready"
                spies = []
                if args.spy:
                    spies = [spy(lister.pid, args.spy / "list-client.txt"),
                             spy(stack.server_pid, args.spy / "list-server.txt")]  # fmt: skip
                    time.sleep(0.5)
                server_cpu = proc_cpu(stack.server_pid)
                lister.stdin.write("\n")
                lister.stdin.flush()
                print(lister.stdout.read().strip())
                lister.wait()
                print(f"server CPU for 3 listings: {proc_cpu(stack.server_pid) - server_cpu:.2f} s")
                for s in spies:
                    s.send_signal(signal.SIGINT)
                    s.wait()
                run_cli(stack, "ls", args.spy, "ls", "/wide")
        finally:
            stack.stop()


if __name__ == "__main__":
    asyncio.run(asyncio.sleep(0))
    main()
