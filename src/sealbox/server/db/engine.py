# SPDX-License-Identifier: AGPL-3.0-or-later
"""Creating the database engine for SQLite (embedded) or PostgreSQL (``postgresql://`` URLs), and
the two ways a service opens a unit of work on it: ``read_only`` and ``writing``.

Services hold an ``Engine`` and pass ``Connection``s to the repositories (the other modules of
``sealbox.server.db``), which hold every SQL statement. They name these types through this module,
never through SQLAlchemy; ``IntegrityError`` is here for the few places that turn a lost race into
a refusal, and the database errors for the handler that answers them with 503.
"""

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.pool import QueuePool

__all__ = [
    "Connection",
    "DBAPIError",
    "Engine",
    "IntegrityError",
    "OperationalError",
    "make_engine",
    "normalise_url",
    "read_only",
    "sqlite_url",
    "writing",
]

READ_ONLY = "sealbox_read_only"
CONNECT_TIMEOUT_SECONDS = 10
SQLITE_KEPT_CONNECTIONS = 8


def read_only(engine: Engine) -> Connection:
    """A connection for reads only, whose reads all see one snapshot of the database: a listing's
    manifest and children, say, are never from either side of a commit.

    On SQLite its transaction begins deferred: in WAL mode it reads a snapshot without taking the
    write lock, so long reads (a large listing) never hold up writers. On PostgreSQL it is a
    read-only transaction at REPEATABLE READ: the default, READ COMMITTED, takes a new snapshot
    for every statement. Read-only transactions never fail to serialise, and readers and writers
    do not block each other there either.
    """
    connection = engine.connect()
    if engine.dialect.name == "sqlite":
        return connection.execution_options(**{READ_ONLY: True})
    return connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)


def writing(engine: Engine) -> AbstractContextManager[Connection]:
    """A connection inside a transaction that commits when the block ends, or rolls back when it
    raises."""
    return engine.begin()


def normalise_url(url: str) -> str:
    """Map plain ``postgresql://`` URLs to the psycopg 3 driver that Sealbox installs."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain) :]
    return url


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    # A database host that stops answering must fail a connection attempt in bounded time, so a
    # request (or a /readyz probe) gets its 503 instead of holding a worker thread indefinitely.
    return create_engine(
        url,
        pool_size=10,
        max_overflow=20,
        pool_pre_ping=True,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
    )


def _sqlite_engine(url: str) -> Engine:
    if ":memory:" in url:
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 60})
    else:
        # Connections are kept between requests: opening one and setting its pragmas cost more
        # than the queries of a chunk upload (bench/profile_transfer.py). Overflow is unbounded
        # so a burst of requests never waits for the pool; only the kept ones stay open.
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 60},
            poolclass=QueuePool,
            pool_size=SQLITE_KEPT_CONNECTIONS,
            max_overflow=-1,
        )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # We issue BEGIN ourselves (below); the driver's implicit transactions would defer it.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Writers take the lock up front (IMMEDIATE), so two transactions never deadlock upgrading
        # a read lock; SQLite serialises writers anyway. Read-only connections take no lock.
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def fields(row: Any) -> tuple[Any, ...]:
    """A result row's values in the order of its SELECT, to build a repository's dataclass."""
    return tuple(row)
