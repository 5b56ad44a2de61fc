"""The delivery worker: on every instance, leases due subscriptions and sends each one's events in order,
one at a time, off the request path. A slow or dead receiver holds only its own subscription's task."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.webhooks import Outcome, RetryPolicy, after_attempt, is_success
from server.webhooks import metrics
from server.webhooks.attempts import Attempt, record_attempt, record_deliveries, release
from server.webhooks.queue import Item, Lease, claim_due, next_items
from server.webhooks.sender import Answer, send
from server.webhooks.store import TIMEOUT_RANGE

log = logging.getLogger("floorsync.webhooks")

AfterCommit = Callable[[AsyncSession], Awaitable[None]]
BATCH = 100  # events read per query; the lease is renewed after every attempt
OBSERVE_EVERY_S = 5.0
FLUSH_EVERY = 50
FLUSH_AFTER_S = 0.5


class Dispatcher:
    """Delivers webhooks from PostgreSQL's stamped events; any number of instances may run one."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        policy: RetryPolicy,
        *,
        poll_s: float,
        concurrency: int = 64,
        after_commit: AfterCommit | None = None,
        read_sessionmaker: async_sessionmaker[AsyncSession] | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        # reads need no transaction: autocommit saves the BEGIN and ROLLBACK round trips
        self.read_sessionmaker = read_sessionmaker or sessionmaker
        self.policy = policy
        self.poll_s = poll_s
        self.concurrency = concurrency
        self.after_commit = after_commit
        self.owner = "dispatcher-" + secrets.token_hex(6)
        self._running: dict[int, asyncio.Task[None]] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None
        self._random = random.SystemRandom()

    async def start(self) -> None:
        """Start leasing and delivering in the background."""
        self._client = httpx.AsyncClient(
            # each send bounds its whole request by the subscription's timeout; this is only a backstop
            timeout=httpx.Timeout(TIMEOUT_RANGE[1]),
            follow_redirects=False,
            trust_env=False,
            limits=httpx.Limits(max_connections=self.concurrency * 2, max_keepalive_connections=self.concurrency),
        )
        self._task = asyncio.create_task(self._run(), name="webhook-dispatcher")

    async def stop(self) -> None:
        """Stop sending and hand the leases back."""
        tasks = [t for t in (self._task, *self._running.values()) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        leased = list(self._running)
        self._running.clear()
        with contextlib.suppress(Exception):
            async with self.sessionmaker() as db, db.begin():
                await release(db, leased, owner=self.owner)
        if self._client is not None:
            await self._client.aclose()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_observe = 0.0
        while True:
            try:
                free = self.concurrency - len(self._running)
                if free > 0:
                    async with self.sessionmaker() as db, db.begin():
                        leases = await claim_due(db, owner=self.owner, limit=free, busy=list(self._running))
                    for lease in leases:
                        task = asyncio.create_task(self._serve(lease), name=f"webhook-{lease.id}")
                        self._running[lease.id] = task
                        task.add_done_callback(self._done)
                if loop.time() >= next_observe:
                    await self._observe()
                    next_observe = loop.time() + OBSERVE_EVERY_S
            except Exception:  # a database blip must not end the dispatcher; the next pass retries
                log.exception("webhook dispatch pass failed")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_s)

    def _done(self, task: asyncio.Task[None]) -> None:
        for subscription_id, running in list(self._running.items()):
            if running is task:
                self._running.pop(subscription_id)
        self._wake.set()

    async def _serve(self, lease: Lease) -> None:
        """Send the subscription's items in order until one must wait for a retry or nothing is left."""
        run = _Run()
        try:
            while await self._serve_batch(lease, run):
                pass
        except Exception:
            log.exception("webhook subscription %s: delivery pass failed", lease.id)
        finally:
            if not run.released:
                with contextlib.suppress(Exception):
                    async with self.sessionmaker() as db, db.begin():
                        await release(db, [lease.id], owner=self.owner)

    async def _serve_batch(self, lease: Lease, run: _Run) -> bool:
        """One batch; True when more may be waiting right away."""
        async with self.read_sessionmaker() as db:
            items, skip_to = await next_items(db, lease, limit=BATCH)
        for item in items:
            attempt, answer = await self._attempt(lease, item)
            _count(attempt, answer)
            if attempt.outcome is Outcome.DELIVERED:
                run.add(attempt)
                # the in-flight state moves on at once; the database follows with the run
                lease.attempt, lease.head_seq, lease.head_replay = 0, None, False
                if run.due() and not await self._flush(lease, run):
                    return False
                continue
            if not await self._flush(lease, run) or not await self._record(lease, attempt):
                return False
            if attempt.outcome is Outcome.RETRY:
                return False
        if bool(items) and skip_to is None:
            return await self._flush(lease, run)  # a full batch: more may be waiting
        # caught up: the last commit also passes events of other types (up to the head) and gives the lease back
        await self._flush(lease, run, skip_to=skip_to, release=True)
        return False

    async def _attempt(self, lease: Lease, item: Item) -> tuple[Attempt, Answer]:
        """Send ``item`` once and judge the answer."""
        is_head = lease.head_seq == item.seq and lease.head_replay == item.replay
        number = lease.attempt + 1 if is_head else 1
        assert self._client is not None
        answer = await send(self._client, lease.url, lease.secret, item, attempt=number, timeout_s=lease.timeout_s)
        ok = answer.status is not None and is_success(answer.status)
        policy = replace(self.policy, max_attempts=lease.max_attempts)
        attempt = Attempt(
            item=item,
            number=number,
            outcome=after_attempt(policy, attempt=number, succeeded=ok),
            status=answer.status,
            latency_ms=round(answer.latency_ms, 2),
            error=_error(answer),
            retry_in_s=policy.delay(number, self._random.random()),
        )
        return attempt, answer

    async def _flush(self, lease: Lease, run: _Run, *, skip_to: int | None = None, release: bool = False) -> bool:
        """Commit the run of deliveries so far (and move past ``skip_to``, give the lease back if asked);
        False if the lease was lost meanwhile."""
        if not run.attempts and skip_to is None and not release:
            return True
        async with self.sessionmaker() as db:
            async with db.begin():
                kept = await record_deliveries(
                    db, lease, run.attempts, owner=self.owner, skip_to=skip_to, release=release
                )
                run.released = kept and release
            if kept and self.after_commit is not None:
                await self.after_commit(db)  # a resolved exception goes out on the stream
        run.clear()
        if not kept:
            log.warning("webhook subscription %s: lease lost or paused; another pass picks it up", lease.id)
        return kept

    async def _record(self, lease: Lease, attempt: Attempt) -> bool:
        """Commit one failed attempt (a retry to schedule or a dead letter)."""
        policy = replace(self.policy, max_attempts=lease.max_attempts)
        async with self.sessionmaker() as db:
            async with db.begin():
                kept = await record_attempt(db, lease, attempt, owner=self.owner, policy=policy)
            if kept and self.after_commit is not None:
                await self.after_commit(db)  # a raised exception goes out on the stream
        if not kept:
            log.warning("webhook subscription %s: lease lost or paused; another pass picks it up", lease.id)
        return kept

    async def _observe(self) -> None:
        """Lag, dead letters and failing state per subscription, for Prometheus."""
        async with self.sessionmaker() as db:
            rows = await db.execute(
                text(
                    "SELECT s.id, greatest(coalesce(st.last_seq, 0) - s.cursor, 0) AS lag,"
                    " s.failing_since IS NOT NULL AS failing,"
                    " (SELECT count(*) FROM webhook_dead_letters d WHERE d.subscription_id = s.id"
                    "  AND d.state <> 'delivered') AS dead"
                    " FROM webhook_subscriptions s LEFT JOIN stream_state st ON st.warehouse = s.warehouse"
                )
            )
            for row in rows:
                label = str(row.id)
                metrics.LAG.labels(label).set(row.lag)
                metrics.DEAD_LETTERS.labels(label).set(row.dead)
                metrics.FAILING.labels(label).set(1 if row.failing else 0)


