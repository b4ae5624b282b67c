# SPDX-License-Identifier: AGPL-3.0-or-later
"""A synthetic transparency log for the report's tests: entries in the canonical encoding, timed
by a fake clock, and a reader over them (``sealbox.compliance.report.LogReader``).

``half_year()`` is the second half of 2026 with a few entries on either side; the expected
figures for it are worked out by hand in tests/compliance/test_report_figures.py."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sealbox.compliance.report import Head, canonical
from sealbox.tlog.merkle import leaf_hash, root

IP = "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS"
MINORS = "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
VIOLENCE = "STATEMENT_CATEGORY_VIOLENCE"
FORMAT = "%Y-%m-%dT%H:%MZ"


class FakeClock:
    """UTC time to the minute, moved only by the test."""

    def __init__(self, start: str) -> None:
        self.now = datetime.strptime(start, FORMAT).replace(tzinfo=UTC)

    def set(self, at: str) -> None:
        self.now = datetime.strptime(at, FORMAT).replace(tzinfo=UTC)

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def at(self) -> str:
        return self.now.strftime(FORMAT)


class SyntheticLog:
    """Entries appended in order, each stamped by the clock unless ``at`` is given."""

    def __init__(self, clock: FakeClock, origin: str = "sealbox.test/transparency") -> None:
        self.clock = clock
        self.origin = origin
        self.data: list[bytes] = []
        self._puids = 0

    def add(self, kind: str, at: str | None = None, **fields: Any) -> int:
        entry = {"v": 1, "kind": kind, "at": at or self.clock.at(), **fields}
        self.data.append(canonical(entry))
        return len(self.data) - 1

    def puid(self) -> str:
        self._puids += 1
        return str(uuid.UUID(int=self._puids, version=4))

    def entries(self, start: int = 0, end: int | None = None) -> list[tuple[int, bytes]]:
        stop = len(self.data) if end is None else min(end, len(self.data))
        return [(i, self.data[i]) for i in range(start, stop)]

    def head(self) -> Head:
        return Head(len(self.data), root([leaf_hash(d) for d in self.data]), self.origin)


class ListReader:
    """``LogReader`` over a list of entries, serving at most ``batch`` per call like the route."""

    def __init__(self, log: SyntheticLog, batch: int = 1000) -> None:
        self.log, self.batch = log, batch

    def head(self) -> Head:
        return self.log.head()

    def entries(self, start: int, end: int) -> Iterable[tuple[int, bytes]]:
        return self.log.entries(start, min(end, start + self.batch))


def _decision(log: SyntheticLog, received: str, **fields: Any) -> str:
    """A decision entry; a rejected one has no public id (spec/transparency.md)."""
    puid = log.puid() if fields["outcome"] == "upheld" else None
    log.add("decision", puid=puid, received=received, **fields)
    return puid or ""


def _notices_and_takedowns(log: SyntheticLog) -> tuple[str, str]:
    c = log.clock
    c.set("2026-07-02T10:00Z")
    log.add("notice", source="form", category=IP)  # 4
    c.set("2026-07-02T11:00Z")
    log.add("notice", source="trusted_flagger", category=IP)  # 5
    c.set("2026-07-02T12:00Z")  # 120 minutes after its notice
    p6 = _decision(
        log,
        "2026-07-02T10:00Z",
        outcome="upheld",
        category=IP,
        ground="law",
        scope="link",
        links=1,
        nodes=0,
        automated=False,
        source="form",
    )
    c.set("2026-07-02T11:30Z")  # a second server's clock, 30 minutes after its notice
    p7 = _decision(
        log,
        "2026-07-02T11:00Z",
        outcome="upheld",
        category=IP,
        ground="law",
        scope="everywhere",
        links=3,
        nodes=2,
        automated=False,
        source="trusted_flagger",
    )
    c.set("2026-07-10T09:00Z")
    log.add("notice", source="api", category=IP)  # 8
    c.advance(days=1)
    _decision(
        log,
        "2026-07-10T09:00Z",
        outcome="rejected",
        category=IP,
        ground="law",
        scope=None,
        links=0,
        nodes=0,
        automated=False,
        source="api",
    )
    c.set("2026-07-15T08:00Z")
    log.add("counter_notice", puid=p6, state="filed")  # 10
    c.set("2026-08-01T00:00Z")
    log.add("account_action", action="suspended", cause="strikes")  # 11
    return p6, p7


def _abuse(log: SyntheticLog) -> str:
    c = log.clock
    c.set("2026-08-05T10:00Z")
    log.add("notice", source="abuse_report", category=MINORS)  # 12
    c.advance(minutes=5)
    p13 = _decision(
        log,
        "2026-08-05T10:00Z",
        outcome="upheld",
        category=MINORS,
        ground="law",
        scope="everywhere",
        links=2,
        nodes=3,
        automated=True,
        source="abuse_report",
    )
    c.advance(minutes=1)
    log.add("account_action", action="closed", cause="abuse")  # 14
    c.advance(minutes=1)
    log.add("account_action", action="closed", cause="resharing")  # 15
    c.set("2026-08-20T12:00Z")
    log.add("notice", source="abuse_report", category=VIOLENCE)  # 16
    c.advance(days=1)
    _decision(
        log,
        "2026-08-20T12:00Z",
        outcome="upheld",
        category=VIOLENCE,
        ground="terms",
        scope="file",
        links=1,
        nodes=1,
        automated=False,
        source="abuse_report",
    )
    return p13


REQUESTS = (  # type, country, offence, outcome, received, answered (entries 19 to 29)
    ("law_enforcement", "DE", "fraud", "provided", "2026-09-01T09:00Z", "2026-09-02T09:00Z"),
    ("law_enforcement", "DE", "fraud", "declined", "2026-09-03T09:00Z", "2026-09-03T15:00Z"),
    ("law_enforcement", "FR", "csam", "no_data", "2026-09-10T08:00Z", "2026-09-14T08:00Z"),
    (
        "law_enforcement",
        "US",
        "copyright",
        "mla_referred",
        "2026-09-20T00:00Z",
        "2026-09-20T01:30Z",
    ),
    ("court_order", "NZ", "copyright", "partly_provided", "2026-10-01T00:00Z", "2026-10-11T00:00Z"),
    ("emergency", "FR", "terrorism", "provided", "2026-10-02T00:00Z", "2026-10-02T00:45Z"),
    ("private", "US", "defamation", "declined", "2026-10-05T00:00Z", "2026-10-06T00:00Z"),
    ("private", "GB", "copyright", "declined", "2026-10-06T00:00Z", "2026-10-07T00:00Z"),
    ("private", "US", "copyright", "provided", "2026-10-07T00:00Z", "2026-10-08T00:00Z"),
    ("dsa_order", "DE", "terrorism", "provided", "2026-10-10T00:00Z", "2026-10-10T12:00Z"),
    ("dsa_order", "IE", "csam", "no_data", "2026-10-11T00:00Z", "2026-10-12T00:00Z"),
)


def _requests_and_after(log: SyntheticLog, p6: str, p7: str, p13: str) -> None:
    c = log.clock
    c.set("2026-08-29T08:00Z")
    log.add("counter_notice", puid=p6, state="restored")  # 18
    for type_, country, offence, outcome, received, answered in REQUESTS:
        c.set(answered)
        log.add(
            "request",
            type=type_,
            country=country,
            offence=offence,
            outcome=outcome,
            received=received,
        )
    c.set("2026-10-20T00:00Z")
    log.add("appeal", puid=p7, outcome="granted", received="2026-10-15T00:00Z")  # 30
    c.advance(minutes=1)
    log.add("account_action", action="reinstated", cause="appeal")  # 31
    log.add("appeal", "2026-10-17T00:00Z", puid=p13, outcome="denied", received="2026-10-16T00:00Z")
    for day, kind in (("01", "data_export"), ("02", "data_export"), ("03", "erasure")):
        log.add(kind, f"2026-11-{day}T00:00Z")  # 33 to 35
    log.add("disclosure", "2026-11-04T00:00Z", records=17)  # 36
    log.add("canary", "2026-11-05T00:00Z", statement="No secret orders.", next="2026-11-12")
    log.add("counter_notice", "2026-11-10T00:00Z", puid=p7, state="court_action")  # 38


def half_year(clock: FakeClock | None = None) -> SyntheticLog:
    """44 entries: two in June, 2026-H2 from index 2 to 41 (with one skewed June entry at 3),
    two in January 2027."""
    log = SyntheticLog(clock or FakeClock("2026-06-30T23:59Z"))
    log.add("census", accounts=900, files=90_000, links=5_000)  # 0
    log.add("notice", source="form", category=IP)  # 1
    log.clock.advance(minutes=1)
    log.add("census", accounts=1000, files=100_000, links=6_000)  # 2: the period's first minute
    log.add("erasure", "2026-06-30T23:58Z")  # 3: a skewed clock; in the range, not the period
    p6, p7 = _notices_and_takedowns(log)
    p13 = _abuse(log)
    _requests_and_after(log, p6, p7, p13)
    log.clock.set("2026-12-31T00:00Z")
    log.add("census", accounts=1200, files=160_000, links=8_000)  # 39: the period's last census
    log.clock.set("2026-12-31T23:59Z")  # the period's last minute
    log.add("notice", source="form", category=IP)  # 40
    _decision(
        log,
        log.clock.at(),
        outcome="upheld",
        category=IP,
        ground="terms",
        scope="folder",
        links=4,
        nodes=7,
        automated=False,
        source="form",
    )
    log.clock.advance(minutes=1)
    log.add("census", accounts=1300, files=170_000, links=9_000)  # 42
    log.add("account_action", "2027-01-02T00:00Z", action="suspended", cause="strikes")  # 43
    return log
