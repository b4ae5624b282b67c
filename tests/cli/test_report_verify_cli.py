# SPDX-License-Identifier: AGPL-3.0-or-later
"""``sealbox transparency verify --report FILE`` against a real server (issue 17, item 6): the
synthetic half year is appended to the server's log with a fake clock, the operator writes the
report with ``sealbox admin report``, and a reader's client recomputes it: every figure matches.
An edited figure, an altered entry, a rewritten checkpoint and a report of a larger log than
the one signed are each refused with the integrity code and a message naming what differs."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from sealbox.server.clock import Clock
from sealbox.server.db.engine import Engine, make_engine, writing
from sealbox.server.services.transparency import TransparencyLog
from sealbox.server.settings import Settings
from sealbox.testing.report_log import half_year
from sealbox.testing.server_process import ServerProcess
from tests.cli.conftest import Cli

INTEGRITY = 3


class EntryClock(Clock):
    def __init__(self) -> None:
        self.seconds = 0.0

    def now(self) -> float:
        return self.seconds

    def set(self, at: str) -> None:
        self.seconds = datetime.strptime(at + "+0000", "%Y-%m-%dT%H:%MZ%z").timestamp()


def engine_of(server: ServerProcess) -> Engine:
    return make_engine(Settings(data_dir=server.data_dir, db_url=server.db_url).database_url)


def append_half_year(engine: Engine) -> None:
    """The entries of sealbox.testing.report_log, appended as an admin command appends (the
    running server signs them with its next checkpoint)."""
    clock = EntryClock()
    log = TransparencyLog(engine, clock, origin="")
    for _, entry in half_year().entries():
        fields = json.loads(entry)
        clock.set(fields.pop("at"))
        del fields["v"]
        log.append(fields.pop("kind"), fields)


@pytest.fixture
def published(server: ServerProcess, tmp_path: Path) -> tuple[Cli, Path]:
    """A reader who checked the log once, and the report the operator published after."""
    engine = engine_of(server)
    append_half_year(engine)
    reader = Cli(server, tmp_path / "reader-home")
    # Pins the key and accepts the checkpoint of 44 entries (the server signs it now); the
    # synthetic canary's next date passed long ago, which verify reports as it should.
    first = reader("transparency", "verify", "--yes", check=False)
    assert "the warrant canary lapsed" in first.stderr and first.returncode == 1
    out = tmp_path / "published"
    command = ["admin", "report", "--period", "2026-H2", "--data", str(server.data_dir)]
    command += ["--out", str(out)] + (["--db", server.db_url] if server.db_url else [])
    done = reader(*command)
    assert "entries [2, 42) of the checkpoint of size 44" in done.stderr
    clock = EntryClock()
    clock.set("2027-01-03T00:00Z")
    for _ in range(2):  # the log grows after the report: its checkpoint is now a prefix
        TransparencyLog(engine, clock, origin="").append("data_export", {})
    engine.dispose()
    return reader, out / "report.json"


def edit_figure(path: Path, figure_id: str, value: object) -> None:
    document = json.loads(path.read_text())
    for section in document["sections"]:
        for figure in section["figures"]:
            if figure["id"] == figure_id:
                figure["value"] = value
    path.write_text(json.dumps(document))


def test_a_published_report_verifies_and_an_edited_figure_is_named(
    published: tuple[Cli, Path],
) -> None:
    reader, report = published
    done = reader("transparency", "verify", "--report", str(report))
    assert "report 2026-H2: checkpoint of 44 entries" in done.stdout
    assert "consistent with the 46 this client accepted; entries 1 to 42 fetched" in done.stdout
    assert "every one matches" in done.stdout
    as_json = json.loads(reader("transparency", "verify", "--report", str(report), "--json").stdout)
    assert as_json["problems"] == [] and as_json["fetched"] == [1, 43]

    edit_figure(report, "copyright.takedowns", 2)
    edit_figure(report, "requests.law_enforcement.median_hours", 12.5)
    done = reader("transparency", "verify", "--report", str(report), check=False)
    assert done.returncode == INTEGRITY
    assert "sealbox: figure copyright.takedowns says 2, the log gives 3" in done.stderr
    assert "figure requests.law_enforcement.median_hours says 12.5, the log gives 15.0" in (
        done.stderr
    )
    assert "the report does not match the log: 2 difference(s)" in done.stderr

    report.write_text("{}")
    done = reader("transparency", "verify", "--report", str(report), check=False)
    assert done.returncode == 2
    assert "this is not a transparency report" in done.stderr


def test_an_altered_entry_fails_its_inclusion_proof(
    server: ServerProcess, published: tuple[Cli, Path]
) -> None:
    reader, report = published
    engine = engine_of(server)
    forged = json.dumps(
        {
            "action": "reinstated",
            "at": "2026-08-01T00:00Z",
            "cause": "appeal",
            "kind": "account_action",
            "v": 1,
        },
        separators=(",", ":"),
        sort_keys=True,
    ).encode()
    with writing(engine) as conn:
        conn.execute(text("UPDATE transparency SET entry = :e WHERE idx = 11"), {"e": forged})
    engine.dispose()
    done = reader("transparency", "verify", "--report", str(report), check=False)
    assert done.returncode == INTEGRITY
    # A long range is proved as a whole (sdk.transparency.fetch_proven_entries): the message says
    # that one of the entries the signed root commits to was altered.
    assert "altered" in done.stderr


def test_a_rewritten_or_too_large_checkpoint_in_the_report_is_refused(
    published: tuple[Cli, Path],
) -> None:
    reader, report = published
    document = json.loads(report.read_text())
    document["checkpoint"]["root"] = "00" * 32
    report.write_text(json.dumps(document))
    done = reader("transparency", "verify", "--report", str(report), check=False)
    assert done.returncode == INTEGRITY
    assert f"the report's checkpoint (44 entries, root {'00' * 32}) is not part of the log" in (
        done.stderr
    )

    document["checkpoint"]["size"] = 99
    report.write_text(json.dumps(document))
    done = reader("transparency", "verify", "--report", str(report), check=False)
    assert done.returncode == INTEGRITY
    assert "the report names a checkpoint of 99 entries; the log signed only 46" in done.stderr
