# SPDX-License-Identifier: AGPL-3.0-or-later
"""The retention job: one scheduled run, under the collector's job lease so that one server of
many runs it, applying every rule of docs/data-inventory.md ("Retention rules"). ``RULES`` is
that table in code; a test keeps the two in step, and the job runs exactly the rules listed.

Besides the rules it sends the notices of requests for user data that have come due (a gag or
court delay that lapsed, spec/compliance.md §12), since it is the one job that runs on a clock.
"""

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import partial

from anyio import to_thread

from sealbox.server.clock import Clock
from sealbox.server.db import accounts, retention
from sealbox.server.db import requests as register
from sealbox.server.db.engine import Engine, read_only, writing
from sealbox.server.services.cases import CaseService
from sealbox.server.services.collector import Collector, CollectReport
from sealbox.server.services.log_port import TransparencyLog, no_log
from sealbox.server.services.requests import RequestService
from sealbox.server.settings import Settings

log = logging.getLogger("sealbox.retention")
DAY = 86_400


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    # The setting that sets its period, as a path from Settings ("compliance.hold_days").
    knob: str


RULES = (
    Rule("drop_expired_uploads", "upload_ttl_seconds"),
    Rule("purge_deleted_blobs", "deleted_blob_grace_days"),
    Rule("anonymise_closed_accounts", "compliance.closed_account_retention_days"),
    Rule("erase_held_deletions", "compliance.hold_days"),
    Rule("expire_evidence", "compliance.evidence_retention_days"),
    Rule("expire_preservation_holds", "compliance.hold_days"),
)


def knob_value(settings: Settings, knob: str) -> object:
    value: object = settings
    for part in knob.split("."):
        value = getattr(value, part)
    return value


@dataclass(slots=True)
class RetentionReport:
    skipped: bool = False
    collected: CollectReport | None = None
    # rule name -> records it removed; "notified" -> users told of requests.
    counts: dict[str, int] = field(default_factory=dict)


class RetentionJob:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        settings: Settings,
        collector: Collector,
        cases: CaseService,
        requests: RequestService,
        log_entry: TransparencyLog = no_log,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._settings = settings
        self._collector = collector
        self._cases = cases
        self._requests = requests
        self._log = log_entry
        self._collected: CollectReport | None = None

    def _steps(self) -> Mapping[str, Callable[[], Awaitable[int]]]:
        return {
            "drop_expired_uploads": self._collect,
            "purge_deleted_blobs": self._collector.purge_buried,
            "anonymise_closed_accounts": self._anonymise_closed_accounts,
            "erase_held_deletions": self._erase_held_deletions,
            "expire_evidence": partial(to_thread.run_sync, self._cases.expire_evidence),
            "expire_preservation_holds": partial(
                to_thread.run_sync, self._requests.drop_ended_holds
            ),
        }

    async def run(self) -> RetentionReport:
        async with self._collector.lease() as taken:
            if not taken:
                return RetentionReport(skipped=True)
            report = RetentionReport()
            steps = self._steps()
            for rule in RULES:
                report.counts[rule.name] = await steps[rule.name]()
            report.collected = self._collected
            report.counts["notified"] = await to_thread.run_sync(self._requests.notify_due)
            log.info("retention: %s", ", ".join(f"{k} {v}" for k, v in report.counts.items()))
            return report

    async def _collect(self) -> int:
        """The collector's run: expired uploads, then whatever content nothing references."""
        self._collected = await self._collector.collect_leased()
        return self._collected.expired_uploads

    async def _anonymise_closed_accounts(self) -> int:
        """Erase accounts closed longer than the period, unless a preservation hold is in
        force: the account row, its drive, sessions, links, shares and contacts go, and the
        blobs nothing else references. Compliance records keep only the random user id."""
        days = self._settings.compliance.closed_account_retention_days
        cutoff = int(self._clock.now()) - days * DAY
        due = await to_thread.run_sync(self._closed_accounts_due, cutoff)
        erased = 0
        for user_id in due:
            owned = await to_thread.run_sync(partial(self._erase, user_id))
            if owned is None:
                continue
            await self._collector.release(owned.content_ids, owned.uploads)
            self._log("erasure", {})
            erased += 1
        return erased

    async def _erase_held_deletions(self) -> int:
        """Erase the accounts their holder deleted under a preservation hold, once no hold is
        in force: the kept rows go, and the blobs nothing else references. No ``erasure``
        entry: the deletion appended it (spec/compliance.md §12.4)."""
        due = await to_thread.run_sync(self._held_deletions_ended)
        erased = 0
        for deletion_id in due:
            kept = await to_thread.run_sync(partial(self._erase_held_deletion, deletion_id))
            if kept is None:
                continue
            await self._collector.release(kept)
            erased += 1
        return erased

    def _held_deletions_ended(self) -> list[bytes]:
        with read_only(self._engine) as conn:
            return retention.held_deletions_ended(conn, int(self._clock.now()))

    def _erase_held_deletion(self, deletion_id: bytes) -> list[bytes] | None:
        with writing(self._engine) as conn:
            return retention.erase_held_deletion(conn, deletion_id, int(self._clock.now()))

    def _closed_accounts_due(self, cutoff: int) -> list[bytes]:
        with read_only(self._engine) as conn:
            return retention.closed_accounts_due(conn, cutoff)

    def _erase(self, user_id: bytes) -> accounts.Owned | None:
        """Delete the account, checking for a hold in the same transaction (None if held)."""
        with writing(self._engine) as conn:
            if register.held_accounts(conn, [user_id], int(self._clock.now())):
                return None
            return accounts.delete_all(conn, user_id)
