# SPDX-License-Identifier: AGPL-3.0-or-later
import threading
from pathlib import Path

from sqlalchemy import insert, select

from sealbox.server.db.engine import make_engine, normalise_url, read_only, sqlite_url
from sealbox.server.db.migrate import upgrade
from sealbox.server.db.schema import job_leases


def test_postgres_urls_use_psycopg() -> None:
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_sqlite_readers_do_not_block_writers(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path / "db.sqlite"))
    upgrade(engine)
    with read_only(engine) as reader:
        assert reader.execute(select(job_leases)).all() == []  # the read transaction is open
        done = threading.Event()

        def write() -> None:
            with engine.begin() as writer:
                writer.execute(insert(job_leases).values(name="x", holder="h", until=1))
            done.set()

        thread = threading.Thread(target=write)
        thread.start()
        assert done.wait(10), "a writer waited for a reader"
        thread.join()
        # The reader keeps its snapshot.
        assert reader.execute(select(job_leases)).all() == []
    with read_only(engine) as reader:
        assert len(reader.execute(select(job_leases)).all()) == 1
    engine.dispose()
