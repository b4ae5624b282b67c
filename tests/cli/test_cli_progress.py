# SPDX-License-Identifier: AGPL-3.0-or-later
"""Progress on a real terminal (a pseudo-terminal here): one overall bar, a few rows in flight,
binary units, and a summary line that stays when the bars go (issue 14, "Progress")."""

from __future__ import annotations

import fcntl
import os
import re
import signal
import struct
import subprocess
import termios
import time
from pathlib import Path

import pytest

from tests.cli.conftest import EMBEDDED, Cli, metric

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")


def on_a_terminal(cli: Cli, *args: str) -> tuple[int, str]:
    """Run the CLI with standard error on a pseudo-terminal 120 columns wide; its exit status
    and everything it drew."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    process = subprocess.Popen(
        cli.command(*args),
        env=cli.env(TERM="xterm-256color", COLUMNS="120"),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=slave,
    )
    os.close(slave)
    drawn = bytearray()
    while True:
        try:
            piece = os.read(master, 65536)
        except OSError:  # EIO: the child closed its end
            break
        if not piece:
            break
        drawn += piece
    os.close(master)
    return process.wait(timeout=600), drawn.decode(errors="replace")


@pytest.mark.parametrize("stack", [EMBEDDED])
def test_many_files_draw_a_few_rows_and_leave_a_summary(alice: Cli, tmp_path: Path) -> None:
    tree = tmp_path / "many"
    tree.mkdir()
    for i in range(300):
        (tree / f"note-{i:03}.txt").write_bytes(os.urandom(2000))
    (tree / "big.bin").write_bytes(os.urandom(9 * 1024 * 1024))
    status, drawn = on_a_terminal(alice, "put", str(tree), "/many")
    assert status == 0, drawn
    # Before: every file kept a row of its own, redrawn on every refresh (about 2 MB for 303
    # files in the trial), and adding each row redrew everything once more (96 KB here). Now a
    # few refreshes a second draw the overall bar and at most three reused rows.
    assert len(drawn) < 16 * 1024, f"{len(drawn)} bytes drawn for 301 files"
    text = ANSI.sub("\n", drawn)
    assert "MB/s" not in text and "kB/s" not in text, "rates are in binary units, like sizes"
    last = [line.strip() for line in text.splitlines() if line.strip()][-1]
    assert re.fullmatch(r"upload: 301 files, [\d.]+ MiB in [\d.]+ s \([\d.]+ \w+/s\)", last), last

    status, drawn = on_a_terminal(alice, "get", "/many/big.bin", str(tmp_path / "big.out"))
    assert status == 0, drawn
    text = ANSI.sub("\n", drawn)
    last = [line.strip() for line in text.splitlines() if line.strip()][-1]
    assert last.startswith("download: 1 file, 9.0 MiB in "), last
    # The total is known from the sealed metadata: the bar ends "9.0/9.0 MiB", never "9.0/? MiB".
    assert "/?" not in text and "9.0/9.0 MiB" in text, text


@pytest.mark.parametrize("stack", [EMBEDDED])
def test_a_resumed_put_rates_only_what_this_run_sent(alice: Cli, tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(48 * 1024 * 1024))
    # The first run is slowed down so that it is killed with most of the file still to send:
    # a second run with only a chunk left finishes in less than the summary's tenth of a second
    # (CI saw "in 0.0 s"), and no rate can be checked against a time shown as zero.
    process = alice.popen("put", "--bwlimit", "8M", str(big), "/big.bin")
    deadline = time.monotonic() + 300
    while metric(alice.server, "sealbox_chunks_received") < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    status, drawn = on_a_terminal(alice, "put", str(big), "/big.bin")
    assert status == 0, drawn
    last = [line.strip() for line in ANSI.sub("\n", drawn).splitlines() if line.strip()][-1]
    found = re.fullmatch(
        r"upload: 1 file, 48\.0 MiB in ([\d.]+) s \(([\d.]+) (\w+)/s\), "
        r"([\d.]+) MiB of it moved by an earlier run",
        last,
    )
    assert found, last
    seconds, rate, unit, resumed = found.groups()
    assert float(resumed) >= 4.0  # at least the chunks the first run had sent
    # Before: the resumed megabytes counted as moved in no time at all ("1.0 TB/s").
    per_second = float(rate) * {"B": 1, "KiB": 1 / 1024, "MiB": 1, "GiB": 1024}[unit]
    if unit == "B":
        per_second /= 1024 * 1024
    # The time is printed to a tenth of a second: the run took at least 0.05 s less than shown.
    shortest = max(float(seconds) - 0.05, 0.05)
    assert per_second <= (48.0 - float(resumed)) / shortest * 1.1 + 0.1, last
