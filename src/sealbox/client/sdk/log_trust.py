# SPDX-License-Identifier: AGPL-3.0-or-later
"""What this client trusts about a server's transparency log (spec/transparency.md §What a
client checks): the log key it pinned, and the last checkpoint it accepted. Kept in
``<home>/transparency.json``, mode 0600, one record per server URL.

A pinned key is never replaced by anything the server says: only the person can remove it
(``LogTrust.forget``). The accepted checkpoint only moves forward, after a consistency proof.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sealbox.tlog import NoteKey

FILE = "transparency.json"


@dataclass(frozen=True)
class TrustedLog:
    key: NoteKey
    # The signed note of the last checkpoint accepted, None before the first.
    checkpoint: bytes | None = None


class LogTrust:
    def __init__(self, home: Path) -> None:
        self.path = home / FILE

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"logs": {}}
        if not isinstance(data, dict) or not isinstance(data.get("logs"), dict):
            raise ValueError(f"{self.path} is damaged: remove it to start over")
        return data

    def _write(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(data, indent=1, sort_keys=True))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)

    def get(self, server: str) -> TrustedLog | None:
        record = self._read()["logs"].get(server)
        if record is None:
            return None
        note = record.get("checkpoint")
        return TrustedLog(NoteKey.parse(record["key"]), note.encode() if note else None)

    def pin(self, server: str, key: NoteKey) -> TrustedLog:
        """Pin ``key`` for ``server``; refuses if another key is pinned already."""
        data = self._read()
        found = data["logs"].get(server)
        if found is not None and found["key"] != key.text():
            raise ValueError(
                f"another log key is pinned for {server}: {found['key']}. It is never replaced "
                f"silently; if the operator announced a new key, remove the old one with "
                f"`sealbox transparency forget` and pin again"
            )
        if found is None:
            data["logs"][server] = {"key": key.text(), "checkpoint": None}
            self._write(data)
        return self.get(server)  # type: ignore[return-value]

    def accept(self, server: str, note: bytes) -> None:
        """Remember ``note`` as the last checkpoint accepted (after it was checked)."""
        data = self._read()
        data["logs"][server]["checkpoint"] = note.decode("utf-8")
        self._write(data)

    def forget(self, server: str) -> bool:
        data = self._read()
        gone = data["logs"].pop(server, None) is not None
        if gone:
            self._write(data)
        return gone
