# SPDX-License-Identifier: AGPL-3.0-or-later
"""Group commit: requests that become ready while a commit runs share the next one.

A database does this for its log; the chunk uploads do it for their durability (one filesystem
sync and one database commit for every chunk that arrived meanwhile, instead of two fsyncs and a
commit each; docs/decisions/2003). No request is answered before the commit that carries it has
returned, so what a caller acknowledges is exactly as durable as with a commit of its own.

There is no background task: the first caller that finds no commit running becomes the leader,
commits everything pending (its own item among them) and wakes the rest; a caller whose item was
not in that group leads the next one.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import anyio

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass(eq=False, slots=True)
class _Slot(Generic[Item, Result]):
    item: Item
    done: bool = False
    result: Result | None = None
    error: BaseException | None = field(default=None)


class GroupCommit(Generic[Item, Result]):
    """``commit`` takes a group of items and returns, in order, each one's result or the
    exception to raise to its caller; an exception from ``commit`` itself goes to every caller of
    the group. ``forget`` is called for an item whose caller gave up before any commit took it."""

    def __init__(
        self,
        commit: Callable[[list[Item]], Awaitable[list[Result | Exception]]],
        forget: Callable[[Item], Awaitable[None]],
        limit: int = 64,
    ) -> None:
        self._commit = commit
        self._forget = forget
        self._limit = limit
        self._pending: list[_Slot[Item, Result]] = []
        self._running: anyio.Event | None = None
        self.groups = 0  # commits run so far (tests and benchmarks read it)

    async def submit(self, item: Item) -> Result:
        slot: _Slot[Item, Result] = _Slot(item)
        self._pending.append(slot)
        try:
            while not slot.done:
                if self._running is None:
                    await self._lead()
                else:
                    await self._running.wait()
        except BaseException:
            if slot in self._pending:  # no commit took it: it never will
                self._pending.remove(slot)
                with anyio.CancelScope(shield=True):
                    await self._forget(item)
            raise
        if slot.error is not None:
            raise slot.error
        return slot.result  # type: ignore[return-value]

    async def _lead(self) -> None:
        running = self._running = anyio.Event()
        group, self._pending = self._pending[: self._limit], self._pending[self._limit :]
        interrupted = RuntimeError("the commit was interrupted; send the request again")
        results: list[Result | Exception] = [interrupted] * len(group)
        try:
            # Shielded: the group is other callers' too, and leaving it half done would leave
            # them waiting; a commit is bounded work.
            with anyio.CancelScope(shield=True):
                try:
                    results = await self._commit([slot.item for slot in group])
                except Exception as error:
                    results = [error] * len(group)
                self.groups += 1
        finally:
            for slot, result in zip(group, results, strict=True):
                if isinstance(result, Exception):
                    slot.error = result
                else:
                    slot.result = result
                slot.done = True
            self._running = None
            running.set()
