# SPDX-License-Identifier: AGPL-3.0-or-later
"""Running a mount until it is asked to stop: Ctrl-C, SIGTERM or ``fusermount3 -u``. Every way
out unmounts cleanly, so no "transport endpoint is not connected" is left behind."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path

import pyfuse3
import trio

from sealbox.client.access import DriveHandle
from sealbox.client.mount.filesystem import SealboxFS


def mount(
    handle: DriveHandle,
    root: str,
    mountpoint: Path,
    *,
    ttl: float = 2.0,
    read_only: bool = False,
    ready: Callable[[], None] = lambda: None,
) -> None:
    """Serve ``root`` of the drive at ``mountpoint`` until told to stop."""
    operations = SealboxFS(handle, root, ttl, read_only)
    options = set(pyfuse3.default_options)
    options |= {"fsname=sealbox", "subtype=sealbox", "noatime"}
    if read_only:
        options.add("ro")
    pyfuse3.init(operations, str(mountpoint), options)
    try:
        ready()
        trio.run(_serve)
    finally:
        pyfuse3.close(unmount=True)


async def _serve() -> None:
    async with trio.open_nursery() as nursery:
        nursery.start_soon(_stop_on_signal, nursery.cancel_scope)
        await pyfuse3.main()
        nursery.cancel_scope.cancel()


async def _stop_on_signal(scope: trio.CancelScope) -> None:
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async for _ in signals:
            pyfuse3.terminate()
            return
