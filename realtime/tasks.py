"""Stopping background tasks without trusting every library to honour cancellation."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

log = logging.getLogger("floorsync.tasks")

STOP_TIMEOUT_S = 5.0


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
