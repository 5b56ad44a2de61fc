"""Stopping background tasks without trusting every library to honour cancellation."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Generator, Iterable
from typing import Any, TypeVar

log = logging.getLogger("floorsync.tasks")

STOP_TIMEOUT_S = 5.0

T = TypeVar("T")


async def cancel_and_wait(tasks: Iterable[asyncio.Task[Any]], *, timeout_s: float = STOP_TIMEOUT_S) -> set[str]:
    """Cancel the tasks and wait for them to end, at most ``timeout_s``; returns the names of those
    that did not. redis-py can swallow a cancellation that lands while it reads with a timeout (a
    pub/sub listener then keeps listening), and a shutdown waiting on such a task would never end."""
    pending = [task for task in tasks if not task.done()]
    for task in pending:
        task.cancel()
    if not pending:
        return set()
    _, stuck = await asyncio.wait(pending, timeout=timeout_s)
    names = {task.get_name() for task in stuck}
    if names:
        log.warning("tasks still running %.0fs after cancel, left behind: %s", timeout_s, sorted(names))
    return names


def raise_if_cancelled() -> None:
    """End the current task if it was asked to, even when a library call swallowed the cancellation.

    Python 3.11's ``asyncio.wait_for`` returns the inner result and drops a cancellation that lands
    just as the inner call finishes; redis-py sends every command through it (and the relay waits on
    it). The task still counts the request in ``cancelling()``, so a background loop that calls this
    at the top of each pass ends within one pass of being cancelled instead of running forever (and
    holding up ``asyncio.Runner.close`` at shutdown).
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


def start_eagerly(coro: Coroutine[Any, Any, T]) -> asyncio.Task[T] | None:
    """Run ``coro`` now, up to its first suspension: None if it finished without one, else a task that
    runs the rest. What it raises before suspending is raised here.

    The gateway sends each event to a thousand sockets; a socket that takes the bytes at once then
    costs no task and no trip through the event loop. Python 3.12's eager tasks do the same; this is
    for 3.11.
    """
    try:
        yielded = coro.send(None)
    except StopIteration:
        return None
    task = asyncio.get_running_loop().create_task(_rest(coro, yielded))
    # A task cancelled before its first step never reaches the coroutine: close it then, so that its
    # cleanup runs now (once the coroutine has finished, closing it does nothing).
    task.add_done_callback(lambda _: coro.close())
    return task


async def _rest(coro: Coroutine[Any, Any, T], yielded: Any) -> T:
    return await _Resumed(coro, yielded)


class _Resumed:
    """A coroutine already run to its first suspension, awaitable for the rest: it hands what the
    coroutine yielded to the task driving it and passes back what the task sends or throws, as
    ``await`` itself does (so a cancellation reaches the coroutine where it waits)."""

    __slots__ = ("_coro", "_yielded")

    def __init__(self, coro: Coroutine[Any, Any, Any], yielded: Any) -> None:
        self._coro = coro
        self._yielded = yielded

    def __await__(self) -> Generator[Any, Any, Any]:
        coro, yielded = self._coro, self._yielded
        while True:
            try:
                try:
                    sent = yield yielded
                except GeneratorExit:
                    coro.close()
                    raise
                except BaseException as exc:
                    yielded = coro.throw(exc)
                else:
                    yielded = coro.send(sent)
            except StopIteration as finished:
                return finished.value
