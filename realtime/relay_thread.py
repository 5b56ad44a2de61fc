"""The relay on a thread of its own: its own event loop, engine and Redis client. On the server's
loop a fanout to thousands of sockets queues thousands of ready tasks, and every relay round trip
would wait behind them; on its own loop publishing stays quick whatever the gateway is doing."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterable
from typing import Any

import uvloop

from realtime.clients import engine_for, redis_client
from realtime.keys import Keys
from realtime.relay import Relay
from realtime.tasks import STOP_TIMEOUT_S

log = logging.getLogger("floorsync.relay")


class RelayThread:
    """Start, wake and stop a Relay living on a daemon thread."""

    def __init__(self, database_url: str, redis_url: str, keys: Keys, **relay_options: Any) -> None:
        self.database_url = database_url
        self.redis_url = redis_url
        self.keys = keys
        self.relay_options = relay_options
        self.relay: Relay | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, name="floorsync-relay", daemon=True)

    def start(self) -> None:
        """Start the thread and wait until its relay runs."""
        self._thread.start()
        self._ready.wait(timeout=30)

    def wake(self, warehouses: Iterable[str]) -> None:
        """Thread-safe: outbox rows were committed for these warehouses."""
        if self._loop is not None and self.relay is not None:
            self._loop.call_soon_threadsafe(self.relay.wake, frozenset(warehouses))

    def stop(self) -> None:
        """Stop the relay (releasing its locks) and join the thread (blocking: run it off the loop)."""
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        # the relay's own tasks end within STOP_TIMEOUT_S of the stop; past that, give up on the
        # (daemon) thread rather than hold the process: its locks go with its connections at exit
        self._thread.join(timeout=2 * STOP_TIMEOUT_S)
        if self._thread.is_alive():
            log.warning("relay thread still running %.0fs after stop; leaving it", 2 * STOP_TIMEOUT_S)

    def _main(self) -> None:
        uvloop.run(self._run())

    async def _run(self) -> None:
        engine = engine_for(self.database_url)
        redis = redis_client(self.redis_url, socket_timeout=5)
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self.relay = Relay(engine, redis, self.keys, **self.relay_options)
        await self.relay.start()
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await self.relay.stop()
            await redis.aclose()
            await engine.dispose()
