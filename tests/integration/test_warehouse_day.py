"""A whole warehouse day over the API, and the books reconcile at the end of it.

Receive an ASN and put it away, take an order, release a wave, pick with scans (one bin comes up
short), count the short bin, pack and ship; then stock, valuation and GL all agree to the cent.
"""

from __future__ import annotations

import secrets

from tests.conftest import auth_headers, bearer, login
from tests.execution_helpers import (
    Client,
    Sessions,
    assert_ledger_invariants,
    gl_inventory,
    gtin_of,
    post,
    receive_and_put_away,
)
from tests.stock_helpers import assert_inventory_invariants, new_item, place

TASKS = "/api/warehouses/WH1/tasks"


async def test_a_day_of_receiving_picking_counting_and_shipping_reconciles(client: Client, db: Sessions) -> None:
    admin, sup = await auth_headers(client, "admin"), await auth_headers(client, "super1")
    receiver, rep = await auth_headers(client, "receiver1"), await auth_headers(client, "rep1")
    name = f"day-{secrets.token_hex(4)}"  # a worker of our own: no other test's task comes back to them
    user = {"username": name, "display_name": "Day shift", "roles": ["picker"], "warehouses": ["WH1"]}
    await post(client, admin, "/api/admin/users", user | {"password": "long-day-shift"})
    picker = bearer(await login(client, name, "long-day-shift"))
    sku = await new_item(client, admin, price=900)
    gtin = await gtin_of(db, sku)

    # morning: the ASN arrives and goes to a bin, at PO cost 300
    bin_code = await receive_and_put_away(client, db, sup=sup, receiver=receiver, sku=sku, qty=10, cost=300)
    order = (await place(client, rep, "CUST-022", [(sku, 10)])).json()
    assert order["status"] == "allocated", order
    price = order["lines"][0]["unit_price"]["amount"]

    # the wave: the bin holds only 7 of the 10 the system expects
    wave = await post(client, sup, "/api/warehouses/WH1/waves", {"orders": [order["number"]]})
    [task] = wave["tasks"]
    await post(client, sup, f"{TASKS}/{task['id']}/reassign", {"worker": name}, 200)
    for body in ({"scan": bin_code}, {"scan": gtin}, {"qty": 7}, {"scan": task["tote"]}):
        answer = await post(client, picker, f"{TASKS}/{task['id']}/scans", body, 200)
        if answer["prompt"]["step"] == "done":
            break
    short = answer["short"]
    assert (short["reallocated"], short["backordered"]) == (0, 3)

    # the short bin is counted blind: empty, so 3 units are written off at average cost
    await post(client, sup, f"{TASKS}/{short['count_task']}/reassign", {"worker": name}, 200)
    await post(client, picker, f"{TASKS}/{short['count_task']}/scans", {"scan": bin_code}, 200)
    await post(client, picker, f"/api/warehouses/WH1/counts/{short['count_task']}/finish", {}, 200)
    assert await gl_inventory(db, sku) == (7 * 300, 7 * 300, 7)

    # evening: pack the tote, ship, invoice what left
    await post(client, picker, f"/api/warehouses/WH1/orders/{order['number']}/pack", {})
    shipment = await post(client, sup, "/api/warehouses/WH1/shipments", {"orders": [order["number"]]})
    [shipped] = shipment["orders"]
    assert (shipped["status"], shipped["lines"][0]["shipped"]) == ("shipped", 7)
    assert await gl_inventory(db, sku) == (0, 0, 0)

    books = (await client.get("/api/ledger/trial-balance", params={"warehouse": "WH1"}, headers=sup)).json()
    assert books["balanced"] and books["inventory_reconciled"], books
    invoice = (
        await client.get(
            "/api/ledger/entries", params={"source_kind": "invoice", "source_id": order["number"]}, headers=sup
        )
    ).json()
    assert sum(line["debit"] for line in invoice[0]["lines"]) == 7 * price
    await assert_inventory_invariants(db)
    await assert_ledger_invariants(db)
