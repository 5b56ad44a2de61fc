"""Write events to the outbox inside the command's transaction; the relay publishes them after commit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import pg

# session.info key listing the warehouses whose streams this transaction fed, to wake their relays
WAREHOUSES_TOUCHED = "outbox_warehouses"

_INSERT = (
    "INSERT INTO outbox_events (event_id, warehouse, type, entity, entity_id, entity_version, data, occurred_at)"
    " SELECT gen_random_uuid(), w, t, e, i, v, d, clock_timestamp() FROM unnest($1::text[], $2::text[],"
    " $3::text[], $4::text[], $5::bigint[], $6::jsonb[]) AS x(w, t, e, i, v, d)"
)


_encode = msgspec.json.Encoder().encode


@dataclass(frozen=True, slots=True)
class Event:
    """One event: past-tense type, the entity it is about, its new version and state."""

    type: str
    warehouse: str
    entity: str
    entity_id: str
    version: int
    data: dict[str, Any]


async def emit_many(db: AsyncSession, events: list[Event]) -> None:
    """Record events in the current transaction, in one statement."""
    if not events:
        return
    await (await pg(db)).execute(
        _INSERT,
        [e.warehouse for e in events],
        [e.type for e in events],
        [e.entity for e in events],
        [e.entity_id for e in events],
        [e.version for e in events],
        [_encode(e.data).decode() for e in events],
    )
    db.info.setdefault(WAREHOUSES_TOUCHED, set()).update(e.warehouse for e in events)


async def emit(
    db: AsyncSession,
    event_type: str,
    *,
    warehouse: str,
    entity: str,
    entity_id: str,
    version: int,
    data: dict[str, Any],
) -> None:
    """Record one event (past tense type, the entity's new state) in the current transaction."""
    await emit_many(db, [Event(event_type, warehouse, entity, entity_id, version, data)])


def touched_warehouses(db: AsyncSession) -> set[str]:
    """Warehouses that got outbox rows in this session's committed transaction."""
    touched: set[str] = db.info.pop(WAREHOUSES_TOUCHED, set())
    return touched