@dataclass
class _Run:
    """Successful attempts not yet committed: flushed every FLUSH_EVERY of them or FLUSH_AFTER_S."""

    attempts: list[Attempt] = field(default_factory=list)
    since: float = 0.0
    released: bool = False  # the lease was given back with the last commit

    def add(self, attempt: Attempt) -> None:
        if not self.attempts:
            self.since = time.monotonic()
        self.attempts.append(attempt)

    def due(self) -> bool:
        return len(self.attempts) >= FLUSH_EVERY or time.monotonic() - self.since >= FLUSH_AFTER_S

    def clear(self) -> None:
        self.attempts = []


def _error(answer: Answer) -> str | None:
    if answer.error is not None:
        return answer.error
    if answer.status is not None and not is_success(answer.status):
        return f"HTTP {answer.status}"
    return None


def _count(attempt: Attempt, answer: Answer) -> None:
    metrics.DELIVERIES.labels(str(attempt.outcome)).inc()
    metrics.LATENCY.observe(answer.latency_ms / 1000)
    if attempt.outcome is Outcome.DELIVERED:
        delay = (datetime.now(UTC) - attempt.item.occurred_at).total_seconds()
        metrics.FROM_COMMIT.observe(max(0.0, delay))
    else:
        metrics.FAILURES.labels(answer.cause or "status").inc()
