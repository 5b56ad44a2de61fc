"""Writes stock movements: validated by domain/ against locked balances, then flushed in one statement."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from domain import stock
from domain.stock import Movement, StockKey
from server.db import pg
from server.services.locking import BALANCE_COLUMNS, LockedBalance, locked_balance


@dataclass
class StockLedger:
    """Balances this command holds locked, and the movements it applies to them.

    Every balance must be locked (through ``server.services.locking``) before a movement touches
    it; ``flush`` writes new balance values and the movement rows in one round trip.
    """

    db: AsyncSession
    warehouse: str
    user_id: int | None
    device_id: uuid.UUID | None
    held: dict[StockKey, LockedBalance] = field(default_factory=dict)
    _movements: list[tuple[int, Movement]] = field(default_factory=list)
    _dirty: set[StockKey] = field(default_factory=set)

    def hold(self, balances: list[LockedBalance]) -> None:
        for locked in balances:
            self.held.setdefault(locked.key, locked)

    async def open(self, key: StockKey, *, location_id: int, item_id: int, received_on: date) -> LockedBalance:
        """The locked balance for ``key``, creating an empty one if the location never held it.

        Callers hold the item's ``warehouse_items`` lock, so no one else creates it meanwhile.
        """
        if key in self.held:
            return self.held[key]
        # the upsert locks the row (new or not), and the same round trip reads what a held balance carries
        row = await (await pg(self.db)).fetchrow(
            _OPEN, self.warehouse, location_id, item_id, key.lot, str(key.status), received_on
        )
        assert row is not None
        self.hold([locked_balance(list(row))])
        return self.held[key]

    def apply(self, movement: Movement) -> None:
        """Apply one movement to its held balance; domain/ refuses anything breaking the invariants."""
        locked = self.held.get(movement.key)
        if locked is None:
            raise RuntimeError(f"balance {movement.key} was not locked before moving stock")
        locked.balance = stock.apply(locked.balance, movement)
        self._movements.append((locked.id, movement))
        self._dirty.add(movement.key)

    @property
    def touched_items(self) -> set[int]:
        return {self.held[key].item_id for key in self._dirty}

    @property
    def changed(self) -> list[LockedBalance]:
        return [self.held[key] for key in sorted(self._dirty)]

    async def flush(self) -> None:
        """Write changed balances and their movements (one statement)."""
        if self._movements:
            await self.flush_with(" SELECT 1")

    async def flush_with(self, statement: str, *args: Any) -> list[asyncpg.Record]:
        """Write changed balances and their movements together with the caller's own ``statement``, in
        one round trip. ``statement`` follows the ledger's two data-modifying CTEs: it may add more
        (starting with a comma) and ends in a statement whose rows are returned; its parameters are
        numbered from ``$12`` (``FIRST_FREE_PARAM``)."""
        changed = self.changed
        movements, self._movements = self._movements, []
        return await (await pg(self.db)).fetch(
            _LEDGER_CTES + statement,
            [c.id for c in changed],
            [c.balance.on_hand for c in changed],
            [c.balance.allocated for c in changed],
            [c.balance.version for c in changed],
            [balance_id for balance_id, _ in movements],
            [m.delta_on_hand for _, m in movements],
            [m.delta_allocated for _, m in movements],
            [str(m.reason) for _, m in movements],
            [m.origin.source_document[:64] for _, m in movements],
            self.user_id,
            self.device_id,
            *args,
        )


# The ledger's writes over $1..$11 (empty arrays write nothing).
_LEDGER_CTES = (
    "WITH balances AS (UPDATE stock_balances b SET on_hand = v.on_hand, allocated = v.allocated,"
    " version = v.version FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[])"
    " AS v(id, on_hand, allocated, version) WHERE b.id = v.id),"
    " movements AS (INSERT INTO stock_movements (balance_id, delta_on_hand, delta_allocated, reason,"
    " source_document, user_id, device_id) SELECT b, d1, d2, r, s, $10::bigint, $11::uuid FROM"
    " unnest($5::bigint[], $6::bigint[], $7::bigint[], $8::text[], $9::text[]) AS m(b, d1, d2, r, s))"
)
FIRST_FREE_PARAM = 12

_OPEN = (
    "WITH opened AS (INSERT INTO stock_balances (warehouse, location_id, item_id, lot, status, on_hand, allocated,"
    " version, received_on) VALUES ($1, $2, $3, $4, $5, 0, 0, 0, $6)"
    " ON CONFLICT (location_id, item_id, lot, status) DO UPDATE SET version = stock_balances.version RETURNING *)"
    " SELECT " + BALANCE_COLUMNS.replace("FROM stock_balances b", "FROM opened b")
)
