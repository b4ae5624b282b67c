# SPDX-License-Identifier: AGPL-3.0-or-later
"""The register of requests and preservation holds through the service, on both stacks, with the
fake clock: the audit record, the user's notice in the outbox, the transparency log's entries."""

from collections.abc import Mapping

import pytest

from sealbox.compliance.requests import DAY, Outcome, RequestState, Restraint
from sealbox.protocol.models import b64encode
from sealbox.server.db import operators
from sealbox.server.db.engine import read_only
from sealbox.server.errors import ServiceError
from sealbox.server.services.disclosure import DisclosureService
from sealbox.server.services.requests import RequestService, request_policy
from sealbox.server.settings import ComplianceSettings

from .conftest import Server

pytestmark = pytest.mark.anyio

FIELDS: dict[str, object] = {
    "type": "law_enforcement",
    "country": "US",
    "authority": "FBI Field Office",
    "instrument": "18 U.S.C. §2703(d) order 26-117",
    "offence": "fraud",
    "data_asked": "subscriber records",
}


def service(server: Server, entries: list[tuple[str, Mapping[str, object]]]) -> RequestService:
    """The service with the log port recording what it would append."""
    return RequestService(
        server.services.engine,
        server.clock,
        request_policy(ComplianceSettings()),
        server.services.compliance.operators,
        lambda kind, fields: entries.append((kind, fields)),
    )


def outbox(server: Server) -> list[dict[str, object]]:
    with read_only(server.services.engine) as conn:
        return [dict(row._mapping) for row in operators.messages(conn)]


async def test_a_request_is_recorded_told_answered_audited_and_logged(server: Server) -> None:
    alice = await server.api.signup("alice")
    entries: list[tuple[str, Mapping[str, object]]] = []
    svc = service(server, entries)
    received = svc.add(dict(FIELDS), "Alice", "olga")
    assert received.account == alice.user_id
    server.clock.advance(3600)
    svc.validate(received.request_id, "olga")
    with pytest.raises(ServiceError) as refused:
        svc.answer(received.request_id, Outcome.PROVIDED, "username", "olga")
    assert "told before" in refused.value.message
    assert svc.notify_due() == 1  # the advance notice goes out with the next job run
    [message] = outbox(server)
    assert message["channel"] == f"account:{alice.user_id.hex()}"
    assert "FBI Field Office" in str(message["body"]) and "subscriber records" in str(
        message["body"]
    )
    assert svc.notify_due() == 0
    server.clock.advance(2 * DAY)
    done = svc.answer(received.request_id, Outcome.PROVIDED, "username, e-mail", "olga")
    assert done.state is RequestState.ANSWERED and svc.listing("answered") == [done]
    assert entries == [
        (
            "request",
            {
                "type": "law_enforcement",
                "country": "US",
                "offence": "fraud",
                "outcome": "provided",
                "received": "2027-01-15T08:00Z",
            },
        )
    ]
    actions = [
        (e.operator, e.action, e.target)
        for e in server.services.compliance.operators.audit_entries()
    ]
    target = received.request_id.hex()
    assert actions == [
        ("olga", "request_received", target),
        ("olga", "request_validated", target),
        ("retention-job", "request_user_notified", target),
        ("olga", "request_provided", target),
    ]


async def test_a_gagged_request_is_told_only_when_the_gag_lapses(server: Server) -> None:
    await server.api.signup("bob")
    svc = service(server, [])
    received = svc.add({**FIELDS, "type": "court_order"}, "bob", "olga")
    until = int(server.clock.now()) + 10 * DAY
    svc.validate(received.request_id, "olga", Restraint.GAG, until)
    svc.answer(received.request_id, Outcome.PROVIDED, "e-mail", "olga")
    with pytest.raises(ServiceError):
        svc.notify(received.request_id, "olga")
    server.clock.advance(10 * DAY - 1)
    assert svc.notify_due() == 0 and outbox(server) == []
    server.clock.advance(1)
    assert svc.notify_due() == 1
    assert svc.show(received.request_id).notified_at == until


async def test_a_private_or_foreign_request_is_refused_by_policy(server: Server) -> None:
    await server.api.signup("carol")
    svc = service(server, [])
    private = svc.add({**FIELDS, "type": "private", "authority": "Rights Co"}, "carol", "olga")
    svc.validate(private.request_id, "olga")
    svc.notify(private.request_id, "olga")
    with pytest.raises(ServiceError) as refused:
        svc.answer(private.request_id, Outcome.PROVIDED, "e-mail", "olga")
    assert "court order" in refused.value.message
    foreign = svc.add({**FIELDS, "country": "fr"}, None, "olga")
    assert svc.assess(foreign.request_id).allowed == (Outcome.MLA_REFERRED, Outcome.DECLINED)
    with pytest.raises(ServiceError):
        svc.add(dict(FIELDS), "nobody", "olga")


async def test_holds_expire_renew_release_and_name_held_accounts(server: Server) -> None:
    dave = await server.api.signup("dave")
    svc = service(server, [])
    hold = svc.place_hold("dave", None, "olga")
    assert svc.held([dave.user_id, b"\x00" * 16]) == {dave.user_id}
    server.clock.advance(80 * DAY)
    svc.renew_hold(hold.hold_id, "olga")
    with pytest.raises(ServiceError):
        svc.renew_hold(hold.hold_id, "olga")
    server.clock.advance(89 * DAY)
    assert svc.drop_ended_holds() == 0 and svc.held([dave.user_id]) == {dave.user_id}
    server.clock.advance(DAY)
    assert svc.held([dave.user_id]) == set()
    assert svc.drop_ended_holds() == 1 and svc.holds() == []
    second = svc.place_hold("dave", None, "olga")
    svc.release_hold(second.hold_id, "olga")
    assert svc.held([dave.user_id]) == set() and svc.drop_ended_holds() == 1


async def test_the_holders_own_copy_leaves_out_what_a_gag_keeps_back(server: Server) -> None:
    erin = await server.api.signup("erin")
    entries: list[tuple[str, Mapping[str, object]]] = []
    svc = service(server, entries)
    told = svc.add(dict(FIELDS), "erin", "olga")
    svc.validate(told.request_id, "olga")
    svc.notify(told.request_id, "olga")
    svc.place_hold("erin", told.request_id, "olga")
    gagged = svc.add(dict(FIELDS), "erin", "olga")
    svc.validate(gagged.request_id, "olga", Restraint.GAG, int(server.clock.now()) + DAY)
    svc.place_hold("erin", gagged.request_id, "olga")
    svc.place_hold("erin", None, "olga")
    log = lambda kind, fields: entries.append((kind, fields))  # noqa: E731
    disclosure = DisclosureService(server.services.engine, server.clock, "test", log)
    own = await disclosure.own_copy(erin.user_id)
    assert [r["request_id"] for r in own.data["data_requests"]] == [b64encode(told.request_id)]
    assert [h["request_id"] for h in own.data["preservation_holds"]] == [b64encode(told.request_id)]
    assert entries == [("data_export", {})]
    package = await disclosure.package("erin")
    assert len(package.data["data_requests"]) == 2 and len(package.data["preservation_holds"]) == 3
    records = sum(len(rows) for rows in package.data.values())
    assert entries == [("data_export", {}), ("disclosure", {"records": records})]
