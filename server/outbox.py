"""Write events to the outbox inside the command's transaction; the relay publishes them after commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from server.models import OutboxEvent

# session.info key listing the warehouses whose streams this transaction fed, to wake their relays
WAREHOUSES_TOUCHED = "outbox_warehouses"


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
    await db.execute(
        insert(OutboxEvent).values(
            warehouse=warehouse,
            type=event_type,
            entity=entity,
            entity_id=entity_id,
            entity_version=version,
            data=data,
        )
    )
    db.info.setdefault(WAREHOUSES_TOUCHED, set()).add(warehouse)


def touched_warehouses(db: AsyncSession) -> set[str]:
    """Warehouses that got outbox rows in this session's committed transaction."""
    touched: set[str] = db.info.pop(WAREHOUSES_TOUCHED, set())
    return touched
