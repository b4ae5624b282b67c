# SPDX-License-Identifier: AGPL-3.0-or-later
"""Copyright notices and abuse reports coming in (spec/compliance.md §3, §7): elements checked,
locators reduced to link ids (their keys cut off first), duplicates and floods refused. An abuse
report disables its link at once and hands the link key to the inspector queue, in memory only."""

import hashlib
from dataclasses import asdict

from sealbox.compliance import locators
from sealbox.compliance.cases import CaseState, CaseStatus, Event, advance
from sealbox.compliance.errors import ComplianceError
from sealbox.compliance.ids import Randomness, new_id
from sealbox.compliance.notices import NoticeElements, Notifier, Role, Scope, fingerprint
from sealbox.compliance.notices import missing_elements as missing_of
from sealbox.protocol import compliance as w
from sealbox.protocol.errors import ErrorCode
from sealbox.server.clock import Clock
from sealbox.server.db import cases, takedowns
from sealbox.server.db.cases import CaseRow
from sealbox.server.db.engine import Connection, Engine, writing
from sealbox.server.errors import ServiceError
from sealbox.server.services import transparency_entries as entries
from sealbox.server.services.inspections import InspectionQueue
from sealbox.server.services.transparency import TransparencyLog
from sealbox.server.settings import ComplianceSettings

CLOSED = {"rejected", "restored", "overturned", "upheld"}


def compliance_error(exc: ComplianceError) -> ServiceError:
    return ServiceError(ErrorCode(exc.code), exc.message)


def elements_of(req: w.NoticeRequest) -> NoticeElements:
    n = req.notifier
    return NoticeElements(
        notifier=Notifier(n.name, n.contact, Role(n.role)),
        signature=req.signature,
        works=tuple(req.works),
        locators=tuple(req.locators),
        explanation=req.explanation,
        good_faith=req.good_faith,
        accurate_under_penalty=req.accurate_under_penalty,
        misrepresentation_acknowledged=req.misrepresentation_acknowledged,
        scope=Scope(req.scope),
        file_ids=tuple(req.file_ids),
    )


