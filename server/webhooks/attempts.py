"""Recording one delivery attempt in one transaction: the log line, the subscription's cursor and retry
state, the dead letter, and the ``webhook_failing`` exception when a subscription keeps failing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain import exception_queue as queue
from domain.exception_queue import ExceptionKind
from domain.webhooks import Outcome, RetryPolicy, keeps_failing
from server.services.exceptions import raise_exceptions, resolve_subject
from server.webhooks.queue import Item, Lease

RAISED_BY = "webhooks"

_UPDATE = text(
    """
UPDATE webhook_subscriptions SET cursor = :cursor, attempt = :attempt, head_seq = :head_seq, head_replay = :head_replay,
    next_attempt_at = now() + make_interval(secs => :delay), consecutive_failures = :failures,
    failing_since = :failing_since, last_status = :status, last_error = :error, last_attempt_at = now(),
    last_success_at = CASE WHEN :ok THEN now() ELSE last_success_at END,
    leased_until = now() + make_interval(secs => :lease)
WHERE id = :id AND leased_by = :owner AND active RETURNING 1
"""
)
_LOG = text(
    "INSERT INTO webhook_deliveries (subscription_id, event_id, seq, event_type, attempt, outcome, replay,"
    " response_code, latency_ms, error) VALUES (:s, CAST(:e AS uuid), :q, :t, :n, :o, :r, :st, :ms, :err)"
)
_BURY = text(
    "INSERT INTO webhook_dead_letters (subscription_id, seq, event_id, event_type, state, attempts,"
    " last_response_code, last_error) VALUES (:s, :q, CAST(:e AS uuid), :t, 'dead', :n, :st, :err)"
    " ON CONFLICT (subscription_id, seq) DO UPDATE SET state = 'dead', dead_at = now(),"
    " attempts = webhook_dead_letters.attempts + EXCLUDED.attempts,"
    " last_response_code = EXCLUDED.last_response_code, last_error = EXCLUDED.last_error"
)
_REBURY = text(
    "UPDATE webhook_dead_letters SET state = 'dead', dead_at = now(), attempts = attempts + :n,"
    " last_response_code = :st, last_error = :err WHERE id = :d"
)
_DELIVERED = text("UPDATE webhook_dead_letters SET state = 'delivered', delivered_at = now() WHERE id = :d")


@dataclass(frozen=True, slots=True)
class Attempt:
    """What one try of ``item`` gave: its number, the verdict, the answer (or error) and its latency."""

    item: Item
    number: int
    outcome: Outcome
    status: int | None
    latency_ms: float
    error: str | None
    retry_in_s: float = 0.0


def _failing_exception(lease: Lease, attempt: Attempt, *, since: datetime) -> queue.ExceptionRecord:
    host = urlsplit(lease.url).hostname or lease.url
    answer = f"HTTP {attempt.status}" if attempt.status is not None else (attempt.error or "no answer")
    return queue.open_exception(
        f"webhook/{lease.id}/{int(since.timestamp())}",
        ExceptionKind.WEBHOOK_FAILING,
        warehouse=lease.warehouse,
        subject=f"webhook:{lease.id}",
        message=f"Webhook {lease.id} to {host} keeps failing ({answer}); check the receiver, then replay dead letters",
        raised_by=RAISED_BY,
        now=since,
        details={
            "subscription": lease.id,
            "url": lease.url,
            "last_status": attempt.status,
            "last_error": attempt.error,
        },
    )


async def record_attempt(db: AsyncSession, lease: Lease, attempt: Attempt, *, owner: str, policy: RetryPolicy) -> bool:
    """Record the attempt and move the subscription on; False (and nothing written) if the lease was lost.

    ``lease`` is updated in place to the state committed, once the caller commits.
    """
    item, ok = attempt.item, attempt.outcome is Outcome.DELIVERED
    retry = attempt.outcome is Outcome.RETRY
    failures = 0 if ok else lease.consecutive_failures + 1
    now = datetime.now(UTC)
    failing_since = None if ok else (lease.failing_since or (now if keeps_failing(policy, failures) else None))
    cursor = lease.cursor if item.replay or retry else max(lease.cursor, item.seq)
    updated = await db.scalar(
        _UPDATE,
        {
            "cursor": cursor,
            "attempt": attempt.number if retry else 0,
            "head_seq": item.seq if retry else None,
            "head_replay": item.replay and retry,
            "delay": attempt.retry_in_s if retry else 0.0,
            "failures": failures,
            "failing_since": failing_since,
            "status": attempt.status,
            "error": attempt.error,
            "ok": ok,
            "lease": lease.lease_s,
            "id": lease.id,
            "owner": owner,
        },
    )
    if updated is None:
        await db.rollback()
        return False
    await db.execute(
        _LOG,
        {
            "s": lease.id,
            "e": item.event_id,
            "q": item.seq,
            "t": item.event_type,
            "n": attempt.number,
            "o": str(attempt.outcome),
            "r": item.replay,
            "st": attempt.status,
            "ms": attempt.latency_ms,
            "err": attempt.error,
        },
    )
    facts = {
        "s": lease.id,
        "q": item.seq,
        "e": item.event_id,
        "t": item.event_type,
        "n": attempt.number,
        "st": attempt.status,
        "err": attempt.error,
        "d": item.dead_letter_id,
    }
    if attempt.outcome is Outcome.DEAD:
        await db.execute(_REBURY if item.replay else _BURY, facts)
    elif ok and item.replay:
        await db.execute(_DELIVERED, facts)
    if failing_since is not None and lease.failing_since is None:
        await raise_exceptions(db, [_failing_exception(lease, attempt, since=failing_since)])
    elif ok and lease.failing_since is not None:
        await resolve_subject(
            db, lease.warehouse, f"webhook:{lease.id}", by=RAISED_BY, resolution="Deliveries succeed again"
        )
    lease.cursor = cursor
    lease.attempt = attempt.number if retry else 0
    lease.head_seq = item.seq if retry else None
    lease.head_replay = item.replay and retry
    lease.consecutive_failures = failures
    lease.failing_since = failing_since
    return True


_DELIVERED_MANY = text(
    """
