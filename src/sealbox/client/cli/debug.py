# SPDX-License-Identifier: AGPL-3.0-or-later
"""``-v/--debug``: what the command does, on standard error, and never a secret.

Only the ``sealbox`` logger is switched on (httpx's own would print whole URLs). Requests are
logged by method, path and status, with every id in the path shown as ``<id>``: a drop id or a
link id is a capability, and ids say nothing a person debugging needs. Headers (the session
token), bodies, query strings, keys and passwords are never logged.
"""

from __future__ import annotations

import logging
import re
import sys
import time

import httpx

from sealbox.client.cli.output import terminal_safe

log = logging.getLogger("sealbox")
_ID = re.compile(r"[A-Za-z0-9_-]{16,}")


def enable(debug: bool) -> None:
    if not debug or log.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("sealbox: debug: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    log.propagate = False


def shown_path(url: httpx.URL) -> str:
    """The request's path with ids hidden, and no query string."""
    return terminal_safe(_ID.sub("<id>", url.path))


async def log_request(request: httpx.Request) -> None:
    if log.isEnabledFor(logging.DEBUG):
        request.extensions["sealbox_started"] = time.monotonic()
        log.debug("%s %s", request.method, shown_path(request.url))


async def log_response(response: httpx.Response) -> None:
    if log.isEnabledFor(logging.DEBUG):
        request = response.request
        started = request.extensions.get("sealbox_started", time.monotonic())
        took = (time.monotonic() - started) * 1000
        log.debug(
            "%s %s -> %d (%.0f ms to the first byte)",
            request.method, shown_path(request.url), response.status_code, took,
        )  # fmt: skip
