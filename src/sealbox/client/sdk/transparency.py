# SPDX-License-Identifier: AGPL-3.0-or-later
"""Checking a server's transparency log (spec/transparency.md §What a client checks).

1. ``fetch_checkpoint`` reads the latest checkpoint and opens it with the pinned log key
   (``sealbox.crypto.notes`` verifies the Ed25519 signature), naming the pinned log's origin.
2. ``accept_checkpoint`` checks it against the last checkpoint this client accepted: a smaller
   size, another root for the same size or a failing consistency proof is a rewritten or forked
   log (``IntegrityError`` ``rollback`` or ``fork``); the old checkpoint is kept.
3. ``fetch_proven_entries`` reads a range of entries and proves each one is in an accepted
   checkpoint. It is the way in for anything that relies on entries (the transparency report's
   ``verify --report`` recomputes its figures from what it returns).

Nothing the server sends is believed before it is checked against the pinned key.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sealbox.client.sdk.api import Api
from sealbox.client.sdk.log_trust import LogTrust, TrustedLog
from sealbox.crypto.errors import ErrorCode, IntegrityError
from sealbox.crypto.notes import verify_note
from sealbox.protocol import routes
from sealbox.protocol import transparency as t
from sealbox.tlog import (
    Checkpoint,
    CheckpointError,
    NoteKey,
    ProofError,
    leaf_hash,
    open_checkpoint,
    root,
    verify_consistency,
    verify_inclusion,
)

MAX_CHECKPOINT = 64 * 1024
PROOFS_AT_ONCE = 16


@dataclass(frozen=True)
class ProvenEntry:
    """One log entry, proved to be at ``index`` of the checkpoint it was checked against."""

    index: int
    raw: bytes  # the leaf bytes, as the log holds them
    fields: dict[str, Any]  # the entry's JSON


@dataclass(frozen=True)
class Accepted:
    checkpoint: Checkpoint
    note: bytes
    previous: Checkpoint | None  # the checkpoint accepted before, None on first use


def origin_of(key: NoteKey) -> str:
    """A Sealbox log's key is named after the log's origin (spec/transparency.md)."""
    return key.name


async def fetch_key(api: Api) -> NoteKey:
    """The log key the server announces: shown to the person before pinning, never trusted
    in place of a pinned one."""
    found = await api._call("GET", routes.TRANSPARENCY_KEY, t.LogKey)
    try:
        return NoteKey.parse(found.key)
    except CheckpointError as exc:
        raise IntegrityError(ErrorCode.MALFORMED, f"the server's log key: {exc}") from None


async def fetch_checkpoint(api: Api, key: NoteKey) -> tuple[Checkpoint, bytes]:
    """The latest checkpoint, opened with the pinned ``key``."""
    reply = await api._send("GET", routes.TRANSPARENCY_CHECKPOINT, limit=MAX_CHECKPOINT)
    return open_note(reply.body, key), reply.body


def open_note(note: bytes, key: NoteKey) -> Checkpoint:
    try:
        return open_checkpoint(note, key, verify_note, origin_of(key))
    except CheckpointError as exc:
        raise IntegrityError(ErrorCode.BAD_SIGNATURE, f"the log's checkpoint: {exc}") from None


async def consistency(api: Api, old: Checkpoint, new: Checkpoint) -> None:
    """Raise ``IntegrityError`` unless ``new`` extends ``old`` unchanged."""
    if new.size < old.size:
        raise IntegrityError(
            ErrorCode.ROLLBACK,
            f"the log shrank from {old.size} to {new.size} entries since this client last "
            "checked it: its history was rewritten",
        )
    if old.size == 0:
        return  # every log extends the empty one
    proof: list[bytes] = []
    if new.size > old.size:
        query = {"from": old.size, "to": new.size}
        got = await api._call("GET", routes.TRANSPARENCY_CONSISTENCY, t.ConsistencyProof,
                              params=query)  # fmt: skip
        if got.from_ != old.size or got.to != new.size:
            raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "a consistency proof for other sizes")
        proof = got.proof
    try:
        verify_consistency(old.size, new.size, old.root, new.root, proof)
    except ProofError as exc:
        raise IntegrityError(ErrorCode.FORK, str(exc)) from None


async def accept_checkpoint(api: Api, trust: LogTrust, server: str, log: TrustedLog) -> Accepted:
    """Fetch the latest checkpoint, check it against the pinned key and the last one accepted,
    and remember it. On any failure the last accepted checkpoint stays as it was."""
    checkpoint, note = await fetch_checkpoint(api, log.key)
    previous = open_note(log.checkpoint, log.key) if log.checkpoint else None
    if previous is not None:
        await consistency(api, previous, checkpoint)
    trust.accept(server, note)
    return Accepted(checkpoint, note, previous)


def _fields(raw: bytes, index: int) -> dict[str, Any]:
    try:
        found = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        found = None
    if not isinstance(found, dict) or not isinstance(found.get("kind"), str):
        raise IntegrityError(ErrorCode.MALFORMED, f"log entry {index} is not an entry's JSON")
    return found


async def fetch_entries(api: Api, start: int, end: int) -> list[bytes]:
    """Entries ``start`` ≤ i < ``end`` as the server sends them (unchecked), page by page."""
    found: list[bytes] = []
    while start + len(found) < end:
        at = start + len(found)
        page = await api._call("GET", routes.TRANSPARENCY_ENTRIES, t.EntryRange,
                               params={"start": at, "end": end})  # fmt: skip
        if page.start != at or not page.entries:
            raise IntegrityError(ErrorCode.MALFORMED, f"the log has no entries from {at} to {end}")
        found.extend(page.entries[: end - at])
    return found


async def prove_inclusion(api: Api, checkpoint: Checkpoint, index: int, raw: bytes) -> None:
    query = {"index": index, "size": checkpoint.size}
    got = await api._call("GET", routes.TRANSPARENCY_INCLUSION, t.InclusionProof, params=query)
    if got.index != index or got.size != checkpoint.size:
        raise IntegrityError(ErrorCode.CONTEXT_MISMATCH, "an inclusion proof for another entry")
    try:
        verify_inclusion(leaf_hash(raw), index, checkpoint.size, got.path, checkpoint.root)
    except ProofError as exc:
        raise IntegrityError(ErrorCode.FORK, f"{exc}: the entry was altered") from None


async def fetch_proven_entries(
    api: Api, checkpoint: Checkpoint, start: int, end: int
) -> list[ProvenEntry]:
    """Entries ``start`` ≤ i < ``end`` of the log, each proved to be in ``checkpoint`` (which
    the caller accepted with ``accept_checkpoint``). The whole log is checked against the root
    at once; a part of it entry by entry with inclusion proofs."""
    if not 0 <= start <= end <= checkpoint.size:
        raise ValueError(f"entries {start} to {end} are not in a log of {checkpoint.size}")
    raw = await fetch_entries(api, start, end)
    if start == 0 and end == checkpoint.size:
        if root([leaf_hash(entry) for entry in raw]) != checkpoint.root:
            raise IntegrityError(
                ErrorCode.FORK, "the log's entries do not hash to its signed root: one was altered"
            )
    else:
        gate = asyncio.Semaphore(PROOFS_AT_ONCE)

        async def prove(index: int, entry: bytes) -> None:
            async with gate:
                await prove_inclusion(api, checkpoint, index, entry)

        await asyncio.gather(*(prove(start + i, e) for i, e in enumerate(raw)))
    return [ProvenEntry(start + i, e, _fields(e, start + i)) for i, e in enumerate(raw)]


async def latest_canary(api: Api, checkpoint: Checkpoint) -> ProvenEntry | None:
    """The newest ``canary`` entry in ``checkpoint``, proved; None if the log has none."""
    end = checkpoint.size
    while end > 0:
        start = max(0, end - t.MAX_ENTRIES)
        page = await fetch_entries(api, start, end)
        for offset in range(len(page) - 1, -1, -1):
            index, raw = start + offset, page[offset]
            if _fields(raw, index).get("kind") == "canary":
                await prove_inclusion(api, checkpoint, index, raw)
                return ProvenEntry(index, raw, _fields(raw, index))
        end = start
    return None


def canary_lapsed(canary: ProvenEntry | None, today: date) -> str | None:
    """Why the warrant canary lapsed, or None while it holds (spec/transparency.md §Entries)."""
    if canary is None:
        return "the log holds no warrant canary"
    due = str(canary.fields.get("next", ""))
    try:
        next_day = date.fromisoformat(due)
    except ValueError:
        return f"the latest canary (entry {canary.index}) names no date for the next one"
    if next_day < today:
        return f"the latest canary (entry {canary.index}) said the next was due by {due}"
    return None
