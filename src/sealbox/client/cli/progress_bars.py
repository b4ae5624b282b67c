# SPDX-License-Identifier: AGPL-3.0-or-later
"""Progress bars on standard error, imported only when they are drawn (progress.py): one overall
bar with the file count and bytes, at most a few rows for files in flight, and a summary line that
stays on screen when the bars go.

Drawing is the cost to watch: a folder of thousands of small files must not redraw a row per file
(bench/suite.py measures a 10,000-file get with and without bars). Sizes and rates are binary
throughout (KiB, MiB, MiB/s), as in ``human_size``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from sealbox.client.cli.output import human_size, renamed_note, terminal_safe
from sealbox.client.sdk.files import Reporter

if TYPE_CHECKING:
    from sealbox.client.cli.context import Options

ROWS_IN_FLIGHT = 3  # file rows drawn at once; further files only count in the overall bar
REFRESH_PER_SECOND = 4
NAME_WIDTH = 40


class BinarySpeedColumn(ProgressColumn):
    """The overall rate in binary units (MiB/s), matching the sizes beside it. File rows are
    reused from file to file, so a rate or time left of theirs would mix files: they show none.
    The rate counts only bytes moved by this run: a resumed transfer counts what an earlier run
    moved as done at once, which is no speed ("1.0 TB/s")."""

    def render(self, task: Task) -> Text:
        if not task.fields.get("overall"):
            return Text("")
        speed = task.fields["rate"]()
        if speed is None:
            return Text("?", style="progress.data.speed")
        return Text(f"{human_size(int(speed))}/s", style="progress.data.speed")


class OverallTimeRemainingColumn(TimeRemainingColumn):
    """Time left at this run's rate (not Rich's, which counts resumed bytes as speed)."""

    def render(self, task: Task) -> Text:
        if not task.fields.get("overall"):
            return Text("")
        speed = task.fields["rate"]()
        if task.total is None or not speed:
            return Text("-:--:--", style="progress.remaining")
        minutes, seconds = divmod(int(max(task.total - task.completed, 0) / speed), 60)
        hours, minutes = divmod(minutes, 60)
        return Text(f"{hours:d}:{minutes:02d}:{seconds:02d}", style="progress.remaining")


class _Board:
    """The state behind one progress display: counts, the rows in flight, the start time."""

    def __init__(self, bar: Progress, label: str, total: int | None) -> None:
        self.bar = bar
        self.label = label
        # Without a total up front (a download learns sizes as it goes), the total is the sizes
        # of the files met so far: exact for one file, growing for a folder, never "?"; the bar
        # shows from the first file on.
        self.growing, self.known = total is None, 0
        # Bytes this run moved, apart from resumed ones, for the rate: a task never drawn (made
        # first: the bar may be drawn, and the rate asked for, as soon as the overall task is).
        self.live = bar.add_task("", total=None, visible=False)
        self.overall = bar.add_task(
            label, total=total, visible=not self.growing, overall=True, rate=self.rate
        )
        # A fixed set of row tasks, reused: adding a task redraws the whole display at once,
        # which thousands of small files must not do once each.
        self.free = [bar.add_task("", total=1, visible=False) for _ in range(ROWS_IN_FLIGHT)]
        self.rows: dict[str, list[int]] = {}  # name -> [task id, bytes still to come]
        self.started = self.finished = 0
        self.moved = self.carried = 0  # all bytes done; those of them resumed
        self.began = bar.get_time()

    def rate(self) -> float | None:
        return next((t.speed for t in self.bar.tasks if t.id == self.live), None)

    def describe(self) -> None:
        files = f"{self.finished}/{self.started} file{'s' if self.started != 1 else ''}"
        self.bar.update(self.overall, description=f"{self.label} {files}")

    def start(self, name: str, size: int) -> None:
        self.started += 1
        if self.growing:
            self.known += size
            self.bar.update(self.overall, total=self.known, visible=True)
        if self.free and name not in self.rows:
            shown = terminal_safe(name if len(name) <= NAME_WIDTH else name[: NAME_WIDTH - 1] + "…")
            task = self.free.pop()
            self.bar.update(task, description=f"  {shown}", total=size, completed=0, visible=True)
            self.rows[name] = [task, size]
        self.describe()

    def advance(self, n: int) -> None:
        self.bar.advance(self.live, n)
        self.count(n)

    def resume(self, n: int) -> None:
        self.carried += n
        self.count(n)

    def count(self, n: int) -> None:
        self.moved += n
        self.bar.advance(self.overall, n)
        # Bytes are not tagged with their file: they fill the rows in flight in order, which is
        # right for one file at a time and close for a few; the overall bar is exact.
        for row in self.rows.values():
            if n <= 0:
                break
            take = min(n, row[1])
            if take:
                row[1] -= take
                n -= take
                self.bar.advance(TaskID(row[0]), take)

    def finish(self, name: str) -> None:
        self.finished += 1
        row = self.rows.pop(name, None)
        if row is not None:
            self.bar.update(TaskID(row[0]), visible=False)
            self.free.append(TaskID(row[0]))
        self.describe()

    def summary(self) -> str:
        seconds = max(self.bar.get_time() - self.began, 1e-6)
        files = f"{self.finished} file{'s' if self.finished != 1 else ''}"
        rate = human_size(int((self.moved - self.carried) / seconds))
        line = f"{self.label}: {files}, {human_size(self.moved)} in {seconds:.1f} s ({rate}/s)"
        if self.carried:
            line += f", {human_size(self.carried)} of it moved by an earlier run"
        return line


@contextmanager
def drawn(opts: Options, total: int | None, label: str) -> Iterator[Reporter]:
    """A Reporter that draws the overall bar and the rows in flight, then leaves a summary line."""
    console = Console(stderr=True)
    columns = (
        # Descriptions carry names: shown as text, never read as Rich markup ("[bold]").
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        DownloadColumn(binary_units=True),
        BinarySpeedColumn(),
        OverallTimeRemainingColumn(),
    )
    with Progress(
        *columns, console=console, transient=True, refresh_per_second=REFRESH_PER_SECOND
    ) as bar:
        board = _Board(bar, label, total)
        try:
            yield Reporter(
                board.start, board.advance, board.finish, renamed_note(opts), resumed=board.resume
            )
        finally:
            summary = board.summary()
    console.print(summary, markup=False, highlight=False)
