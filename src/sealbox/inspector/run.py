# SPDX-License-Identifier: AGPL-3.0-or-later
"""The inspector's loop: take a job, read the file into memory, hash, match, report, forget."""

import asyncio
from dataclasses import dataclass
from pathlib import Path

import httpx

from sealbox.compliance import hashsets
from sealbox.crypto.errors import IntegrityError
from sealbox.inspector.hashing import hash_plaintext
from sealbox.inspector.reading import InspectionApi, NotAFile, read_reported_file
from sealbox.protocol import compliance as w
from sealbox.protocol import routes
from sealbox.protocol.models import b64encode


@dataclass(frozen=True, slots=True)
class Config:
    server: str
    token: str
    hash_sets: tuple[Path, ...]
    pdq_distance: int = hashsets.DEFAULT_PDQ_DISTANCE


@dataclass(frozen=True, slots=True)
class Outcome:
    report_id: bytes
    matched: str | None
    error: str | None = None


async def _next_job(http: httpx.AsyncClient, token: str) -> w.InspectionJob | None:
    reply = await http.post(routes.ADMIN_INSPECTIONS_NEXT,
                            headers={"Authorization": f"Operator {token}"})  # fmt: skip
    if reply.status_code == 204:
        return None
    reply.raise_for_status()
    return w.InspectionJob.model_validate_json(reply.content)


async def inspect_one(http: httpx.AsyncClient, config: Config, sets: list[hashsets.HashSet]) -> (
    Outcome | None
):  # fmt: skip
    job = await _next_job(http, config.token)
    if job is None:
        return None
    api = InspectionApi(http, config.token, job.report_id)
    try:
        plaintext = await read_reported_file(api, job.url)
    except (NotAFile, IntegrityError, ValueError) as exc:
        return Outcome(job.report_id, None, str(exc))
    try:
        hashes = hash_plaintext(plaintext)
    finally:
        plaintext[:] = bytes(len(plaintext))  # overwrite before the memory is given back
    found = hashsets.match(sets, hashes.as_dict(), config.pdq_distance)
    result = w.InspectionResult(
        sha256=hashes.sha256, md5=hashes.md5, pdq=hashes.pdq, size=hashes.size,
        matched=None if found is None else found.label,
        match_kind=None if found is None else found.kind,
        distance=None if found is None else found.distance,
    )  # fmt: skip
    path = routes.ADMIN_INSPECTION.format(report_id=b64encode(job.report_id))
    reply = await http.post(path, content=result.model_dump_json(),
                            headers={"Authorization": f"Operator {config.token}",
                                     "Content-Type": "application/json"})  # fmt: skip
    reply.raise_for_status()
    return Outcome(job.report_id, result.matched)


async def run(config: Config, *, once: bool, poll_seconds: float = 10.0) -> list[Outcome]:
    """Inspect queued reports; with ``once``, until the queue is empty."""
    sets = [hashsets.load(p) for p in config.hash_sets]
    outcomes: list[Outcome] = []
    async with httpx.AsyncClient(base_url=config.server, timeout=60) as http:
        while True:
            done = await inspect_one(http, config, sets)
            if done is not None:
                outcomes.append(done)
                continue
            if once:
                return outcomes
            await asyncio.sleep(poll_seconds)
