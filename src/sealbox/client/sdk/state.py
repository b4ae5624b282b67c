# SPDX-License-Identifier: AGPL-3.0-or-later
"""What a client remembers between runs, in ``SEALBOX_HOME`` (spec/metadata.md, "Freshness").

One SQLite file holds the pins of other users' identities, the high-water mark of every folder
manifest and share roster seen, the strongest KDF parameters seen per account, and the journals
that let an interrupted transfer resume. A separate file holds the logged-in session. Both are
created with mode 0600: they hold keys that open the user's drive, so only the user may read them.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import asdict, astuple, dataclass
from pathlib import Path
from typing import Any

from sealbox.crypto.identity import Pin
from sealbox.crypto.manifest import Seen

SCHEMA = """
CREATE TABLE IF NOT EXISTS pins (
    owner BLOB NOT NULL, user_id BLOB NOT NULL, username TEXT NOT NULL,
    sign_public BLOB NOT NULL, bundle_version INTEGER NOT NULL, verified INTEGER NOT NULL,
    PRIMARY KEY (owner, user_id));
CREATE TABLE IF NOT EXISTS marks (
    owner BLOB NOT NULL, folder_id BLOB NOT NULL, version INTEGER NOT NULL, hash BLOB NOT NULL,
    PRIMARY KEY (owner, folder_id));
CREATE TABLE IF NOT EXISTS roster_marks (
    owner BLOB NOT NULL, folder_owner BLOB NOT NULL, folder_id BLOB NOT NULL,
    version INTEGER NOT NULL, hash BLOB NOT NULL,
    PRIMARY KEY (owner, folder_owner, folder_id));
CREATE TABLE IF NOT EXISTS kdf_floor (
    server TEXT NOT NULL, username TEXT NOT NULL, opslimit INTEGER NOT NULL,
    memlimit INTEGER NOT NULL, PRIMARY KEY (server, username));
CREATE TABLE IF NOT EXISTS journal (
    key TEXT PRIMARY KEY, body TEXT NOT NULL);
"""


def _private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 if it does not exist, and tighten it if it does."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def default_home() -> Path:
    configured = os.environ.get("SEALBOX_HOME")
    return Path(configured) if configured else Path.home() / ".config" / "sealbox"


@dataclass(frozen=True)
class StoredSession:
    """The logged-in session: enough to act without the password until logout."""

    server: str
    username: str
    user_id: str
    session_id: str
    token: str
    master_key: str  # base64url; the file is 0600 and deleted on logout


@dataclass(frozen=True)
class RememberedAccount:
    """What this device checked or chose itself for one account: the user id, the server id its
    salts are derived from, and the KDF parameters (spec/keys.md, "Remembered account settings")."""

    user_id: bytes
    server_id: bytes
    salt: bytes
    opslimit: int
    memlimit: int


ACCOUNT_MEMORY_SCHEMA = """
CREATE TABLE IF NOT EXISTS account_memory (
    server TEXT NOT NULL, username TEXT NOT NULL, user_id BLOB NOT NULL, server_id BLOB NOT NULL,
    salt BLOB NOT NULL, opslimit INTEGER NOT NULL, memlimit INTEGER NOT NULL,
    PRIMARY KEY (server, username));
