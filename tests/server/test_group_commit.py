# SPDX-License-Identifier: AGPL-3.0-or-later
"""The group commit behind chunk uploads: callers that arrive while a commit runs share the next
one, nobody returns before the commit carrying its item has returned, and a failure reaches
exactly the callers it concerns."""

import anyio
import pytest

from sealbox.server.services.group_commit import GroupCommit

pytestmark = pytest.mark.anyio


class Recorder:
    """A commit that records its groups and can be held open until released."""

    def __init__(self) -> None:
        self.groups: list[list[int]] = []
        self.forgotten: list[int] = []
        self.release = anyio.Event()
        self.started = anyio.Event()
        self.hold = True

    async def commit(self, items: list[int]) -> list[int | Exception]:
        self.started.set()
        if self.hold:
            await self.release.wait()
        self.groups.append(items)
        return [ValueError(f"odd {i}") if i % 2 else i * 10 for i in items]

    async def forget(self, item: int) -> None:
        self.forgotten.append(item)


async def test_callers_arriving_during_a_commit_share_the_next_one() -> None:
    rec = Recorder()
    group = GroupCommit(rec.commit, rec.forget)
    results: dict[int, object] = {}

    async def call(item: int) -> None:
        try:
            results[item] = await group.submit(item)
        except ValueError as error:
            results[item] = str(error)

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(call, 0)
        await rec.started.wait()  # the first commit runs, with item 0 alone
        for item in (2, 3, 4, 6):
            tasks.start_soon(call, item)
        await anyio.wait_all_tasks_blocked()
        assert results == {}  # nobody is answered before its commit returns
        rec.hold = False
        rec.release.set()
    assert rec.groups == [[0], [2, 3, 4, 6]]
    assert group.groups == 2
    # Each caller gets its own item's result; one item's failure is that caller's alone.
    assert results == {0: 0, 2: 20, 3: "odd 3", 4: 40, 6: 60}


async def test_a_failed_commit_fails_every_caller_of_its_group_and_the_next_group_runs() -> None:
    calls: list[list[int]] = []

    async def commit(items: list[int]) -> list[int | Exception]:
        calls.append(items)
        if len(calls) == 1:
            raise OSError("disk full")
        return list(items)

    async def forget(item: int) -> None:
        raise AssertionError("nothing was abandoned")

    group = GroupCommit(commit, forget)
    with pytest.raises(OSError, match="disk full"):
        await group.submit(1)
    assert await group.submit(2) == 2


async def test_a_caller_gone_before_its_item_was_taken_is_forgotten_not_committed() -> None:
    rec = Recorder()
    group = GroupCommit(rec.commit, rec.forget)
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(group.submit, 0)
        await rec.started.wait()
        with anyio.CancelScope() as waiting:
            waiting.cancel()
            await group.submit(8)  # cancelled while the first commit still runs
        rec.hold = False
        rec.release.set()
    assert rec.groups == [[0]]
    assert rec.forgotten == [8]


async def test_a_leader_cancelled_mid_commit_still_finishes_the_group_for_the_others() -> None:
    rec = Recorder()
    group = GroupCommit(rec.commit, rec.forget)
    results: list[int] = []

    async def call(item: int) -> None:
        results.append(await group.submit(item))

    async def leader() -> None:
        with anyio.CancelScope() as scope:
            rec.cancel_leader = scope  # type: ignore[attr-defined]
            await call(2)
        results.append(-1 if scope.cancelled_caught else -2)

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(call, 0)
        await rec.started.wait()  # group one: item 0, held open
        tasks.start_soon(leader)  # 2 waits first, so it leads group two
        await anyio.wait_all_tasks_blocked()
        tasks.start_soon(call, 4)
        await anyio.wait_all_tasks_blocked()
        first, rec.release, rec.started = rec.release, anyio.Event(), anyio.Event()
        first.set()
        await rec.started.wait()  # group two runs, led by 2's caller: cancel that caller now
        rec.cancel_leader.cancel()  # type: ignore[attr-defined]
        await anyio.wait_all_tasks_blocked()
        rec.release.set()
    # The commit is shielded: it finished for 4 and for 2, whose cancellation found nothing
    # left to interrupt, and nothing was forgotten.
    assert rec.groups == [[0], [2, 4]]
    assert sorted(results) == [-2, 0, 20, 40]
    assert rec.forgotten == []
