"""Reading the stamped outbox in sequence order for the pull feed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import NotFound, Rejected

# a page scans at most this many positions, so that a rare type over a long history stays cheap
SCAN_WINDOW = 20_000

_HEAD = text(
    "SELECT w.code, coalesce(st.last_seq, 0) AS head FROM warehouses w"
    " LEFT JOIN stream_state st ON st.warehouse = w.code WHERE w.code = :w"
)
# rows up to a head read before are all committed (the relay stamps and bumps last_seq in one statement)
_PAGE = text(
    "SELECT event_id::text AS id, seq, type, entity, entity_id, entity_version, occurred_at, data::text AS data"
    " FROM outbox_events WHERE warehouse = :w AND seq > :after AND seq <= :upto"
    " AND (cardinality(CAST(:types AS text[])) = 0 OR type = ANY(CAST(:types AS text[])))"
    " AND (CAST(:patterns AS text[]) IS NULL OR type LIKE ANY(CAST(:patterns AS text[])))"
    " ORDER BY seq LIMIT :n"
)


class FeedEvent(msgspec.Struct):
    """An event as the live stream carries it; ``seq`` is its position in the warehouse's sequence."""

    id: str
    seq: int
    type: str
    warehouse: str
    entity: str
    entity_id: str
    entity_version: int
    occurred_at: datetime
    data: dict[str, Any]


class FeedPage(msgspec.Struct):
    """Events after ``after`` in order; ask again with ``next_after`` (also when ``events`` is empty)."""

    warehouse: str
    after: int
    next_after: int
    head: int
    has_more: bool
    events: list[FeedEvent]


async def read_page(
    db: AsyncSession, warehouse: str, *, after: int, types: list[str], patterns: list[str] | None, limit: int
) -> FeedPage:
    """One page of the feed: gap-free, since every stamped position up to the head is read or passed."""
    found = (await db.execute(_HEAD, {"w": warehouse})).first()
    if found is None:
        raise NotFound("feed.unknown_warehouse", f"There is no warehouse {warehouse!r}.")
    head = int(found.head)
    if after > head:
        raise Rejected(
            "feed.position_ahead",
            f"Position {after} is past the newest event ({head}) of {warehouse};"
            " resume from a next_after the feed gave.",
            head=head,
        )
    upto = min(head, after + SCAN_WINDOW)
    rows = (
        await db.execute(
            _PAGE, {"w": warehouse, "after": after, "upto": upto, "types": types, "patterns": patterns, "n": limit}
        )
    ).all()
    events = [
        FeedEvent(
            id=r.id,
            seq=int(r.seq),
            type=r.type,
            warehouse=warehouse,
            entity=r.entity,
            entity_id=r.entity_id,
            entity_version=int(r.entity_version),
            occurred_at=r.occurred_at,
            data=msgspec.json.decode(r.data),
        )
        for r in rows
    ]
    next_after = events[-1].seq if len(events) == limit else upto
    return FeedPage(warehouse, after, next_after, head, next_after < head, events)
