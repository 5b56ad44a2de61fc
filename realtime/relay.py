"""The outbox relay: on every instance, elects itself single writer of some warehouses (PostgreSQL
advisory locks), and publishes their outbox right after commits (in-process wake, LISTEN/NOTIFY across
instances) with a polling fallback. Redis or PostgreSQL being down only delays publishing.

    python -m realtime.relay --database-url URL --redis-url URL [--namespace fs]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterable
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, InterfaceError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from realtime import metrics
from realtime.clients import engine_for, redis_client
from realtime.keys import Keys
from realtime.publisher import WarehousePublisher
from realtime.retention import KEEP_EVENTS, KEEP_SECONDS, trim_stream
from realtime.tasks import cancel_and_wait, raise_if_cancelled

log = logging.getLogger("floorsync.relay")

CHANNEL = "floorsync_outbox"
LOCK_CLASS = 0x0F5E  # first key of the two-key advisory lock; the second is hashtext(warehouse)
BACKEND_ERRORS = (RedisError, OSError, DBAPIError, InterfaceError, ConnectionError)


class Relay:
    """Publishes the outbox of every warehouse whose advisory lock this instance holds."""

    def __init__(
        self,
        engine: AsyncEngine,
        redis: aioredis.Redis,
        keys: Keys,
        *,
        poll_interval_s: float = 1.0,
        elect_interval_s: float = 2.0,
        trim_interval_s: float = 60.0,
        batch_size: int = 500,
        keep_events: int = KEEP_EVENTS,
        keep_seconds: float = KEEP_SECONDS,
        hang_at: str | None = None,
    ) -> None:
        self.engine = engine
        self.redis = redis
        self.keys = keys
        self.poll_interval_s = poll_interval_s
        self.elect_interval_s = elect_interval_s
        self.trim_interval_s = trim_interval_s
        self.batch_size = batch_size
        self.keep_events = keep_events
        self.keep_seconds = keep_seconds
        self.hang_at = hang_at
        self._wakes: dict[str, asyncio.Event] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._elect_now = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[Any]] = set()

    @property
    def owned(self) -> frozenset[str]:
        """Warehouses this instance publishes now."""
        return frozenset(self._workers)

    async def start(self) -> None:
        """Run the election and the publishers in the background."""
        self._task = asyncio.create_task(self._lead(), name="relay")

    async def stop(self) -> None:
        """Stop publishing and release the locks (by closing their connection)."""
        if self._task is not None:
            await cancel_and_wait([self._task])
        await cancel_and_wait(self._background)

    def wake(self, warehouses: Iterable[str]) -> None:
        """Outbox rows were committed: publish now here, or tell the owning instance."""
        others = []
        for warehouse in warehouses:
            event = self._wakes.get(warehouse)
            if event is not None:
                event.set()
            else:
                others.append(warehouse)
        if others:
            task = asyncio.get_running_loop().create_task(self._notify(others))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _notify(self, warehouses: list[str]) -> None:
        try:
            async with self.engine.begin() as conn:
                for warehouse in warehouses:
                    await conn.execute(text("SELECT pg_notify(:c, :w)"), {"c": CHANNEL, "w": warehouse})
        except BACKEND_ERRORS:
            log.warning("could not NOTIFY for %s; the owner's poll will publish", warehouses)

    async def _lead(self) -> None:
        delay = 0.1
        while True:
            raise_if_cancelled()
            try:
                async with self.engine.connect() as conn:
                    conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                    await self._listen(conn)
                    delay = 0.1
                    await self._elect_loop(conn)
            except asyncio.CancelledError:
                raise
            except BACKEND_ERRORS as exc:
                log.warning("relay lost its PostgreSQL connection (%s); retrying in %.1fs", exc, delay)
            finally:
                await self._drop_all()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    async def _listen(self, conn: AsyncConnection) -> None:
        raw = await conn.get_raw_connection()
        driver: Any = raw.driver_connection

        def on_notify(_conn: Any, _pid: int, _channel: str, payload: str) -> None:
            event = self._wakes.get(payload)
            if event is not None:
                event.set()
            else:
                self._elect_now.set()

        await driver.add_listener(CHANNEL, on_notify)

    async def _elect_loop(self, conn: AsyncConnection) -> None:
        while True:
            raise_if_cancelled()
            warehouses = (await conn.execute(text("SELECT code FROM warehouses ORDER BY code"))).scalars()
            for warehouse in warehouses:
                if warehouse in self._workers:
                    continue
                won = await conn.scalar(
                    text("SELECT pg_try_advisory_lock(:c, hashtext(:w))"), {"c": LOCK_CLASS, "w": warehouse}
                )
                if won:
                    self._own(warehouse)
            for warehouse, task in list(self._workers.items()):
                if task.done():  # a worker only ends on a bug; give the warehouse up so it restarts
                    self._workers.pop(warehouse)
                    self._wakes.pop(warehouse, None)
                    await conn.execute(
                        text("SELECT pg_advisory_unlock(:c, hashtext(:w))"), {"c": LOCK_CLASS, "w": warehouse}
                    )
            metrics.RELAY_OWNED.set(len(self._workers))
            self._elect_now.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._elect_now.wait(), self.elect_interval_s)

    def _own(self, warehouse: str) -> None:
        log.info("relay now publishes warehouse %s", warehouse)
        wake = asyncio.Event()
        wake.set()
        self._wakes[warehouse] = wake
        publisher = WarehousePublisher(
            self.engine, self.redis, self.keys, warehouse, batch_size=self.batch_size, hang_at=self.hang_at
        )
        self._workers[warehouse] = asyncio.create_task(self._work(publisher, wake), name=f"relay-{warehouse}")

    async def _drop_all(self) -> None:
        await cancel_and_wait(self._workers.values())
        self._workers.clear()
        self._wakes.clear()
        metrics.RELAY_OWNED.set(0)

    async def _work(self, publisher: WarehousePublisher, wake: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        delay = 0.05
        next_check = next_trim = 0.0
        while True:
            raise_if_cancelled()
            woken = True
            if not wake.is_set():
                try:
                    await asyncio.wait_for(wake.wait(), self.poll_interval_s)
                except TimeoutError:
                    woken = False
            wake.clear()
            try:
                published = await publisher.publish_pending()
                now = loop.time()
                if not published and (not woken or now >= next_check):
                    await publisher.check_stream()
                    next_check = now + self.poll_interval_s
                if now >= next_trim:
                    await trim_stream(
                        self.redis,
                        self.keys,
                        publisher.warehouse,
                        keep_events=self.keep_events,
                        keep_seconds=self.keep_seconds,
                    )
                    next_trim = now + self.trim_interval_s
                delay = 0.05
            except BACKEND_ERRORS as exc:
                backend = "redis" if isinstance(exc, RedisError | OSError | ConnectionError) else "postgres"
                metrics.RELAY_ERRORS.labels(publisher.warehouse, backend).inc()
                log.warning("relay %s: %s unavailable (%s); retrying in %.2fs", publisher.warehouse, backend,
                            exc, delay)
                publisher.forget()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
                wake.set()


async def _run_standalone(args: argparse.Namespace) -> None:
    engine = engine_for(args.database_url)
    redis = redis_client(args.redis_url, socket_timeout=5)
    relay = Relay(
        engine, redis, Keys(args.namespace), batch_size=args.batch_size, hang_at=args.hang_at,
        poll_interval_s=args.poll_interval,
    )
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopped.set)
    await relay.start()
    print("relay started", flush=True)
    try:
        await stopped.wait()
    finally:
        await relay.stop()
        await redis.aclose()
        await engine.dispose()


def main(argv: list[str] | None = None) -> None:
    """Run a relay on its own (another instance's relay takes over whatever it does not hold)."""
    parser = argparse.ArgumentParser(prog="python -m realtime.relay", description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--namespace", default="fs")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--poll-interval", type=float, default=1.0)
    parser.add_argument("--hang-at", choices=["after_stamp", "after_xadd"], help="fault injection for tests")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    asyncio.run(_run_standalone(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
