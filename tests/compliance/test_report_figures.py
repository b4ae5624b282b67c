# SPDX-License-Identifier: AGPL-3.0-or-later
"""Every figure of the transparency report over a synthetic half year (2026-H2), against values
worked out by hand from the entries of sealbox.testing.report_log (the comments show the sums).

The log holds two entries before the period (indices 0 and 1), the period from index 2 to 41
with one entry stamped in June by a skewed clock (index 3: inside the range, outside the
period), and two entries in January 2027 (42, 43): the range is [2, 42) and 39 entries count."""

from __future__ import annotations

from typing import Any

import pytest

from sealbox.compliance.report import ReportError, generate, parse_period
from sealbox.compliance.report.document import figures_of
from sealbox.testing.report_log import FakeClock, ListReader, SyntheticLog, half_year

IP = "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS"
MINORS = "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
VIOLENCE = "STATEMENT_CATEGORY_VIOLENCE"

EXPECTED: dict[str, Any] = {
    # the last census of the period is entry 39 (entry 42, in January, is not)
    "census.accounts": 1200,
    "census.files": 160_000,
    "census.links": 8000,
    "copyright.notices": 4,  # 4, 5, 8, 40 (1 is in June)
    "copyright.takedowns": 3,  # 6, 7, 41
    "copyright.takedowns.share_of_files": 0.001875,  # 3 / 160000 * 100
    "copyright.links_removed": 8,  # 1 + 3 + 4
    "copyright.links_removed.share_of_files": 0.005,  # 8 / 160000 * 100
    "copyright.nodes_removed": 9,  # 0 + 2 + 7
    "copyright.nodes_removed.share_of_files": 0.005625,  # 9 / 160000 * 100
    "copyright.rejected": 1,  # 9
    "counter_notices.filed": 1,  # 10
    "counter_notices.restored": 1,  # 18
    "counter_notices.court_action": 1,  # 38
    "accounts.suspended": 1,  # 11 (43 is in January)
    "accounts.suspended.share_of_accounts": 0.083333,  # 1 / 1200 * 100 = 0.0833333…
    "accounts.closed": 2,  # 14, 15
    "accounts.reinstated": 1,  # 31
    "objectionable.reports": 2,  # 12, 16
    "objectionable.actions": 2,  # 13, 17
    "objectionable.automated": 1,  # 13
    "objectionable.links_disabled": 3,  # 2 + 1
    "objectionable.closures": 2,  # 14 (abuse), 15 (resharing)
    f"objectionable.by_category.{MINORS}": 1,
    f"objectionable.by_category.{VIOLENCE}": 1,
    "requests.law_enforcement": 4,  # 19 to 22
    # 1440 + 360 + 5760 + 90 = 7650 minutes / 4 = 1912.5 minutes = 31.875 h, half up
    "requests.law_enforcement.average_hours": 31.88,
    # 90, 360, 1440, 5760: (360 + 1440) / 2 = 900 minutes
    "requests.law_enforcement.median_hours": 15.0,
    "requests.by_type.law_enforcement": 4,
    "requests.by_type.court_order": 1,
    "requests.by_type.emergency": 1,
    "requests.by_type.private": 3,
    "requests.by_type.dsa_order": 2,
    "legal_orders.total": 8,  # 19-24, 28, 29
    "legal_orders.by_country.DE": 3,
    "legal_orders.by_country.FR": 2,
    "legal_orders.by_country.IE": 1,
    "legal_orders.by_country.NZ": 1,
    "legal_orders.by_country.US": 1,
    "legal_orders.by_offence.copyright": 2,
    "legal_orders.by_offence.csam": 2,
    "legal_orders.by_offence.fraud": 2,
    "legal_orders.by_offence.terrorism": 2,
    "legal_orders.by_outcome.provided": 3,  # 19, 24, 28
    "legal_orders.by_outcome.partly_provided": 1,  # 23
    "legal_orders.by_outcome.declined": 1,  # 20
    "legal_orders.by_outcome.mla_referred": 1,  # 22
    "legal_orders.by_outcome.no_data": 2,  # 21, 29
    "legal_orders.by_country_offence_outcome.DE.fraud.declined": 1,
    "legal_orders.by_country_offence_outcome.DE.fraud.provided": 1,
    "legal_orders.by_country_offence_outcome.DE.terrorism.provided": 1,
    "legal_orders.by_country_offence_outcome.FR.csam.no_data": 1,
    "legal_orders.by_country_offence_outcome.FR.terrorism.provided": 1,
    "legal_orders.by_country_offence_outcome.IE.csam.no_data": 1,
    "legal_orders.by_country_offence_outcome.NZ.copyright.partly_provided": 1,
    "legal_orders.by_country_offence_outcome.US.copyright.mla_referred": 1,
    "private_requests.total": 3,  # 25, 26, 27
    "private_requests.provided": 1,  # 27
    "private_requests.declined": 2,  # 25, 26
    "private_requests.no_data": 0,
    "private_requests.mla_referred": 0,
    "data_exports": 2,  # 33, 34
    "erasures": 1,  # 35 (3 is in June by its own clock)
    "disclosures": 1,  # 36
    "disclosures.records": 17,
    "dsa.orders.total": 2,  # 28, 29
    "dsa.orders.by_country.DE": 1,
    "dsa.orders.by_country.IE": 1,
    "dsa.orders.by_offence.csam": 1,
    "dsa.orders.by_offence.terrorism": 1,
    "dsa.orders.median_hours": 18.0,  # (720 + 1440) / 2 = 1080 minutes
    "dsa.notices.total": 6,  # 4, 5, 8, 12, 16, 40
    "dsa.notices.by_source.form": 2,
    "dsa.notices.by_source.api": 1,
    "dsa.notices.by_source.trusted_flagger": 1,
    "dsa.notices.by_source.abuse_report": 2,
    f"dsa.notices.by_category.{IP}": 4,
    f"dsa.notices.by_category.{MINORS}": 1,
    f"dsa.notices.by_category.{VIOLENCE}": 1,
    "dsa.actions.total": 5,  # 6, 7, 13, 17, 41
    "dsa.actions.by_ground.law": 3,  # 6, 7, 13
    "dsa.actions.by_ground.terms": 2,  # 17, 41
    "dsa.actions.by_scope.link": 1,
    "dsa.actions.by_scope.file": 1,
    "dsa.actions.by_scope.everywhere": 2,
    "dsa.actions.by_scope.folder": 1,
    "dsa.actions.automated": 1,  # 13
    "dsa.actions.median_hours": 0.5,  # 120, 30, 5, 1440, 0 minutes: the middle is 30
    "dsa.notices.rejected": 1,  # 9
    "dsa.appeals.total": 2,  # 30, 32
    "dsa.appeals.granted": 1,
    "dsa.appeals.denied": 1,
    "dsa.appeals.median_hours": 72.0,  # (7200 + 1440) / 2 = 4320 minutes
    "log.entries": 39,  # 2 to 41 without 3
    "log.canaries": 1,  # 37
}