"""


class LocalState:
    def __init__(self, home: Path) -> None:
        self.home = home
        db = home / "state.db"
        _private_file(db)
        self._db = sqlite3.connect(db, isolation_level=None)
        # A write-ahead log: each commit appends to one file and syncs it once, where the
        # default rollback journal was created, synced and deleted again on every save (an
        # upload journals its chunks as it goes: 0.7 against 0.2 ms of CPU, 11 against 2 ms
        # of waiting per save here). synchronous=FULL keeps every commit durable across a crash,
        # as before. SQLite gives the -wal and -shm files the database's own mode (0600).
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)
        self._session_path = home / "session.json"

    def close(self) -> None:
        self._db.close()

    # Session ----------------------------------------------------------------------------------

    def load_session(self) -> StoredSession | None:
        try:
            data = json.loads(self._session_path.read_text())
        except FileNotFoundError:
            return None
        return StoredSession(**data)

    def save_session(self, session: StoredSession) -> None:
        _private_file(self._session_path)
        tmp = self._session_path.with_suffix(".tmp")
        _private_file(tmp)
        tmp.write_text(json.dumps(asdict(session)))
        os.replace(tmp, self._session_path)

    def forget_session(self) -> None:
        self._session_path.unlink(missing_ok=True)

    # Pins and marks ---------------------------------------------------------------------------

    def pin(self, owner: bytes, user_id: bytes) -> tuple[Pin, str, bool] | None:
        row = self._db.execute(
            "SELECT username, sign_public, bundle_version, verified FROM pins "
            "WHERE owner = ? AND user_id = ?",
            (owner, user_id),
        ).fetchone()
        if row is None:
            return None
        return Pin(user_id, row[1], row[2]), row[0], bool(row[3])

    def pin_by_username(self, owner: bytes, username: str) -> tuple[Pin, bool] | None:
        row = self._db.execute(
            "SELECT user_id, sign_public, bundle_version, verified FROM pins "
            "WHERE owner = ? AND username = ?",
            (owner, username),
        ).fetchone()
        if row is None:
            return None
        return Pin(row[0], row[1], row[2]), bool(row[3])

    def pins(self, owner: bytes) -> list[tuple[Pin, str, bool]]:
        rows = self._db.execute(
            "SELECT user_id, sign_public, bundle_version, verified, username FROM pins "
            "WHERE owner = ? ORDER BY username",
            (owner,),
        ).fetchall()
        return [(Pin(r[0], r[1], r[2]), r[4], bool(r[3])) for r in rows]

    def save_pin(self, owner: bytes, pin: Pin, username: str, verified: bool) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO pins VALUES (?, ?, ?, ?, ?, ?)",
            (owner, pin.user_id, username, pin.sign_public, pin.bundle_version, int(verified)),
        )

    def forget_pin(self, owner: bytes, user_id: bytes) -> None:
        self._db.execute("DELETE FROM pins WHERE owner = ? AND user_id = ?", (owner, user_id))

    def mark(self, owner: bytes, folder_id: bytes) -> Seen | None:
        row = self._db.execute(
            "SELECT version, hash FROM marks WHERE owner = ? AND folder_id = ?", (owner, folder_id)
        ).fetchone()
        return Seen(row[0], row[1]) if row else None

    def save_mark(self, owner: bytes, folder_id: bytes, seen: Seen) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO marks VALUES (?, ?, ?, ?)",
            (owner, folder_id, seen.version, seen.hash),
        )

    def forget_marks(self, owner: bytes, folder_ids: list[bytes]) -> None:
        self._db.executemany(
            "DELETE FROM marks WHERE owner = ? AND folder_id = ?", [(owner, f) for f in folder_ids]
        )

    def roster_mark(self, owner: bytes, folder_owner: bytes, folder_id: bytes) -> Seen | None:
        """The highest version (and its hash) of a shared folder's roster seen so far."""
        row = self._db.execute(
            "SELECT version, hash FROM roster_marks "
            "WHERE owner = ? AND folder_owner = ? AND folder_id = ?",
            (owner, folder_owner, folder_id),
        ).fetchone()
        return Seen(row[0], row[1]) if row else None

    def save_roster_mark(
        self, owner: bytes, folder_owner: bytes, folder_id: bytes, seen: Seen
    ) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO roster_marks VALUES (?, ?, ?, ?, ?)",
            (owner, folder_owner, folder_id, seen.version, seen.hash),
        )

    def kdf_floor(self, server: str, username: str) -> tuple[int, int] | None:
        row = self._db.execute(
            "SELECT opslimit, memlimit FROM kdf_floor WHERE server = ? AND username = ?",
            (server, username),
        ).fetchone()
        return (row[0], row[1]) if row else None

    def save_kdf_floor(self, server: str, username: str, opslimit: int, memlimit: int) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO kdf_floor VALUES (?, ?, ?, ?)",
            (server, username, opslimit, memlimit),
        )

    # Account memory: one row per (server, username), replacing the older kdf_floor ------------

    def _account_memory(self) -> sqlite3.Connection:
        self._db.executescript(ACCOUNT_MEMORY_SCHEMA)
        return self._db

    def remembered_account(self, server: str, username: str) -> RememberedAccount | None:
        row = (
            self._account_memory()
            .execute(
                "SELECT user_id, server_id, salt, opslimit, memlimit FROM account_memory "
                "WHERE server = ? AND username = ?",
                (server, username),
            )
            .fetchone()
        )
        return RememberedAccount(*row) if row else None

    def remember_account(self, server: str, username: str, account: RememberedAccount) -> None:
        self._account_memory().execute(
            "INSERT OR REPLACE INTO account_memory VALUES (?, ?, ?, ?, ?, ?, ?)",
            (server, username, *astuple(account)),
        )

    def forget_account(self, server: str, username: str) -> None:
        """Forget what this device remembers of an account, the older floor included."""
        key = (server, username)
        db = self._account_memory()
        db.execute("DELETE FROM account_memory WHERE server = ? AND username = ?", key)
        db.execute("DELETE FROM kdf_floor WHERE server = ? AND username = ?", key)

    # Transfer journals ------------------------------------------------------------------------

    def journal(self, key: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT body FROM journal WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def save_journal(self, key: str, body: dict[str, Any]) -> None:
        self._db.execute("INSERT OR REPLACE INTO journal VALUES (?, ?)", (key, json.dumps(body)))

    def drop_journal(self, key: str) -> None:
        self._db.execute("DELETE FROM journal WHERE key = ?", (key,))
