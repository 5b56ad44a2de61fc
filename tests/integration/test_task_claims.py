"""Claiming the next task: the choice is among the most urgent tasks still free, so tasks other
pickers hold never crowd out the open work behind them, and a claim takes its whole cluster trip."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from server.services.task_claims import CANDIDATES
from tests.conftest import auth_headers, bearer, login
from tests.execution_helpers import Client, Sessions, post
from tests.stock_helpers import add_stock, new_item, place


async def _new_picker(client: Client) -> dict[str, str]:
    """A picker holding nothing yet (the demo pickers may hold other tests' tasks)."""
    admin = await auth_headers(client, "admin")
    name = "claims-" + uuid.uuid4().hex[:8]
    user = {
        "username": name,
        "display_name": name,
        "roles": ["picker"],
        "warehouses": ["WH1"],
        "password": "p4ss-w0rd-long",
    }
    await post(client, admin, "/api/admin/users", user)
    return bearer(await login(client, name, user["password"]))


async def _wave_of_single_line_orders(client: Client, count: int, *, per_trip: int) -> tuple[str, list[int]]:
    admin, sup, rep = [await auth_headers(client, u) for u in ("admin", "super1", "rep1")]
    sku = await new_item(client, admin)
    await add_stock(client, sup, sku, "WH1-R05-05-2", count * 2)
    orders = [(await place(client, rep, "CUST-021", [(sku, 1)])).json()["number"] for _ in range(count)]
    wave = await post(client, sup, "/api/warehouses/WH1/waves", {"orders": orders, "max_orders_per_cluster": per_trip})
    return wave["id"], [t["id"] for t in wave["tasks"]]


async def test_tasks_held_by_others_do_not_hide_the_open_ones(client: Client, db: Sessions) -> None:
    wave, ids = await _wave_of_single_line_orders(client, CANDIDATES + 2, per_trip=1)
    held, free = ids[:-1], ids[-1]
    async with db() as session, session.begin():  # everyone else's, more urgent, leases running
        await session.execute(
            text(
                "UPDATE tasks SET state = 'assigned', claimed_by = 'picker3', priority = 9, lease_expires_at = :later"
                " WHERE id = ANY(:ids)"
            ),
            {"ids": held, "later": datetime.now(UTC) + timedelta(minutes=10)},
        )
        await session.execute(text("UPDATE tasks SET priority = 1 WHERE id = :id"), {"id": free})
    picker = await _new_picker(client)
    answer = await post(client, picker, "/api/warehouses/WH1/tasks/next", {"kinds": ["pick"], "wave": wave}, 200)
    assert [t["id"] for t in answer["trip"]] == [free]


async def test_a_claim_takes_the_whole_cluster_trip(client: Client) -> None:
    wave, ids = await _wave_of_single_line_orders(client, 3, per_trip=3)
    picker = await _new_picker(client)
    answer = await post(client, picker, "/api/warehouses/WH1/tasks/next", {"kinds": ["pick"], "wave": wave}, 200)
    assert sorted(t["id"] for t in answer["trip"]) == sorted(ids)
    assert {t["state"] for t in answer["trip"]} == {"assigned"}


async def test_a_claimed_trip_carries_the_gtins_each_task_accepts_for_offline_checks(
    client: Client, db: Sessions
) -> None:
    wave, ids = await _wave_of_single_line_orders(client, 1, per_trip=1)
    async with db() as session:
        units = (
            await session.execute(
                text(
                    "SELECT u.gtin, u.uom, u.factor FROM item_uoms u JOIN tasks t ON t.item_id = u.item_id"
                    " WHERE t.id = :id AND u.gtin IS NOT NULL ORDER BY u.factor"
                ),
                {"id": ids[0]},
            )
        ).all()
    assert units, "the test item has an EA GTIN"
    picker = await _new_picker(client)
    answer = await post(client, picker, "/api/warehouses/WH1/tasks/next", {"kinds": ["pick"], "wave": wave}, 200)
    expected = [{"gtin": u.gtin, "uom": u.uom, "factor": u.factor} for u in units]
    assert answer["task"]["accepted_gtins"] == expected
    assert answer["trip"][0]["accepted_gtins"] == expected
    assert answer["task"]["lot_required"] is False
    seen = await client.get(f"/api/warehouses/WH1/tasks/{ids[0]}", headers=picker)
    assert seen.json()["task"]["accepted_gtins"] == expected
