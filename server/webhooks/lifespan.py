"""Runs the webhook dispatcher as long as the app (every instance runs one; leases keep them apart)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from domain.webhooks import RetryPolicy
from server.webhooks.dispatcher import Dispatcher


def retry_policy(app: Litestar) -> RetryPolicy:
    """The retry and dead-letter policy from the settings."""
    settings = app.state.settings
    return RetryPolicy(
        max_attempts=settings.webhook_max_attempts,
        base_s=settings.webhook_backoff_base_s,
        cap_s=settings.webhook_backoff_cap_s,
        failing_after=settings.webhook_failing_after,
    )


@asynccontextmanager
async def webhooks_lifespan(app: Litestar) -> AsyncIterator[None]:
    """Start the dispatcher after the realtime lifespan, whose after-commit hook publishes its exceptions."""

    async def after_commit(session: AsyncSession) -> None:
        hook = getattr(app.state, "after_commit", None)
        if hook is not None:
            await hook(session)

    settings = app.state.settings
    dispatcher = Dispatcher(
        app.state.sessionmaker,
        retry_policy(app),
        poll_s=settings.webhook_poll_s,
        after_commit=after_commit,
    )
    app.state.webhooks = dispatcher
    await dispatcher.start()
    try:
        yield
    finally:
        await dispatcher.stop()
