"""Background tasks: a task that swallows its cancellation must not hang a shutdown; a coroutine
started eagerly runs at once, and only what has to wait continues in a task."""

from __future__ import annotations

import asyncio

import pytest

from realtime.tasks import cancel_and_wait, raise_if_cancelled, start_eagerly


async def test_tasks_that_honour_cancellation_end_and_none_is_reported() -> None:
    task = asyncio.create_task(asyncio.Event().wait(), name="polite")
    assert await cancel_and_wait([task], timeout_s=5) == set()
    assert task.cancelled()


async def test_a_task_that_swallows_its_cancellation_is_left_behind_after_the_timeout() -> None:
    waiting, release = asyncio.Event(), asyncio.Event()

    async def stubborn() -> None:  # what a redis-py read does when the cancel lands at the wrong moment
        waiting.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            await release.wait()

    task = asyncio.create_task(stubborn(), name="stubborn")
    await waiting.wait()
    started = asyncio.get_running_loop().time()
    assert await cancel_and_wait([task], timeout_s=0.2) == {"stubborn"}
    assert 0.2 <= asyncio.get_running_loop().time() - started < 5
    release.set()
    await task


async def test_a_loop_ends_within_one_pass_when_a_call_in_it_swallows_the_cancellation() -> None:
    calls = 0

    async def swallowing_call() -> None:
        # what Python 3.11's asyncio.wait_for (inside every redis-py send) does when the cancellation
        # lands as the inner call completes: it returns normally
        nonlocal calls
        calls += 1
        try:
            await asyncio.sleep(0)
        except asyncio.CancelledError:
            return

    async def loop() -> None:
        while True:
            raise_if_cancelled()
            await swallowing_call()

    task = asyncio.create_task(loop(), name="loop")
    await asyncio.sleep(0)
    assert await cancel_and_wait([task], timeout_s=5) == set()
    assert task.cancelled() and calls >= 1


async def test_a_coroutine_that_does_not_wait_finishes_inside_start_eagerly() -> None:
    done: list[str] = []

    async def quick() -> None:
        ready = asyncio.Event()
        ready.set()
        await ready.wait()  # an await that does not suspend, as a write to a socket with room
        done.append("ran")

    tasks = asyncio.all_tasks()
    assert start_eagerly(quick()) is None
    assert done == ["ran"] and asyncio.all_tasks() == tasks


async def test_a_coroutine_that_waits_continues_in_a_task_with_its_result() -> None:
    release = asyncio.Event()
    steps: list[str] = []

    async def waits() -> str:
        steps.append("before")
        await release.wait()
        steps.append("after")
        return "sent"

    task = start_eagerly(waits())
    assert task is not None and steps == ["before"]
    release.set()
    assert await asyncio.wait_for(task, 5) == "sent"
    assert steps == ["before", "after"]


async def test_what_a_coroutine_raises_before_waiting_is_raised_at_once_and_after_by_its_task() -> None:
    release = asyncio.Event()

    async def fails(wait_first: bool) -> None:
        if wait_first:
            await release.wait()
        raise ConnectionResetError("peer gone")

    with pytest.raises(ConnectionResetError):
        start_eagerly(fails(False))
    task = start_eagerly(fails(True))
    assert task is not None
    release.set()
    with pytest.raises(ConnectionResetError):
        await asyncio.wait_for(task, 5)


async def test_cancelling_the_task_reaches_the_coroutine_where_it_waits() -> None:
    cleaned: list[str] = []
    go, inside = asyncio.Event(), asyncio.Event()

    async def waits_forever() -> None:
        try:
            await go.wait()
            inside.set()
            await asyncio.Event().wait()
        finally:
            cleaned.append("finally")

    before_its_first_step = start_eagerly(waits_forever())
    assert before_its_first_step is not None
    before_its_first_step.cancel()
    with pytest.raises(asyncio.CancelledError):
        await before_its_first_step
    assert cleaned == ["finally"]

    while_waiting = start_eagerly(waits_forever())
    assert while_waiting is not None
    go.set()
    await asyncio.wait_for(inside.wait(), 5)  # the task runs it now
    while_waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await while_waiting
    assert cleaned == ["finally", "finally"]
