"""Replenishment over the API: pick faces below min get one task, guided moves reserve -> face, pick hooks."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import text

from tests.conftest import auth_headers, bearer, login
from tests.execution_helpers import Client, Sessions, assert_books, gtin_of, post
from tests.stock_helpers import add_stock, new_item, place

SCANS = "/api/warehouses/WH1/tasks/{}/scans"
PLAN = "/api/warehouses/WH1/replenishment"
FACES = "/api/warehouses/WH1/pick-faces"


async def _worker(client: Client, admin: dict[str, str]) -> dict[str, str]:
    """A worker of our own, so no other test's held tasks come back from 'next task'."""
    name = f"filler-{secrets.token_hex(4)}"
    body = {"username": name, "display_name": "Test filler", "roles": ["picker"], "warehouses": ["WH1"]}
    await post(client, admin, "/api/admin/users", body | {"password": "fill-it-up"})
    return bearer(await login(client, name, "fill-it-up"))


async def _face_and_reserve(
    client: Client, *, min_qty: int, max_qty: int, face_qty: int, reserve_qty: int
) -> tuple[dict[str, str], str, str, str, str]:
    """A zone of our own: a pick face of a fresh item and a reserve bin; returns (sup, zone, face, reserve, sku)."""
    admin, sup = await auth_headers(client, "admin"), await auth_headers(client, "super1")
    zone, prefix = f"Z{secrets.token_hex(3)}", secrets.token_hex(3).upper()
    face, reserve = f"{prefix}-P01-01-1", f"{prefix}-R09-01-1"
    await post(client, sup, "/api/warehouses/WH1/locations", {"code": face, "zone": zone, "kind": "pick_face"})
    await post(client, sup, "/api/warehouses/WH1/locations", {"code": reserve, "zone": zone, "kind": "storage", "x": 9})
    sku = await new_item(client, admin, price=300)
    limits = {"sku": sku, "min_qty": min_qty, "max_qty": max_qty}
    response = await client.put(f"{FACES}/{face}", headers=sup, json=limits)
    assert response.status_code == 200, response.text
    if face_qty:
        await add_stock(client, sup, sku, face, face_qty)
    await add_stock(client, sup, sku, reserve, reserve_qty)
    return sup, zone, face, reserve, sku


async def _replenish_tasks(db: Sessions, face: str) -> list[tuple[Any, ...]]:
    async with db() as session:
        rows = await session.execute(
            text(
                "SELECT t.id, l.code, t.qty, t.qty_done, t.state, t.priority, t.reason FROM tasks t"
                " JOIN locations l ON l.id = t.location_id JOIN locations f ON f.id = t.to_location_id"
                " WHERE t.kind = 'replenish' AND f.code = :f ORDER BY t.id"
            ),
            {"f": face},
        )
        return [tuple(r) for r in rows]


async def _on_hand(db: Sessions, location: str, sku: str) -> int:
    async with db() as session:
        qty = await session.scalar(
            text(
                "SELECT coalesce(sum(b.on_hand), 0) FROM stock_balances b JOIN locations l ON l.id = b.location_id"
                " JOIN items i ON i.id = b.item_id WHERE l.code = :l AND i.sku = :s"
            ),
            {"l": location, "s": sku},
        )
    return int(qty or 0)


async def test_face_below_min_gets_one_replenish_task(client: Client, db: Sessions) -> None:
    sup, _, face, reserve, sku = await _face_and_reserve(client, min_qty=10, max_qty=50, face_qty=4, reserve_qty=100)
    planned = await post(client, sup, PLAN, {"locations": [face]})
    [task] = planned["tasks"]
    assert (task["kind"], task["location"], task["to_location"], task["qty"]) == ("replenish", reserve, face, 46)
    assert (task["sku"], task["priority"], task["reason"]) == (sku, 50, "below_min")
    assert (await post(client, sup, PLAN, {"locations": [face]}))["tasks"] == []
    assert len(await _replenish_tasks(db, face)) == 1
    faces = (await client.get(FACES, headers=sup, params={"below_min": "false"})).json()
    [view] = [f for f in faces if f["location"] == face]
    assert (view["on_hand"], view["inbound"], view["below_min"]) == (4, 46, False)
    await assert_books(db)


