# SPDX-License-Identifier: AGPL-3.0-or-later
"""A hostile server for tests: the real app, wrapped so a test can rewrite any response and see
every request the client sent (issue 6; spec/threat-model.md).

The wrapper sits at the ASGI level, between the client's HTTP transport and the real server, which
is exactly where a malicious operator or a compromised TLS terminator sits. A rule names a method
and a path pattern and rewrites the response body (and may rewrite the status); the recorder keeps
every request's method, path, query, headers and body so tests can search them for secrets.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import anyio

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: bytes
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes

    def wire_bytes(self) -> bytes:
        """Everything the client put on the wire for this request, for secret scanning."""
        head = b"".join(k + b": " + v + b"\r\n" for k, v in self.headers)
        return f"{self.method} {self.path}?".encode() + self.query + b"\r\n" + head + self.body


@dataclass
class Exchange:
    """What a rule sees: the request, and the response it may change."""

    request: Recorded
    status: int
    body: bytes


Rewrite = Callable[[Exchange], bytes | None]


@dataclass
class Rule:
    method: str
    pattern: re.Pattern[str]
    rewrite: Rewrite
    times: int | None  # None: every match
    hits: int = 0


@dataclass
class HostileServer:
    app: App
    rules: list[Rule] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)

    def on(self, method: str, path: str, rewrite: Rewrite, times: int | None = None) -> Rule:
        """Rewrite responses to ``method`` requests whose path fully matches the ``path`` regex.
        ``rewrite`` returns new body bytes, or None to leave the response alone."""
        rule = Rule(method.upper(), re.compile(path), rewrite, times)
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        self.rules.clear()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        request = Recorded(
            scope["method"],
            scope["path"],
            scope.get("query_string", b""),
            tuple((bytes(k), bytes(v)) for k, v in scope.get("headers", [])),
            body,
        )
        self.requests.append(request)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                # The client stays connected until the response is done, as a real one would;
                # streaming responses watch receive() for a disconnect meanwhile.
                await anyio.Event().wait()
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        rules = [
            r
            for r in self.rules
            if r.method == request.method
            and r.pattern.fullmatch(request.path)
            and (r.times is None or r.hits < r.times)
        ]
        if not rules:
            await self.app(scope, replay, send)
            return
        start: Message = {}
        parts: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))

        await self.app(scope, replay, capture)
        exchange = Exchange(request, start["status"], b"".join(parts))
        for rule in rules:
            replaced = rule.rewrite(exchange)
            if replaced is not None:
                rule.hits += 1
                exchange.body = replaced
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(exchange.body)).encode()))
        await send({"type": "http.response.start", "status": exchange.status, "headers": headers})
        await send({"type": "http.response.body", "body": exchange.body, "more_body": False})
