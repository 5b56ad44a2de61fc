"""Stopping background tasks: a task that swallows its cancellation must not hang a shutdown."""

from __future__ import annotations

import asyncio

from realtime.tasks import cancel_and_wait


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
