"""Arranging receiving and picking through the public API, and checking the ledger reconciles."""

from __future__ import annotations

import secrets
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scanners.gs1 import with_check_digit
from tests.conftest import auth_headers, new_key
from tests.stock_helpers import assert_inventory_invariants, new_item, place

Client = AsyncTestClient[Litestar]
Sessions = async_sessionmaker[AsyncSession]


def new_sscc() -> str:
    body = "0" + "0614141" + f"{secrets.randbelow(10**9):09d}"
    return with_check_digit(body)


async def gtin_of(db: Sessions, sku: str) -> str:
    async with db() as session:
        gtin = await session.scalar(
            text("SELECT u.gtin FROM item_uoms u JOIN items i ON i.id = u.item_id WHERE i.sku = :s AND u.uom = 'EA'"),
            {"s": sku},
        )
    assert gtin
    return str(gtin)


async def post(client: Client, headers: dict[str, str], url: str, body: Any, status: int = 201) -> Any:
    response = await client.post(url, headers=headers | {"Idempotency-Key": new_key()}, json=body)
    assert response.status_code == status, response.text
    return response.json()


async def purchase(client: Client, sup: dict[str, str], lines: list[tuple[str, int, int]]) -> str:
    number = f"PO-{secrets.token_hex(4).upper()}"
    body = {
        "number": number,
        "supplier": "Acme Foods",
        "warehouse": "WH1",
        "expected_date": "2026-12-01",
        "lines": [{"sku": s, "qty": q, "unit_cost": c} for s, q, c in lines],
    }
    await post(client, sup, "/api/purchase-orders", body)
    return number


async def asn(client: Client, sup: dict[str, str], po: str, **parts: Any) -> str:
    number = f"ASN-{secrets.token_hex(4).upper()}"
    await post(client, sup, "/api/asns", {"number": number, "purchase_order": po, **parts})
    return number


async def run_task(
    client: Client, worker: dict[str, str], task: dict[str, Any], scans: list[dict[str, Any]]
) -> dict[str, Any]:
    """Send guided scans to a task; returns the last answer."""
    answer: dict[str, Any] = {}
    for scan in scans:
        answer = await post(client, worker, f"/api/warehouses/WH1/tasks/{task['id']}/scans", scan, 200)
    return answer


async def receive_and_put_away(
    client: Client, db: Sessions, *, sup: dict[str, str], receiver: dict[str, str], sku: str, qty: int, cost: int
) -> str:
    """PO + ASN (one pallet) -> receive the pallet -> close -> put away; returns the bin it went to."""
    po = await purchase(client, sup, [(sku, qty, cost)])
    sscc = new_sscc()
    await asn(client, sup, po, pallets=[{"sscc": sscc, "lines": [{"po_line": 1, "sku": sku, "qty": qty}]}])
    receipt = await post(client, receiver, "/api/warehouses/WH1/receipts", {"scan": sscc, "dock": "WH1-DOCK-01"})
    await post(client, receiver, f"/api/warehouses/WH1/receipts/{receipt['id']}/lines", {"pallet": f"(00){sscc}"})
    closed = await post(client, receiver, f"/api/warehouses/WH1/receipts/{receipt['id']}/close", {})
    [task] = closed["putaway_tasks"]
    gtin = await gtin_of(db, sku)
    await claim(client, receiver, task["id"], kinds=["putaway"])
    done = await run_task(
        client, receiver, task, [{"scan": "WH1-DOCK-01"}, {"scan": gtin}, {"scan": task["to_location"]}]
    )
    assert done["task"]["state"] == "done", done
    return str(task["to_location"])


async def claim(
    client: Client, worker: dict[str, str], task_id: int, *, kinds: list[str], wave: str | None = None
) -> dict[str, Any]:
    """Claim the worker's next task; it must be (or its trip must hold) ``task_id``."""
    answer: dict[str, Any] = await post(
        client, worker, "/api/warehouses/WH1/tasks/next", {"kinds": kinds, "wave": wave}, 200
    )
    assert any(t["id"] == task_id for t in answer["trip"]), answer
    return answer


