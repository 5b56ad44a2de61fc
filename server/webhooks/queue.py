"""The dispatcher's SQL: lease due subscriptions (SKIP LOCKED, so one dispatcher per subscription across
instances), read what each must send next from the stamped outbox, and record every attempt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from realtime import outbox_rows
from realtime.envelope import encode_event

_CLAIM = text(
    """
UPDATE webhook_subscriptions s SET leased_by = :owner,
    leased_until = now() + make_interval(secs => s.timeout_s * 2 + :margin)
WHERE s.id IN (
    SELECT c.id FROM webhook_subscriptions c JOIN stream_state st ON st.warehouse = c.warehouse
    WHERE c.active AND c.next_attempt_at <= now() AND (c.leased_until IS NULL OR c.leased_until < now())
      AND c.id <> ALL(CAST(:busy AS bigint[]))
      AND (st.last_seq > c.cursor OR c.attempt > 0 OR EXISTS (
          SELECT 1 FROM webhook_dead_letters d WHERE d.subscription_id = c.id AND d.state = 'queued'))
    ORDER BY c.next_attempt_at LIMIT :n FOR UPDATE OF c SKIP LOCKED
)
RETURNING s.id, s.warehouse, s.url, s.types, s.secret, s.max_attempts, s.timeout_s, s.cursor, s.head_seq,
          s.head_replay, s.attempt, s.consecutive_failures, s.failing_since
"""
)
LEASE_MARGIN_S = 10.0
_EVENT_COLUMNS = outbox_rows.select_list("o")
_AT_SEQ = text(
    f"SELECT {_EVENT_COLUMNS}, NULL::bigint AS dead_id FROM outbox_events o WHERE o.warehouse = :w AND o.seq = :q"
)
_QUEUED = text(
    f"SELECT {_EVENT_COLUMNS}, d.id AS dead_id FROM webhook_dead_letters d"
    " JOIN outbox_events o ON o.warehouse = :w AND o.seq = d.seq"
    " WHERE d.subscription_id = :s AND d.state = 'queued' ORDER BY d.seq LIMIT :n"
)
_HEAD = text("SELECT last_seq FROM stream_state WHERE warehouse = :w")
# rows up to the head read just before are all committed: the relay stamps a batch and bumps last_seq
# in one statement, so this never skips a seq that commits later
_NEXT = text(
    f"SELECT {_EVENT_COLUMNS}, NULL::bigint AS dead_id FROM outbox_events o WHERE o.warehouse = :w"
    " AND o.seq > :after AND o.seq <= :head AND (cardinality(CAST(:types AS text[])) = 0"
    " OR o.type = ANY(CAST(:types AS text[]))) ORDER BY o.seq LIMIT :n"
)


@dataclass(slots=True)
class Lease:
    """A leased subscription as this dispatcher knows it; only the holder of the lease changes it."""

    id: int
    warehouse: str
    url: str
    types: list[str]
    secret: str
    max_attempts: int
    timeout_s: float
    cursor: int
    head_seq: int | None
    head_replay: bool
    attempt: int
    consecutive_failures: int
    failing_since: datetime | None

    @property
    def lease_s(self) -> float:
        """How long a lease lasts: an attempt always ends (timeout) well inside it, so no other
        instance takes the subscription over mid-send."""
        return self.timeout_s * 2 + LEASE_MARGIN_S


@dataclass(frozen=True, slots=True)
class Item:
    """An event to send: from the subscription's cursor, or a dead letter queued for replay."""

    seq: int
    event_id: str
    event_type: str
    occurred_at: datetime
    body: bytes
    dead_letter_id: int | None

    @property
    def replay(self) -> bool:
        return self.dead_letter_id is not None


async def claim_due(db: AsyncSession, *, owner: str, limit: int, busy: list[int]) -> list[Lease]:
    """Lease up to ``limit`` subscriptions that have something to send and are due."""
    rows = await db.execute(_CLAIM, {"owner": owner, "margin": LEASE_MARGIN_S, "n": limit, "busy": busy})
    return [Lease(**{**r._mapping, "types": list(r.types)}) for r in rows]


def _item(row: Any, warehouse: str) -> Item:
    envelope = outbox_rows.envelope(row._mapping, warehouse)
    return Item(envelope.seq, envelope.id, envelope.type, row.occurred_at, encode_event(envelope), row.dead_id)


async def next_items(db: AsyncSession, lease: Lease, *, limit: int) -> tuple[list[Item], int | None]:
    """What to send next, in order, and the position the cursor may skip to once they are all done
    (events of other types up to the head), or None when more may follow at once.

    An item under retry comes first, then queued replays, then new events after the cursor.
    """
    if lease.attempt > 0 and lease.head_seq is not None:
        if lease.head_replay:
            rows = await db.execute(_QUEUED, {"w": lease.warehouse, "s": lease.id, "n": limit})
            items = [_item(r, lease.warehouse) for r in rows]
            return [i for i in items if i.seq == lease.head_seq] or items[:1], None
        row = (await db.execute(_AT_SEQ, {"w": lease.warehouse, "q": lease.head_seq})).first()
        return ([_item(row, lease.warehouse)] if row is not None else []), None
    queued = [
        _item(r, lease.warehouse) for r in await db.execute(_QUEUED, {"w": lease.warehouse, "s": lease.id, "n": limit})
    ]
    if queued:
        return queued, None
    head = int(await db.scalar(_HEAD, {"w": lease.warehouse}) or 0)
    rows = await db.execute(
        _NEXT, {"w": lease.warehouse, "after": lease.cursor, "head": head, "types": lease.types, "n": limit}
    )
    items = [_item(r, lease.warehouse) for r in rows]
    return items, (head if len(items) < limit else None)
