# SPDX-License-Identifier: AGPL-3.0-or-later
"""The register of requests for user data and preservation holds (spec/compliance.md §12).

The rules are the domain's (``sealbox.compliance.requests``); this service loads and stores the
records, audits every operator action, tells users through the outbox, and hands each answered
request to the transparency log through ``log`` (one call, ``log("request", fields)``, with
only the fields spec/transparency.md names for the kind).
"""

import os
from collections.abc import Callable
from datetime import UTC, datetime

from sealbox.compliance import requests as rules
from sealbox.compliance.errors import ComplianceError
from sealbox.compliance.ids import Randomness, new_id
from sealbox.protocol.errors import ErrorCode
from sealbox.protocol.models import b64decode
from sealbox.server.clock import Clock
from sealbox.server.db import accounts, operators, retention
from sealbox.server.db import requests as register
from sealbox.server.db.engine import Connection, Engine, read_only, writing
from sealbox.server.errors import ServiceError
from sealbox.server.services.log_port import TransparencyLog, no_log
from sealbox.server.services.operators import OperatorService
from sealbox.server.settings import ComplianceSettings


def request_policy(settings: ComplianceSettings) -> rules.RequestPolicy:
    """The request policy from the compliance knobs; the home country is ``country``."""
    return rules.RequestPolicy(
        home_country=settings.country.upper(),
        answered_countries=tuple(c.upper() for c in settings.requests_answered_countries),
        emergency_requests=settings.emergency_requests,
        emergency_notice_days=settings.emergency_notice_days,
        hold_days=settings.hold_days,
        hold_renewals=settings.hold_renewals,
    )


def minute(at: int) -> str:
    """A time as the log writes it: UTC, to the minute."""
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%MZ")


def refused(exc: ComplianceError) -> ServiceError:
    code = ErrorCode.BAD_REQUEST if exc.code == "bad_request" else ErrorCode.INVALID_STATE
    return ServiceError(code, exc.message)


