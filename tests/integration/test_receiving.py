"""Receiving an ASN by pallet and by line, variances, putaway, and the GRNI postings at moving average."""

from __future__ import annotations

from sqlalchemy import text

from tests.conftest import auth_headers
from tests.execution_helpers import (
    Client,
    Sessions,
    asn,
    claim,
    gl_inventory,
    gtin_of,
    new_sscc,
    post,
    purchase,
    receive_and_put_away,
    run_task,
    unbalanced_entries,
)
from tests.stock_helpers import assert_inventory_invariants, atp, new_item


async def test_receiving_a_pallet_and_a_line_books_stock_posts_grni_and_plans_putaway(
    client: Client, db: Sessions
) -> None:
    admin, sup = await auth_headers(client, "admin"), await auth_headers(client, "super1")
    receiver = await auth_headers(client, "receiver1")
    sku = await new_item(client, admin, lot_tracked=True)
    gtin = await gtin_of(db, sku)
    po = await purchase(client, sup, [(sku, 100, 250)])
    sscc = new_sscc()
    await asn(
        client,
        sup,
        po,
        pallets=[
            {"sscc": sscc, "lines": [{"po_line": 1, "sku": sku, "qty": 60, "lot": "LA", "expires_on": "2027-03-01"}]}
        ],
        lines=[{"po_line": 1, "sku": sku, "qty": 40, "lot": "LB", "expires_on": "2027-04-01"}],
    )
    receipt = await post(client, receiver, "/api/warehouses/WH1/receipts", {"scan": sscc, "dock": "WH1-DOCK-02"})
    assert receipt["status"] == "open"
    assert {p["sscc"] for p in receipt["pallets"]} == {sscc}
    url = f"/api/warehouses/WH1/receipts/{receipt['id']}"
    await post(client, receiver, f"{url}/lines", {"pallet": sscc})
    again = await client.post(f"{url}/lines", headers=receiver, json={"pallet": sscc})
    assert again.status_code == 409
    assert again.json()["code"] == "receiving.pallet_already_received"
    no_lot = await client.post(f"{url}/lines", headers=receiver, json={"item": gtin, "qty": 1})
    assert no_lot.json()["code"] == "scan.lot_required"
    # the line arrives 3 short and 2 damaged: GS1 label with lot and expiry, counted on the handheld
    label = f"01{gtin.zfill(14)}17270401" + "10LB"
    line = await post(
        client, receiver, f"{url}/lines", {"item": label, "qty": 35, "damaged_qty": 2, "damage_reason": "crushed"}
    )
    assert [r["qty"] for r in line["received"]] == [60, 35]
    assert (await atp(client, sup, sku))["quarantined"] == 2
    closed = await post(client, receiver, f"{url}/close", {})
    kinds = sorted(v["kind"] for v in closed["variances"])
    assert kinds == ["damaged", "short"]
    assert len(closed["exceptions"]) == 2
    tasks = closed["putaway_tasks"]
    assert sorted(t["qty"] for t in tasks) == [35, 60]
    assert all(t["kind"] == "putaway" and t["location"] == "WH1-DOCK-02" for t in tasks)
    # GL: 97 units x 250 on Inventory against GRNI; the valuation agrees
    assert await gl_inventory(db, sku) == (97 * 250, 97 * 250, 97)
    async with db() as session:
        po_line = (
            await session.execute(
                text(
                    "SELECT l.qty_received, l.open_qty FROM purchase_order_lines l"
                    " JOIN purchase_orders p ON p.id = l.po_id WHERE p.number = :n"
                ),
                {"n": po},
            )
        ).one()
        exceptions = await session.scalar(
            text("SELECT count(*) FROM exceptions WHERE subject = :s AND kind = 'receipt_variance'"),
            {"s": f"receipt:{receipt['number']}"},
        )
    assert tuple(po_line) == (97, 3)
    assert exceptions == 2
    # put both away through guided scans
    for task in sorted(tasks, key=lambda t: t["id"]):
        await claim(client, receiver, task["id"], kinds=["putaway"])
        lot = "LA" if task["qty"] == 60 else "LB"
        done = await run_task(
            client,
            receiver,
            task,
            [{"scan": "WH1-DOCK-02"}, {"scan": f"(01){gtin.zfill(14)}(10){lot}"}, {"scan": task["to_location"]}],
        )
        assert done["task"]["state"] == "done"
        assert done["put_away"] == {"location": task["to_location"], "qty": task["qty"]}
    stock_now = await atp(client, sup, sku)
    assert stock_now["available_now"] == 95
    assert await unbalanced_entries(db) == []
    await assert_inventory_invariants(db)


async def test_a_second_receipt_moves_the_average_cost(client: Client, db: Sessions) -> None:
    admin, sup = await auth_headers(client, "admin"), await auth_headers(client, "super1")
    receiver = await auth_headers(client, "receiver1")
    sku = await new_item(client, admin)
    await receive_and_put_away(client, db, sup=sup, receiver=receiver, sku=sku, qty=10, cost=100)
    await receive_and_put_away(client, db, sup=sup, receiver=receiver, sku=sku, qty=30, cost=200)
    assert await gl_inventory(db, sku) == (10 * 100 + 30 * 200, 7000, 40)
    async with db() as session:
        qty, value = (
            await session.execute(
                text("SELECT v.qty, v.value FROM item_valuations v JOIN items i ON i.id = v.item_id WHERE i.sku = :s"),
                {"s": sku},
            )
        ).one()
    assert (qty, value) == (40, 7000)  # average 175
    await assert_inventory_invariants(db)


async def test_putaway_to_another_bin_needs_a_confirming_rescan(client: Client, db: Sessions) -> None:
    admin, sup = await auth_headers(client, "admin"), await auth_headers(client, "super1")
    receiver = await auth_headers(client, "receiver1")
    sku = await new_item(client, admin)
    gtin = await gtin_of(db, sku)
    po = await purchase(client, sup, [(sku, 5, 100)])
    number = await asn(client, sup, po, lines=[{"po_line": 1, "sku": sku, "qty": 5}])
    receipt = await post(client, receiver, "/api/warehouses/WH1/receipts", {"scan": number, "dock": "WH1-DOCK-03"})
    url = f"/api/warehouses/WH1/receipts/{receipt['id']}"
    await post(client, receiver, f"{url}/lines", {"item": gtin, "qty": 5})
    [task] = (await post(client, receiver, f"{url}/close", {}))["putaway_tasks"]
    await claim(client, receiver, task["id"], kinds=["putaway"])
    wrong = await client.post(
        f"/api/warehouses/WH1/tasks/{task['id']}/scans", headers=receiver, json={"scan": "WH1-DOCK-01"}
    )
    assert wrong.status_code == 422
    assert wrong.json()["code"] == "scan.wrong_location"
    other = "WH1-R06-01-4"
    answer = await run_task(client, receiver, task, [{"scan": "WH1-DOCK-03"}, {"scan": gtin}, {"scan": other}])
    assert answer["prompt"]["step"] == "confirm_location"
    assert answer["task"]["state"] == "in_progress"
    done = await run_task(client, receiver, task, [{"scan": other}])
    assert done["task"]["state"] == "done"
    assert done["put_away"]["location"] == other
    await assert_inventory_invariants(db)
