# SPDX-License-Identifier: AGPL-3.0-or-later
"""The drive of the account logged in on this device (``sealbox login``), for a handle."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from sealbox.client.access.handle import Opener
from sealbox.client.sdk import account
from sealbox.client.sdk.api import DEFAULT_DEADLINE, Api, Http
from sealbox.client.sdk.drive import Drive
from sealbox.client.sdk.errors import NotLoggedIn
from sealbox.client.sdk.state import LocalState, default_home


def stored_login(
    home: Path | None = None, server: str | None = None, deadline: float = DEFAULT_DEADLINE
) -> Opener:
    """An opener for the session the last ``sealbox login`` stored in ``home`` (default:
    ``$SEALBOX_HOME`` or ~/.config/sealbox); ``server`` overrides the stored server's URL."""

    @asynccontextmanager
    async def opened() -> AsyncIterator[Drive]:
        state = LocalState(home or default_home())
        try:
            stored = state.load_session()
            url = server or (stored.server if stored else None)
            if url is None:
                raise NotLoggedIn("not logged in: run `sealbox login USER` first")
            limits = httpx.Limits(max_connections=16, max_keepalive_connections=16)
            timeout = httpx.Timeout(min(60.0, deadline), connect=min(10.0, deadline))
            async with Http(
                base_url=url.rstrip("/"), limits=limits, timeout=timeout, deadline=deadline
            ) as http:
                yield Drive(await account.resume(Api(http), state))
        finally:
            state.close()

    return opened
