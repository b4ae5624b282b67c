# SPDX-License-Identifier: AGPL-3.0-or-later
"""Whether this server can do useful work now, and the figures a metrics scrape reads at once.

``/readyz`` asks both dependencies at the same time, each within one timeout, so the probe answers
in time even when both are down. Both take the engine and the store the server holds at the time
of the request.
"""

import contextlib
from collections.abc import Awaitable, Callable
from functools import partial

import anyio
from anyio import to_thread

from sealbox.server.blobs.base import BlobStore
from sealbox.server.db import health
from sealbox.server.db.engine import Engine
from sealbox.server.services.metrics import Metrics

READY_TIMEOUT_SECONDS = 2.0
# A key no blob ever has: stat of it costs one round trip and proves the store answers.
PROBE_KEY = "readyz-probe"


async def _database_answers(engine: Engine) -> bool:
    try:
        with anyio.fail_after(READY_TIMEOUT_SECONDS):
            # Abandoned on timeout: the thread finishes on its own, the probe answers in time.
            await to_thread.run_sync(partial(health.ping, engine), abandon_on_cancel=True)
    except Exception:
        return False
    return True


async def _blobs_answer(blobs: BlobStore, count_failure: Callable[[str], None]) -> bool:
    try:
        with anyio.fail_after(READY_TIMEOUT_SECONDS):
            await blobs.stat(PROBE_KEY)
    except TimeoutError:
        # The store did not answer in time: a failure of the store like any other, though the
        # metered store saw only a cancelled call (a store that retries a refused connection
        # with backoff can take that long).
        count_failure("stat")
        return False
    except Exception:
        return False
    return True


async def unavailable(
    engine: Engine, blobs: BlobStore, count_failure: Callable[[str], None] = lambda _: None
) -> list[str]:
    """The dependencies that do not answer now ("database", "blob store"); empty when ready.
    A blob store that does not answer in time is counted with ``count_failure``."""
    results: dict[str, bool] = {}

    async def check(name: str, probe: Callable[[], Awaitable[bool]]) -> None:
        results[name] = await probe()

    async with anyio.create_task_group() as group:
        group.start_soon(check, "database", partial(_database_answers, engine))
        group.start_soon(check, "blob store", partial(_blobs_answer, blobs, count_failure))
    return [name for name in ("database", "blob store") if not results[name]]


async def scrape(engine: Engine, metrics: Metrics) -> bytes:
    """The metrics in Prometheus' text format, the open-uploads gauge read now."""
    # A scrape still reports every other figure while the database is away; the gauge keeps its
    # last value and the request counters show the failures.
    with contextlib.suppress(Exception):
        metrics.open_uploads.set(
            await to_thread.run_sync(partial(health.count_open_uploads, engine))
        )
    return metrics.render()
