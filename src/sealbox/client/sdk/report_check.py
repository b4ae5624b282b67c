# SPDX-License-Identifier: AGPL-3.0-or-later
"""Checking a transparency report against the log (``sealbox transparency verify --report``;
spec/transparency-report.md, docs/transparency.md "Reading the report").

1. The log's latest checkpoint is accepted as ``sealbox transparency verify`` does (pinned key,
   consistent with every checkpoint this client accepted before).
2. The report's own checkpoint must be a prefix of it: a consistency proof from the report's
   size to the accepted one verifies the report's root, so the report names a tree the
   operator cannot later deny.
3. The report's range, and one entry on each side, are fetched with an inclusion proof each.
4. Every figure is recomputed from those entries (``sealbox.compliance.report.verify_report``).

Steps 1 to 3 raise ``IntegrityError``; step 4 returns each figure that differs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from sealbox.client.sdk import transparency as tlog
from sealbox.client.sdk.api import Api
from sealbox.client.sdk.log_trust import LogTrust, TrustedLog
from sealbox.compliance.report import EntryError, ReportMismatch, claimed, entries_to_fetch
from sealbox.compliance.report import verify_report as recompute
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.tlog import Checkpoint

EMPTY_ROOT = hashlib.sha256(b"").digest()


@dataclass(frozen=True)
class ReportCheck:
    period: str
    checkpoint: Checkpoint  # the report's, proved to be a prefix of the accepted log
    accepted_size: int
    fetched: tuple[int, int]  # the entries fetched, each with its inclusion proof
    figures: int  # how many figures were recomputed
    problems: list[str] = field(default_factory=list)  # each figure that differs

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "origin": self.checkpoint.origin,
            "size": self.checkpoint.size,
            "root": self.checkpoint.root.hex(),
            "accepted_size": self.accepted_size,
            "fetched": list(self.fetched),
            "figures": self.figures,
            "problems": self.problems,
        }


async def _report_checkpoint(
    api: Api, accepted: Checkpoint, size: int, root: bytes, origin: str | None
) -> Checkpoint:
    if origin is not None and origin != accepted.origin:
        raise IntegrityError(
            ErrorCode.CONTEXT_MISMATCH,
            f"the report is of the log {origin}, this server's log is {accepted.origin}",
        )
    if size > accepted.size:
        raise IntegrityError(
            ErrorCode.ROLLBACK,
            f"the report names a checkpoint of {size} entries; the log signed only "
            f"{accepted.size}: its history was rewritten or the report is not of this log",
        )
    theirs = Checkpoint(accepted.origin, size, root)
    if size == 0 and root != EMPTY_ROOT:
        raise IntegrityError(ErrorCode.FORK, "the report's empty log has another root")
    try:
        await tlog.consistency(api, theirs, accepted)
    except IntegrityError as exc:
        raise IntegrityError(
            exc.code,
            f"the report's checkpoint ({size} entries, root {root.hex()}) is not part of the "
            f"log this client accepted ({exc})",
        ) from None
    return theirs


async def check_report(
    api: Api, trust: LogTrust, server: str, log: TrustedLog, report: bytes
) -> ReportCheck:
    """Check ``report`` (the bytes of report.json) against the server's log; ``ReportError`` if
    the file is no report, ``IntegrityError`` if the log or the report's checkpoint fails."""
    period, head, _ = claimed(report)
    accepted = (await tlog.accept_checkpoint(api, trust, server, log)).checkpoint
    theirs = await _report_checkpoint(api, accepted, head.size, head.root, head.origin)
    lo, hi = entries_to_fetch(report)
    proven = await tlog.fetch_proven_entries(api, accepted, lo, hi)
    try:
        computed = recompute(report, [(e.index, e.raw) for e in proven])
        problems: list[str] = []
    except ReportMismatch as exc:
        computed, problems = None, exc.problems
    except EntryError as exc:
        raise IntegrityError(ErrorCode.MALFORMED, str(exc)) from None
    count = 0 if computed is None else sum(len(s["figures"]) for s in computed["sections"])
    return ReportCheck(period.name, theirs, accepted.size, (lo, hi), count, problems)
