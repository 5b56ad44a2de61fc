"""Waves and guided picking over the API: scans checked step by step, short picks handled."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from tests.conftest import auth_headers
from tests.execution_helpers import Client, Sessions, claim, gl_inventory, gtin_of, post, receive_and_put_away
from tests.stock_helpers import assert_inventory_invariants, new_item, place

SCANS = "/api/warehouses/WH1/tasks/{}/scans"


async def _order(client: Client, sku: str, qty: int) -> str:
    rep = await auth_headers(client, "rep1")
    response = await place(client, rep, "CUST-020", [(sku, qty)])
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == "allocated", body
    return str(body["number"])


async def _wave(client: Client, sup: dict[str, str], order: str) -> dict[str, Any]:
    wave: dict[str, Any] = await post(client, sup, "/api/warehouses/WH1/waves", {"orders": [order]})
    assert wave["orders"] == [order]
    return wave


async def _order_status(client: Client, number: str) -> dict[str, Any]:
    response = await client.get(f"/api/orders/{number}", headers=await auth_headers(client, "super1"))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _scan(client: Client, picker: dict[str, str], task_id: int, body: dict[str, Any]) -> Any:
    return await client.post(SCANS.format(task_id), headers=picker, json=body)


async def test_a_released_wave_is_picked_with_guided_scans(client: Client, db: Sessions) -> None:
    admin, sup = await auth_headers(client, "admin"), await auth_headers(client, "super1")
    receiver, picker = await auth_headers(client, "receiver1"), await auth_headers(client, "picker1")
    sku = await new_item(client, admin)
    gtin = await gtin_of(db, sku)
    bin_code = await receive_and_put_away(client, db, sup=sup, receiver=receiver, sku=sku, qty=20, cost=300)
    number = await _order(client, sku, 8)
    wave = await _wave(client, sup, number)
    [task] = wave["tasks"]
    assert (task["location"], task["qty"], task["state"]) == (bin_code, 8, "open")
    assert (await _order_status(client, number))["status"] == "released"
    answer = await claim(client, picker, task["id"], kinds=["pick"], wave=wave["id"])
    assert answer["task"]["assigned_to"] == "picker1"
    assert answer["prompt"]["step"] == "location"
    wrong = await _scan(client, picker, task["id"], {"scan": "WH1-A01-01-1"})
    assert wrong.status_code == 422
    assert wrong.json()["code"] == "scan.wrong_location"
    at_bin = (await _scan(client, picker, task["id"], {"scan": bin_code})).json()
    assert at_bin["prompt"]["step"] == "item"
    assert (await _order_status(client, number))["status"] == "picking"
    wrong_item = await _scan(client, picker, task["id"], {"scan": "8712340000016"})
    assert wrong_item.json()["code"] == "scan.wrong_item"
    assert (await _scan(client, picker, task["id"], {"scan": gtin})).json()["prompt"]["step"] == "quantity"
    too_many = await _scan(client, picker, task["id"], {"qty": 9})
    assert too_many.json()["code"] == "pick.qty_exceeds_task"
    tote_step = (await _scan(client, picker, task["id"], {"qty": 8})).json()
    assert tote_step["prompt"]["step"] == "tote"
    done = (await _scan(client, picker, task["id"], {"scan": task["tote"]})).json()
    assert done["task"]["state"] == "done"
    assert done["picked"] == 8
    assert (await _order_status(client, number))["status"] == "picked"
    async with db() as session:
        staged = (
            await session.execute(
                text(
                    "SELECT l.code, b.on_hand, b.allocated FROM stock_balances b"
                    " JOIN locations l ON l.id = b.location_id JOIN items i ON i.id = b.item_id"
                    " WHERE i.sku = :s ORDER BY l.code"
                ),
                {"s": sku},
            )
        ).all()
        events = await session.scalar(
            text("SELECT count(*) FROM outbox_events WHERE type = 'task.completed' AND entity_id = :id"),
            {"id": str(task["id"])},
        )
    assert ("WH1-STG-01", 8, 8) in [tuple(r) for r in staged]
    assert (bin_code, 12, 0) in [tuple(r) for r in staged]
    assert events == 1
    assert await gl_inventory(db, sku) == (20 * 300, 20 * 300, 20)
    await assert_inventory_invariants(db)


async def _pick(client: Client, picker: dict[str, str], task: dict[str, Any], gtin: str, qty: int) -> Any:
    for body in ({"scan": task["location"]}, {"scan": gtin}, {"qty": qty}):
        response = await _scan(client, picker, task["id"], body)
        assert response.status_code == 200, response.text
    answer = response.json()
    if answer["prompt"]["step"] == "tote":
        response = await _scan(client, picker, task["id"], {"scan": task["tote"]})
        assert response.status_code == 200, response.text
        answer = response.json()
    return answer


async def test_short_pick_raises_exception_creates_a_count_and_backorders(client: Client, db: Sessions) -> None:
    admin, sup = await auth_headers(client, "admin"), await auth_headers(client, "super1")
    receiver, picker = await auth_headers(client, "receiver1"), await auth_headers(client, "picker2")
    sku = await new_item(client, admin)
    gtin = await gtin_of(db, sku)
    await receive_and_put_away(client, db, sup=sup, receiver=receiver, sku=sku, qty=10, cost=120)
    number = await _order(client, sku, 10)
    wave = await _wave(client, sup, number)
    [task] = wave["tasks"]
    await claim(client, picker, task["id"], kinds=["pick"], wave=wave["id"])
    answer = await _pick(client, picker, task, gtin, 7)
    assert answer["task"]["state"] == "exception"
    short = answer["short"]
    assert (short["reallocated"], short["backordered"]) == (0, 3)
    order = await _order_status(client, number)
    assert order["lines"][0]["backordered"] == 3
    assert order["status"] == "picked"
    async with db() as session:
        exception = (
            await session.execute(text("SELECT kind, state FROM exceptions WHERE id = :id"), {"id": short["exception"]})
        ).one()
        count = (
            await session.execute(
                text("SELECT kind, state, qty, reason FROM tasks WHERE id = :id"), {"id": short["count_task"]}
            )
        ).one()
    assert tuple(exception) == ("short_pick", "open")
    assert tuple(count) == ("count", "open", 3, "zero_check")
    assert await gl_inventory(db, sku) == (10 * 120, 10 * 120, 10)
    await assert_inventory_invariants(db)


async def test_short_pick_reallocates_the_remainder_to_another_bin(client: Client, db: Sessions) -> None:
    admin, sup = await auth_headers(client, "admin"), await auth_headers(client, "super1")
    receiver, picker = await auth_headers(client, "receiver1"), await auth_headers(client, "picker2")
    sku = await new_item(client, admin)
    gtin = await gtin_of(db, sku)
    first = await receive_and_put_away(client, db, sup=sup, receiver=receiver, sku=sku, qty=10, cost=100)
    second = await receive_and_put_away(client, db, sup=sup, receiver=receiver, sku=sku, qty=10, cost=100)
    assert first != second
    number = await _order(client, sku, 6)
    wave = await _wave(client, sup, number)
    [task] = wave["tasks"]
    await claim(client, picker, task["id"], kinds=["pick"], wave=wave["id"])
    short = (await _pick(client, picker, task, gtin, 2))["short"]
    assert (short["reallocated"], short["backordered"]) == (4, 0)
    [new_task_id] = short["new_tasks"]
    follow = await claim(client, picker, new_task_id, kinds=["pick"], wave=wave["id"])
    follow_task = follow["task"]
    assert follow_task["location"] in {first, second} - {task["location"]}
    assert follow_task["qty"] == 4
    done = await _pick(client, picker, follow_task, gtin, 4)
    assert done["task"]["state"] == "done"
    order = await _order_status(client, number)
    assert order["status"] == "picked"
    assert order["lines"][0]["backordered"] == 0
    await assert_inventory_invariants(db)


async def test_an_offline_pick_confirm_replays_once_and_a_wrong_bin_is_rejected(client: Client, db: Sessions) -> None:
    admin, sup = await auth_headers(client, "admin"), await auth_headers(client, "super1")
    receiver, picker = await auth_headers(client, "receiver1"), await auth_headers(client, "picker1")
    sku = await new_item(client, admin)
    gtin = await gtin_of(db, sku)
    bin_code = await receive_and_put_away(client, db, sup=sup, receiver=receiver, sku=sku, qty=5, cost=100)
    number = await _order(client, sku, 5)
    wave = await _wave(client, sup, number)
    [task] = wave["tasks"]
    await claim(client, picker, task["id"], kinds=["pick"], wave=wave["id"])
    device = await post(client, picker, "/api/devices", {"name": "RF-pick", "platform": "android"})
    url = f"/api/devices/{device['device']['id']}/mutations"
    intent = {"warehouse": "WH1", "task": task["id"], "item": gtin, "qty": 5, "tote": task["tote"]}
    batch = [
        {"mutation_id": 1, "kind": "pick.confirm", "payload": intent | {"location": "WH1-A01-01-1"}},
        {"mutation_id": 2, "kind": "pick.confirm", "payload": intent | {"location": bin_code}},
    ]
    first = await post(client, picker, url, batch, 200)
    again = await post(client, picker, url, batch, 200)
    outcomes = [(r["outcome"], r["result"].get("code")) for r in first["results"]]
    assert outcomes == [("rejected", "scan.wrong_location"), ("applied", None)]
    assert first["results"][1]["result"]["task"]["state"] == "done"
    assert all(r.get("replayed") for r in again["results"])
    assert (await _order_status(client, number))["status"] == "picked"
    await assert_inventory_invariants(db)


async def test_resolving_a_short_pick_closes_its_task_and_the_board_lists_it_as_done(
    client: Client, db: Sessions
) -> None:
    admin, sup = await auth_headers(client, "admin"), await auth_headers(client, "super1")
    receiver, picker = await auth_headers(client, "receiver1"), await auth_headers(client, "picker2")
    sku = await new_item(client, admin)
    gtin = await gtin_of(db, sku)
    await receive_and_put_away(client, db, sup=sup, receiver=receiver, sku=sku, qty=10, cost=120)
    wave = await _wave(client, sup, await _order(client, sku, 10))
    [task] = wave["tasks"]
    await claim(client, picker, task["id"], kinds=["pick"], wave=wave["id"])
    short = (await _pick(client, picker, task, gtin, 7))["short"]
    board = (await client.get("/api/warehouses/WH1/board", headers=sup)).json()
    assert {t["id"]: t["state"] for t in board["tasks"]}[task["id"]] == "exception"

    await post(
        client,
        sup,
        "/api/warehouses/WH1/exceptions/resolutions",
        {"id": short["exception"], "resolution": "counted"},
        200,
    )
    board = (await client.get("/api/warehouses/WH1/board", headers=sup)).json()
    listed = {t["id"]: t for t in board["tasks"]}
    assert (listed[task["id"]]["state"], listed[task["id"]]["qty_done"]) == ("done", 7)
    assert board["done_today"] >= sum(1 for t in board["tasks"] if t["state"] == "done") >= 1
    async with db() as session:
        completed = await session.scalar(
            text("SELECT count(*) FROM outbox_events WHERE type = 'task.completed' AND entity_id = :id"),
            {"id": str(task["id"])},
        )
    assert completed == 1
