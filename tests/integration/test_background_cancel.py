"""Background loops on Redis end soon after they are cancelled, wherever in a Redis call the
cancellation lands. redis-py sends every command through Python 3.11's ``asyncio.wait_for``, which
drops a cancellation that arrives as the send completes: a loop that trusted it kept running, and
the server hung on SIGTERM waiting for it."""

from __future__ import annotations

import asyncio
import random
import secrets
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from realtime.clients import redis_client
from realtime.keys import Keys
from realtime.presence import Presence
from realtime.reader import StreamReader
from realtime.tasks import cancel_and_wait
from realtime.topics import Viewer
from server.settings import Settings
from tests.backends import wait_until


class Nobody:
    """A sink that follows nothing (the stream stays empty)."""

    def fanout(self, warehouse: str, epoch: str, items: list[Any]) -> None: ...

    def epoch_changed(self, warehouse: str, epoch: str, first_seq: int) -> None: ...

    def gap(self, warehouse: str, expected: int, got: int) -> None: ...

    def pace(self, warehouse: str) -> float:
        return 0.0


Loop = Callable[[Any, Keys], Coroutine[Any, Any, None]]

LOOPS: dict[str, Loop] = {
    "stream reader": lambda redis, keys: StreamReader(redis, keys, "WH1", Nobody(), block_ms=50).run(),
    "presence listener": lambda redis, keys: Presence(redis, keys, "me", lambda w, o: None).listen(),
}


@pytest.mark.parametrize("loop", sorted(LOOPS))
async def test_a_cancelled_background_loop_ends_wherever_the_cancellation_lands(settings: Settings, loop: str) -> None:
    redis = redis_client(settings.redis_url or "", socket_timeout=10)
    keys = Keys(f"fs-test-cancel-{secrets.token_hex(4)}")
    stuck: list[int] = []
    try:
        for attempt in range(120):
            task = asyncio.create_task(LOOPS[loop](redis, keys))
            # let it run a random part of a pass, so the cancellation lands anywhere in it
            await asyncio.sleep(random.uniform(0, 0.15))
            if await cancel_and_wait([task], timeout_s=10):
                stuck.append(attempt)
    finally:
        await redis.aclose()
    assert not stuck, f"{len(stuck)} of 120 cancelled {loop}s still running 10 s later"


async def test_closing_presence_ends_its_pending_report(settings: Settings) -> None:
    """A report still waiting out its debounce when the gateway stops would later open a connection on
    the closed Redis client and leave its socket open."""
    redis = redis_client(settings.redis_url or "", socket_timeout=10)
    keys = Keys(f"fs-test-presence-{secrets.token_hex(4)}")
    reported: list[str] = []
    presence = Presence(redis, keys, "me", lambda warehouse, _: reported.append(warehouse), debounce_s=600)
    listener = asyncio.create_task(presence.listen())
    viewer = Viewer(user_id=1, username="picker1", roles=frozenset({"picker"}), warehouses=frozenset({"WH1"}))

    async def joined_and_waiting_to_report() -> bool:
        await presence.join(1, viewer, "WH1")  # heard once the listener has subscribed
        return presence.updating

    try:
        await wait_until(joined_and_waiting_to_report, what="a presence report waiting out its debounce")
        await cancel_and_wait([listener])
        await presence.close()
        assert not presence.updating and not reported
    finally:
        await cancel_and_wait([listener])
        await redis.aclose()
