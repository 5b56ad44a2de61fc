"""A pick task another picker began and left (lease lapsed) starts again at the bin for its new holder:
the prompt and the scan check agree (found by the scan benchmark)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from tests.conftest import auth_headers
from tests.execution_helpers import Client, Sessions, claim, gtin_of, post, receive_and_put_away
from tests.stock_helpers import assert_inventory_invariants, new_item, place

SCANS = "/api/warehouses/WH1/tasks/{}/scans"


async def test_a_lapsed_half_scanned_pick_restarts_at_the_bin_for_the_next_picker(client: Client, db: Sessions) -> None:
    admin, sup = await auth_headers(client, "admin"), await auth_headers(client, "super1")
    receiver = await auth_headers(client, "receiver1")
    first, second = await auth_headers(client, "picker1"), await auth_headers(client, "picker2")
    sku = await new_item(client, admin)
    gtin = await gtin_of(db, sku)
    bin_code = await receive_and_put_away(client, db, sup=sup, receiver=receiver, sku=sku, qty=6, cost=100)
    order = await place(client, await auth_headers(client, "rep1"), "CUST-020", [(sku, 3)])
    assert order.status_code == 201, order.text
    wave: dict[str, Any] = await post(client, sup, "/api/warehouses/WH1/waves", {"orders": [order.json()["number"]]})
    [task] = wave["tasks"]
    await claim(client, first, task["id"], kinds=["pick"], wave=wave["id"])
    for body in ({"scan": bin_code}, {"scan": gtin}):
        assert (await client.post(SCANS.format(task["id"]), headers=first, json=body)).status_code == 200
    async with db() as session, session.begin():  # the first picker walked away: the lease has run out
        await session.execute(
            text("UPDATE tasks SET lease_expires_at = now() - interval '1 minute' WHERE id = :id"), {"id": task["id"]}
        )
    answer = await claim(client, second, task["id"], kinds=["pick"], wave=wave["id"])
    assert answer["prompt"]["step"] == "location"
    at_bin = await client.post(SCANS.format(task["id"]), headers=second, json={"scan": bin_code})
    assert at_bin.status_code == 200, at_bin.text
    assert at_bin.json()["prompt"]["step"] == "item"
    for body in ({"scan": gtin}, {"qty": 3}, {"scan": task["tote"]}):
        done = await client.post(SCANS.format(task["id"]), headers=second, json=body)
        assert done.status_code == 200, done.text
    assert done.json()["task"]["state"] == "done"
    await assert_inventory_invariants(db)