class RequestService:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        policy: rules.RequestPolicy,
        audit: OperatorService,
        log: TransparencyLog = no_log,
        random: Randomness = os.urandom,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._policy = policy
        self._audit = audit
        self._log = log
        self._random = random

    @property
    def policy(self) -> rules.RequestPolicy:
        return self._policy

    # The register

    def add(self, fields: dict[str, object], username: str | None, by: str) -> rules.DataRequest:
        """Record a received request; ``username`` is the account it names, if any."""
        with writing(self._engine) as conn:
            if username is not None:
                user_id = accounts.user_id_of(conn, username.strip().lower())
                if user_id is None:
                    raise ServiceError(ErrorCode.NOT_FOUND, f"no account is called {username!r}")
                fields = {**fields, "account": user_id}
            try:
                received = rules.new_request(new_id(self._random), fields, self._clock)
            except ComplianceError as exc:
                raise refused(exc) from None
            register.add_request(conn, received)
            self._audit.audit(conn, by, "request_received", received.request_id.hex())
        return received

    def listing(self, state: str | None = None) -> list[rules.DataRequest]:
        with read_only(self._engine) as conn:
            return register.requests(conn, state)

    def show(self, request_id: bytes) -> rules.DataRequest:
        with read_only(self._engine) as conn:
            found = register.request(conn, request_id)
        if found is None:
            raise ServiceError(ErrorCode.NOT_FOUND, "no request has that id")
        return found

    def assess(self, request_id: bytes) -> rules.Assessment:
        return rules.assess(self.show(request_id), self._policy)

    def _change(
        self,
        request_id: bytes,
        step: Callable[[rules.DataRequest], rules.DataRequest],
        by: str,
        action: str,
    ) -> rules.DataRequest:
        with writing(self._engine) as conn:
            found = register.request(conn, request_id, lock=True)
            if found is None:
                raise ServiceError(ErrorCode.NOT_FOUND, "no request has that id")
            try:
                changed = step(found)
            except ComplianceError as exc:
                raise refused(exc) from None
            register.save_request(conn, changed)
            if changed.notified_at is not None and found.notified_at is None:
                self._tell_user(conn, changed)
            self._audit.audit(conn, by, action, request_id.hex())
        return changed

    def validate(
        self,
        request_id: bytes,
        by: str,
        restraint: rules.Restraint | None = None,
        until: int | None = None,
    ) -> rules.DataRequest:
        return self._change(
            request_id,
            lambda r: rules.validate(r, self._clock, self._policy, restraint, until),
            by,
            "request_validated",
        )

    def answer(
        self, request_id: bytes, outcome: rules.Outcome, disclosed: str, by: str
    ) -> rules.DataRequest:
        done = self._change(
            request_id,
            lambda r: rules.answer(r, outcome, disclosed, self._clock, self._policy),
            by,
            f"request_{outcome.value}",
        )
        self._log(
            "request",
            {
                "type": done.type.value,
                "country": done.country,
                "offence": done.offence,
                "outcome": outcome.value,
                "received": minute(done.received_at),
            },
        )
        return done

    def notify(self, request_id: bytes, by: str) -> rules.DataRequest:
        return self._change(
            request_id, lambda r: rules.notify(r, self._clock), by, "request_user_notified"
        )

    def notify_due(self, by: str = "retention-job") -> int:
        """Tell every user whose notice is due (advance notice, or a gag or delay that lapsed)."""
        now = int(self._clock.now())
        told = 0
        with writing(self._engine) as conn:
            for due in register.notices_due(conn, now):
                if not rules.notice_due(due, now):
                    continue
                sent = rules.notify(due, self._clock)
                register.save_request(conn, sent)
                self._tell_user(conn, sent)
                self._audit.audit(conn, by, "request_user_notified", due.request_id.hex())
                told += 1
        return told

    def _tell_user(self, conn: Connection, request: rules.DataRequest) -> None:
        """An outbox message to the account (its e-mail if it gave one): who asked for what."""
        assert request.account is not None  # the domain refuses notice without an account
        email = register.email_of(conn, request.account)
        channel = email or f"account:{request.account.hex()}"
        body = (
            f"On {minute(request.received_at)} {request.authority} ({request.country}) asked this "
            f"service for data about your account: {request.data_asked}. Legal instrument: "
            f"{request.instrument}. Request id: {request.request_id.hex()}."
        )
        operators.send(
            conn,
            {
                "message_id": new_id(self._random),
                "channel": channel,
                "subject": "A request for data about your account",
                "body": body,
                "created_at": int(self._clock.now()),
            },
        )

    # Preservation holds

    def place_hold(self, username: str, request_id: bytes | None, by: str) -> rules.Hold:
        """Hold the account of that username, or the account deleted under a hold whose user id
        (base64) ``username`` spells: its name is free for others now (§12.4)."""
        with writing(self._engine) as conn:
            user_id = accounts.user_id_of(conn, username.strip().lower()) or _held_deletion_of(
                conn, username
            )
            if user_id is None:
                raise ServiceError(ErrorCode.NOT_FOUND, f"no account is called {username!r}")
            if request_id is not None and register.request(conn, request_id) is None:
                raise ServiceError(ErrorCode.NOT_FOUND, "no request has that id")
            hold = rules.place_hold(
                new_id(self._random), user_id, request_id, self._clock, self._policy
            )
            register.put_hold(conn, hold)
            self._audit.audit(conn, by, "hold_placed", hold.hold_id.hex())
        return hold

    def _change_hold(
        self, hold_id: bytes, step: Callable[[rules.Hold], rules.Hold], by: str, action: str
    ) -> rules.Hold:
        with writing(self._engine) as conn:
            found = register.hold(conn, hold_id)
            if found is None:
                raise ServiceError(ErrorCode.NOT_FOUND, "no hold has that id")
            try:
                changed = step(found)
            except ComplianceError as exc:
                raise refused(exc) from None
            register.put_hold(conn, changed)
            self._audit.audit(conn, by, action, hold_id.hex())
        return changed

    def renew_hold(self, hold_id: bytes, by: str) -> rules.Hold:
        return self._change_hold(
            hold_id, lambda h: rules.renew_hold(h, self._clock, self._policy), by, "hold_renewed"
        )

    def release_hold(self, hold_id: bytes, by: str) -> rules.Hold:
        return self._change_hold(
            hold_id, lambda h: rules.release_hold(h, self._clock), by, "hold_released"
        )

    def holds(self) -> list[rules.Hold]:
        with read_only(self._engine) as conn:
            return register.holds(conn)

    def held(self, user_ids: list[bytes]) -> set[bytes]:
        """The accounts among ``user_ids`` whose data no erasure may touch now."""
        with read_only(self._engine) as conn:
            return register.held_accounts(conn, user_ids, int(self._clock.now()))

    def drop_ended_holds(self) -> int:
        with writing(self._engine) as conn:
            return register.drop_ended_holds(conn, int(self._clock.now()))


def _held_deletion_of(conn: Connection, account: str) -> bytes | None:
    """The user id ``account`` spells in base64, if an account deleted under a hold had it."""
    try:
        user_id = b64decode(account.strip())
    except ValueError:
        return None
    return user_id if retention.has_held_deletion(conn, user_id) else None
