# SPDX-License-Identifier: AGPL-3.0-or-later
import threading

from sqlalchemy import insert, select

from sealbox.server.db.engine import make_engine, normalise_url, read_only
from sealbox.server.db.schema import job_leases


def test_postgres_urls_use_psycopg() -> None:
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_readers_do_not_block_writers_and_keep_their_snapshot(db_url: str) -> None:
    """A listing reads the folder's manifest, then its children: on PostgreSQL's default
    isolation a commit between the two made a listing no client could verify."""
    engine = make_engine(db_url)
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
