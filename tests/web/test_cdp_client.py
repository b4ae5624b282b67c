# SPDX-License-Identifier: AGPL-3.0-or-later
"""The DevTools client the large-transfer test drives Chromium with (tests/web/transfer.py)."""

import asyncio
import json
from typing import Any

import pytest

from .transfer import Cdp

pytestmark = pytest.mark.anyio


class FakeSocket:
    """Answers each command when told to, in any order, like a browser's DevTools socket."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.inbox: asyncio.Queue[str] = asyncio.Queue()

    async def send(self, text: str) -> None:
        self.sent.append(json.loads(text))

    def answer(self, ask: int) -> None:
        self.inbox.put_nowait(json.dumps({"id": ask, "result": {"ask": ask}}))

    def __aiter__(self) -> "FakeSocket":
        return self

    async def __anext__(self) -> str:
        return await self.inbox.get()


async def test_an_answer_to_a_cancelled_command_does_not_stop_later_answers() -> None:
    socket = FakeSocket()
    cdp = Cdp(socket)
    try:
        cancelled = asyncio.create_task(cdp.send("SystemInfo.getProcessInfo"))
        await asyncio.sleep(0.01)
        cancelled.cancel()  # a sampler stopped mid-command
        await asyncio.sleep(0.01)
        socket.answer(socket.sent[0]["id"])  # its answer comes all the same
        later = asyncio.create_task(cdp.send("SystemInfo.getProcessInfo"))
        await asyncio.sleep(0.01)
        socket.answer(socket.sent[1]["id"])
        async with asyncio.timeout(5):
            assert await later == {"ask": socket.sent[1]["id"]}
        assert not cdp.reader.done()
        assert cdp.waiting == {}
    finally:
        cdp.reader.cancel()
