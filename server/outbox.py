"""Write catalogue events to the outbox inside the command's transaction; the relay publishes them after
commit. The outbox takes nothing but events of ``domain.events``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.events import Event
from realtime import outbox_rows
from server.db import pg

# session.info key listing the warehouses whose streams this transaction fed, to wake their relays
WAREHOUSES_TOUCHED = "outbox_warehouses"


async def emit_many(db: AsyncSession, events: Sequence[Event]) -> None:
    """Record catalogue events in the current transaction, in one statement."""
    if not events:
        return
    strays = [e for e in events if not isinstance(e, Event)]
    if strays:
        raise TypeError(f"the outbox takes catalogue events (domain.events), not {strays[0]!r}")
    await (await pg(db)).execute(outbox_rows.INSERT, *outbox_rows.insert_arguments(events))
    db.info.setdefault(WAREHOUSES_TOUCHED, set()).update(e.warehouse for e in events)


def emit_within(db: AsyncSession, events: Sequence[Event], *, first_param: int) -> tuple[str, list[list[Any]]]:
    """The outbox insert of ``events`` for a caller that sends it inside a statement of its own (as a CTE),
    with its parameters numbered from ``first_param``, and their values. Marks the warehouses as
    ``emit_many`` does; the caller must send the statement in this transaction."""
    if not events or not all(isinstance(e, Event) for e in events):
        raise TypeError("the outbox takes one or more catalogue events (domain.events)")
    db.info.setdefault(WAREHOUSES_TOUCHED, set()).update(e.warehouse for e in events)
    return outbox_rows.insert_sql(first_param), outbox_rows.insert_arguments(events)


async def emit(db: AsyncSession, event: Event) -> None:
    """Record one catalogue event (the entity's new state) in the current transaction."""
    await emit_many(db, [event])


def touched_warehouses(db: AsyncSession) -> set[str]:
    """Warehouses that got outbox rows in this session's committed transaction."""
    touched: set[str] = db.info.pop(WAREHOUSES_TOUCHED, set())
    return touched