async def test_replenish_task_moves_reserve_stock_to_the_face(client: Client, db: Sessions) -> None:
    admin = await auth_headers(client, "admin")
    sup, zone, face, reserve, sku = await _face_and_reserve(client, min_qty=10, max_qty=50, face_qty=4, reserve_qty=100)
    [task] = (await post(client, sup, PLAN, {"locations": [face]}))["tasks"]
    worker = await _worker(client, admin)
    claimed = await post(
        client, worker, "/api/warehouses/WH1/tasks/next", {"kinds": ["replenish"], "zones": [zone]}, 200
    )
    assert claimed["task"]["id"] == task["id"] and claimed["prompt"]["step"] == "location"
    wrong = await client.post(SCANS.format(task["id"]), headers=worker, json={"scan": face})
    assert (wrong.status_code, wrong.json()["code"]) == (422, "scan.wrong_location")
    await post(client, worker, SCANS.format(task["id"]), {"scan": reserve}, 200)
    at_qty = await post(client, worker, SCANS.format(task["id"]), {"scan": await gtin_of(db, sku)}, 200)
    assert at_qty["prompt"]["step"] == "quantity"
    too_many = await client.post(SCANS.format(task["id"]), headers=worker, json={"qty": 47})
    assert (too_many.status_code, too_many.json()["code"]) == (422, "replenish.qty_out_of_range")
    to_face = await post(client, worker, SCANS.format(task["id"]), {"qty": 46}, 200)
    assert (to_face["prompt"]["step"], to_face["prompt"]["to_location"]) == ("to_location", face)
    done = await post(client, worker, SCANS.format(task["id"]), {"scan": face}, 200)
    assert (done["task"]["state"], done["task"]["qty_done"], done["moved"]) == ("done", 46, 46)
    assert (await _on_hand(db, face, sku), await _on_hand(db, reserve, sku)) == (50, 54)
    async with db() as session:
        moves = (
            await session.scalars(
                text(
                    "SELECT m.reason FROM stock_movements m JOIN stock_balances b ON b.id = m.balance_id"
                    " JOIN items i ON i.id = b.item_id WHERE i.sku = :s AND m.source_document = :d"
                ),
                {"s": sku, "d": f"replenish:{task['id']}"},
            )
        ).all()
        completed = await session.scalar(
            text("SELECT count(*) FROM outbox_events WHERE type = 'task.completed' AND entity_id = :t"),
            {"t": str(task["id"])},
        )
    assert moves == ["move", "move"] and completed == 1
    # the face is full again: nothing more to plan
    assert (await post(client, sup, PLAN, {"locations": [face]}))["tasks"] == []
    await assert_books(db)


async def test_taking_less_than_asked_finishes_and_counts_the_reserve(client: Client, db: Sessions) -> None:
    admin = await auth_headers(client, "admin")
    sup, zone, face, reserve, sku = await _face_and_reserve(client, min_qty=5, max_qty=20, face_qty=0, reserve_qty=30)
    [task] = (await post(client, sup, PLAN, {"locations": [face]}))["tasks"]
    assert task["qty"] == 20
    worker = await _worker(client, admin)
    await post(client, worker, "/api/warehouses/WH1/tasks/next", {"kinds": ["replenish"], "zones": [zone]}, 200)
    for body in ({"scan": reserve}, {"scan": await gtin_of(db, sku)}, {"qty": 15}):
        await post(client, worker, SCANS.format(task["id"]), body, 200)
    done = await post(client, worker, SCANS.format(task["id"]), {"scan": face}, 200)
    assert (done["task"]["state"], done["moved"]) == ("done", 15)
    async with db() as session:
        count = (
            await session.execute(
                text(
                    "SELECT t.kind, t.state, l.code, t.reason FROM tasks t JOIN locations l ON l.id = t.location_id"
                    " WHERE t.id = :id"
                ),
                {"id": done["count_task"]},
            )
        ).one()
    assert tuple(count) == ("count", "open", reserve, "replenish_short")
    assert (await _on_hand(db, face, sku), await _on_hand(db, reserve, sku)) == (15, 15)
    await assert_books(db)


