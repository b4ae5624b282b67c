# SPDX-License-Identifier: AGPL-3.0-or-later
"""Deciding cases (spec/compliance.md §4–§7): an operator acts on or rejects a notice, a
complainant's court action upholds it, the restoration job restores countered cases when their
window opens, and strikes suspend repeat infringers. Every operator step is audited."""

from collections.abc import Callable

from sealbox.compliance.calendar import BusinessCalendar
from sealbox.compliance.cases import IN_FORCE, CaseState, CaseStatus, Event, advance
from sealbox.compliance.decisions import DecisionInput, statement
from sealbox.compliance.errors import InvalidTransition
from sealbox.compliance.ids import Randomness
from sealbox.compliance.notices import Scope
from sealbox.compliance.strikes import StrikePolicy, Verdict
from sealbox.protocol import compliance as w
from sealbox.server.clock import Clock
from sealbox.server.db import cases, operators, takedowns
from sealbox.server.db.engine import Connection, Engine, read_only, writing
from sealbox.server.errors import not_found
from sealbox.server.services import enforcement
from sealbox.server.services import transparency_entries as entries
from sealbox.server.services.notices import compliance_error
from sealbox.server.services.operators import OperatorService
from sealbox.server.services.transparency import TransparencyLog
from sealbox.server.settings import ComplianceSettings

Released = Callable[[set[bytes]], None]


def view(conn: Connection, row: cases.CaseRow) -> w.CaseView:
    return w.CaseView(
        case_id=row.case_id,
        kind=row.kind,
        state=row.state,
        scope=row.scope,
        priority="high" if row.priority > 0 else "normal",
        received_at=row.received_at,
        link_ids=cases.link_ids(conn, row.case_id),
        missing=row.missing,
        subject_ids=cases.subject_ids(conn, row.case_id),
        restore_not_before=row.restore_not_before,
        restore_not_after=row.restore_not_after,
        decision=row.decision,
    )


