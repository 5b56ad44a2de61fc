"""Webhook subscriptions, their delivery log and dead letters in PostgreSQL (the admin side)."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Conflict, Invalid, NotFound, Rejected
from domain.webhooks import EVENT_TYPE
from server.auth.principal import ensure_warehouse
from server.auth.tokens import Principal
from server.webhooks.views import (
    DeadLetterView,
    DeliveryView,
    NewSubscription,
    SubscriptionChange,
    SubscriptionView,
)

MAX_TYPES = 100
MAX_URL = 2000
MAX_DESCRIPTION = 500
ATTEMPTS_RANGE = (1, 50)
TIMEOUT_RANGE = (0.2, 30.0)

_VIEW = """
SELECT s.id, s.warehouse, s.url, s.types, s.description, s.active, s.max_attempts, s.timeout_s, s.cursor,
       greatest(coalesce(st.last_seq, 0), s.cursor) AS head, s.attempt, s.next_attempt_at, s.consecutive_failures,
       s.failing_since IS NOT NULL AS failing, s.last_status, s.last_error, s.last_attempt_at, s.last_success_at,
       (SELECT count(*) FROM webhook_dead_letters d WHERE d.subscription_id = s.id AND d.state <> 'delivered')
           AS dead_letters,
       s.created_by, s.created_at, s.version
