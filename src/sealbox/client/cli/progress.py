# SPDX-License-Identifier: AGPL-3.0-or-later
"""Progress of a transfer on standard error: the bars of progress_bars.py where standard error is a
terminal and -q was not given, else only the notes a transfer leaves. Rich is imported there, when
bars are drawn: a script's or a benchmark's command never pays for it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sealbox.client.cli.output import renamed_note
from sealbox.client.sdk.files import Reporter

if TYPE_CHECKING:
    from sealbox.client.cli.context import Options


@contextmanager
def progress_reporter(opts: Options, total: int | None, label: str) -> Iterator[Reporter]:
    """A Reporter that draws the overall bar and the rows in flight, then leaves a summary line;
    or nothing at all when standard error is not a terminal or -q was given."""
    if not opts.show_progress():
        yield Reporter(renamed=renamed_note(opts))
        return
    from sealbox.client.cli.progress_bars import drawn

    with drawn(opts, total, label) as reporter:
        yield reporter