class CaseService:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        policy: ComplianceSettings,
        operators: OperatorService,
        random: Randomness,
        log: TransparencyLog,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._policy = policy
        self.operators = operators
        self._random = random
        self.log = log
        self.calendar = BusinessCalendar(policy.country)
        self.strikes = StrikePolicy(
            policy.strike_limit, policy.strike_window_days, policy.strike_warning
        )

    def step(self, conn: Connection, row: cases.CaseRow, event: Event) -> CaseState:
        try:
            status = advance(CaseStatus(CaseState(row.state), row.changed_at), event, self._clock)
        except InvalidTransition as exc:
            raise compliance_error(exc) from None
        cases.change(conn, row.case_id, state=status.state.value, changed_at=int(status.changed_at))
        return status.state

    def show_row(self, conn: Connection, case_id: bytes) -> cases.CaseRow:
        return self._locked(conn, case_id)

    def _locked(self, conn: Connection, case_id: bytes) -> cases.CaseRow:
        row = cases.find(conn, case_id, lock=True)
        if row is None:
            raise not_found("case")
        return row

    def listing(self, state: str | None) -> w.CaseList:
        with read_only(self._engine) as conn:
            return w.CaseList(cases=[view(conn, r) for r in cases.listing(conn, state)])

    def show(self, case_id: bytes) -> w.CaseView:
        with read_only(self._engine) as conn:
            row = cases.find(conn, case_id)
            if row is None:
                raise not_found("case")
            return view(conn, row)

    def decide(
        self,
        conn: Connection,
        row: cases.CaseRow,
        scope: Scope | None,
        account: str | None,
        *,
        automated: bool = False,
    ) -> None:
        """Record the statement of reasons of the decision taken now."""
        facts = f"{len(cases.link_ids(conn, row.case_id))} link(s) named; scope {row.scope}"
        sor = statement(
            DecisionInput(
                kind=row.kind, scope=scope, account=account,
                explanation=str(row.elements.get("explanation") or row.elements.get("description")),
                facts=facts, trusted_flagger=row.flagger is not None, automated=automated,
            ),
            self._clock.now(), self._random,
        )  # fmt: skip
        cases.change(conn, row.case_id, decision=sor.as_dict(), puid=sor.puid)

    def act(self, case_id: bytes, by: str, released: Released) -> w.CaseView:
        """Carry out the notice's takedown in its scope, record the decision, count the strike."""
        with writing(self._engine) as conn:
            row = self._locked(conn, case_id)
            self.step(conn, row, Event.ACT)
            scope = Scope(row.scope or "link")
            applied = enforcement.apply(conn, row, scope)
            self.decide(conn, row, scope, None)
            if row.kind == "copyright":
                self._strike(conn, row, by, applied.link_owners)
            self.operators.audit(conn, by, "act", case_id.hex())
            self.log.append_in(conn, *entries.upheld(self._locked(conn, case_id), scope, applied))
            result = view(conn, cases.find(conn, case_id))  # type: ignore[arg-type]
        released(applied.released)
        return result

    def _strike(
        self, conn: Connection, row: cases.CaseRow, by: str, owners: dict[bytes, bytes]
    ) -> None:
        """One strike against the owner of each link the notice named."""
        now = int(self._clock.now())
        named = set(cases.link_ids(conn, row.case_id))
        for owner_id in sorted({owner for link, owner in owners.items() if link in named}):
            cases.add_strike(conn, row.case_id, owner_id, now)
            if self.verdict(conn, owner_id) is Verdict.SUSPEND:
                takedowns.restrict(conn, owner_id, "suspended", row.case_id)
                self.operators.audit(conn, by, "suspend", owner_id.hex())
                self.log.append_in(conn, *entries.account_action("suspended", "strikes"))

    def verdict(self, conn: Connection, user_id: bytes) -> Verdict:
        times = [
            at for _, at, state in cases.strikes_of(conn, user_id) if CaseState(state) in IN_FORCE
        ]
        return self.strikes.verdict(times, self._clock.now())

    def reject(self, case_id: bytes, by: str) -> w.CaseView:
        with writing(self._engine) as conn:
            row = self._locked(conn, case_id)
            self.step(conn, row, Event.REJECT)
            # An abuse report's link was disabled pending review: enable it again.
            takedowns.lift(conn, case_id)
            self.operators.audit(conn, by, "reject", case_id.hex())
            self.log.append_in(conn, *entries.rejected(row))
            return view(conn, self._locked(conn, case_id))

    def court_action(self, case_id: bytes, by: str) -> w.CaseView:
        """The complainant reports a court action: the content stays down."""
        with writing(self._engine) as conn:
            row = self._locked(conn, case_id)
            self.step(conn, row, Event.COURT_ACTION)
            self.operators.audit(conn, by, "court_action", case_id.hex())
            self.log.append_in(conn, *entries.counter_notice(row, "court_action"))
            return view(conn, self._locked(conn, case_id))

    def restore_due(self, by: str) -> list[bytes]:
        """Restore every countered case whose window has opened (never before it)."""
        now = self._clock.now()
        restored: list[bytes] = []
        with writing(self._engine) as conn:
            for row in cases.listing(conn, CaseState.COUNTERED.value):
                if row.restore_not_before is None or now < row.restore_not_before:
                    continue
                self.step(conn, row, Event.RESTORE)
                self._lift(conn, row)
                self.operators.audit(conn, by, "restore", row.case_id.hex())
                self.log.append_in(conn, *entries.counter_notice(row, "restored"))
                restored.append(row.case_id)
        return restored

    def _lift(self, conn: Connection, row: cases.CaseRow, cause: str = "strikes") -> None:
        """Undo a case's blocks and reinstate accounts its strike suspended, if no longer due."""
        takedowns.lift(conn, row.case_id)
        for user_id in cases.subject_ids(conn, row.case_id):
            if takedowns.restriction(conn, user_id) == "suspended" and (
                self.verdict(conn, user_id) is not Verdict.SUSPEND
            ):
                takedowns.reinstate(conn, user_id)
                self.log.append_in(conn, *entries.account_action("reinstated", cause))

    def strike_report(self, user_id: bytes) -> w.StrikeReport:
        with read_only(self._engine) as conn:
            found = cases.strikes_of(conn, user_id)
            window = self._clock.now() - self.strikes.window_days * 86400
            views = [
                w.StrikeView(case_id=c, at=at, counting=CaseState(s) in IN_FORCE and at > window)
                for c, at, s in found
            ]
            return w.StrikeReport(
                user_id=user_id, strikes=views, counting=sum(v.counting for v in views),
                status=takedowns.restriction(conn, user_id),
            )  # fmt: skip

    def lift_after_appeal(self, conn: Connection, case_id: bytes) -> None:
        row = self._locked(conn, case_id)
        self.step(conn, row, Event.OVERTURN)
        self._lift(conn, row, "appeal")
        for user_id in cases.subject_ids(conn, case_id):
            if takedowns.restriction(conn, user_id) == "closed":
                takedowns.reinstate(conn, user_id)
                self.log.append_in(conn, *entries.account_action("reinstated", "appeal"))

    def expire_evidence(self) -> int:
        """Delete evidence records past their retention."""
        with writing(self._engine) as conn:
            return operators.expire_evidence(conn, int(self._clock.now()))