async def gl_inventory(db: Sessions, sku: str) -> tuple[int, int, int]:
    """(GL inventory balance, valuation value, on hand) of one item in WH1."""
    async with db() as session:
        row = (
            await session.execute(
                text(
                    "SELECT (SELECT coalesce(sum(debit - credit), 0) FROM journal_lines jl WHERE jl.account = '1300'"
                    "   AND jl.item_id = i.id AND jl.warehouse = 'WH1'),"
                    " (SELECT coalesce(sum(value), 0) FROM item_valuations v"
                    "   WHERE v.item_id = i.id AND v.warehouse = 'WH1'),"
                    " (SELECT coalesce(sum(on_hand), 0) FROM stock_balances b"
                    "   WHERE b.item_id = i.id AND b.warehouse = 'WH1')"
                    " FROM items i WHERE i.sku = :s"
                ),
                {"s": sku},
            )
        ).one()
    return int(row[0]), int(row[1]), int(row[2])


async def unbalanced_entries(db: Sessions) -> list[Any]:
    async with db() as session:
        rows = await session.execute(
            text("SELECT entry_id FROM journal_lines GROUP BY entry_id, currency HAVING sum(debit) <> sum(credit)")
        )
        return list(rows.all())


async def assert_ledger_invariants(db: Sessions) -> None:
    """Every entry balances; per warehouse and item, the valuation covers exactly the units on hand;
    per warehouse, the GL Inventory account equals the value of the stock (on hand x average cost)."""
    assert await unbalanced_entries(db) == []
    async with db() as session:
        off_qty = (
            await session.execute(
                text(
                    "SELECT coalesce(v.warehouse, b.warehouse), coalesce(v.item_id, b.item_id), v.qty, b.on_hand"
                    " FROM item_valuations v FULL JOIN (SELECT warehouse, item_id, sum(on_hand) AS on_hand"
                    "   FROM stock_balances GROUP BY warehouse, item_id) b"
                    "   ON b.warehouse = v.warehouse AND b.item_id = v.item_id"
                    " WHERE coalesce(v.qty, 0) <> coalesce(b.on_hand, 0)"
                )
            )
        ).all()
        off_value = (
            await session.execute(
                text(
                    "SELECT v.warehouse, sum(v.value),"
                    " (SELECT coalesce(sum(debit - credit), 0) FROM journal_lines l"
                    "   WHERE l.account = '1300' AND l.warehouse = v.warehouse)"
                    " FROM item_valuations v GROUP BY v.warehouse"
                    " HAVING sum(v.value) <> (SELECT coalesce(sum(debit - credit), 0) FROM journal_lines l"
                    "   WHERE l.account = '1300' AND l.warehouse = v.warehouse)"
                )
            )
        ).all()
    assert off_qty == [], f"valuations not covering the stock on hand: {off_qty}"
    assert off_value == [], f"GL Inventory differs from the stock valuation: {off_value}"


async def assert_books(db: Sessions) -> None:
    """Stock and books agree: the inventory invariants and the ledger invariants, in one call."""
    await assert_inventory_invariants(db)
    await assert_ledger_invariants(db)


async def picked_orders(client: Client, db: Sessions, *, qtys: list[int], cost: int = 300) -> tuple[str, list[Any]]:
    """A fresh item received at ``cost``, one order per qty, released as one wave and picked in full."""
    admin, sup = await auth_headers(client, "admin"), await auth_headers(client, "super1")
    receiver, picker = await auth_headers(client, "receiver1"), await auth_headers(client, "picker1")
    rep = await auth_headers(client, "rep1")
    sku = await new_item(client, admin, price=1000)
    gtin = await gtin_of(db, sku)
    await receive_and_put_away(client, db, sup=sup, receiver=receiver, sku=sku, qty=20, cost=cost)
    orders = []
    for qty in qtys:
        response = await place(client, rep, "CUST-020", [(sku, qty)])
        assert response.json()["status"] == "allocated", response.text
        orders.append(response.json())
    wave = await post(client, sup, "/api/warehouses/WH1/waves", {"orders": [o["number"] for o in orders]})
    for task in wave["tasks"]:
        await claim(client, picker, task["id"], kinds=["pick"], wave=wave["id"])
        for body in ({"scan": task["location"]}, {"scan": gtin}, {"qty": task["qty"]}, {"scan": task["tote"]}):
            answer = await post(client, picker, f"/api/warehouses/WH1/tasks/{task['id']}/scans", body, 200)
        assert answer["task"]["state"] == "done", answer
    return sku, [wave, *orders]
