# SPDX-License-Identifier: AGPL-3.0-or-later
"""Notices, locators, the case state machine, statements of reasons, takedown plans, hash sets."""

import base64
import itertools
import json
import uuid

import pytest

from sealbox.compliance import hashsets, locators
from sealbox.compliance.cases import CaseState, CaseStatus, Event, advance
from sealbox.compliance.decisions import DecisionInput, statement
from sealbox.compliance.errors import ComplianceError, InvalidTransition
from sealbox.compliance.notices import (
    NoticeElements,
    Notifier,
    Role,
    Scope,
    missing_elements,
)
from sealbox.compliance.takedown import LinkTarget, NodeRef, plan_for_link

LINK = bytes(range(16))
URL = "https://drive.example/l/" + base64.urlsafe_b64encode(LINK).decode().rstrip("=")


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def now(self) -> float:
        return self.t


def notice(**changes: object) -> NoticeElements:
    base: dict[str, object] = dict(
        notifier=Notifier("Rights Co", "legal@rights.example", Role.AGENT),
        signature="Jane Doe", works=("Song",), locators=(URL,), explanation="copy of our song",
        good_faith=True, accurate_under_penalty=True, misrepresentation_acknowledged=True,
        scope=Scope.LINK,
    )  # fmt: skip
    base.update(changes)
    return NoticeElements(**base)  # type: ignore[arg-type]


def test_missing_elements_are_named() -> None:
    assert missing_elements(notice()) == []
    lacking = missing_elements(notice(signature=" ", works=(), good_faith=False))
    assert lacking == ["signature", "works", "good_faith"]


def test_locator_loses_its_key_and_must_be_ours() -> None:
    found = locators.parse(URL + "#secret-key-material", frozenset({"drive.example"}))
    assert found.link_id == LINK and "#" not in found.url and "secret" not in found.url
    for bad in ("https://other.example/l/" + URL.rsplit("/", 1)[1], "https://drive.example/x/1",
                "ftp://drive.example/l/AAAA"):  # fmt: skip
        with pytest.raises(ComplianceError) as caught:
            locators.parse(bad + "#key", frozenset({"drive.example"}))
        assert caught.value.code == "not_our_url" and "key" not in caught.value.message


def test_case_state_machine_uses_the_clock_and_refuses_illegal_steps() -> None:
    clock = Clock()
    status = CaseStatus(CaseState.RECEIVED, 0.0)
    status = advance(status, Event.ACT, clock)
    assert status == CaseStatus(CaseState.ACTIONED, 1000.0)
    clock.t = 2000.0
    status = advance(status, Event.COUNTER, clock)
    assert status.state is CaseState.COUNTERED and status.changed_at == 2000.0
    with pytest.raises(InvalidTransition):
        advance(status, Event.ACT, clock)
    assert advance(status, Event.COURT_ACTION, clock).state is CaseState.UPHELD


def test_statement_of_reasons_has_a_random_public_id() -> None:
    counter = itertools.count()
    sor = statement(
        DecisionInput("copyright", Scope.EVERYWHERE, None, "why", "facts", trusted_flagger=True),
        1_800_000_000.0,
        lambda n: bytes([next(counter)] * n),
    )
    assert uuid.UUID(sor.puid).version == 4
    assert sor.decision_visibility == "DECISION_VISIBILITY_CONTENT_REMOVED"
    assert sor.source_type == "SOURCE_TRUSTED_FLAGGER"
    assert sor.category == "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS"
    assert sor.application_date == "2027-01-15"


class Store:
    def link(self, link_id: bytes) -> LinkTarget | None:
        return None

    def content_of(self, owner_id: bytes, node_id: bytes) -> bytes | None:
        return b"C" * 16

    def links_reaching(self, content_id: bytes) -> list[bytes]:
        return [b"L2" * 8]

    def nodes_naming(self, content_id: bytes) -> list[NodeRef]:
        return [NodeRef(b"A" * 16, b"N" * 16), NodeRef(b"B" * 16, b"M" * 16)]


def test_takedown_plans_by_scope() -> None:
    file_link = LinkTarget(LINK, b"A" * 16, b"N" * 16, "file")
    one = plan_for_link(Store(), file_link, Scope.LINK, ())
    assert one.links == {LINK} and not one.nodes and not one.refuse
    every_link = plan_for_link(Store(), file_link, Scope.FILE, ())
    assert every_link.links == {LINK, b"L2" * 8} and not every_link.nodes
    everywhere = plan_for_link(Store(), file_link, Scope.EVERYWHERE, ())
    assert len(everywhere.nodes) == 2 and everywhere.refuse == {b"C" * 16}
    folder = LinkTarget(LINK, b"A" * 16, b"F" * 16, "folder")
    whole = plan_for_link(Store(), folder, Scope.EVERYWHERE, ())
    assert whole.links == {LINK} and not whole.nodes and not whole.refuse


def test_hash_sets_match_exactly_and_pdq_within_distance() -> None:
    pdq = "f" * 64
    text = json.dumps({"label": "TEST", "entries": [
        {"type": "sha256", "hash": "a" * 64}, {"type": "pdq", "hash": pdq}]})  # fmt: skip
    bank = hashsets.parse(text, "test.json")
    assert hashsets.match([bank], {"sha256": "A" * 64}) == hashsets.Match("TEST", "sha256", 0)
    near = "0" * 7 + "f" * 57  # 28 bits off
    assert hashsets.match([bank], {"pdq": near}) == hashsets.Match("TEST", "pdq", 28)
    assert hashsets.match([bank], {"pdq": near}, pdq_distance=20) is None
    with pytest.raises(ValueError, match="hex digits"):
        hashsets.parse(json.dumps({"entries": [{"type": "md5", "hash": "ab"}]}), "bad.json")