async def _order(client: Client, sku: str, qty: int) -> str:
    response = await place(client, await auth_headers(client, "rep1"), "CUST-020", [(sku, qty)])
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "allocated", response.json()
    return str(response.json()["number"])


async def test_a_pick_that_leaves_a_face_below_min_plans_its_replenishment(client: Client, db: Sessions) -> None:
    admin = await auth_headers(client, "admin")
    sup, _, face, reserve, sku = await _face_and_reserve(client, min_qty=10, max_qty=50, face_qty=12, reserve_qty=100)
    number = await _order(client, sku, 5)
    wave = await post(client, sup, "/api/warehouses/WH1/waves", {"orders": [number]})
    [pick] = wave["tasks"]
    assert pick["location"] == face
    assert await _replenish_tasks(db, face) == []  # 12 on hand covers the pick and the min
    picker = await _worker(client, admin)
    await post(client, picker, "/api/warehouses/WH1/tasks/next", {"kinds": ["pick"], "wave": wave["id"]}, 200)
    for body in ({"scan": face}, {"scan": await gtin_of(db, sku)}, {"qty": 5}, {"scan": pick["tote"]}):
        answer = await post(client, picker, SCANS.format(pick["id"]), body, 200)
    assert answer["task"]["state"] == "done"
    [(_, source, qty, _, state, _, reason)] = await _replenish_tasks(db, face)
    assert (source, qty, state, reason) == (reserve, 43, "open", "below_min")
    await assert_books(db)


async def test_wave_release_replenishes_a_face_already_below_min(client: Client, db: Sessions) -> None:
    sup, _, face, reserve, sku = await _face_and_reserve(client, min_qty=10, max_qty=50, face_qty=8, reserve_qty=100)
    number = await _order(client, sku, 3)
    await post(client, sup, "/api/warehouses/WH1/waves", {"orders": [number]})
    [(_, source, qty, _, state, _, _)] = await _replenish_tasks(db, face)
    assert (source, qty, state) == (reserve, 42, "open")
    await assert_books(db)


async def test_bad_replenishment_input_is_refused_and_writes_nothing(client: Client, db: Sessions) -> None:
    sup, _, face, reserve, sku = await _face_and_reserve(client, min_qty=10, max_qty=50, face_qty=4, reserve_qty=100)
    for url, body, status, code in (
        (f"{FACES}/{face}", {"sku": sku, "min_qty": 50, "max_qty": 10}, 422, "location.invalid_limits"),
        (f"{FACES}/{reserve}", {"sku": sku, "min_qty": 1, "max_qty": 10}, 422, "replenishment.not_pick_face"),
        (f"{FACES}/{face}", {"sku": "NO-SUCH-SKU", "min_qty": 1, "max_qty": 10}, 422, "item.unknown"),
    ):
        response = await client.put(url, headers=sup, json=body)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert (response.status_code, response.json()["code"]) == (status, code), response.text
    unknown = await client.post(PLAN, headers=sup, json={"locations": [face, "NOPE-Z99-99-9"]})
    assert (unknown.status_code, unknown.json()["code"]) == (422, "location.unknown")
    picker = await client.post(PLAN, headers=await auth_headers(client, "picker1"), json={})
    assert (picker.status_code, picker.json()["code"]) == (403, "auth.forbidden")
    assert await _replenish_tasks(db, face) == []
    faces = (await client.get(FACES, headers=sup, params={"below_min": "true"})).json()
    [view] = [f for f in faces if f["location"] == face]
    assert (view["min_qty"], view["max_qty"], view["sku"]) == (10, 50, sku)
