# SPDX-License-Identifier: AGPL-3.0-or-later
"""An event loop on a thread of its own, so blocking callers (a WebDAV server's worker threads,
fsspec) can run the async SDK: every coroutine runs there, one loop for the whole drive, and the
caller's thread waits for its result."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class LoopThread:
    """One asyncio loop running on a daemon thread until ``stop``."""

    def __init__(self, name: str = "sealbox-drive") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the loop and wait for it; its exception is raised here."""
        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError("the drive's loop cannot wait for itself")
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def stop(self) -> None:
        """Cancel what still runs, stop the loop and wait for its thread."""
        if not self._thread.is_alive():
            return

        async def cancel_rest() -> None:
            here = asyncio.current_task()
            rest = [t for t in asyncio.all_tasks() if t is not here]
            for task in rest:
                task.cancel()
            await asyncio.gather(*rest, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(cancel_rest(), self.loop).result()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()
