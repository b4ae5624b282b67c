# SPDX-License-Identifier: AGPL-3.0-or-later
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from sealbox.server.db.engine import make_engine, sqlite_url
from sealbox.server.db.migrate import is_current, upgrade
from sealbox.server.db.schema import metadata


def test_migrations_build_exactly_the_schema(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine)  # a second run is a no-op
        assert is_current(engine)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_admin_migrate_and_collect_commands(tmp_path: Path) -> None:
    data = tmp_path / "data"
    sealbox = [sys.executable, "-m", "sealbox"]
    done = subprocess.run(
        [*sealbox, "admin", "migrate", "--data", str(data)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    engine = make_engine(sqlite_url(data / "sealbox.db"))
    assert is_current(engine)
    engine.dispose()
    done = subprocess.run(
        [*sealbox, "admin", "collect", "--data", str(data)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "orphan blobs deleted: 0" in done.stderr
    secret = data / "server-secret"
    assert secret.stat().st_mode & 0o777 == 0o600
    assert (data / "sealbox.db").stat().st_mode & 0o077 == 0
    assert data.stat().st_mode & 0o077 == 0
    done = subprocess.run(
        [*sealbox, "admin", "set-quota", "nobody", "100", "--data", str(data)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1 and "not found" in done.stderr