@pytest.fixture(scope="module")
def log() -> SyntheticLog:
    return half_year()


def test_every_figure_of_the_half_year_matches_the_hand_count(log: SyntheticLog) -> None:
    report = generate(parse_period("2026-H2"), ListReader(log))
    values = {id_: f["value"] for id_, f in figures_of(report).items()}
    assert values == EXPECTED  # the same ids, in the same order, with the same values
    assert list(values) == list(EXPECTED)


def test_each_figure_names_its_range_and_checkpoint(log: SyntheticLog) -> None:
    head = log.head()
    report = generate(parse_period("2026-H2"), ListReader(log, batch=7))
    checkpoint = {"size": 44, "root": head.root.hex()}
    assert report["range"] == [2, 42]
    assert report["checkpoint"] == {**checkpoint, "origin": "sealbox.test/transparency"}
    assert report["period"] == {
        "name": "2026-H2", "start": "2026-07-01T00:00Z", "end": "2027-01-01T00:00Z"
    }  # fmt: skip
    for figure in figures_of(report).values():
        assert figure["range"] == [2, 42] and figure["checkpoint"] == checkpoint
        assert figure["label"] and figure["unit"] in ("count", "percent", "hours")


def test_a_quarter_counts_only_its_own_entries(log: SyntheticLog) -> None:
    report = generate(parse_period("2026-Q4"), ListReader(log))
    figures = figures_of(report)
    assert report["range"] == [23, 42]  # 23 (court order, answered 11 October) to 41
    assert figures["log.entries"]["value"] == 19  # 23 to 41
    assert figures["requests.by_type.emergency"]["value"] == 1  # 24, answered 2 October
    assert figures["requests.law_enforcement"]["value"] == 0  # all four in September
    assert figures["requests.law_enforcement.average_hours"]["value"] is None
    assert figures["census.files"]["value"] == 160_000


