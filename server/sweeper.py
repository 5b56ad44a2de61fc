"""Background upkeep while the app runs: tasks whose lease lapsed go back to the open pool, and login
counters whose window has passed are forgotten."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from litestar import Litestar

from realtime.tasks import cancel_and_wait, raise_if_cancelled
from server.auth.throttle import forget_expired_attempts
from server.services.board import release_lapsed_leases

log = logging.getLogger("floorsync.sweeper")
SWEEP_EVERY_S = 15.0


async def sweep_once(app: Litestar) -> int:
    """One pass in its own transaction; wakes the relay so boards see the released tasks at once."""
    async with app.state.sessionmaker() as db:
        now = datetime.now(UTC)
        async with db.begin():
            released = await release_lapsed_leases(db, now=now)
            await forget_expired_attempts(db, now=now, window_s=app.state.settings.login_window_s)
        if released and app.state.after_commit is not None:
            await app.state.after_commit(db)
    return released


@asynccontextmanager
async def sweeper_lifespan(app: Litestar) -> AsyncIterator[None]:
    """Sweep lapsed leases every ``SWEEP_EVERY_S`` seconds; every instance may, SKIP LOCKED keeps them apart."""

    async def loop() -> None:
        while True:
            raise_if_cancelled()
            try:
                released = await sweep_once(app)
                if released:
                    log.info("released %d tasks whose lease lapsed", released)
            except Exception:  # a database blip must not end the sweeper; the next pass retries
                log.exception("lease sweep failed")
            await asyncio.sleep(SWEEP_EVERY_S)

    task = asyncio.create_task(loop(), name="lease-sweeper")
    try:
        yield
    finally:
        await cancel_and_wait([task])
