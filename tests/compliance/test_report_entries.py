# SPDX-License-Identifier: AGPL-3.0-or-later
"""Entries parse strictly (spec/transparency.md §Entries): what the spec does not define is an
error naming the entry's index, never skipped; and periods parse to their exact bounds."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sealbox.compliance.report import EntryError, PeriodError, canonical, parse_entry, parse_period

PUID = "0f0e0d0c-0b0a-4000-8000-00000000000a"
DECISION = {
    "v": 1,
    "kind": "decision",
    "at": "2026-07-02T12:00Z",
    "puid": PUID,
    "outcome": "upheld",
    "category": "STATEMENT_CATEGORY_VIOLENCE",
    "ground": "law",
    "scope": "link",
    "links": 1,
    "nodes": 0,
    "automated": False,
    "received": "2026-07-02T10:00Z",
    "source": "form",
}
REQUEST = {
    "v": 1,
    "kind": "request",
    "at": "2026-09-02T09:00Z",
    "type": "private",
    "country": "DE",
    "offence": "fraud",
    "outcome": "declined",
    "received": "2026-09-01T09:00Z",
}


def test_a_valid_entry_parses_with_its_fields() -> None:
    entry = parse_entry(7, canonical(DECISION))
    assert (entry.index, entry.kind, entry.at) == (7, "decision", "2026-07-02T12:00Z")
    assert entry["links"] == 1 and entry["scope"] == "link"
    for kind in ("data_export", "erasure"):
        assert parse_entry(0, canonical({"v": 1, "kind": kind, "at": "2026-07-02T12:00Z"}))


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"kind": "takedown"}, "unknown kind 'takedown'"),
        ({"ip": "192.0.2.1"}, "unknown field 'ip' for a decision entry"),
        ({"v": 2}, "version 2"),
        ({"v": True}, "version True"),
        ({"links": -1}, "'links' is -1, not a whole number"),
        ({"links": True}, "'links' is True, not a whole number"),
        ({"links": 1.0}, "'links' is 1.0, not a whole number"),
        ({"automated": 0}, "'automated' is 0, not true or false"),
        ({"outcome": "maybe"}, "'outcome' is 'maybe', not one of upheld, rejected"),
        ({"scope": None}, "an upheld decision has a scope and a public id"),
        ({"puid": None}, "an upheld decision has a scope and a public id"),
        ({"outcome": "rejected"}, "a rejected decision has no scope"),
        ({"at": "2026-07-02T12:00:00Z"}, "not a UTC time to the minute"),
        ({"at": "2026-02-30T12:00Z"}, "not a date and time"),
        ({"received": None}, "'received' is None, not a UTC time"),
        ({"puid": PUID.upper()}, "not a public id"),
        ({"category": "copyright"}, "not a decision category"),
    ],
)
def test_a_decision_outside_the_spec_names_its_index(change: dict[str, Any], problem: str) -> None:
    with pytest.raises(EntryError, match=problem) as caught:
        parse_entry(12, canonical({**DECISION, **change}))
    assert str(caught.value).startswith("log entry 12: ")
    assert caught.value.index == 12


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"country": "de"}, "not a country code"),
        ({"offence": "Mr Smith's fraud case 12/2026"}, "never free text"),
        ({"type": "subpoena"}, "not one of law_enforcement"),
    ],
)
def test_a_request_outside_the_spec_is_refused(change: dict[str, Any], problem: str) -> None:
    with pytest.raises(EntryError, match=problem):
        parse_entry(3, canonical({**REQUEST, **change}))


def test_fields_the_spec_lets_be_null() -> None:
    rejected = {**DECISION, "outcome": "rejected", "scope": None, "puid": None}
    assert parse_entry(1, canonical(rejected))["puid"] is None
    appeal = {
        "v": 1,
        "kind": "appeal",
        "at": "2026-07-02T12:00Z",
        "puid": PUID,
        "outcome": "denied",
        "received": None,
    }
    assert parse_entry(2, canonical(appeal))["received"] is None
    with pytest.raises(EntryError, match="'received' is None, not a UTC time"):
        parse_entry(3, canonical({**REQUEST, "received": None}))
    with pytest.raises(EntryError, match="'puid' is None, not a public id"):
        parse_entry(4, canonical({**appeal, "puid": None}))


def test_a_missing_field_is_refused() -> None:
    entry = {k: v for k, v in REQUEST.items() if k != "received"}
    with pytest.raises(EntryError, match="lacks the field 'received' of a request entry"):
        parse_entry(4, canonical(entry))


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (json.dumps(REQUEST, sort_keys=True).encode(), "not in the canonical encoding"),
        (json.dumps(REQUEST, separators=(",", ":")).encode(), "not in the canonical encoding"),
        (canonical(REQUEST).replace(b'"DE"', b'"\\u0044E"'), "not in the canonical encoding"),
        (canonical(REQUEST)[:-1] + b',"v":1}', "the field 'v' appears twice"),
        (b"\xff", "is not UTF-8"),
        (b"[1]", "is not a JSON object"),
        (b"{", "is not JSON"),
    ],
)
def test_a_non_canonical_encoding_is_refused(data: bytes, problem: str) -> None:
    with pytest.raises(EntryError, match=problem) as caught:
        parse_entry(9, data)
    assert caught.value.index == 9


def test_census_and_canary_fields_are_checked() -> None:
    census = {
        "v": 1,
        "kind": "census",
        "at": "2026-07-01T00:00Z",
        "accounts": 1,
        "files": 2,
        "links": 3,
    }
    assert parse_entry(0, canonical(census))["files"] == 2
    canary = {
        "v": 1,
        "kind": "canary",
        "at": "2026-07-01T00:00Z",
        "statement": "ok",
        "next": "2026-07-08",
    }
    assert parse_entry(1, canonical(canary))["next"] == "2026-07-08"
    with pytest.raises(EntryError, match="'next' is '2026-07-08T00:00Z', not a date"):
        parse_entry(1, canonical({**canary, "next": "2026-07-08T00:00Z"}))
    with pytest.raises(EntryError, match="'statement' is ' ', not a text"):
        parse_entry(1, canonical({**canary, "statement": " "}))


@pytest.mark.parametrize(
    ("name", "start", "end"),
    [
        ("2026", "2026-01-01T00:00Z", "2027-01-01T00:00Z"),
        ("2026-H1", "2026-01-01T00:00Z", "2026-07-01T00:00Z"),
        ("2026-H2", "2026-07-01T00:00Z", "2027-01-01T00:00Z"),
        ("2026-Q1", "2026-01-01T00:00Z", "2026-04-01T00:00Z"),
        ("2026-Q4", "2026-10-01T00:00Z", "2027-01-01T00:00Z"),
    ],
)
def test_periods_have_exact_bounds(name: str, start: str, end: str) -> None:
    period = parse_period(name)
    assert (period.start, period.end) == (start, end)
    assert period.holds(start) and not period.holds(end)


@pytest.mark.parametrize("name", ["2026-H3", "2026-Q0", "2026-Q5", "26", "2026-M1", "2026-h2"])
def test_unknown_periods_are_refused(name: str) -> None:
    with pytest.raises(PeriodError, match="not a period"):
        parse_period(name)
