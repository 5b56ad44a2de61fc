"""The SQL of a pick line confirmed at once: one statement locks and reads everything the decision
needs, one statement writes everything it decided (with the ledger's balances and movements, the
task, the allocations and the outbox rows) and reads what comes next.

Locks are taken in the global order of ``server.services.locking`` (task -> order -> item ->
balances), inside the one statement: each CTE reads the one before it, so PostgreSQL cannot take
them in any other order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from domain.events import Event
from domain.orders import OrderStatus
from domain.pick_line import AllocationTake
from server.db import pg
from server.outbox import emit_within
from server.services.ledger import FIRST_FREE_PARAM, StockLedger
from server.services.locking import BALANCE_COLUMNS, LockedBalance, locked_balance
from server.services.task_manifest import FACT_COLUMNS
from server.services.tasks import TASK_SELECT, TaskRecord, record_of

_BALANCE_FIELDS = (
    "id, location, sku, lot, status, on_hand, allocated, version, location_id, item_id, kind, pick_sequence,"
    " received_on, expires_on"
)
_LOCK_LINE = f"""
WITH t AS MATERIALIZED ({TASK_SELECT} WHERE t.id = $1 AND t.warehouse = $2 FOR UPDATE OF t),
o AS MATERIALIZED (SELECT id, status FROM sales_orders WHERE id = (SELECT order_id FROM t) FOR UPDATE),
wi AS MATERIALIZED (SELECT item_id FROM warehouse_items WHERE warehouse = $2 AND item_id = (SELECT item_id FROM t)
  AND (SELECT count(*) FROM o) >= 0 FOR UPDATE),
stg AS MATERIALIZED (SELECT id, code FROM locations WHERE warehouse = $2 AND kind = 'staging' ORDER BY code LIMIT 1),
b AS MATERIALIZED (SELECT {BALANCE_COLUMNS} WHERE b.item_id = (SELECT item_id FROM wi) AND b.status = 'available'
  AND b.lot = (SELECT lot FROM t) AND b.location_id IN ((SELECT loc_id FROM t), (SELECT id FROM stg))
  ORDER BY b.id FOR UPDATE OF b),
a AS MATERIALIZED (SELECT id, qty FROM allocations WHERE order_id = (SELECT id FROM o)
  AND line_no = (SELECT order_line FROM t)
  AND balance_id = (SELECT id FROM b WHERE location_id = (SELECT loc_id FROM t)) ORDER BY id FOR UPDATE)
SELECT t.*, {FACT_COLUMNS}, (SELECT status FROM o) AS order_status, (SELECT count(*) FROM wi) AS item_locked,
  (SELECT id FROM stg) AS staging_id, (SELECT code FROM stg) AS staging_code,
  (SELECT coalesce(json_agg(json_build_array({_BALANCE_FIELDS}) ORDER BY id), '[]') FROM b) AS balances,
  (SELECT coalesce(json_agg(json_build_array(id, qty) ORDER BY id), '[]') FROM a) AS allocations
  FROM t
"""


@dataclass
class LineSnapshot:
    """A pick task locked with its order, item and balances, and what its confirm needs."""

    record: TaskRecord
    facts: dict[str, Any]  # the manifest's facts (task_manifest.FACT_COLUMNS)
    order_status: OrderStatus | None
    item_locked: bool
    staging: tuple[int, str] | None
    balances: list[LockedBalance]
    allocations: list[tuple[int, int]]

    @property
    def gtins(self) -> list[dict[str, Any]]:
        """The task item's GTINs (``{gtin, uom, factor}``)."""
        return list(_json(self.facts["m_gtins"]) or [])


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _balance(values: list[Any]) -> LockedBalance:
    values[12] = date.fromisoformat(values[12])
    values[13] = date.fromisoformat(values[13]) if values[13] else None
    return locked_balance(values)


def _record(row: asyncpg.Record) -> TaskRecord:
    return record_of(SimpleNamespace(**dict(row)))


async def lock_line(db: AsyncSession, warehouse: str, task_id: int) -> LineSnapshot | None:
    """Lock the task (of ``warehouse``), its order, its item and the balances it moves; ``None`` if no such task."""
    row = await (await pg(db)).fetchrow(_LOCK_LINE, task_id, warehouse)
    if row is None:
        return None
    status = row["order_status"]
    return LineSnapshot(
        record=_record(row),
        facts={k: row[k] for k in ("m_gtins", "m_expires_on", "m_min_shelf_life_days")},
        order_status=OrderStatus(status) if status else None,
        item_locked=bool(row["item_locked"]),
        staging=(int(row["staging_id"]), str(row["staging_code"])) if row["staging_id"] else None,
        balances=[_balance(list(v)) for v in _json(row["balances"])],
        allocations=[(int(i), int(q)) for i, q in _json(row["allocations"])],
    )


