# SPDX-License-Identifier: AGPL-3.0-or-later
"""``sealbox serve webdav``: WsgiDAV with the drive provider, on cheroot's threaded WSGI server.

Loopback by default; every request needs HTTP basic auth with the user ``sealbox`` and a token
generated at start (printed once). Dead properties and locks live in this process's memory, as
WsgiDAV keeps them; they are not stored in the drive.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from cheroot import wsgi
from wsgidav.error_printer import ErrorPrinter
from wsgidav.http_authenticator import HTTPAuthenticator
from wsgidav.request_resolver import RequestResolver
from wsgidav.wsgidav_app import WsgiDAVApp

from sealbox.client.webdav.provider import DriveProvider, legal_reasons_status

USER = "sealbox"
THREADS = 8


def new_token() -> str:
    return secrets.token_urlsafe(24)


def make_app(provider: DriveProvider, token: str) -> Any:
    """The WSGI app: WsgiDAV over ``provider``, basic auth as ``sealbox``/``token``."""
    # WsgiDAV logs failures with their tracebacks; the provider reports what a person needs.
    quiet = logging.getLogger("wsgidav")
    quiet.addHandler(logging.NullHandler())
    quiet.propagate = False
    config = {
        "provider_mapping": {"/": provider},
        "simple_dc": {"user_mapping": {"*": {USER: {"password": token, "roles": []}}}},
        "http_authenticator": {
            "domain_controller": None,
            "accept_basic": True,
            "accept_digest": False,
            "default_to_digest": False,
        },
        # No directory browser: it would add a share of its own (its HTML assets) that WsgiDAV
        # opens to anonymous requests; and no CORS, so no web page can call this server.
        "middleware_stack": [ErrorPrinter, HTTPAuthenticator, RequestResolver],
        "property_manager": True,
        "lock_storage": True,
        "verbose": 0,
        "logging": {"enable": False},
    }
    return legal_reasons_status(WsgiDAVApp(config))


class DavServer:
    """The HTTP server, bound on creation (port 0 picks a free one) and run by ``serve``."""

    def __init__(self, app: Any, host: str, port: int) -> None:
        self._server = wsgi.Server((host, port), app, numthreads=THREADS)
        self._server.prepare()

    @property
    def url(self) -> str:
        host, port = self._server.bind_addr[:2]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}/"

    def serve(self) -> None:
        """Answer requests until ``stop``."""
        self._server.serve()

    def stop(self) -> None:
        self._server.stop()