FROM webhook_subscriptions s LEFT JOIN stream_state st ON st.warehouse = s.warehouse
"""
_DEAD_COLUMNS = (
    "id, seq, event_id, event_type, state, attempts, last_response_code, last_error, dead_at,"
    " replay_requested_at, replay_requested_by, delivered_at"
)


def new_secret() -> str:
    """A signing secret: 32 random bytes, prefixed so that it is recognisable in a leak scan."""
    return "whsec_" + secrets.token_urlsafe(32)


def _check_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if len(url) > MAX_URL or parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid(
            "webhook.invalid_url",
            f"The url must be an absolute http:// or https:// address of at most {MAX_URL} characters.",
            url=url[:200],
        )
    return url.strip()


def _check_types(types: list[str]) -> list[str]:
    bad = [t for t in types if not isinstance(t, str) or not EVENT_TYPE.match(t)]
    if bad or len(types) > MAX_TYPES:
        raise Invalid(
            "webhook.invalid_type",
            f"List at most {MAX_TYPES} event types as dotted names (task.completed); leave it empty for all.",
            invalid=bad[:10],
        )
    return sorted(set(types))


def _check_description(description: str) -> str:
    if len(description) > MAX_DESCRIPTION:
        raise Invalid("webhook.invalid_description", f"Keep the description under {MAX_DESCRIPTION} characters.")
    return description


def _check_limits(max_attempts: int | None, timeout_s: float | None) -> None:
    low, high = ATTEMPTS_RANGE
    if max_attempts is not None and not low <= max_attempts <= high:
        raise Invalid("webhook.invalid_attempts", f"max_attempts must be from {low} to {high}.")
    low_s, high_s = TIMEOUT_RANGE
    if timeout_s is not None and not low_s <= timeout_s <= high_s:
        raise Invalid("webhook.invalid_timeout", f"timeout_s must be from {low_s} to {high_s} seconds.")


def _view(row: Any) -> SubscriptionView:
    values = dict(row._mapping)
    values["types"] = list(values["types"])
    values["lag"] = max(0, int(values["head"]) - int(values["cursor"]))
    return SubscriptionView(**values)


async def create_subscription(
    db: AsyncSession, data: NewSubscription, *, by: str, max_attempts: int, timeout_s: float
) -> tuple[SubscriptionView, str]:
    """Store a subscription starting after ``start_after`` (default: the stream's current head);
    ``max_attempts`` and ``timeout_s`` are the server's defaults for what the request leaves out."""
    url, types = _check_url(data.url), _check_types(data.types)
    description = _check_description(data.description)
    _check_limits(data.max_attempts, data.timeout_s)
    exists = await db.scalar(text("SELECT 1 FROM warehouses WHERE code = :w"), {"w": data.warehouse})
    if exists is None:
        raise Rejected("webhook.unknown_warehouse", f"There is no warehouse {data.warehouse!r}.")
    head = int(
        await db.scalar(text("SELECT last_seq FROM stream_state WHERE warehouse = :w"), {"w": data.warehouse}) or 0
    )
    start = head if data.start_after is None else data.start_after
    if not 0 <= start <= head:
        raise Invalid(
            "webhook.invalid_start",
            f"start_after must be a stream position from 0 to the current head ({head}).",
            head=head,
        )
    secret = new_secret()
    new_id = await db.scalar(
        text(
            "INSERT INTO webhook_subscriptions (warehouse, url, types, description, secret, cursor, created_by,"
            " max_attempts, timeout_s) VALUES (:w, :u, :t, :d, :s, :c, :by, :n, :ts) RETURNING id"
        ),
        {
            "w": data.warehouse,
            "u": url,
            "t": types,
            "d": description,
            "s": secret,
            "c": start,
            "by": by,
            "n": data.max_attempts or max_attempts,
            "ts": data.timeout_s or timeout_s,
        },
    )
    return await get_subscription(db, int(new_id or 0)), secret


async def list_subscriptions(
    db: AsyncSession, principal: Principal, *, warehouse: str | None
) -> list[SubscriptionView]:
    """The subscriptions of the warehouses the caller works in (all for an admin), optionally of one."""
    if warehouse is not None:
        ensure_warehouse(principal, warehouse)
    rows = await db.execute(
        text(_VIEW + " WHERE (CAST(:w AS text) IS NULL OR s.warehouse = :w) ORDER BY s.id"), {"w": warehouse}
    )
    return [_view(r) for r in rows if principal.may_access(r.warehouse)]


async def get_subscription(
    db: AsyncSession, subscription_id: int, principal: Principal | None = None
) -> SubscriptionView:
    """One subscription, or 404 (403 if it belongs to a warehouse the caller does not work in)."""
    row = (await db.execute(text(_VIEW + " WHERE s.id = :id"), {"id": subscription_id})).first()
    if row is None:
        raise NotFound("webhook.not_found", f"There is no webhook subscription {subscription_id}.")
    if principal is not None:
        ensure_warehouse(principal, row.warehouse)
    return _view(row)


async def change_subscription(db: AsyncSession, subscription_id: int, change: SubscriptionChange) -> SubscriptionView:
    """Apply the fields given; resuming an inactive subscription makes it due at once."""
    await get_subscription(db, subscription_id)
    _check_limits(change.max_attempts, change.timeout_s)
    values = {
        "n": change.max_attempts,
        "ts": change.timeout_s,
        "id": subscription_id,
        "u": _check_url(change.url) if change.url is not None else None,
        "t": _check_types(change.types) if change.types is not None else None,
        "d": _check_description(change.description) if change.description is not None else None,
        "a": change.active,
    }
    await db.execute(
        text(
            "UPDATE webhook_subscriptions SET url = coalesce(:u, url), types = coalesce(CAST(:t AS text[]), types),"
            " description = coalesce(:d, description), active = coalesce(:a, active),"
            " max_attempts = coalesce(:n, max_attempts), timeout_s = coalesce(:ts, timeout_s),"
            " next_attempt_at = CASE WHEN :a AND NOT active THEN now() ELSE next_attempt_at END,"
            " version = version + 1, updated_at = now() WHERE id = :id"
        ),
        values,
    )
    return await get_subscription(db, subscription_id)


async def delete_subscription(db: AsyncSession, subscription_id: int) -> None:
    """Remove a subscription with its log and dead letters."""
    await get_subscription(db, subscription_id)
    await db.execute(text("DELETE FROM webhook_subscriptions WHERE id = :id"), {"id": subscription_id})


async def list_deliveries(
    db: AsyncSession, subscription_id: int, *, before: int | None, limit: int
) -> list[DeliveryView]:
    """The delivery log, newest first; page with ``before`` = the last id seen."""
    rows = await db.execute(
        text(
            "SELECT id, event_id::text AS event_id, seq, event_type, attempt, outcome, replay, response_code,"
            " latency_ms, error, at FROM webhook_deliveries WHERE subscription_id = :s"
            " AND (CAST(:b AS bigint) IS NULL OR id < :b) ORDER BY id DESC LIMIT :n"
        ),
        {"s": subscription_id, "b": before, "n": limit},
    )
    return [DeliveryView(**dict(r._mapping)) for r in rows]


def _dead_view(row: Any) -> DeadLetterView:
    values = dict(row._mapping)
    values["event_id"] = str(values["event_id"])
    return DeadLetterView(**values)


async def list_dead_letters(db: AsyncSession, subscription_id: int, *, states: list[str]) -> list[DeadLetterView]:
    """Dead letters in sequence order, in the given states."""
    rows = await db.execute(
        text(
            f"SELECT {_DEAD_COLUMNS} FROM webhook_dead_letters WHERE subscription_id = :s AND state = ANY(:st)"
            " ORDER BY seq"
        ),
        {"s": subscription_id, "st": states},
    )
    return [_dead_view(r) for r in rows]


async def queue_replay(
    db: AsyncSession, subscription_id: int, *, dead_letter_id: int | None, by: str
) -> list[DeadLetterView]:
    """Queue one dead letter (or all when ``dead_letter_id`` is None) for redelivery; returns what was queued.

    Queued ones are delivered before the subscription's next new event, in sequence order.
    """
    if dead_letter_id is not None:
        state = await db.scalar(
            text("SELECT state FROM webhook_dead_letters WHERE id = :d AND subscription_id = :s FOR UPDATE"),
            {"d": dead_letter_id, "s": subscription_id},
        )
        if state is None:
            raise NotFound(
                "webhook.dead_letter_not_found",
                f"Subscription {subscription_id} has no dead letter {dead_letter_id}.",
            )
        if state != "dead":
            raise Conflict(
                "webhook.dead_letter_not_dead",
                f"Dead letter {dead_letter_id} is {state}; only a dead one can be replayed.",
                state=state,
            )
    rows = await db.execute(
        text(
            "UPDATE webhook_dead_letters SET state = 'queued', replay_requested_at = now(), replay_requested_by = :by"
            " WHERE subscription_id = :s AND state = 'dead' AND (CAST(:d AS bigint) IS NULL OR id = :d)"
            f" RETURNING {_DEAD_COLUMNS}"
        ),
        {"s": subscription_id, "d": dead_letter_id, "by": by},
    )
    queued = sorted((_dead_view(r) for r in rows), key=lambda d: d.seq)
    if queued:
        await db.execute(
            text(
                "UPDATE webhook_subscriptions SET next_attempt_at = least(next_attempt_at, now()) WHERE id = :s"
                " AND attempt = 0"
            ),
            {"s": subscription_id},
        )
    return queued
