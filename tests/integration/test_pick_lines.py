"""A pick line in one request: every scan checked as the guided flow checks it, the line confirmed in
one transaction, the next task answered; offline devices take the same path."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

from sqlalchemy import text

from tests.conftest import auth_headers, bearer, login, new_key
from tests.execution_helpers import Client, Sessions, gl_inventory, gtin_of, post
from tests.stock_helpers import add_stock, assert_inventory_invariants, fresh_gtin, new_item, place

CONFIRM = "/api/warehouses/WH1/tasks/{}/confirm"


async def named_picker(client: Client) -> tuple[str, dict[str, str]]:
    """A picker of WH1 of this test's own, so no other test's held tasks come back on a claim."""
    admin = await auth_headers(client, "admin")
    name = f"lp{secrets.token_hex(4)}"
    body = {"username": name, "display_name": name, "roles": ["picker"], "warehouses": ["WH1"], "password": "x" * 16}
    await post(client, admin, "/api/admin/users", body)
    return name, bearer(await login(client, name, "x" * 16))


async def new_picker(client: Client) -> dict[str, str]:
    return (await named_picker(client))[1]


async def released_trip(
    client: Client, lines: list[tuple[str, int]], picker: dict[str, str]
) -> tuple[str, list[dict[str, Any]], dict[str, Any]]:
    """An order of ``lines``, released as a wave and claimed by ``picker``: (order, trip, claim answer)."""
    rep, sup = await auth_headers(client, "rep1"), await auth_headers(client, "super1")
    response = await place(client, rep, "CUST-020", lines)
    assert response.status_code == 201, response.text
    number = response.json()["number"]
    wave = await post(client, sup, "/api/warehouses/WH1/waves", {"orders": [number]})
    claimed = await post(client, picker, "/api/warehouses/WH1/tasks/next", {"kinds": ["pick"], "wave": wave["id"]}, 200)
    assert len(claimed["trip"]) == len(lines), claimed
    return number, claimed["trip"], claimed


async def stocked(client: Client, qty: int, *, lot: str = "", **item: Any) -> tuple[str, str]:
    """A fresh item with ``qty`` in one bin; (sku, bin)."""
    admin, sup = await auth_headers(client, "admin"), await auth_headers(client, "super1")
    sku = await new_item(client, admin, **item)
    spot = f"WH1-R0{secrets.randbelow(6) + 1}-{secrets.randbelow(10) + 1:02d}-{secrets.randbelow(3) + 2}"
    await add_stock(client, sup, sku, spot, qty, lot=lot, expires_on="2030-01-01" if lot else None)
    return sku, spot


def line(task: dict[str, Any], gtin: str, *, qty: int | None = None, lot: str | None = None) -> dict[str, Any]:
    item = f"(01){gtin.zfill(14)}(10){lot}" if lot else gtin
    picked = task["qty"] if qty is None else qty
    return {"location": task["location"], "item": item, "qty": picked, "tote": task["tote"]}


async def confirm(client: Client, picker: dict[str, str], task: dict[str, Any], body: dict[str, Any]) -> Any:
    return await client.post(CONFIRM.format(task["id"]), headers=picker | {"Idempotency-Key": new_key()}, json=body)


async def order_status(client: Client, number: str) -> str:
    response = await client.get(f"/api/orders/{number}", headers=await auth_headers(client, "super1"))
    return str(response.json()["status"])


async def writes(db: Sessions, task_id: int, sku: str) -> tuple[Any, ...]:
    """What a confirm would change: the task row, the item's movements and balances, the task's events."""
    async with db() as session:
        row = (
            await session.execute(
                text(
                    "SELECT t.state, t.version, t.qty_done,"
                    " (SELECT count(*) FROM stock_movements m JOIN stock_balances b ON b.id = m.balance_id"
                    "   JOIN items i ON i.id = b.item_id WHERE i.sku = :sku),"
                    " (SELECT array_agg(b.on_hand || '/' || b.allocated ORDER BY b.id) FROM stock_balances b"
                    "   JOIN items i ON i.id = b.item_id WHERE i.sku = :sku),"
                    " (SELECT count(*) FROM outbox_events WHERE entity_id = :ref)"
                    " FROM tasks t WHERE t.id = :id"
                ),
                {"id": task_id, "ref": str(task_id), "sku": sku},
            )
        ).one()
    return tuple(row)


async def pick_movements(db: Sessions, sku: str) -> int:
    async with db() as session:
        moved = await session.scalar(
            text(
                "SELECT count(*) FROM stock_movements m JOIN stock_balances b ON b.id = m.balance_id"
                " JOIN items i ON i.id = b.item_id WHERE i.sku = :s AND m.reason = 'pick'"
            ),
            {"s": sku},
        )
    return int(moved or 0)


async def test_a_line_is_confirmed_in_one_request_and_the_answer_carries_the_next_task(
    client: Client, db: Sessions
) -> None:
    picker = await new_picker(client)
    (sku_a, bin_a), (sku_b, bin_b) = await stocked(client, 20), await stocked(client, 20)
    number, trip, claimed = await released_trip(client, [(sku_a, 3), (sku_b, 2)], picker)
    first, second = trip
    manifest = claimed["task"]["manifest"]
    assert manifest["location"] == {"code": first["location"], "barcodes": [first["location"]]}
    assert manifest["qty_max"] == first["qty"] and manifest["tote"]["code"] == first["tote"]
    assert manifest["accepted_gtins"] == claimed["task"]["accepted_gtins"] != []
    assert manifest["lot"]["required"] is False
    gtins = {t["sku"]: await gtin_of(db, t["sku"]) for t in trip}

    done = await confirm(client, picker, first, line(first, gtins[first["sku"]]))
    assert done.status_code == 200, done.text
    answer = done.json()
    assert (answer["task"]["state"], answer["picked"], answer["prompt"]["step"]) == ("done", first["qty"], "done")
    assert answer["next"]["task"]["id"] == second["id"]
    assert answer["next"]["prompt"]["step"] == "location"
    assert answer["next"]["task"]["manifest"]["sku"] == second["sku"]
    assert answer["next"]["task"]["manifest"]["accepted_gtins"][0]["gtin"] == gtins[second["sku"]]
    assert await order_status(client, number) == "picking"

    last = (await confirm(client, picker, second, line(second, gtins[second["sku"]]))).json()
    assert (last["task"]["state"], last["next"]) == ("done", None)
    assert await order_status(client, number) == "picked"
    async with db() as session:
        staged = await session.scalar(
            text(
                "SELECT b.on_hand || '/' || b.allocated FROM stock_balances b JOIN locations l ON l.id = b.location_id"
                " JOIN items i ON i.id = b.item_id WHERE i.sku = :s AND l.kind = 'staging'"
            ),
            {"s": first["sku"]},
        )
        completed = await session.scalar(
            text("SELECT count(*) FROM outbox_events WHERE type = 'task.completed' AND entity_id = :id"),
            {"id": str(first["id"])},
        )
    assert (staged, completed) == (f"{first['qty']}/{first['qty']}", 1)
    assert {t["sku"]: t["location"] for t in trip} == {sku_a: bin_a, sku_b: bin_b}
    await assert_inventory_invariants(db)


async def test_each_wrong_scan_is_refused_with_the_guided_flows_code_and_nothing_is_written(
    client: Client, db: Sessions
) -> None:
    picker = await new_picker(client)
    sku, _ = await stocked(client, 10, lot_tracked=True, lot="L-77")
    other, _ = await stocked(client, 10)
    _, [task], _ = await released_trip(client, [(sku, 4)], picker)
    gtin, other_gtin = await gtin_of(db, sku), await gtin_of(db, other)
    good = line(task, gtin, lot="L-77")
    wrong = {
        "scan.wrong_location": good | {"location": "WH1-A01-01-1"},
        "scan.wrong_item": good | {"item": other_gtin},
        "scan.unknown_item": good | {"item": fresh_gtin()},
        "scan.lot_required": good | {"item": gtin},
        "scan.wrong_lot": line(task, gtin, lot="L-78"),
        "pick.qty_exceeds_task": good | {"qty": 5},
        "scan.wrong_tote": good | {"tote": "TOTE-99999"},
        "scan.empty": good | {"tote": None},
    }
    before = await writes(db, task["id"], sku)
    for code, body in wrong.items():
        response = await confirm(client, picker, task, body)
        assert (response.status_code, response.json()["code"]) in {(422, code), (409, code)}, (code, response.text)
        assert await writes(db, task["id"], sku) == before, code
    other_picker = await new_picker(client)
    taken = await confirm(client, other_picker, task, good)
    assert (taken.status_code, taken.json()["code"]) == (409, "task.not_claimed_by_worker"), taken.text
    assert await writes(db, task["id"], sku) == before
    assert (await confirm(client, picker, task, good)).json()["task"]["state"] == "done"
    await assert_inventory_invariants(db)


async def test_a_short_line_takes_the_short_pick_path(client: Client, db: Sessions) -> None:
    picker = await new_picker(client)
    sku, _ = await stocked(client, 10)
    number, [task], _ = await released_trip(client, [(sku, 10)], picker)
    answer = (await confirm(client, picker, task, line(task, await gtin_of(db, sku), qty=7))).json()
    assert (answer["task"]["state"], answer["picked"]) == ("exception", 7)
    assert answer["short"]["exception"] and answer["short"]["count_task"]
    assert answer["short"]["backordered"] == 3
    assert await order_status(client, number) in ("picked", "backordered", "partially_allocated")
    await assert_inventory_invariants(db)


async def test_two_confirms_of_one_line_at_once_move_the_stock_once(client: Client, db: Sessions) -> None:
    picker = await new_picker(client)
    sku, _ = await stocked(client, 10, price=400)
    number, [task], _ = await released_trip(client, [(sku, 6)], picker)
    body = line(task, await gtin_of(db, sku))
    first, second = await asyncio.gather(confirm(client, picker, task, body), confirm(client, picker, task, body))
    assert sorted([first.status_code, second.status_code])[0] == 200
    assert sorted([first.status_code, second.status_code])[1] in (409, 422)
    refused = second if second.status_code != 200 else first
    assert refused.json()["code"] == "task.invalid_transition", refused.text
    assert await pick_movements(db, sku) == 2  # out of the bin, into staging: once
    assert await order_status(client, number) == "picked"
    on_hand = (await gl_inventory(db, sku))[2]
    assert on_hand == 10
    await assert_inventory_invariants(db)


async def test_a_device_mutation_confirms_the_line_once_through_the_same_path(client: Client, db: Sessions) -> None:
    picker = await new_picker(client)
    sku, _ = await stocked(client, 8)
    sku2, _ = await stocked(client, 8)
    number, trip, _ = await released_trip(client, [(sku, 5), (sku2, 1)], picker)
    task = trip[0]
    device = await post(client, picker, "/api/devices", {"name": "RF-line", "platform": "android"})
    url = f"/api/devices/{device['device']['id']}/mutations"
    payload = {"warehouse": "WH1", "task": task["id"], **line(task, await gtin_of(db, task["sku"]))}
    batch = [{"mutation_id": 1, "kind": "pick.confirm", "payload": payload}]
    first = await post(client, picker, url, batch, 200)
    after_first = await writes(db, task["id"], task["sku"])
    again = await post(client, picker, url, batch, 200)
    [applied], [replayed] = first["results"], again["results"]
    assert (applied["outcome"], applied["result"]["task"]["state"]) == ("applied", "done")
    assert applied["result"]["next"]["task"]["id"] == trip[1]["id"]
    assert replayed["replayed"] and replayed["result"] == applied["result"]
    assert await writes(db, task["id"], task["sku"]) == after_first
    assert await pick_movements(db, task["sku"]) == 2
    assert await order_status(client, number) == "picking"
    await assert_inventory_invariants(db)


async def test_the_last_lines_of_an_order_confirmed_at_once_by_two_pickers_leave_it_picked(
    client: Client, db: Sessions
) -> None:
    picker = await new_picker(client)
    other_name, other = await named_picker(client)
    items = [await stocked(client, 10), await stocked(client, 10)]
    number, trip, _ = await released_trip(client, [(sku, 2) for sku, _ in items], picker)
    sup = await auth_headers(client, "super1")
    reassign = f"/api/warehouses/WH1/tasks/{trip[1]['id']}/reassign"
    await post(client, sup, reassign, {"worker": other_name}, 200)
    bodies = [line(t, await gtin_of(db, t["sku"])) for t in trip]
    answers = await asyncio.gather(
        confirm(client, picker, trip[0], bodies[0]), confirm(client, other, trip[1], bodies[1])
    )
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    assert await order_status(client, number) == "picked"
    await assert_inventory_invariants(db)


async def test_a_line_begun_with_guided_scans_is_finished_offline_with_the_sku_it_was_shown(
    client: Client, db: Sessions
) -> None:
    picker = await new_picker(client)
    sku, _ = await stocked(client, 6, lot_tracked=True, lot="L-5")
    _, [task], _ = await released_trip(client, [(sku, 3)], picker)
    scans = f"/api/warehouses/WH1/tasks/{task['id']}/scans"
    await post(client, picker, scans, {"scan": task["location"]}, 200)
    await post(client, picker, scans, {"scan": f"(01){(await gtin_of(db, sku)).zfill(14)}(10)L-5"}, 200)
    device = await post(client, picker, "/api/devices", {"name": "RF-mixed", "platform": "android"})
    payload = {"warehouse": "WH1", "task": task["id"], "location": task["location"], "item": sku, "qty": 3}
    batch = [{"mutation_id": 1, "kind": "pick.confirm", "payload": payload | {"tote": task["tote"]}}]
    [result] = (await post(client, picker, f"/api/devices/{device['device']['id']}/mutations", batch, 200))["results"]
    assert (result["outcome"], result["result"]["task"]["state"]) == ("applied", "done"), result
    assert await pick_movements(db, sku) == 2