def test_the_third_quarter_ends_before_october(log: SyntheticLog) -> None:
    figures = figures_of(generate(parse_period("2026-Q3"), ListReader(log)))
    assert figures["log.entries"]["range"] == [2, 23]
    assert figures["log.entries"]["value"] == 20  # 2 to 22 without 3
    assert figures["requests.law_enforcement.median_hours"]["value"] == 15.0
    assert figures["census.accounts"]["value"] == 1000  # entry 2, the quarter's only census
    assert figures["accounts.suspended.share_of_accounts"]["value"] == 0.1  # 1 / 1000 * 100


def test_an_appeal_without_its_received_time_counts_but_is_not_timed() -> None:
    log = SyntheticLog(FakeClock("2026-07-10T00:00Z"))
    puid = log.puid()
    log.add("appeal", puid=puid, outcome="granted", received="2026-07-09T00:00Z")  # 24 h
    log.add("appeal", puid=puid, outcome="denied", received=None)  # filed before it was kept
    figures = figures_of(generate(parse_period("2026-Q3"), ListReader(log)))
    assert figures["dsa.appeals.total"]["value"] == 2
    assert figures["dsa.appeals.denied"]["value"] == 1
    assert figures["dsa.appeals.median_hours"]["value"] == 24.0


def test_a_period_without_entries_names_an_empty_range_at_the_end(log: SyntheticLog) -> None:
    report = generate(parse_period("2025"), ListReader(log))
    figures = figures_of(report)
    assert report["range"] == [44, 44]
    assert figures["log.entries"]["value"] == 0
    assert figures["census.accounts"]["value"] is None
    assert figures["copyright.takedowns.share_of_files"]["value"] is None


def test_entries_that_do_not_give_the_checkpoint_root_are_refused(log: SyntheticLog) -> None:
    class Lying(ListReader):
        def entries(self, start: int, end: int) -> list[tuple[int, bytes]]:
            served = list(super().entries(start, end))
            return [(i, log.data[0] if i == 5 else d) for i, d in served]

    with pytest.raises(ReportError, match="do not hash to its checkpoint's root"):
        generate(parse_period("2026-H2"), Lying(log))


def test_a_log_that_skips_an_index_is_refused() -> None:
    log = SyntheticLog(FakeClock("2026-07-01T00:00Z"))
    for _ in range(3):
        log.add("data_export")

    class Skipping(ListReader):
        def entries(self, start: int, end: int) -> list[tuple[int, bytes]]:
            return [(i + 1, d) for i, d in super().entries(start, end)]

    with pytest.raises(ReportError, match="gave entry 1 where 0 was expected"):
        generate(parse_period("2026"), Skipping(log))