_ACTIVE = "('open', 'assigned', 'in_progress')"
_P = FIRST_FREE_PARAM
# After the ledger's CTEs: the allocations follow the stock, the task is saved, the events go out;
# then, read in the same round trip: the order's open picks, the pick face's stock and what is
# pending on it (its replenishment trigger), and the caller's next pick task with its manifest.
_WRITE_LINE = f"""
, moved AS (UPDATE allocations SET balance_id = ${_P}::bigint WHERE id = ANY(${_P + 1}::bigint[]))
, split AS (UPDATE allocations SET qty = qty - ${_P + 3}::bigint WHERE id = ${_P + 2}::bigint
    RETURNING order_id, line_no, rule, reason)
, split_new AS (INSERT INTO allocations (order_id, line_no, balance_id, qty, rule, reason)
    SELECT order_id, line_no, ${_P}::bigint, ${_P + 3}::bigint, rule, reason FROM split)
, task_row AS (UPDATE tasks SET state = ${_P + 4}, qty_done = ${_P + 5}, claimed_by = ${_P + 6},
    lease_expires_at = ${_P + 7}, reason = ${_P + 8}, scans = ${_P + 9}::jsonb, updated_at = ${_P + 10},
    version = ${_P + 11} WHERE id = ${_P + 12}::bigint)
, outbox AS ({{outbox}})
SELECT (SELECT count(*) FROM tasks WHERE order_id = ${_P + 13}::bigint AND kind = 'pick' AND state IN {_ACTIVE}
    AND id <> ${_P + 12}::bigint) AS open_left,
  f.*, n.*
  FROM (SELECT 1) one
  LEFT JOIN LATERAL (SELECT l.min_qty, l.max_qty,
      (SELECT coalesce(sum(sb.on_hand), 0) FROM stock_balances sb WHERE sb.location_id = l.id
        AND sb.item_id = l.item_id AND sb.status = 'available') AS face_on_hand,
      (SELECT coalesce(sum(r.qty - r.qty_done), 0) FROM tasks r WHERE r.warehouse = l.warehouse
        AND r.state IN {_ACTIVE} AND r.kind = 'replenish' AND r.to_location_id = l.id) AS face_inbound,
      (SELECT coalesce(sum(p.qty - p.qty_done), 0) FROM tasks p WHERE p.warehouse = l.warehouse
        AND p.state IN {_ACTIVE} AND p.kind = 'pick' AND p.location_id = l.id AND p.item_id = l.item_id
        AND p.id <> ${_P + 12}::bigint) AS face_demand
    FROM locations l WHERE l.id = ${_P + 14}::bigint AND l.kind = 'pick_face' AND l.item_id = ${_P + 15}::bigint
      AND 0 <= l.min_qty AND l.min_qty < l.max_qty) f ON true
  LEFT JOIN LATERAL (SELECT t.*, {FACT_COLUMNS} FROM ({TASK_SELECT}
      WHERE t.warehouse = ${_P + 16} AND t.claimed_by = ${_P + 17} AND t.kind = 'pick'
        AND t.state IN ('assigned', 'in_progress') AND t.id <> ${_P + 12}::bigint
      ORDER BY t.sequence, t.id LIMIT 1) t) n ON true
"""


@dataclass
class LineWritten:
    """What the write statement read back: open picks left on the order, the pick face, the next task."""

    open_left: int
    face: dict[str, int] | None
    next_task: TaskRecord | None
    next_facts: dict[str, Any]


def _scans_json(record: TaskRecord) -> str:
    return json.dumps(record.scans, separators=(",", ":"))


async def write_line(
    db: AsyncSession,
    ledger: StockLedger,
    record: TaskRecord,
    *,
    staging_balance: int,
    take: AllocationTake,
    events: list[Event],
    worker: str,
) -> LineWritten:
    """Write the confirmed line in one statement and read what follows it."""
    t = record.task
    outbox_first = _P + 18
    outbox_sql, outbox_args = emit_within(db, events, first_param=outbox_first)
    when: datetime | None = t.updated_at
    rows = await ledger.flush_with(
        _WRITE_LINE.replace("{outbox}", outbox_sql),
        staging_balance,
        list(take.moved),
        take.split,
        take.split_qty,
        str(t.state),
        t.qty_done,
        t.claimed_by,
        t.lease_expires_at,
        t.reason,
        _scans_json(record),
        when,
        t.version,
        record.id,
        record.order_id,
        record.location_id,
        record.item_id,
        t.warehouse,
        worker,
        *outbox_args,
    )
    row = rows[0]
    face = None
    if row["min_qty"] is not None:
        face = {k: int(row[k]) for k in ("min_qty", "max_qty", "face_on_hand", "face_inbound", "face_demand")}
    following = _record(row) if row["id"] is not None else None
    return LineWritten(
        open_left=int(row["open_left"]),
        face=face,
        next_task=following,
        next_facts={k: row[k] for k in ("m_gtins", "m_expires_on", "m_min_shelf_life_days")},
    )