class NoticeIntake:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        policy: ComplianceSettings,
        queue: InspectionQueue,
        random: Randomness,
        log: TransparencyLog,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._policy = policy
        self._queue = queue
        self._random = random
        self._log = log

    def _hosts(self, host: str) -> frozenset[str]:
        return frozenset(h.lower() for h in (self._policy.public_hosts or (host,)))

    def _link_ids(self, urls: list[str], host: str) -> list[bytes]:
        try:
            return [locators.parse(u, self._hosts(host)).link_id for u in urls]
        except ComplianceError as exc:
            raise compliance_error(exc) from None

    def _refuse_flood(self, conn: Connection, contact: str, now: int) -> None:
        if cases.from_notifier_since(conn, contact, now - 3600) >= self._policy.notices_per_hour:
            raise ServiceError(
                ErrorCode.TOO_MANY_ATTEMPTS,
                "too many notices from this notifier; send the rest later or as one notice",
                headers={"Retry-After": "3600"},
            )

    def _refuse_misuse(self, conn: Connection, contact: str, now: int) -> None:
        """DSA Art. 23(2): a notifier whose notices are often rejected is not heard for a while."""
        limit = self._policy.misuse_rejections
        since = now - self._policy.misuse_window_days * 86400
        if limit and cases.rejected_from_since(conn, contact, since) >= limit:
            raise ServiceError(
                ErrorCode.FORBIDDEN,
                "notices from this contact are suspended after repeated unfounded notices; "
                "write to the operator",
            )

    def _refuse_removed(self, conn: Connection, link_ids: list[bytes]) -> None:
        for link_id in link_ids:
            if takedowns.link_block(conn, link_id) is not None:
                raise ServiceError(ErrorCode.LINK_REMOVED, "a link named was already removed")

    def notice(self, req: w.NoticeRequest, host: str, flagger: str | None) -> w.NoticeReceipt:
        elements = elements_of(req)
        link_ids = self._link_ids(req.locators, host)
        missing = missing_of(elements)
        digest = hashlib.sha256(fingerprint(elements, link_ids).encode()).hexdigest()
        now = int(self._clock.now())
        case_id = new_id(self._random)
        with writing(self._engine) as conn:
            contact = elements.notifier.contact.strip().lower()
            self._refuse_flood(conn, contact, now)
            self._refuse_misuse(conn, contact, now)
            self._refuse_removed(conn, link_ids)
            # An incomplete notice is no duplicate: a resend completes it (§3.1).
            if cases.open_duplicate(conn, digest, CLOSED | {CaseState.INCOMPLETE.value}):
                raise ServiceError(
                    ErrorCode.DUPLICATE_NOTICE, "this notice was already received and is open"
                )
            values = self._case_values(case_id, elements, missing, now, flagger)
            values["fingerprint"] = digest
            repeated = None
            if contact:
                repeated = cases.incomplete_repeated(conn, contact, flagger, link_ids)
            if repeated is not None:
                case_id = self._supersede(conn, repeated, values)
            else:
                cases.add(conn, values, link_ids)
                self._log.append_in(conn, *entries.notice("copyright", flagger))
        return w.NoticeReceipt(
            notice_id=case_id,
            state="incomplete" if missing else "received",
            missing=missing,
            priority="high" if flagger else "normal",
        )

    def _supersede(self, conn: Connection, repeated: CaseRow, values: dict[str, object]) -> bytes:
        """The resend of an ``incomplete`` notice takes its place under its id, and completes it
        if nothing is missing now; its receipt time becomes now, when it arrived as it stands
        (spec/compliance.md §3.1). Not a new notice: nothing is logged again."""
        state = CaseState.INCOMPLETE
        if not values["missing"]:
            status = CaseStatus(state, repeated.changed_at)
            state = advance(status, Event.COMPLETE, self._clock).state
        kept = {k: v for k, v in values.items() if k != "case_id"}
        cases.change(conn, repeated.case_id, **{**kept, "state": state.value})
        return repeated.case_id

    def _case_values(
        self,
        case_id: bytes,
        e: NoticeElements,
        missing: list[str],
        now: int,
        flagger: str | None,
    ) -> dict[str, object]:
        recorded = asdict(e)
        # Only the locators' link ids are kept (case_links), never the URLs with their keys.
        for name in ("notifier", "locators"):
            recorded.pop(name)
        recorded["file_ids"] = [i.hex() for i in e.file_ids]
        recorded["works"] = list(e.works)
        recorded["role"] = e.notifier.role.value
        return {
            "case_id": case_id, "kind": "copyright",
            "state": "incomplete" if missing else "received",
            "scope": e.scope.value, "priority": 1 if flagger else 0,
            "received_at": now, "changed_at": now,
            "notifier_name": e.notifier.name,
            "notifier_contact": e.notifier.contact.strip().lower(),
            "flagger": flagger, "elements": recorded, "missing": missing,
        }  # fmt: skip

    def abuse(self, req: w.AbuseReportRequest, host: str) -> w.AbuseReceipt:
        """Record the report, disable its link pending review, queue the key for the inspector."""
        base, key = locators.split_key(req.url)
        (link_id,) = self._link_ids([base], host)
        now = int(self._clock.now())
        case_id = new_id(self._random)
        elements = {"description": req.description, "role": "reporter", "file_ids": []}
        with writing(self._engine) as conn:
            self._refuse_removed(conn, [link_id])
            cases.add(
                conn,
                {
                    "case_id": case_id,
                    "kind": req.category,
                    "state": "received",
                    "scope": Scope.EVERYWHERE.value,
                    "priority": 2,
                    "received_at": now,
                    "changed_at": now,
                    "notifier_name": "",
                    "notifier_contact": (req.contact or "").strip().lower(),
                    "flagger": None,
                    "elements": elements,
                    "missing": [],
                },
                [link_id],
            )
            takedowns.block_links(conn, {link_id}, case_id, "abuse_review")
            self._log.append_in(conn, *entries.notice(req.category, None))
        if key:
            self._queue.put(case_id, f"{base}#{key}")
        return w.AbuseReceipt(report_id=case_id, state="received")
