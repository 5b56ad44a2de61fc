"""Wave release: allocated orders chosen by filters become clustered, path-sequenced pick tasks."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, time
from typing import Any

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain import orders as order_rules
from domain.events import Event, WaveReleased
from domain.orders import OrderStatus
from domain.tasks import Priority, Spot
from domain.waves import PickLine, WaveOrder, plan_wave
from server.auth.tokens import Principal
from server.outbox import emit_many
from server.services import tasks
from server.services.locking import lock_orders
from server.services.order_views import load_view, status_event
from server.services.replenishment import after_wave


class ReleaseWave(msgspec.Struct, forbid_unknown_fields=True):
    """Filters (all optional) and how to cluster: orders per trip, and the totes to use."""

    orders: list[str] | None = None
    cutoff_before: datetime | None = None
    min_priority: int | None = None
    zone: str | None = None
    max_orders: int | None = None
    max_orders_per_cluster: int = 4
    totes: list[str] | None = None


_CANDIDATES = text(
    "SELECT o.id, o.number, o.status, o.requested_date, coalesce(o.priority, c.priority_tier) AS tier,"
    " coalesce(o.carrier, '') AS carrier, o.carrier_cutoff,"
    " a.line_no, i.sku, b.lot, a.qty, l.id AS loc_id, l.code, l.zone, l.x, l.y, l.pick_sequence, b.item_id"
    " FROM sales_orders o JOIN customers c ON c.id = o.customer_id JOIN allocations a ON a.order_id = o.id"
    " JOIN stock_balances b ON b.id = a.balance_id JOIN locations l ON l.id = b.location_id"
    " JOIN items i ON i.id = b.item_id WHERE o.warehouse = :wh AND o.status = 'allocated'"
    " AND (CAST(:numbers AS text[]) IS NULL OR o.number = ANY(:numbers)) ORDER BY o.id, a.id"
)


def task_priority(tier: int) -> int:
    """Customer tier 1 (best) .. 5 onto the task scale, where higher runs first."""
    return max(Priority.LOW, min(Priority.URGENT, Priority.HIGH - 10 * (int(tier) - 1)))


async def release_wave(db: AsyncSession, principal: Principal, warehouse: str, cmd: ReleaseWave) -> dict[str, Any]:
    """Plan the wave in domain/waves, store its tasks, release its orders."""
    ids = [
        int(i)
        for i in await db.scalars(
            text(
                "SELECT id FROM sales_orders WHERE warehouse = :wh AND status = 'allocated'"
                " AND (CAST(:numbers AS text[]) IS NULL OR number = ANY(:numbers))"
            ),
            {"wh": warehouse, "numbers": cmd.orders},
        )
    ]
    await lock_orders(db, ids)
    rows = (await db.execute(_CANDIDATES, {"wh": warehouse, "numbers": cmd.orders})).all()
    by_order: dict[str, list[Any]] = {}
    for r in rows:
        by_order.setdefault(r.number, []).append(r)
    wave_orders = [
        WaveOrder(
            order_id=number,
            warehouse=warehouse,
            status=str(group[0].status),
            priority=task_priority(group[0].tier),
            carrier=group[0].carrier,
            # an order without a carrier booking must leave by the end of its requested date
            carrier_cutoff=group[0].carrier_cutoff or datetime.combine(group[0].requested_date, time(23, 59), UTC),
            picks=tuple(
                PickLine(
                    number, r.line_no, Spot(r.code, r.zone, r.x, r.y, r.pick_sequence), r.sku, int(r.qty), r.lot or None
                )
                for r in group
            ),
        )
        for number, group in by_order.items()
    ]
    now = datetime.now(UTC)
    wave_id = f"W-{now:%y%m%d}-{secrets.token_hex(3).upper()}"
    totes = cmd.totes or [f"TOTE-{secrets.randbelow(10**8):08d}" for _ in wave_orders]
    plan = plan_wave(
        wave_orders,
        wave_id=wave_id,
        now=now,
        totes=totes,
        max_orders_per_cluster=cmd.max_orders_per_cluster,
        cutoff_before=cmd.cutoff_before,
        min_priority=cmd.min_priority,
        zone=cmd.zone,
        max_orders=cmd.max_orders,
    )
    filters = {k: v for k, v in msgspec.to_builtins(cmd).items() if v is not None}
    await db.execute(
        text(
            "INSERT INTO waves (id, warehouse, status, filters, released_by, version)"
            " VALUES (:id, :wh, 'released', CAST(:f AS jsonb), :by, 1)"
        ),
        {"id": wave_id, "wh": warehouse, "f": json.dumps(filters), "by": principal.username},
    )
    order_ids = {r.number: int(r.id) for r in rows}
    places = {r.code: int(r.loc_id) for r in rows}
    items = {r.sku: int(r.item_id) for r in rows}
    for cluster in plan.clusters:
        for tote in cluster.totes:
            await db.execute(
                text("INSERT INTO wave_orders (wave_id, order_id, cluster_id, tote) VALUES (:w, :o, :c, :t)"),
                {"w": wave_id, "o": order_ids[tote.order_id], "c": cluster.id, "t": tote.tote},
            )
    created = await tasks.insert(
        db,
        [
            tasks.NewTask(t, places[t.location.code], items[t.item or ""], order_id=order_ids[t.order_id or ""])
            for t in plan.tasks
        ],
    )
    await after_wave(db, warehouse, created)  # replenishment: faces this wave would short get replenish tasks
    events: list[Event] = []
    for number in plan.order_ids:
        order_rules.transition(OrderStatus.ALLOCATED, OrderStatus.RELEASED)
        await db.execute(
            text("UPDATE sales_orders SET status = 'released', version = version + 1 WHERE id = :id"),
            {"id": order_ids[number]},
        )
        view = await load_view(db, order_ids[number])
        events.append(status_event(view))
    view = {
        "id": wave_id,
        "warehouse": warehouse,
        "status": "released",
        "orders": list(plan.order_ids),
        "clusters": [
            {"id": c.id, "totes": [{"order": t.order_id, "tote": t.tote} for t in c.totes]} for c in plan.clusters
        ],
        "tasks": [
            tasks.task_view(r) for r in sorted(created, key=lambda r: (r.task.cluster_id or "", r.task.sequence))
        ],
        "released_by": principal.username,
        "version": 1,
    }
    events.append(WaveReleased(warehouse=warehouse, entity_id=wave_id, version=1, data=view))
    await emit_many(db, events)
    return view
