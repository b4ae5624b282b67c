# SPDX-License-Identifier: AGPL-3.0-or-later
"""The disclosure package: exactly what the server holds about one account, for an operator
answering a valid order (issue "Compliance II", item 2; docs/data-inventory.md).

The package is two JSON documents: ``data`` (every row about the account, table by table) and a
``manifest`` (what the package is, the tables and columns it covers with their row counts, the
SHA-256 of the data document, and what it cannot contain). What the server cannot read is
described, not handed over: a client-sealed value (a wrapped key, a node record, a manifest, a
share envelope, a link secret) appears as its length and SHA-256, which proves what is held
without giving an order's recipient material for guessing a password offline. The operator can
add the bytes themselves (``with_opaque``) where an order specifically requires them.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from functools import partial
from typing import Any

from anyio import to_thread

from sealbox.protocol import limits
from sealbox.protocol import models as m
from sealbox.server.clock import Clock
from sealbox.server.db import disclosure, retention
from sealbox.server.db.engine import Connection, Engine, read_only
from sealbox.server.errors import not_found
from sealbox.server.services.log_port import TransparencyLog, no_log

FORMAT = "sealbox-disclosure/1"
# Values sealed or keyed by a client or by the server's secret: the server cannot read them.
OPAQUE: frozenset[tuple[str, str]] = frozenset(
    {
        ("accounts", "auth_hash"),
        ("accounts", "recovery_auth_hash"),
        ("accounts", "master_key_wrap"),
        ("accounts", "recovery_wrap"),
        ("accounts", "private_keys_wrap"),
        ("accounts", "root_key_wrap"),
        ("accounts", "trash_key_wrap"),
        ("sessions", "token_hash"),
        ("sessions", "device"),
        ("contents", "header"),
        ("nodes", "record"),
        ("nodes", "manifest"),
        ("versions", "record"),
        ("uploads", "header"),
        ("links", "secret"),
        ("shares", "envelope"),
        ("share_rosters", "roster"),
        ("drops", "key_wrap"),
        ("drop_files", "sealed"),
        # The rows a deletion under a hold kept: the package shows them in their own tables.
        ("held_deletions", "archive"),
    }
)
# About someone else: who sent a notice against the account. An order for the account holder's
# data does not reach the notifier's identity; it is withheld and said so.
THIRD_PARTY: frozenset[tuple[str, str]] = frozenset(
    {("cases", "notifier_name"), ("cases", "notifier_contact")}
)
CANNOT_CONTAIN = (
    "IP addresses or user agents: the server never stores them",
    "file or folder names, plaintext sizes or contents: clients seal them before upload",
    "payment data: the server has none",
    "a key that opens anything: keys are wrapped under keys only the account holder has",
)


@dataclass(frozen=True)
class Package:
    manifest: dict[str, Any]
    data: dict[str, list[dict[str, Any]]]

    def data_json(self) -> bytes:
        return _dump(self.data)

    def manifest_json(self) -> bytes:
        return _dump(self.manifest)


class DisclosureService:
    def __init__(
        self, engine: Engine, clock: Clock, version: str, log: TransparencyLog = no_log
    ) -> None:
        self._log = log
        self._engine = engine
        self._clock = clock
        self._version = version

    def _package(self, account: str, with_opaque: bool) -> Package:
        with read_only(self._engine) as conn:
            user_id = disclosure.user_id_of(conn, account) or _user_id_named(conn, account)
            if user_id is None:
                raise not_found("account")
            rows = disclosure.rows_about(conn, user_id)
            # An account its holder deleted under a hold: the rows kept for it (§12.4).
            for table, kept in retention.held_rows(conn, user_id).items():
                rows[table] = rows[table] + kept
        names = sorted({row["username"] for row in rows["accounts"]})
        return self._assemble(" ".join(names), user_id, rows, with_opaque)

    def _own_copy(self, user_id: bytes) -> Package:
        with read_only(self._engine) as conn:
            username = disclosure.username_of(conn, user_id)
            if username is None:
                raise not_found("account")
            rows = disclosure.rows_about(conn, user_id)
        return self._assemble(username, user_id, for_the_holder(rows), False)

    async def own_copy(self, user_id: bytes) -> Package:
        """The account holder's export (GDPR Art. 15/20): the package minus what a gag keeps
        from them (spec/compliance.md §12.5)."""
        package = await to_thread.run_sync(self._own_copy, user_id)
        self._log("data_export", {})
        return package

    def _assemble(
        self, username: str, user_id: bytes, rows: dict[str, list[dict[str, Any]]],
        with_opaque: bool,
    ) -> Package:  # fmt: skip
        data = {
            table: [{k: _value(table, k, v, with_opaque) for k, v in r.items()} for r in found]
            for table, found in rows.items()
        }
        manifest = {
            "format": FORMAT,
            "account": username,
            "user_id": m.b64encode(user_id),
            "generated_day": time.strftime("%Y-%m-%d", time.gmtime(self._clock.now())),
            "server_version": self._version,
            "data_sha256": hashlib.sha256(_dump(data)).hexdigest(),
            "opaque_values": "bytes" if with_opaque else "length and sha256 only",
            "tables": {
                table: {"rows": len(found), "columns": disclosure.columns_of(table)}
                for table, found in rows.items()
            },
            "not_about_a_person": [t for t in disclosure.all_tables() if t not in rows],
            "cannot_contain": list(CANNOT_CONTAIN),
        }
        return Package(manifest, data)

    async def package(self, account: str, *, with_opaque: bool = False) -> Package:
        """The package of the account of that username, or of that user id (base64, as `admin
        holds list` shows it): an account deleted under a hold has no username any more."""
        package = await to_thread.run_sync(partial(self._package, account, with_opaque))
        records = sum(table["rows"] for table in package.manifest["tables"].values())
        self._log("disclosure", {"records": records})
        return package


def _user_id_named(conn: Connection, account: str) -> bytes | None:
    """The user id ``account`` spells in base64, if an account or a held deletion has it."""
    try:
        user_id = m.b64decode(account)
    except ValueError:
        return None
    if len(user_id) != limits.ID_BYTES:
        return None
    known = disclosure.username_of(conn, user_id) is not None
    return user_id if known or retention.has_held_deletion(conn, user_id) else None


def for_the_holder(rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Leave out requests for the holder's data they have not been told of yet, and holds
    except those of requests they have been told of: a gag binds until it lapses."""
    told = [r for r in rows["data_requests"] if r["notified_at"] is not None]
    known = {bytes(r["request_id"]) for r in told}
    holds = [h for h in rows["preservation_holds"]
             if h["request_id"] is not None and bytes(h["request_id"]) in known]  # fmt: skip
    # A deletion under a hold is kept from the holder too (spec/compliance.md §12.4); only a
    # signup reusing a deleted account's user id could meet one here.
    hidden: dict[str, list[dict[str, Any]]] = {"held_deletions": [], "held_contents": []}
    return {**rows, "data_requests": told, "preservation_holds": holds, **hidden}


def _value(table: str, column: str, value: Any, with_opaque: bool) -> Any:
    if (table, column) in THIRD_PARTY and value is not None:
        return {"withheld": "about another person (who sent the notice)"}
    if not isinstance(value, bytes | bytearray | memoryview):
        return value
    raw = bytes(value)
    if (table, column) in OPAQUE and not with_opaque:
        return {"opaque_bytes": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}
    return m.b64encode(raw)


def _dump(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, indent=1).encode() + b"\n"
