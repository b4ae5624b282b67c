# SPDX-License-Identifier: AGPL-3.0-or-later
"""The progress board's figures on a clock the test turns (issue 14, "Speed"): a rate counts only
the bytes this run moved, not those a resumed transfer finds already there ("1.0 TB/s"); a
download whose total was not given up front shows the sizes of its files, never "0/? bytes"."""

from __future__ import annotations

from rich.console import Console
from rich.progress import DownloadColumn, Progress, Task

from sealbox.client.cli.progress_bars import BinarySpeedColumn, OverallTimeRemainingColumn, _Board

MIB = 1024 * 1024


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _board(total: int | None) -> tuple[_Board, Progress, Clock]:
    clock = Clock()
    bar = Progress(console=Console(file=None, force_terminal=False), get_time=clock)
    return _Board(bar, "upload", total), bar, clock


def _overall(bar: Progress, board: _Board) -> Task:
    return next(t for t in bar.tasks if t.id == board.overall)


def test_resumed_bytes_count_as_done_but_not_as_speed() -> None:
    board, bar, clock = _board(1024 * MIB)
    board.start("big.bin", 1024 * MIB)
    board.resume(1000 * MIB)  # what the earlier run sent: told at once
    clock.now += 0.001
    board.advance(4 * MIB)
    clock.now += 2.0
    board.advance(4 * MIB)
    overall = _overall(bar, board)
    assert overall.completed == 1008 * MIB
    # Counting the resumed bytes made this about 500 GiB/s.
    assert str(BinarySpeedColumn().render(overall)) == "2.0 MiB/s"
    assert str(OverallTimeRemainingColumn().render(overall)) == "0:00:08"  # 16 MiB at 2 MiB/s
    clock.now += 2.0
    assert board.summary() == (
        "upload: 0 files, 1008.0 MiB in 4.0 s (2.0 MiB/s), 1000.0 MiB of it moved by an earlier run"
    )


def test_a_rate_with_nothing_resumed_is_unchanged() -> None:
    board, bar, clock = _board(8 * MIB)
    board.start("a.bin", 8 * MIB)
    board.advance(4 * MIB)
    clock.now += 1.0
    board.advance(4 * MIB)
    board.finish("a.bin")
    assert str(BinarySpeedColumn().render(_overall(bar, board))) == "4.0 MiB/s"
    assert board.summary() == "upload: 1 file, 8.0 MiB in 1.0 s (8.0 MiB/s)"


def test_a_total_not_given_up_front_is_the_sizes_of_the_files_met() -> None:
    board, bar, _ = _board(None)
    assert not _overall(bar, board).visible  # nothing to show before the first file: no "?"
    board.start("big.bin", 9 * MIB)
    overall = _overall(bar, board)
    assert overall.visible
    assert str(DownloadColumn(binary_units=True).render(overall)) == "0.0/9.0 MiB"
    board.advance(9 * MIB)
    board.finish("big.bin")
    board.start("more.bin", 3 * MIB)
    assert str(DownloadColumn(binary_units=True).render(_overall(bar, board))) == "9.0/12.0 MiB"
