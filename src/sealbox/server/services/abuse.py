# SPDX-License-Identifier: AGPL-3.0-or-later
"""Abuse reports decided (spec/compliance.md §7, §8): the inspector's result (hashes only) is
kept as evidence; on a match or an operator's upholding, the content is removed everywhere, the
uploader's account closed, importers warned and those who shared it on closed."""

from sealbox.compliance.cases import Event
from sealbox.compliance.notices import Scope
from sealbox.protocol import compliance as w
from sealbox.server.clock import Clock
from sealbox.server.db import cases, operators, takedowns
from sealbox.server.db.engine import Connection, Engine, writing
from sealbox.server.errors import not_found
from sealbox.server.services import enforcement
from sealbox.server.services import transparency_entries as entries
from sealbox.server.services.cases import CaseService, Released, view
from sealbox.server.services.inspections import InspectionQueue
from sealbox.server.settings import ComplianceSettings

DAY = 86400


class AbuseService:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        policy: ComplianceSettings,
        decided: CaseService,
        queue: InspectionQueue,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._policy = policy
        self._cases = decided
        self.queue = queue

    def next_job(self, by: str) -> w.InspectionJob | None:
        job = self.queue.take()
        if job is None:
            return None
        with writing(self._engine) as conn:
            self._cases.operators.audit(conn, by, "inspect", job[0].hex())
        return w.InspectionJob(report_id=job[0], url=job[1])

    def _report(self, conn: Connection, report_id: bytes) -> cases.CaseRow:
        row = cases.find(conn, report_id, lock=True)
        if row is None or row.kind == "copyright":
            raise not_found("abuse report")
        return row

    def inspected(
        self, report_id: bytes, result: w.InspectionResult, by: str, released: Released
    ) -> w.CaseView:
        """Keep the evidence; a match upholds the report at once."""
        now = int(self._clock.now())
        with writing(self._engine) as conn:
            self._report(conn, report_id)
            operators.keep_evidence(
                conn,
                {
                    "case_id": report_id, "sha256": result.sha256, "md5": result.md5,
                    "pdq": result.pdq, "size": result.size, "matched": result.matched,
                    "created_at": now,
                    "expires_at": now + self._policy.evidence_retention_days * DAY,
                },
            )  # fmt: skip
            self._cases.operators.audit(conn, by, "evidence", report_id.hex())
        if result.matched is None:
            return self._cases.show(report_id)
        return self.uphold(report_id, by, released, automated=True)

    def uphold(
        self, report_id: bytes, by: str, released: Released, *, automated: bool = False
    ) -> w.CaseView:
        with writing(self._engine) as conn:
            row = self._report(conn, report_id)
            self._cases.step(conn, row, Event.ACT)
            takedowns.lift(conn, report_id)  # the pending-review block becomes the decision's
            applied = enforcement.apply(conn, row, Scope.EVERYWHERE)
            self._close_accounts(conn, row, applied.plan.contents, applied.link_owners)
            self._cases.decide(conn, row, Scope.EVERYWHERE, "DECISION_ACCOUNT_TERMINATED",
                               automated=automated)  # fmt: skip
            self._cases.step(conn, cases.find(conn, report_id), Event.UPHOLD)  # type: ignore[arg-type]
            self._cases.operators.audit(conn, by, "uphold", report_id.hex())
            decided = entries.upheld(
                self._report(conn, report_id), Scope.EVERYWHERE, applied, automated=automated
            )
            self._cases.log.append_in(conn, *decided)
            result = view(conn, self._report(conn, report_id))
        released(applied.released)
        return result

    def _close_accounts(
        self, conn: Connection, row: cases.CaseRow, contents: set[bytes], owners: dict[bytes, bytes]
    ) -> None:
        named = set(cases.link_ids(conn, row.case_id))
        uploaders = {owner for link, owner in owners.items() if link in named}
        resharers = {owner for link, owner in owners.items() if link not in named} - uploaders
        importers: set[bytes] = set()
        for content_id in contents:
            importers.update(takedowns.importers(conn, content_id))
        subjects = dict.fromkeys(importers - uploaders, "importer")
        subjects.update(dict.fromkeys(resharers, "resharer"))
        subjects.update(dict.fromkeys(uploaders, "owner"))
        cases.add_subjects(conn, row.case_id, subjects)
        closing = uploaders | (resharers if self._policy.abuse_close_resharers else set())
        for user_id in sorted(closing):
            takedowns.restrict(conn, user_id, "closed", row.case_id)
            cause = "abuse" if user_id in uploaders else "resharing"
            self._cases.log.append_in(conn, *entries.account_action("closed", cause))

    def reject(self, report_id: bytes, by: str) -> w.CaseView:
        """A false report: the link is enabled again."""
        with writing(self._engine) as conn:
            self._report(conn, report_id)
        return self._cases.reject(report_id, by)
