# SPDX-License-Identifier: AGPL-3.0-or-later
"""What starting the ``sealbox`` CLI costs (issue 20): CPU seconds (user + system, from wait4) of
``--version``, ``--help``, and ``ls``, ``put`` and ``get`` of one 4 KiB file against a running
``sealbox server``, the median of several runs each, with the load average.

    .venv/bin/python bench/cli_startup.py [--runs 5] [--bytecode]

Without ``--bytecode`` the commands run with ``PYTHONDONTWRITEBYTECODE=1`` and every module of
sealbox's own is compiled from source at each start if no cached bytecode exists (the state of a
fresh checkout run that way). With it, the variable is unset and one warm-up run writes the cache.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from sealbox.testing.server_process import ServerProcess

COMMANDS: dict[str, list[str]] = {
    "--version": ["--version"],
    "--help": ["--help"],
    "ls": ["ls", "/"],
    "put": ["put", "{file}", "/small.bin"],
    "get": ["get", "/small.bin", "{out}"],
}


def cpu_of(argv: list[str], env: dict[str, str]) -> float:
    """User + system CPU seconds of one run of ``argv``, from wait4."""
    process = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{argv} exited with {process.returncode}")
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--bytecode", action="store_true", help="unset PYTHONDONTWRITEBYTECODE")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        server = ServerProcess(work / "data")
        server.start()
        try:
            env = {
                **os.environ,
                "SEALBOX_SERVER": server.url,
                "SEALBOX_HOME": str(work / "home"),
                "SEALBOX_PASSWORD": "a long benchmark password",
                "SEALBOX_KDF_OPSLIMIT": "2",
                "SEALBOX_KDF_MEMLIMIT_MIB": "64",
            }
            if options.bytecode:
                env.pop("PYTHONDONTWRITEBYTECODE", None)
            else:
                env["PYTHONDONTWRITEBYTECODE"] = "1"
            base = [sys.executable, "-m", "sealbox", "--quiet"]
            subprocess.run([*base, "signup", "bench"], env=env, check=True, capture_output=True)
            (work / "small.bin").write_bytes(os.urandom(4096))
            subprocess.run(
                [*base, "put", str(work / "small.bin"), "/small.bin"], env=env, check=True
            )
            fill = {"file": str(work / "small.bin"), "out": str(work / "out.bin")}
            print(f"load average before: {os.getloadavg()}")
            for name, args in COMMANDS.items():
                argv = [*base, *(arg.format(**fill) for arg in args)]
                if name.startswith("--"):
                    argv.remove("--quiet")
                runs = []
                for _ in range(options.runs + 1):  # a warm-up run first: page and bytecode cache
                    (work / "out.bin").unlink(missing_ok=True)
                    runs.append(cpu_of(argv, env))
                runs = runs[1:]
                print(
                    f"{name:10} median {statistics.median(runs):.3f} CPU s "
                    f"(runs {', '.join(f'{r:.3f}' for r in runs)})"
                )
            print(f"load average after: {os.getloadavg()}")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
