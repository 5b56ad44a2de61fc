"""Packing and ship-confirm over the API: SSCC units, stock out, COGS and invoice postings."""

from __future__ import annotations

from sqlalchemy import text

from scanners.gs1 import has_valid_check_digit
from tests.conftest import auth_headers, new_key
from tests.execution_helpers import (
    Client,
    Sessions,
    assert_ledger_invariants,
    gl_inventory,
    picked_orders,
    post,
)
from tests.stock_helpers import assert_inventory_invariants


async def test_a_picked_order_is_packed_shipped_and_posted(client: Client, db: Sessions) -> None:
    sup, picker = await auth_headers(client, "super1"), await auth_headers(client, "picker1")
    sku, (wave, order) = await picked_orders(client, db, qtys=[8])
    number = order["number"]
    unit_price = order["lines"][0]["unit_price"]["amount"]
    unit = await post(client, picker, f"/api/warehouses/WH1/orders/{number}/pack", {})
    assert unit["totes"] == [wave["tasks"][0]["tote"]]
    assert len(unit["sscc"]) == 18 and has_valid_check_digit(unit["sscc"])
    shipment = await post(client, sup, "/api/warehouses/WH1/shipments", {"orders": [number], "carrier": "DHL"})
    [shipped] = shipment["orders"]
    assert shipped["status"] == "shipped"
    assert shipped["shipment"] == shipment["id"]
    assert shipped["lines"][0]["shipped"] == 8
    # stock left the building: 12 remain, all valued at 300, and the GL agrees
    assert await gl_inventory(db, sku) == (12 * 300, 12 * 300, 12)
    invoice = (
        await client.get("/api/ledger/entries", params={"source_kind": "invoice", "source_id": number}, headers=sup)
    ).json()
    assert [(ln["account"], ln["debit"], ln["credit"]) for ln in invoice[0]["lines"]] == [
        ("4000", 0, 8 * unit_price),
        ("1200", 8 * unit_price, 0),
    ]
    cogs = (
        await client.get(
            "/api/ledger/entries", params={"source_kind": "shipment", "source_id": shipment["id"]}, headers=sup
        )
    ).json()
    assert [(ln["account"], ln["debit"], ln["credit"]) for ln in cogs[0]["lines"]] == [
        ("5000", 8 * 300, 0),
        ("1300", 0, 8 * 300),
    ]
    books = (await client.get("/api/ledger/trial-balance", params={"warehouse": "WH1"}, headers=sup)).json()
    assert books["balanced"] and books["inventory_reconciled"], books
    units = (await client.get(f"/api/warehouses/WH1/orders/{number}/shipping-units", headers=sup)).json()
    assert units[0]["shipment"] == shipment["id"]
    async with db() as session:
        events = await session.scalar(
            text("SELECT count(*) FROM outbox_events WHERE type = 'shipment.confirmed' AND entity_id = :id"),
            {"id": shipment["id"]},
        )
    assert events == 1
    await assert_inventory_invariants(db)
    await assert_ledger_invariants(db)


async def test_shipping_an_unpacked_order_is_refused_and_writes_nothing(client: Client, db: Sessions) -> None:
    sup = await auth_headers(client, "super1")
    sku, (_, order) = await picked_orders(client, db, qtys=[3])
    before = await gl_inventory(db, sku)
    refused = await client.post(
        "/api/warehouses/WH1/shipments",
        headers=sup | {"Idempotency-Key": new_key()},
        json={"orders": [order["number"]]},
    )
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "shipping.not_packed"
    status = (await client.get(f"/api/orders/{order['number']}", headers=sup)).json()["status"]
    assert status == "picked"
    assert await gl_inventory(db, sku) == before


async def test_packing_a_tote_of_another_order_is_refused(client: Client, db: Sessions) -> None:
    picker = await auth_headers(client, "picker1")
    _, (wave, first, second) = await picked_orders(client, db, qtys=[2, 3])
    theirs = next(t["tote"] for t in wave["tasks"] if t["order"] == second["number"])
    refused = await client.post(
        f"/api/warehouses/WH1/orders/{first['number']}/pack",
        headers=picker | {"Idempotency-Key": new_key()},
        json={"totes": [theirs]},
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "shipping.wrong_tote"


async def test_a_whole_wave_ships_in_one_confirm(client: Client, db: Sessions) -> None:
    sup, picker = await auth_headers(client, "super1"), await auth_headers(client, "picker1")
    sku, (wave, *orders) = await picked_orders(client, db, qtys=[2, 5])
    for order in orders:
        await post(client, picker, f"/api/warehouses/WH1/orders/{order['number']}/pack", {})
    shipment = await post(client, sup, "/api/warehouses/WH1/shipments", {"wave": wave["id"]})
    assert sorted(o["number"] for o in shipment["orders"]) == sorted(o["number"] for o in orders)
    assert {o["status"] for o in shipment["orders"]} == {"shipped"}
    assert await gl_inventory(db, sku) == (13 * 300, 13 * 300, 13)
    again = await client.post(
        "/api/warehouses/WH1/shipments", headers=sup | {"Idempotency-Key": new_key()}, json={"wave": wave["id"]}
    )
    assert again.json()["code"] == "shipping.nothing_to_ship"
    await assert_ledger_invariants(db)


async def test_an_invoice_is_corrected_by_reversal_once_and_stock_entries_are_not(client: Client, db: Sessions) -> None:
    admin, sup, picker = [await auth_headers(client, u) for u in ("admin", "super1", "picker1")]
    _, (_, order) = await picked_orders(client, db, qtys=[1])
    await post(client, picker, f"/api/warehouses/WH1/orders/{order['number']}/pack", {})
    shipment = await post(client, sup, "/api/warehouses/WH1/shipments", {"orders": [order["number"]]})
    reversal = await post(client, admin, "/api/ledger/reversals", {"entry": f"INV-{order['number']}"})
    assert reversal["reverses"] == f"INV-{order['number']}"
    assert [(ln["account"], ln["debit"] > 0) for ln in reversal["lines"]] == [("4000", True), ("1200", False)]
    twice = await client.post(
        "/api/ledger/reversals",
        headers=admin | {"Idempotency-Key": new_key()},
        json={"entry": f"INV-{order['number']}"},
    )
    assert twice.json()["code"] == "ledger.already_reversed"
    cogs = (
        await client.get(
            "/api/ledger/entries", params={"source_kind": "shipment", "source_id": shipment["id"]}, headers=sup
        )
    ).json()
    refused = await client.post(
        "/api/ledger/reversals", headers=admin | {"Idempotency-Key": new_key()}, json={"entry": cogs[0]["id"]}
    )
    assert refused.json()["code"] == "ledger.reversal_moves_stock"
    forbidden = await client.post("/api/ledger/reversals", headers=sup, json={"entry": f"INV-{order['number']}"})
    assert forbidden.status_code == 403