UPDATE webhook_subscriptions SET cursor = :cursor, attempt = 0, head_seq = NULL, head_replay = false,
    next_attempt_at = now(), consecutive_failures = 0, failing_since = NULL, last_status = :status, last_error = NULL,
    last_attempt_at = now(), last_success_at = now(), leased_by = CASE WHEN :release THEN NULL ELSE leased_by END,
    leased_until = CASE WHEN :release THEN NULL ELSE now() + make_interval(secs => :lease) END
WHERE id = :id AND leased_by = :owner AND active RETURNING 1
"""
)
_PASS = text(
    "UPDATE webhook_subscriptions SET cursor = greatest(cursor, :cursor),"
    " leased_by = CASE WHEN :release THEN NULL ELSE leased_by END,"
    " leased_until = CASE WHEN :release THEN NULL ELSE leased_until END"
    " WHERE id = :id AND leased_by = :owner AND attempt = 0 RETURNING 1"
)
_LOG_MANY = text(
    "INSERT INTO webhook_deliveries (subscription_id, event_id, seq, event_type, attempt, outcome, replay,"
    " response_code, latency_ms) SELECT :s, e, q, t, n, 'delivered', r, st, ms FROM unnest(CAST(:e AS uuid[]),"
    " CAST(:q AS bigint[]), CAST(:t AS text[]), CAST(:n AS int[]), CAST(:r AS boolean[]), CAST(:st AS int[]),"
    " CAST(:ms AS float8[])) AS x(e, q, t, n, r, st, ms)"
)
_REPLAYS_DELIVERED = text(
    "UPDATE webhook_dead_letters SET state = 'delivered', delivered_at = now() WHERE id = ANY(CAST(:d AS bigint[]))"
)


async def record_deliveries(
    db: AsyncSession,
    lease: Lease,
    attempts: list[Attempt],
    *,
    owner: str,
    skip_to: int | None = None,
    release: bool = False,
) -> bool:
    """Record a run of successful attempts in one transaction (a receiver that keeps up costs one commit
    per run, not per event), move the cursor past ``skip_to`` (events of other types up to there), and
    give the lease back if ``release``; False (and nothing written) if the lease was lost.

    Until this commits, a crash redelivers the run: at least once, never out of order.
    """
    cursor = max([lease.cursor, skip_to or 0] + [a.item.seq for a in attempts if not a.item.replay])
    facts = {"cursor": cursor, "release": release, "id": lease.id, "owner": owner}
    if attempts:
        facts |= {"status": attempts[-1].status, "lease": lease.lease_s}
    updated = await db.scalar(_DELIVERED_MANY if attempts else _PASS, facts)
    if updated is None:
        await db.rollback()
        return False
    if not attempts:
        lease.cursor = cursor
        return True
    await db.execute(
        _LOG_MANY,
        {
            "s": lease.id,
            "e": [a.item.event_id for a in attempts],
            "q": [a.item.seq for a in attempts],
            "t": [a.item.event_type for a in attempts],
            "n": [a.number for a in attempts],
            "r": [a.item.replay for a in attempts],
            "st": [a.status for a in attempts],
            "ms": [a.latency_ms for a in attempts],
        },
    )
    replays = [a.item.dead_letter_id for a in attempts if a.item.dead_letter_id is not None]
    if replays:
        await db.execute(_REPLAYS_DELIVERED, {"d": replays})
    if lease.failing_since is not None:
        await resolve_subject(
            db, lease.warehouse, f"webhook:{lease.id}", by=RAISED_BY, resolution="Deliveries succeed again"
        )
    lease.cursor = cursor
    lease.attempt, lease.head_seq, lease.head_replay = 0, None, False
    lease.consecutive_failures, lease.failing_since = 0, None
    return True


async def release(db: AsyncSession, subscription_ids: list[int], *, owner: str) -> None:
    """Give leases back so that the next pass (here or on another instance) can take them at once."""
    await db.execute(
        text(
            "UPDATE webhook_subscriptions SET leased_by = NULL, leased_until = NULL"
            " WHERE id = ANY(CAST(:ids AS bigint[])) AND leased_by = :owner"
        ),
        {"ids": subscription_ids, "owner": owner},
    )
