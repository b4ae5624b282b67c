# SPDX-License-Identifier: AGPL-3.0-or-later
"""An HTTP/1.1 proxy that misbehaves on request, to test how clients survive a flaky upstream.

It sits between a client and a real server on loopback. Every request it forwards gets
``Connection: close`` so each connection carries exactly one request and the proxy sees (and
counts) every attempt, including the client's retries. Faults apply to the next requests, in the
order they arrive:

* ``fail_next(n, status, match)``: answer the next ``n`` requests (whose request line contains
  ``match``) itself with an S3-style error;
* ``reset_next(n)``: drop the next ``n`` connections with a TCP reset, without answering;
* ``cut_next_response(after)``: forward the next response but break the connection after
  ``after`` bytes of it (headers included), as a server crashing mid-download would;
* ``reply_next(match, status, body, every)``: answer the next request whose request line has
  ``match`` with a response of its own, sent a byte at a time every ``every`` seconds when that is
  positive (a server that trickles);
* ``flood_next(match, size)``: answer the next matching request with a 200 JSON answer of
  ``size`` bytes, made up as it is sent (a server that answers without end);
* ``hang_after_next(match)``: forward the next matching request, let the server answer it whole,
  and never pass the answer on (the server did the work; the client never hears of it). ``hung``
  counts the requests held so.

With ``record=True`` it also keeps every byte clients sent (request lines, headers and bodies) in
``sent``, so a test can show that something secret never went over the wire.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from dataclasses import dataclass, field

REASONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


@dataclass
class _Faults:
    fail: int = 0
    status: int = 503
    match: str = ""
    reset: int = 0
    cut_after: list[int] = field(default_factory=list)
    replies: list[_Reply] = field(default_factory=list)
    hang: list[str] = field(default_factory=list)


@dataclass
class _Reply:
    match: str
    status: int
    body: bytes
    every: float = 0.0  # seconds between bytes; 0 sends the answer at once
    skip: int = 0  # matching requests to forward untouched first
    flood: int = 0  # when positive, a made-up body of this many bytes instead of ``body``


class FaultProxy:
    def __init__(self, upstream_host: str, upstream_port: int, *, record: bool = False) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.requests: list[str] = []
        self.record = record
        self.sent = bytearray()
        self._faults = _Faults()
        self.hung = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def endpoint(self) -> str:
        assert self._server is not None, "the proxy is not started"
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def fail_next(self, count: int, status: int = 503, match: str = "") -> None:
        """Answer the next ``count`` requests whose request line has ``match`` with an error."""
        self._faults.fail, self._faults.status, self._faults.match = count, status, match

    def reset_next(self, count: int) -> None:
        self._faults.reset = count

    def cut_next_response(self, after: int) -> None:
        self._faults.cut_after.append(after)

    def reply_next(
        self, match: str, status: int, body: bytes, every: float = 0.0, skip: int = 0
    ) -> None:
        """Answer the next request whose request line has ``match`` (after forwarding ``skip``
        such requests) with ``status`` and a JSON ``body``; with ``every`` > 0, one byte of the
        whole answer every ``every`` seconds."""
        self._faults.replies.append(_Reply(match, status, body, every, skip))

    def flood_next(self, match: str, size: int) -> None:
        """Answer the next request whose request line has ``match`` with 200 and ``size`` bytes
        of a JSON string that never ends, generated piece by piece (the proxy holds none of it)."""
        self._faults.replies.append(_Reply(match, 200, b"", flood=size))

    def clear(self) -> None:
        """Forget every fault not yet used."""
        self._faults = _Faults()

    def hang_after_next(self, match: str) -> None:
        self._faults.hang.append(match)

    async def start(self) -> FaultProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self._server.wait_closed()

    async def __aenter__(self) -> FaultProxy:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._one_request(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _one_request(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        if self.record:
            self.sent += head
        lines = head.decode("latin-1").split("\r\n")
        self.requests.append(lines[0])
        headers = [line for line in lines[1:] if line]
        faults = self._faults
        if faults.reset > 0:
            faults.reset -= 1
            # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return
        reply = next((r for r in faults.replies if r.match in lines[0]), None)
        if reply is not None and reply.skip > 0:
            reply.skip -= 1
        elif reply is not None:
            faults.replies.remove(reply)
            await self._read_body(reader, headers)
            await self._answer(writer, reply)
            return
        if faults.fail > 0 and faults.match in lines[0]:
            faults.fail -= 1
            await self._answer_error(reader, writer, headers, faults.status)
            return
        cut_after = faults.cut_after.pop(0) if faults.cut_after else None
        hang = next((m for m in faults.hang if m in lines[0]), None)
        if hang is not None:
            faults.hang.remove(hang)

        upstream_reader, upstream_writer = await asyncio.open_connection(*self.upstream)
        kept = [line for line in headers if not line.lower().startswith("connection:")]
        upstream_writer.write(
            ("\r\n".join([lines[0], *kept, "Connection: close"]) + "\r\n\r\n").encode("latin-1")
        )
        upload = asyncio.create_task(
            self._pipe(reader, upstream_writer, None, self.sent if self.record else None)
        )
        try:
            if hang is not None:
                while await upstream_reader.read(65536):
                    pass
                self.hung += 1
                await asyncio.Event().wait()
            await self._pipe(upstream_reader, writer, cut_after)
        finally:
            upload.cancel()
            with contextlib.suppress(BaseException):
                await upload
            upstream_writer.close()

    @staticmethod
    async def _pipe(
        source: asyncio.StreamReader,
        sink: asyncio.StreamWriter,
        limit: int | None,
        tape: bytearray | None = None,
    ) -> None:
        sent = 0
        while data := await source.read(65536):
            if tape is not None:
                tape += data
            if limit is not None and sent + len(data) >= limit:
                sink.write(data[: limit - sent])
                await sink.drain()
                sink.transport.abort()
                return
            sink.write(data)
            await sink.drain()
            sent += len(data)

    @staticmethod
    async def _answer_error(
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        headers: list[str],
        status: int,
    ) -> None:
        await FaultProxy._read_body(reader, headers)
        body = (
            b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code>'
            b"<Message>fault injected by the test proxy</Message></Error>"
        )
        reason = REASONS.get(status, "Error")
        writer.write(
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/xml\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()

    @staticmethod
    async def _read_body(reader: asyncio.StreamReader, headers: list[str]) -> None:
        """Read the request body first (unless the client waits for "100 Continue" or streams
        it chunked), so the client sees our answer rather than a broken pipe."""
        fields = {}
        for line in headers:
            name, _, value = line.partition(":")
            fields[name.strip().lower()] = value.strip()
        length = int(fields.get("content-length", "0") or 0)
        if length and fields.get("expect", "").lower() != "100-continue":
            await reader.readexactly(length)

    @staticmethod
    async def _answer(writer: asyncio.StreamWriter, reply: _Reply) -> None:
        length = reply.flood or len(reply.body)
        head = (
            f"HTTP/1.1 {reply.status} {REASONS.get(reply.status, 'Answer')}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {length}\r\n"
            "Connection: close\r\n\r\n"
        ).encode()
        if reply.flood:
            writer.write(head + b'{"user_id": "')
            piece = b"A" * 65536
            left = reply.flood - len(b'{"user_id": "')
            while left > 0:
                writer.write(piece[:left])
                left -= min(left, len(piece))
                await writer.drain()
            return
        answer = head + reply.body
        if reply.every <= 0:
            writer.write(answer)
            await writer.drain()
            return
        for index in range(len(answer)):
            writer.write(answer[index : index + 1])
            await writer.drain()
            await asyncio.sleep(reply.every)
