# SPDX-License-Identifier: AGPL-3.0-or-later
"""``verify_report`` recomputes every figure of a report file from the log's entries and names
each one that differs: an edited figure, a figure left out or made up, an entry that changed,
and a range that leaves out an entry of its period are all caught, with the figure named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sealbox.compliance.report import (
    EntryError,
    ReportError,
    ReportMismatch,
    canonical,
    claimed,
    dumps,
    entries_to_fetch,
    generate,
    loads,
    parse_period,
    verify_report,
)
from sealbox.compliance.report.document import build_document, parse_entries
from sealbox.testing.report_log import ListReader, SyntheticLog, half_year

H2 = parse_period("2026-H2")


@pytest.fixture(scope="module")
def log() -> SyntheticLog:
    return half_year()


@pytest.fixture
def report_file(log: SyntheticLog, tmp_path: Path) -> Path:
    path = tmp_path / "report.json"
    path.write_bytes(dumps(generate(H2, ListReader(log))))
    return path


def edit(path: Path, figure_id: str, **change: Any) -> None:
    """Edit one figure in the report file, as someone with a text editor would."""
    document = json.loads(path.read_text())
    for section in document["sections"]:
        for figure in section["figures"]:
            if figure["id"] == figure_id:
                figure.update(change)
    path.write_text(json.dumps(document, indent=2))


def test_a_faithful_report_verifies_from_its_range_or_the_whole_log(
    log: SyntheticLog, report_file: Path
) -> None:
    report = report_file.read_bytes()
    recomputed = verify_report(report, log.entries(2, 42))
    assert recomputed == loads(report)
    assert verify_report(report, log.entries()) == recomputed


def test_an_edited_figure_in_the_report_file_is_named(log: SyntheticLog, report_file: Path) -> None:
    edit(report_file, "copyright.takedowns", value=2)
    edit(report_file, "requests.law_enforcement.median_hours", value=12.5)
    with pytest.raises(ReportMismatch) as caught:
        verify_report(report_file.read_bytes(), log.entries(2, 42))
    assert caught.value.problems == [
        "figure copyright.takedowns says 2, the log gives 3",
        "figure requests.law_enforcement.median_hours says 12.5, the log gives 15.0",
    ]
    assert "figure copyright.takedowns says 2, the log gives 3" in str(caught.value)


def test_a_figure_turned_from_a_number_into_text_is_named(
    log: SyntheticLog, report_file: Path
) -> None:
    edit(report_file, "accounts.suspended", value="1")
    with pytest.raises(ReportMismatch) as caught:
        verify_report(report_file.read_bytes(), log.entries(2, 42))
    assert caught.value.problems == ['figure accounts.suspended says "1", the log gives 1']


def test_a_figure_with_another_range_or_label_is_named(
    log: SyntheticLog, report_file: Path
) -> None:
    edit(report_file, "erasures", range=[3, 42], label="Accounts erased at their request")
    with pytest.raises(ReportMismatch) as caught:
        verify_report(report_file.read_bytes(), log.entries(2, 42))
    assert caught.value.problems == [
        "figure erasures has label 'Accounts erased at their request', "
        "not 'Accounts erased (GDPR Art. 17)'",
        "figure erasures has range [3, 42], not [2, 42]",
    ]


def test_figures_left_out_or_made_up_are_named(log: SyntheticLog, report_file: Path) -> None:
    document = json.loads(report_file.read_text())
    figures = document["sections"][0]["figures"]
    figures.append({**figures.pop(0), "id": "census.users"})
    with pytest.raises(ReportMismatch) as caught:
        verify_report(document, log.entries(2, 42))
    assert caught.value.problems == [
        "the report lacks figure census.accounts (the log gives 1200)",
        "figure census.users is not one the log gives",
    ]


def test_an_entry_that_changed_since_the_report_changes_its_figure(
    log: SyntheticLog, report_file: Path
) -> None:
    entries = dict(log.entries(2, 42))
    suspension = json.loads(entries[11])
    entries[11] = canonical({**suspension, "action": "reinstated", "cause": "appeal"})
    with pytest.raises(ReportMismatch) as caught:
        verify_report(report_file.read_bytes(), entries.items())
    assert caught.value.problems == [
        "figure accounts.suspended says 1, the log gives 0",
        "figure accounts.suspended.share_of_accounts says 0.083333, the log gives 0.0",
        "figure accounts.reinstated says 1, the log gives 2",
    ]


def test_a_tampered_entry_that_is_no_entry_names_its_index(
    log: SyntheticLog, report_file: Path
) -> None:
    entries = dict(log.entries(2, 42))
    entries[20] = canonical({**json.loads(entries[20]), "name": "Jane Doe"})
    with pytest.raises(EntryError, match="log entry 20: has the unknown field 'name'"):
        verify_report(report_file.read_bytes(), entries.items())


def test_a_range_that_leaves_out_an_entry_of_the_period_is_refused(log: SyntheticLog) -> None:
    """An operator who computes honestly over a range cut short (the last takedown left out)
    is caught by anyone who reads the entry after the range."""
    entries = parse_entries(log.entries())
    short = dumps(build_document(H2, log.head(), (2, 41), entries))
    assert verify_report(short, log.entries(2, 41))  # alone, the range is self-consistent
    with pytest.raises(ReportMismatch) as caught:
        verify_report(short, log.entries(2, 42))
    assert caught.value.problems == [
        "entry 41 falls in 2026-H2 (2026-12-31T23:59Z) but lies outside the report's range [2, 41)"
    ]


def test_a_verifier_fetches_the_range_and_one_entry_on_each_side(
    log: SyntheticLog, report_file: Path
) -> None:
    report = report_file.read_bytes()
    assert entries_to_fetch(report) == (1, 43)
    period, head, span = claimed(report)
    assert (period.name, head.size, head.root, span) == ("2026-H2", 44, log.head().root, (2, 42))
    assert verify_report(report, log.entries(*entries_to_fetch(report)))
    whole = loads(dumps(build_document(H2, log.head(), (0, 44), parse_entries(log.entries()))))
    assert entries_to_fetch(whole) == (0, 44)  # nothing on either side of the whole log
    empty = generate(parse_period("2025"), ListReader(log))
    assert entries_to_fetch(empty) == (43, 44)


def test_entries_missing_from_the_range_are_named(log: SyntheticLog, report_file: Path) -> None:
    entries = [e for e in log.entries(2, 42) if e[0] != 17]
    with pytest.raises(ReportMismatch, match="entry 17 of the report's range was not given"):
        verify_report(report_file.read_bytes(), entries)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (b"not json", "the report is not JSON"),
        (b'{"format": "something else"}', "this is not a transparency report"),
        (b'{"format": "sealbox-transparency-report/1"}', "does not name its period"),
    ],
)
def test_a_file_that_is_no_report_is_refused(text: bytes, problem: str) -> None:
    with pytest.raises(ReportError, match=problem):
        verify_report(text, [])


def test_a_range_beyond_the_checkpoint_is_refused(report_file: Path) -> None:
    document = loads(report_file.read_bytes())
    document["range"] = [2, 45]
    with pytest.raises(ReportError, match="is not within its checkpoint"):
        verify_report(document, [])
