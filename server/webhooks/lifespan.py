"""Runs the webhook dispatcher as long as the app, on a thread of its own with its own event loop and
connection pool: deliveries never queue commands behind them on the server's loop or in its pool.
Every instance runs one; leases keep them apart."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager

import uvloop
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from domain.webhooks import RetryPolicy
from server.db import async_url, make_sessionmaker
from server.outbox import touched_warehouses
from server.settings import Settings
from server.webhooks.dispatcher import Dispatcher

POOL_SIZE = 4


def retry_policy(settings: Settings) -> RetryPolicy:
    """The retry and dead-letter policy from the settings (attempts per event: each subscription's own)."""
    return RetryPolicy(
        max_attempts=settings.webhook_max_attempts,
        base_s=settings.webhook_backoff_base_s,
        cap_s=settings.webhook_backoff_cap_s,
        failing_after=settings.webhook_failing_after,
    )


class DispatcherThread:
    """Start and stop a Dispatcher living on a daemon thread."""

    def __init__(self, settings: Settings, *, wake_relay: Callable[[Iterable[str]], None] | None) -> None:
        self.settings = settings
        self.wake_relay = wake_relay  # thread-safe: the relay publishes the exceptions the worker raises
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=lambda: uvloop.run(self._run()), name="floorsync-webhooks", daemon=True)

    def start(self) -> None:
        """Start the thread and wait until its dispatcher runs (blocking: run it off the loop)."""
        self._thread.start()
        self._ready.wait(timeout=30)

    def stop(self) -> None:
        """Stop delivering, hand the leases back and join the thread (blocking: run it off the loop)."""
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=60)

    async def _after_commit(self, session: AsyncSession) -> None:
        touched = touched_warehouses(session)
        if touched and self.wake_relay is not None:
            self.wake_relay(touched)

    async def _run(self) -> None:
        # a fixed pool: subscriptions wait for a connection rather than open and close overflow ones,
        # a churn that costs PostgreSQL (and every command) a connection start each time
        engine = create_async_engine(
            async_url(self.settings.database_url or ""), pool_size=POOL_SIZE, max_overflow=0, pool_recycle=1800
        )
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        dispatcher = Dispatcher(
            make_sessionmaker(engine),
            retry_policy(self.settings),
            poll_s=self.settings.webhook_poll_s,
            after_commit=self._after_commit,
            read_sessionmaker=make_sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT")),
        )
        await dispatcher.start()
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await dispatcher.stop()
            await engine.dispose()


@asynccontextmanager
async def webhooks_lifespan(app: Litestar) -> AsyncIterator[None]:
    """Start the dispatcher after the realtime lifespan, whose relay publishes what the dispatcher raises."""
    relay = getattr(app.state, "relay", None)
    thread = DispatcherThread(app.state.settings, wake_relay=relay.wake if relay is not None else None)
    await asyncio.to_thread(thread.start)
    try:
        yield
    finally:
        await asyncio.to_thread(thread.stop)
