# SPDX-License-Identifier: AGPL-3.0-or-later
"""``sealbox admin report``: the real command over a real server's log. The synthetic half year
(sealbox.testing.report_log) is appended through the server's own log service with a fake clock
and the log key signing each checkpoint; the command's report.json then holds every figure worked
out by hand, names the signed checkpoint, and verifies against the entries the log serves."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest
from sqlalchemy import inspect

from sealbox.compliance.report import loads, verify_report
from sealbox.compliance.report.document import figures_of
from sealbox.server.app import build_services
from sealbox.server.settings import Settings
from sealbox.testing.report_log import half_year
from tests.compliance.test_report_figures import EXPECTED

HAS_LOG = find_spec("sealbox.server.services.transparency") is not None


def admin_report(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "sealbox", "admin", "report", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


def test_an_unknown_period_is_a_clear_refusal(tmp_path: Path) -> None:
    done = admin_report("--period", "2026-H3", "--data", str(tmp_path))
    assert done.returncode == 2
    assert "--period: '2026-H3' is not a period: write a year (2026), a half" in done.stderr
    assert "Traceback" not in done.stderr


class MinuteClock:
    """The server's clock, set to each entry's minute before it is appended."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def now(self) -> float:
        return self.seconds


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str | None:
    """The server's database: SQLite under its data directory, or a fresh PostgreSQL one."""
    return None if request.param == "sqlite" else str(request.getfixturevalue("pg_database"))


@pytest.mark.skipif(not HAS_LOG, reason="needs the server's transparency log (branch tlog17)")
def test_the_report_of_a_server_log_holds_every_figure_and_verifies(
    tmp_path: Path, db_url: str | None
) -> None:
    from datetime import datetime

    from sealbox.crypto.notes import NoteSigner

    data = tmp_path / "server"
    clock = MinuteClock()
    settings = Settings(data_dir=data, db_url=db_url)
    services = build_services(settings, clock=clock, log_signer=NoteSigner)
    log = services.compliance.log
    for _, entry in half_year().entries():
        fields = json.loads(entry)
        at = fields.pop("at")
        clock.seconds = datetime.strptime(at + "+0000", "%Y-%m-%dT%H:%MZ%z").timestamp()
        del fields["v"]
        log.append(fields.pop("kind"), fields)
    assert "transparency" in inspect(services.engine).get_table_names()
    served = [(i, e) for i, e in enumerate(log.entries(0, 1000))]
    services.engine.dispose()

    out = tmp_path / "published"
    where = ["--data", str(data)] + (["--db", db_url] if db_url else [])
    done = admin_report("--period", "2026-H2", *where, "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "entries [2, 42) of the checkpoint of size 44" in done.stderr
    report = (out / "report.json").read_bytes()
    figures = figures_of(loads(report))
    assert {id_: f["value"] for id_, f in figures.items()} == EXPECTED
    assert loads(report)["checkpoint"]["origin"] == log.origin
    verify_report(report, served)
    assert (out / "report.md").read_text().startswith("# Transparency report 2026-H2")
    assert "<svg" in (out / "report.html").read_text()

    again = admin_report("--period", "2026-H2", *where, "--out", str(out))
    assert again.returncode == 1
    # The message is wrapped at the terminal's width, wherever the (long) path puts the break.
    assert "exists already: name a new directory with --out" in " ".join(again.stderr.split())
