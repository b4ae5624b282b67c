# SPDX-License-Identifier: AGPL-3.0-or-later
"""The server's log as the transparency report reads it (``sealbox.compliance.report.LogReader``):
the latest checkpoint the log key signed, and the entries it covers. Entries appended after it
(by an admin command, before the running server signed again) wait for the next report: a
report names only a checkpoint its readers can check."""

from __future__ import annotations

from collections.abc import Iterable

from sealbox.compliance.report import Head, ReportError
from sealbox.server.db import transparency_reads
from sealbox.server.db.engine import Engine, read_only


class TableReader:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def head(self) -> Head:
        with read_only(self._engine) as conn:
            signed = transparency_reads.latest_signed(conn)
        if signed is None:
            raise ReportError(
                "the transparency log has no signed checkpoint yet: start the server with its "
                "log key (it signs one at once), then run the report again"
            )
        origin = signed.note.split(b"\n", 1)[0].decode("utf-8", "replace")
        return Head(signed.size, signed.root, origin)

    def entries(self, start: int, end: int) -> Iterable[tuple[int, bytes]]:
        with read_only(self._engine) as conn:
            return transparency_reads.entries(conn, start, end)
