# SPDX-License-Identifier: AGPL-3.0-or-later
"""Counting and timing every request for ``/metrics``, labelled by route template, never by path.

A plain ASGI middleware rather than a decorator per route, so that errors raised before a route
runs (unknown paths, body limits) are counted too, and streamed bodies are timed to their end.
"""

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sealbox.server.services.metrics import Metrics

UNMATCHED = "unmatched"
# Any other method is counted as "other": a label value must not be whatever a client sends.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestMetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            # The router records the matched route in the scope it was given; its template has
            # placeholders where the path has ids, so labels never carry an id.
            route = scope.get("route")
            template = getattr(route, "path", None) or UNMATCHED
            method = scope.get("method", "")
            method = method if method in METHODS else "other"
            self.metrics.requests.labels(method, template, str(status)).inc()
            self.metrics.request_seconds.labels(method, template).observe(
                time.perf_counter() - began
            )
            if status >= 500:
                self.metrics.server_errors.labels(template).inc()
