# SPDX-License-Identifier: AGPL-3.0-or-later
"""The affected user's side (spec/compliance.md §4.2, §9): what happened to their content and
why, counter-notices (forwarded to the complainant, restore window set in business days), and
appeals, which a named operator decides."""

import json

from sealbox.compliance.calendar import restore_window
from sealbox.compliance.cases import CaseState, Event
from sealbox.compliance.ids import Randomness, new_id
from sealbox.compliance.notices import CounterNotice, missing_counter_elements
from sealbox.protocol import compliance as w
from sealbox.protocol.errors import ErrorCode
from sealbox.server.clock import Clock
from sealbox.server.db import cases, operators
from sealbox.server.db.engine import Connection, Engine, read_only, writing
from sealbox.server.errors import ServiceError, not_found
from sealbox.server.services import transparency_entries as entries
from sealbox.server.services.cases import CaseService, view


def _appeal_view(row: object) -> w.AppealView:
    return w.AppealView.model_validate(row, from_attributes=True)


class UserCaseService:
    def __init__(
        self, engine: Engine, clock: Clock, decided: CaseService, random: Randomness
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._cases = decided
        self._random = random

    def mine(self, user_id: bytes) -> w.CaseList:
        with read_only(self._engine) as conn:
            return w.CaseList(cases=[view(conn, r) for r in cases.concerning(conn, user_id)])

    def _own(self, conn: Connection, user_id: bytes, case_id: bytes) -> cases.CaseRow:
        row = cases.find(conn, case_id)
        if row is None or user_id not in cases.subject_ids(conn, case_id):
            raise not_found("case")
        return row

    def statement(self, puid: str) -> w.PublicDecision:
        """A decision's statement of reasons, for anyone holding its public id: a removal the
        server claims in a listing (spec/compliance.md §3.4) is checked against it."""
        with read_only(self._engine) as conn:
            row = cases.find_decided(conn, puid)
        if row is None or row.decision is None:
            raise not_found("decision")
        return w.PublicDecision(decision=row.decision)

    def show(self, user_id: bytes, case_id: bytes) -> w.CaseView:
        with read_only(self._engine) as conn:
            return view(conn, self._own(conn, user_id, case_id))

    def counter(
        self, user_id: bytes, case_id: bytes, req: w.CounterNoticeRequest
    ) -> w.RestoreWindowView:
        counter = CounterNotice(**req.model_dump())
        missing = missing_counter_elements(counter)
        if missing:
            raise ServiceError(
                ErrorCode.VALIDATION, "the counter-notice lacks: " + ", ".join(missing)
            )
        now = self._clock.now()
        window = restore_window(now, self._cases.calendar)
        with writing(self._engine) as conn:
            row = self._own(conn, user_id, case_id)
            if row.kind != "copyright":
                raise ServiceError(
                    ErrorCode.INVALID_STATE, "only copyright notices take counter-notices"
                )
            self._cases.step(conn, row, Event.COUNTER)
            cases.change(
                conn, case_id, counter_notice=req.model_dump(),
                restore_not_before=window.not_before, restore_not_after=window.not_after,
            )  # fmt: skip
            self._forward(conn, row, req, window.not_before)
            self._cases.log.append_in(conn, *entries.counter_notice(row, "filed"))
        return w.RestoreWindowView(
            restore_not_before=window.not_before, restore_not_after=window.not_after
        )

    def _forward(
        self, conn: Connection, row: cases.CaseRow, req: w.CounterNoticeRequest, at: int
    ) -> None:
        """Send the counter-notice to the complainant through the channel they gave."""
        body = json.dumps(
            {"case": row.case_id.hex(), "counter_notice": req.model_dump(), "restore_at": at}
        )
        operators.send(
            conn,
            {
                "message_id": new_id(self._random), "channel": row.notifier_contact,
                "subject": "Counter-notice received: the material will be restored unless you "
                "report a court action", "body": body, "created_at": int(self._clock.now()),
            },
        )  # fmt: skip

    def appeal(self, user_id: bytes, req: w.AppealRequest) -> w.AppealView:
        appeal_id = new_id(self._random)
        with writing(self._engine) as conn:
            row = self._own(conn, user_id, req.case_id)
            if CaseState(row.state) in (CaseState.OVERTURNED, CaseState.RESTORED):
                raise ServiceError(ErrorCode.INVALID_STATE, "this decision was already undone")
            if cases.open_appeal_for(conn, req.case_id):
                raise ServiceError(ErrorCode.DUPLICATE_NOTICE, "an appeal of this case is open")
            values = {
                "appeal_id": appeal_id, "case_id": req.case_id, "appellant_id": user_id,
                "reason": req.reason, "state": "open", "received_at": int(self._clock.now()),
            }  # fmt: skip
            cases.add_appeal(conn, values)
            return _appeal_view(cases.find_appeal(conn, appeal_id))

    def appeals(self, state: str | None) -> w.AppealList:
        with read_only(self._engine) as conn:
            return w.AppealList(appeals=[_appeal_view(r) for r in cases.appeal_list(conn, state)])

    def decide(self, appeal_id: bytes, req: w.AppealDecision, by: str) -> w.AppealView:
        """A named operator decides; a granted appeal undoes the case's actions."""
        with writing(self._engine) as conn:
            found = cases.find_appeal(conn, appeal_id)
            if found is None:
                raise not_found("appeal")
            if found.state != "open":
                raise ServiceError(ErrorCode.INVALID_STATE, "this appeal was already decided")
            if req.outcome == "grant":
                self._cases.lift_after_appeal(conn, found.case_id)
            state = "granted" if req.outcome == "grant" else "denied"
            cases.decide_appeal(
                conn, appeal_id, state=state, decided_by=by, outcome_reason=req.reason
            )
            self._cases.operators.audit(conn, by, f"appeal_{state}", appeal_id.hex())
            case = self._cases.show_row(conn, found.case_id)
            self._cases.log.append_in(conn, *entries.appeal(case, state, found.received_at))
            return _appeal_view(cases.find_appeal(conn, appeal_id))
