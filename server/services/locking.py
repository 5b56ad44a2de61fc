"""The one place rows are locked, always in the same order, so writers never deadlock.

Global lock order: receipt (one per command) -> tasks (by id) -> customer (one per command) ->
sales orders (by id) -> warehouse items (by item id) -> stock balances (by id) -> item valuations
(by item id).
A command takes each kind at most once, in that order. Documents of the floor (receipts, tasks)
come first because a scan starts from them and then reaches into orders and stock; valuations come
last because only postings, written after the stock has moved, touch them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.stock import Balance, StockKey, StockStatus
from server.db import pg


@dataclass
class LockedBalance:
    """A balance row held FOR UPDATE, with the facts allocation and events need."""

    id: int
    key: StockKey
    balance: Balance
    location_id: int
    item_id: int
    location_kind: str
    pick_sequence: int
    received_on: date
    expires_on: date | None


async def lock_customer(db: AsyncSession, customer_id: int) -> None:
    """Serialise credit checks of one customer, so two orders cannot both spend the same limit."""
    await (await pg(db)).execute("SELECT id FROM customers WHERE id = $1 FOR UPDATE", customer_id)


async def lock_orders(db: AsyncSession, order_ids: Iterable[int]) -> None:
    ids = sorted(set(order_ids))
    if ids:
        await (await pg(db)).execute(
            "SELECT id FROM sales_orders WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE", ids
        )


async def lock_items(db: AsyncSession, warehouse: str, item_ids: Iterable[int]) -> dict[int, int]:
    """Lock the items' ATP rows (creating missing ones); returns item id -> current ATP version."""
    ids = sorted(set(item_ids))
    if not ids:
        return {}
    conn = await pg(db)
    await conn.execute(
        "INSERT INTO warehouse_items (warehouse, item_id, atp_version) "
        "SELECT $1, i, 0 FROM unnest($2::bigint[]) AS i ORDER BY i ON CONFLICT DO NOTHING",
        warehouse,
        ids,
    )
    rows = await conn.fetch(
        "SELECT item_id, atp_version FROM warehouse_items WHERE warehouse = $1 AND item_id = ANY($2::bigint[]) "
        "ORDER BY item_id FOR UPDATE",
        warehouse,
        ids,
    )
    return {int(item_id): int(version) for item_id, version in rows}


_BALANCE_COLUMNS = """
    b.id, l.code AS location, i.sku, b.lot, b.status, b.on_hand, b.allocated, b.version,
    b.location_id, b.item_id, l.kind, l.pick_sequence, b.received_on, lot.expires_on
  FROM stock_balances b
  JOIN locations l ON l.id = b.location_id
  JOIN items i ON i.id = b.item_id
  LEFT JOIN lots lot ON lot.item_id = b.item_id AND lot.code = b.lot AND b.lot <> ''
"""


def _locked(row: Sequence[object]) -> LockedBalance:
    (
        id_,
        location,
        sku,
        lot,
        status,
        on_hand,
        allocated,
        version,
        location_id,
        item_id,
        kind,
        seq,
        received,
        expires,
    ) = row
    return LockedBalance(
        id=int(id_),  # type: ignore[call-overload]
        key=StockKey(str(location), str(sku), str(lot), StockStatus(str(status))),
        balance=Balance(int(on_hand), int(allocated), int(version)),  # type: ignore[call-overload]
        location_id=int(location_id),  # type: ignore[call-overload]
        item_id=int(item_id),  # type: ignore[call-overload]
        location_kind=str(kind),
        pick_sequence=int(seq),  # type: ignore[call-overload]
        received_on=received,  # type: ignore[arg-type]
        expires_on=expires,  # type: ignore[arg-type]
    )


async def lock_item_balances(
    db: AsyncSession, warehouse: str, item_ids: Iterable[int], *, status: str | None = "available"
) -> list[LockedBalance]:
    """Lock every balance of these items in the warehouse (of one status, or all), in id order."""
    ids = sorted(set(item_ids))
    if not ids:
        return []
    where = "b.warehouse = $1 AND b.item_id = ANY($2::bigint[])" + (" AND b.status = $3" if status else "")
    rows = await (await pg(db)).fetch(
        f"SELECT {_BALANCE_COLUMNS} WHERE {where} ORDER BY b.id FOR UPDATE OF b",
        *((warehouse, ids, status) if status else (warehouse, ids)),
    )
    return [_locked(r) for r in rows]


async def lock_balance_ids(db: AsyncSession, balance_ids: Iterable[int]) -> list[LockedBalance]:
    """Lock specific balances, in id order."""
    ids = sorted(set(balance_ids))
    if not ids:
        return []
    rows = await (await pg(db)).fetch(
        f"SELECT {_BALANCE_COLUMNS} WHERE b.id = ANY($1::bigint[]) ORDER BY b.id FOR UPDATE OF b", ids
    )
    return [_locked(r) for r in rows]


async def lock_receipt(db: AsyncSession, receipt_id: int) -> None:
    """Serialise the confirmations of one receipt (two receivers on one ASN)."""
    await db.execute(text("SELECT id FROM receipts WHERE id = :id FOR UPDATE"), {"id": receipt_id})


async def lock_tasks(db: AsyncSession, task_ids: Iterable[int]) -> None:
    """Lock tasks in id order (a scan, a claim of a cluster, a supervisor's reassignment)."""
    ids = sorted(set(task_ids))
    if ids:
        await db.execute(text("SELECT id FROM tasks WHERE id = ANY(:ids) ORDER BY id FOR UPDATE"), {"ids": ids})


async def lock_valuations(db: AsyncSession, warehouse: str, item_ids: Iterable[int], *, currency: str) -> None:
    """Lock the items' moving-average valuation rows (creating missing ones at zero), in item order."""
    ids = sorted(set(item_ids))
    if not ids:
        return
    await db.execute(
        text(
            "INSERT INTO item_valuations (warehouse, item_id, currency, qty, value, version)"
            " SELECT :wh, i, :cur, 0, 0, 0 FROM unnest(CAST(:ids AS bigint[])) AS i ORDER BY i ON CONFLICT DO NOTHING"
        ),
        {"wh": warehouse, "ids": ids, "cur": currency},
    )
    await db.execute(
        text(
            "SELECT item_id FROM item_valuations WHERE warehouse = :wh AND item_id = ANY(:ids) ORDER BY item_id"
            " FOR UPDATE"
        ),
        {"wh": warehouse, "ids": ids},
    )


# for stores that lock balances inside statements of their own (the columns, then FROM over ``b``)
BALANCE_COLUMNS = _BALANCE_COLUMNS
locked_balance = _locked
