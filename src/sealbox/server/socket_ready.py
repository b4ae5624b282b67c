# SPDX-License-Identifier: AGPL-3.0-or-later
"""Waiting on the event loop until a connection's socket can be read or written, through a
duplicate of its descriptor: the transport owns the original, and the loop already watches it for
the transport (``sendfile_http.py`` writes, ``socket_body.py`` reads)."""

import asyncio
from collections.abc import Callable
from typing import Any


async def readable(loop: asyncio.AbstractEventLoop, fd: int) -> None:
    """Until ``fd`` has bytes to read (or is closed)."""
    await _ready(loop.add_reader, loop.remove_reader, loop, fd)


async def writable(loop: asyncio.AbstractEventLoop, fd: int) -> None:
    """Until ``fd`` can take more bytes (or is closed)."""
    await _ready(loop.add_writer, loop.remove_writer, loop, fd)


async def _ready(
    watch: Callable[..., Any],
    unwatch: Callable[[int], Any],
    loop: asyncio.AbstractEventLoop,
    fd: int,
) -> None:
    ready = loop.create_future()

    def wake() -> None:
        if not ready.done():
            ready.set_result(None)

    watch(fd, wake)
    try:
        await ready
    finally:
        unwatch(fd)
