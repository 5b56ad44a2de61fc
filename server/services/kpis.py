"""Supervisor KPIs, computed from the rows the floor already writes (no separate counters to drift)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_PICK_RATE = text(
    "SELECT claimed_by AS worker, count(*) AS lines, sum(qty_done) AS units FROM tasks"
    " WHERE warehouse = :wh AND kind = 'pick' AND state = 'done' AND updated_at >= :since"
    " GROUP BY claimed_by ORDER BY count(*) DESC, claimed_by"
)
_PICK_SERIES = text(
    "SELECT floor(extract(epoch FROM :now - updated_at) / 3600)::int AS ago, count(*) AS lines FROM tasks"
    " WHERE warehouse = :wh AND kind = 'pick' AND state = 'done' AND updated_at >= :since GROUP BY 1"
)
# dock to stock: from the receipt's start to its last putaway done, for receipts fully put away
_DOCK_TO_STOCK = text(
    "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY minutes) AS p50, avg(minutes) AS mean, count(*) AS n FROM ("
    " SELECT extract(epoch FROM max(t.updated_at) - r.started_at) / 60 AS minutes FROM receipts r"
    " JOIN tasks t ON t.receipt_id = r.id AND t.kind = 'putaway' WHERE r.warehouse = :wh AND r.status = 'closed'"
    " GROUP BY r.id, r.started_at HAVING bool_and(t.state IN ('done', 'cancelled'))"
    " AND max(t.updated_at) >= :since) x"
)
_ORDER_CYCLE = text(
    "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY minutes) AS p50, avg(minutes) AS mean, count(*) AS n FROM ("
    " SELECT extract(epoch FROM shipped_at - created_at) / 60 AS minutes FROM sales_orders"
    " WHERE warehouse = :wh AND status = 'shipped' AND shipped_at >= :since) x"
)
_FILL_RATE = text(
    "SELECT coalesce(sum(l.qty_shipped), 0) AS shipped, coalesce(sum(l.qty), 0) AS ordered"
    " FROM sales_orders o JOIN sales_order_lines l ON l.order_id = o.id AND NOT l.cancelled"
    " WHERE o.warehouse = :wh AND o.status = 'shipped' AND o.shipped_at >= :since"
)
_BACKORDERS = text(
    "SELECT CASE WHEN age < 1 THEN '<1d' WHEN age < 3 THEN '1-3d' WHEN age < 7 THEN '3-7d' ELSE '7d+' END AS bucket,"
    " count(*) AS lines, sum(qty) AS units FROM ("
    " SELECT extract(epoch FROM :now - o.created_at) / 86400 AS age, l.backordered AS qty FROM sales_orders o"
    " JOIN sales_order_lines l ON l.order_id = o.id WHERE o.warehouse = :wh AND l.backordered > 0"
    " AND o.status NOT IN ('shipped', 'cancelled')) x GROUP BY 1"
)
_ACCURACY = text(
    "SELECT count(*) FILTER (WHERE variance_qty = 0) AS exact, count(*) AS counted FROM count_results"
    " WHERE warehouse = :wh AND counted_at >= :since"
)
BACKORDER_BUCKETS = ("<1d", "1-3d", "3-7d", "7d+")


def _minutes(row: Any) -> dict[str, Any]:
    return {
        "p50_minutes": round(float(row.p50), 1) if row.p50 is not None else None,
        "mean_minutes": round(float(row.mean), 1) if row.mean is not None else None,
        "count": int(row.n),
    }


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


async def warehouse_kpis(db: AsyncSession, warehouse: str, *, hours: int) -> dict[str, Any]:
    """The KPI tiles for the last ``hours``, each with what it is computed from; ``None`` means no data yet."""
    now = datetime.now(UTC)
    since = now - timedelta(hours=hours)
    params = {"wh": warehouse, "since": since, "now": now}
    pickers = [
        {"worker": r.worker, "lines": int(r.lines), "units": int(r.units), "lines_per_hour": round(r.lines / hours, 2)}
        for r in await db.execute(_PICK_RATE, params)
    ]
    by_hour = {int(r.ago): int(r.lines) for r in await db.execute(_PICK_SERIES, params)}
    fill = (await db.execute(_FILL_RATE, params)).one()
    backorders = {
        r.bucket: {"lines": int(r.lines), "units": int(r.units)} for r in await db.execute(_BACKORDERS, params)
    }
    accuracy = (await db.execute(_ACCURACY, params)).one()
    return {
        "warehouse": warehouse,
        "window_hours": hours,
        "computed_at": now.isoformat(),
        "pick_lines_per_hour": {
            "total": round(sum(p["lines"] for p in pickers) / hours, 2),
            "by_picker": pickers,
            # oldest hour first, for a sparkline
            "series": [by_hour.get(ago, 0) for ago in range(hours - 1, -1, -1)],
        },
        "dock_to_stock": _minutes((await db.execute(_DOCK_TO_STOCK, params)).one()),
        "order_cycle_time": _minutes((await db.execute(_ORDER_CYCLE, params)).one()),
        "fill_rate": {
            "rate": _ratio(int(fill.shipped), int(fill.ordered)),
            "shipped_units": int(fill.shipped),
            "ordered_units": int(fill.ordered),
        },
        "backorder_aging": [{"bucket": b, **backorders.get(b, {"lines": 0, "units": 0})} for b in BACKORDER_BUCKETS],
        "inventory_accuracy": {
            "rate": _ratio(int(accuracy.exact), int(accuracy.counted)),
            "exact_counts": int(accuracy.exact),
            "counts": int(accuracy.counted),
        },
    }
