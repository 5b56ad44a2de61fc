"""The supervisor's API: task board, reassignment and lapsed leases, the exceptions queue, KPIs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from server.services.board import release_lapsed_leases
from tests.backends import wait_until
from tests.conftest import auth_headers, new_key
from tests.execution_helpers import Client, Sessions, picked_orders, post
from tests.stock_helpers import add_stock, new_item, place


async def _released_task(client: Client, *, qty: int = 4) -> dict[str, Any]:
    admin, sup_headers, rep = [await auth_headers(client, u) for u in ("admin", "super1", "rep1")]
    sku = await new_item(client, admin)
    await add_stock(client, sup_headers, sku, "WH1-R05-04-2", 50)
    order = (await place(client, rep, "CUST-021", [(sku, qty)])).json()
    wave = await post(client, sup_headers, "/api/warehouses/WH1/waves", {"orders": [order["number"]]})
    task: dict[str, Any] = wave["tasks"][0]
    return task


async def _board(client: Client, sup: dict[str, str]) -> dict[str, Any]:
    response = await client.get("/api/warehouses/WH1/board", headers=sup)
    assert response.status_code == 200, response.text
    board: dict[str, Any] = response.json()
    return board


async def test_board_shows_work_by_state_zone_and_worker(client: Client) -> None:
    sup, picker = await auth_headers(client, "super1"), await auth_headers(client, "picker2")
    task = await _released_task(client)
    before = await _board(client, sup)
    assert {"epoch", "seq"} <= set(before["as_of"])
    assert any(t["id"] == task["id"] and t["state"] == "open" for t in before["tasks"])
    url = f"/api/warehouses/WH1/tasks/{task['id']}/reassign"
    await post(client, sup, url, {"worker": "picker2"}, 200)
    after = await _board(client, sup)
    assert after["by_worker"]["picker2"]["assigned"] == before["by_worker"].get("picker2", {}).get("assigned", 0) + 1
    assert after["by_state"]["open"] == before["by_state"]["open"] - 1
    assert after["by_zone"][task["zone"]]["assigned"] >= 1
    assert (await client.get("/api/warehouses/WH1/board", headers=picker)).status_code == 403
    await post(client, sup, url, {"worker": None}, 200)


async def test_a_supervisor_reassigns_a_task_and_puts_it_back_in_the_pool(client: Client) -> None:
    sup, picker = await auth_headers(client, "super1"), await auth_headers(client, "picker1")
    task = await _released_task(client)
    url = f"/api/warehouses/WH1/tasks/{task['id']}/reassign"
    moved = await post(client, sup, url, {"worker": "picker2"}, 200)
    assert (moved["state"], moved["assigned_to"]) == ("assigned", "picker2")
    assert "super1" in moved["reason"]
    stolen = await client.post(
        f"/api/warehouses/WH1/tasks/{task['id']}/scans", headers=picker, json={"scan": task["location"]}
    )
    assert stolen.status_code in (403, 409), stolen.text
    released = await post(client, sup, url, {"worker": None}, 200)
    assert (released["state"], released["assigned_to"]) == ("open", None)
    stranger = await client.post(url, headers=sup | {"Idempotency-Key": new_key()}, json={"worker": "nobody"})
    assert stranger.status_code == 422
    assert stranger.json()["code"] == "task.unknown_worker"


async def test_a_lapsed_lease_goes_back_to_the_pool_with_an_event(client: Client, db: Sessions) -> None:
    sup = await auth_headers(client, "super1")
    task = await _released_task(client)
    await post(client, sup, f"/api/warehouses/WH1/tasks/{task['id']}/reassign", {"worker": "picker2"}, 200)
    async with db() as session, session.begin():
        await session.execute(
            text("UPDATE tasks SET lease_expires_at = :past WHERE id = :id"),
            {"past": datetime.now(UTC) - timedelta(minutes=1), "id": task["id"]},
        )

    async def released() -> Any:
        # the app's own sweeper may hold the row (SKIP LOCKED) at this moment: sweep until it is back
        async with db() as session, session.begin():
            await release_lapsed_leases(session, now=datetime.now(UTC))
        async with db() as session:
            found = (
                await session.execute(text("SELECT state, claimed_by FROM tasks WHERE id = :id"), {"id": task["id"]})
            ).one()
        return found if found.state == "open" else None

    row = await wait_until(released, what="the lapsed task back in the pool")
    async with db() as session:
        events = (
            await session.scalars(
                text("SELECT data FROM outbox_events WHERE type = 'task.lease_expired' AND entity_id = :id"),
                {"id": str(task["id"])},
            )
        ).all()
    assert tuple(row) == ("open", None)
    assert len(events) == 1
    assert events[0]["previous_assigned_to"] == "picker2"  # so picker2's handheld drops it live


async def test_a_credit_hold_is_queued_acknowledged_and_resolved_by_approval(client: Client) -> None:
    admin, sup_headers, rep_headers = [await auth_headers(client, u) for u in ("admin", "super1", "rep1")]
    sku = await new_item(client, admin, price=100)
    customer = (await client.get("/api/customers/CUST-031", headers=rep_headers)).json()
    held = (await place(client, rep_headers, "CUST-031", [(sku, customer["credit"]["available"] // 100 + 1)])).json()
    assert held["status"] == "on_hold"
    queue = (await client.get("/api/warehouses/WH1/exceptions", headers=sup_headers)).json()
    [mine] = [e for e in queue if e["subject"] == f"order:{held['number']}"]
    assert (mine["kind"], mine["state"]) == ("credit_hold", "open")
    acked = await post(client, sup_headers, "/api/warehouses/WH1/exceptions/acknowledgements", {"id": mine["id"]}, 200)
    assert (acked["state"], acked["acknowledged_by"]) == ("acknowledged", "super1")
    assert acked["acknowledged_at"] is not None
    empty = await client.post(
        "/api/warehouses/WH1/exceptions/resolutions",
        headers=sup_headers | {"Idempotency-Key": new_key()},
        json={"id": mine["id"], "resolution": " "},
    )
    assert empty.json()["code"] == "exception.resolution_required"
    approved = await client.post(f"/api/orders/{held['number']}/approve", headers=sup_headers)
    assert approved.status_code == 200, approved.text
    resolved = (
        await client.get("/api/warehouses/WH1/exceptions", params={"state": "resolved"}, headers=sup_headers)
    ).json()
    [done] = [e for e in resolved if e["id"] == mine["id"]]
    assert (done["resolved_by"], done["resolution"]) == ("super1", "credit hold approved")
    again = await client.post(
        "/api/warehouses/WH1/exceptions/resolutions",
        headers=sup_headers | {"Idempotency-Key": new_key()},
        json={"id": mine["id"], "resolution": "twice"},
    )
    assert again.json()["code"] == "exception.invalid_transition"
    await client.post(f"/api/orders/{held['number']}/cancel", headers=sup_headers)  # give the credit back


async def test_kpis_count_the_picks_and_the_shipped_order(client: Client, db: Sessions) -> None:
    sup, picker = await auth_headers(client, "super1"), await auth_headers(client, "picker1")
    before = (await client.get("/api/warehouses/WH1/kpis", headers=sup)).json()
    _, (_, order) = await picked_orders(client, db, qtys=[6])
    await post(client, picker, f"/api/warehouses/WH1/orders/{order['number']}/pack", {})
    await post(client, sup, "/api/warehouses/WH1/shipments", {"orders": [order["number"]]})
    after = (await client.get("/api/warehouses/WH1/kpis", headers=sup)).json()

    def picks(kpis: dict[str, Any]) -> int:
        return next((p["lines"] for p in kpis["pick_lines_per_hour"]["by_picker"] if p["worker"] == "picker1"), 0)

    assert picks(after) == picks(before) + 1
    assert after["pick_lines_per_hour"]["series"][-1] >= 1
    assert len(after["pick_lines_per_hour"]["series"]) == 8
    assert after["fill_rate"]["shipped_units"] == before["fill_rate"]["shipped_units"] + 6
    assert after["order_cycle_time"]["count"] == before["order_cycle_time"]["count"] + 1
    assert after["dock_to_stock"]["count"] == before["dock_to_stock"]["count"] + 1
    assert [b["bucket"] for b in after["backorder_aging"]] == ["<1d", "1-3d", "3-7d", "7d+"]
    bad = await client.get("/api/warehouses/WH1/kpis", params={"hours": 0}, headers=sup)
    assert bad.status_code == 400
