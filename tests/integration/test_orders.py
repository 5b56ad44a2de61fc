"""Orders: priced, credit-checked and allocated by rules that say why; changes deallocate."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import auth_headers, bearer, login, new_key
from tests.stock_helpers import add_stock, assert_inventory_invariants, atp, new_item, place

Client = AsyncTestClient[Litestar]
Sessions = async_sessionmaker[AsyncSession]


async def _people(client: Client) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    return (
        await auth_headers(client, "admin"),
        await auth_headers(client, "super1"),
        await auth_headers(client, "rep1"),
    )


async def _customer(client: Client, rep: dict[str, str], **wanted: Any) -> dict[str, Any]:
    customers = (await client.get("/api/customers", headers=rep)).json()
    return next(c for c in customers if all(c[k] == v for k, v in wanted.items()))


async def test_an_order_is_priced_for_the_customer_and_allocated_with_reasons(client: Client, db: Sessions) -> None:
    admin, sup, rep = await _people(client)
    sku = await new_item(client, admin, price=250)
    await add_stock(client, sup, sku, "WH1-A03-01-1", 20)
    response = await place(client, rep, "CUST-020", [(sku, 2)], requested_date=str(date.today()))
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["status"] == "allocated"
    line = order["lines"][0]
    assert line["qty"] == 2 and line["allocated"] == 2 and line["backordered"] == 0
    assert line["unit_price"] == {"amount": 250, "currency": "EUR"}  # CUST-020 buys from STANDARD
    assert order["total"]["amount"] == 500
    assert line["allocations"][0]["location"] == "WH1-A03-01-1"
    assert line["allocations"][0]["rule"] and line["allocations"][0]["reason"]
    assert (await atp(client, rep, sku))["available_now"] == 18
    async with db() as session:
        types = (
            (
                await session.execute(
                    text("SELECT type FROM outbox_events WHERE entity_id = :n ORDER BY id"), {"n": order["number"]}
                )
            )
            .scalars()
            .all()
        )
    assert types == ["order.status_changed"]
    await assert_inventory_invariants(db)


async def test_quantities_in_cases_are_converted_to_base_units(client: Client) -> None:
    admin, sup, rep = await _people(client)
    sku = await new_item(client, admin, case=12)
    await add_stock(client, sup, sku, "WH1-A03-02-1", 30)
    body = {"customer": "CUST-020", "warehouse": "WH1", "lines": [{"sku": sku, "qty": 2, "uom": "CS"}]}
    order = (await client.post("/api/orders", headers=rep, json=body)).json()
    assert order["lines"][0]["qty"] == 24
    bad = await client.post("/api/orders", headers=rep, json=body | {"lines": [{"sku": sku, "qty": 1, "uom": "PAL"}]})
    assert bad.status_code == 422 and bad.json()["code"] == "uom.unknown"


async def test_short_stock_allocates_partially_and_backorders_the_rest(client: Client, db: Sessions) -> None:
    admin, sup, rep = await _people(client)
    sku = await new_item(client, admin)
    await add_stock(client, sup, sku, "WH1-A03-03-1", 5)
    order = (await place(client, rep, "CUST-021", [(sku, 8)])).json()
    assert order["status"] == "partially_allocated"
    assert order["lines"][0]["allocated"] == 5 and order["lines"][0]["backordered"] == 3
    result = await atp(client, rep, sku)
    assert result["available_now"] == 0
    assert result["buckets"][0]["demand"] == 3  # the backorder nets out of ATP
    await assert_inventory_invariants(db)


async def test_ship_complete_order_allocates_nothing_when_short(client: Client) -> None:
    admin, sup, rep = await _people(client)
    sku = await new_item(client, admin)
    await add_stock(client, sup, sku, "WH1-A03-04-1", 5)
    order = (await place(client, rep, "CUST-021", [(sku, 8)], ship_complete=True)).json()
    assert order["status"] == "backordered"
    assert order["lines"][0]["allocated"] == 0
    assert "ship complete" in order["status_reason"]
    assert (await atp(client, rep, sku))["available_now"] == 5


async def test_fefo_takes_the_earliest_expiry_meeting_the_customers_shelf_life(client: Client, db: Sessions) -> None:
    admin, sup, rep = await _people(client)
    fussy = await _customer(client, rep, min_shelf_life_days=30)
    sku = await new_item(client, admin, lot_tracked=True)
    today = date.today()
    await add_stock(client, sup, sku, "WH1-R02-01-2", 10, lot="SOON", expires_on=str(today + timedelta(days=10)))
    await add_stock(client, sup, sku, "WH1-R02-02-2", 10, lot="MID", expires_on=str(today + timedelta(days=40)))
    await add_stock(client, sup, sku, "WH1-R02-03-2", 10, lot="LATE", expires_on=str(today + timedelta(days=80)))
    order = (await place(client, rep, fussy["code"], [(sku, 4)])).json()
    held = order["lines"][0]["allocations"]
    assert [(a["lot"], a["qty"]) for a in held] == [("MID", 4)]
    assert held[0]["rule"] == "fefo"
    relaxed = await _customer(client, rep, min_shelf_life_days=0)
    order = (await place(client, rep, relaxed["code"], [(sku, 4)])).json()
    assert [a["lot"] for a in order["lines"][0]["allocations"]] == ["SOON"]
    await assert_inventory_invariants(db)


async def test_pick_faces_are_used_before_reserve_storage(client: Client) -> None:
    admin, sup, rep = await _people(client)
    sku = await new_item(client, admin)
    await add_stock(client, sup, sku, "WH1-R03-01-3", 50)
    await add_stock(client, sup, sku, "WH1-A04-01-1", 10)
    order = (await place(client, rep, "CUST-022", [(sku, 6)])).json()
    held = order["lines"][0]["allocations"]
    assert [(a["location"], a["qty"]) for a in held] == [("WH1-A04-01-1", 6)]
    assert held[0]["rule"] == "pick_face_first"


async def test_a_substitute_fills_a_short_line_when_item_and_customer_allow(client: Client, db: Sessions) -> None:
    admin, sup, rep = await _people(client)
    alternative = await new_item(client, admin)
    sku = await new_item(client, admin, substitutes=(alternative,))
    await add_stock(client, sup, sku, "WH1-A04-02-1", 2)
    await add_stock(client, sup, alternative, "WH1-A04-03-1", 10)
    willing = await _customer(client, rep, accepts_substitutes=True)
    order = (await place(client, rep, willing["code"], [(sku, 5)])).json()
    held = order["lines"][0]["allocations"]
    assert order["status"] == "allocated"
    assert sorted((a["sku"], a["qty"]) for a in held) == sorted([(sku, 2), (alternative, 3)])
    assert any(a["rule"] == "substitution" for a in held)
    unwilling = await _customer(client, rep, accepts_substitutes=False)
    refused = (await place(client, rep, unwilling["code"], [(sku, 5)])).json()
    assert refused["status"] == "backordered"
    await assert_inventory_invariants(db)


async def test_a_placed_order_answers_exactly_what_reading_it_back_and_its_event_show(
    client: Client, db: Sessions
) -> None:
    """Placing builds its answer from what the command holds, not by reading the order back: it must
    equal the stored order (GET) and the data of its order.status_changed event, in every outcome."""
    admin, sup, rep = await _people(client)
    today = date.today()
    spread = await new_item(client, admin, case=6)
    await add_stock(client, sup, spread, "WH1-A05-01-1", 4)
    await add_stock(client, sup, spread, "WH1-R04-01-2", 30)
    short = await new_item(client, admin, price=333)
    await add_stock(client, sup, short, "WH1-A05-02-1", 3)
    lots = await new_item(client, admin, lot_tracked=True)
    await add_stock(client, sup, lots, "WH1-R04-02-2", 5, lot="L1", expires_on=str(today + timedelta(days=60)))
    await add_stock(client, sup, lots, "WH1-R04-03-2", 5, lot="L2", expires_on=str(today + timedelta(days=90)))
    alternative = await new_item(client, admin)
    wanted = await new_item(client, admin, substitutes=(alternative,))
    await add_stock(client, sup, alternative, "WH1-A05-03-1", 10)
    willing = await _customer(client, rep, accepts_substitutes=True)
    orders = [
        {"customer": "CUST-020", "lines": [{"sku": spread, "qty": 2, "uom": "CS"}, {"sku": short, "qty": 5}],
         "carrier": "DHL", "carrier_cutoff": "2030-01-02T17:30:00+02:00", "priority": 3},
        {"customer": "CUST-021", "lines": [{"sku": short, "qty": 5}], "ship_complete": True},
        {"customer": "CUST-022", "lines": [{"sku": lots, "qty": 7}], "requested_date": str(today + timedelta(days=3))},
        {"customer": willing["code"], "lines": [{"sku": wanted, "qty": 4}]},
    ]
    statuses = []
    for body in orders:
        response = await client.post(
            "/api/orders", headers=rep | {"Idempotency-Key": new_key()}, json=body | {"warehouse": "WH1"}
        )
        assert response.status_code == 201, response.text
        placed = response.json()
        statuses.append(placed["status"])
        stored = (await client.get(f"/api/orders/{placed['number']}", headers=rep)).json()
        assert placed == stored
        async with db() as session:
            event = (
                await session.execute(
                    text("SELECT data FROM outbox_events WHERE entity_id = :n AND type = 'order.status_changed'"),
                    {"n": placed["number"]},
                )
            ).scalar_one()
        assert event == stored
    assert statuses == ["partially_allocated", "backordered", "allocated", "allocated"]
    await assert_inventory_invariants(db)


async def test_an_order_over_the_credit_limit_is_held_until_a_supervisor_approves(client: Client, db: Sessions) -> None:
    admin, sup, rep = await _people(client)
    sku = await new_item(client, admin, price=100)
    await add_stock(client, sup, sku, "WH1-R03-02-3", 100)
    customer = (await client.get("/api/customers/CUST-030", headers=rep)).json()
    too_many = customer["credit"]["available"] // 100 + 1
    held = (await place(client, rep, "CUST-030", [(sku, too_many)])).json()
    assert held["status"] == "on_hold"
    assert "credit limit" in held["status_reason"]
    assert held["lines"][0]["allocated"] == 0
    assert held["lines"][0]["backordered"] == too_many
    assert (await atp(client, rep, sku))["buckets"][0]["demand"] == too_many  # held demand nets out of ATP
    assert (await client.post(f"/api/orders/{held['number']}/approve", headers=rep)).status_code == 403
    approved = await client.post(f"/api/orders/{held['number']}/approve", headers=sup)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "partially_allocated"
    assert approved.json()["lines"][0]["allocated"] == 100
    async with db() as session:
        approver = await session.scalar(
            text("SELECT approved_by FROM sales_orders WHERE number = :n"), {"n": held["number"]}
        )
    assert approver is not None
    await client.post(f"/api/orders/{held['number']}/cancel", headers=sup)  # give the credit back


async def test_cancelling_an_order_gives_its_stock_back(client: Client, db: Sessions) -> None:
    admin, sup, rep = await _people(client)
    sku = await new_item(client, admin)
    await add_stock(client, sup, sku, "WH1-A05-01-1", 10)
    order = (await place(client, rep, "CUST-023", [(sku, 7)])).json()
    assert (await atp(client, rep, sku))["available_now"] == 3
    cancelled = await client.post(f"/api/orders/{order['number']}/cancel", headers=rep | {"Idempotency-Key": new_key()})
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert (await atp(client, rep, sku))["available_now"] == 10
    again = await client.post(f"/api/orders/{order['number']}/cancel", headers=rep)
    assert again.status_code == 409 and again.json()["code"] == "order.invalid_transition"
    await assert_inventory_invariants(db)


async def test_changing_a_line_releases_and_reallocates(client: Client, db: Sessions) -> None:
    admin, sup, rep = await _people(client)
    sku = await new_item(client, admin)
    await add_stock(client, sup, sku, "WH1-A05-02-1", 10)
    order = (await place(client, rep, "CUST-024", [(sku, 4)])).json()
    url = f"/api/orders/{order['number']}/lines/1"
    more = (await client.patch(url, headers=rep, json={"qty": 12})).json()
    assert more["status"] == "partially_allocated"
    assert more["lines"][0]["allocated"] == 10 and more["lines"][0]["backordered"] == 2
    less = (await client.patch(url, headers=rep, json={"qty": 3})).json()
    assert less["status"] == "allocated" and less["lines"][0]["allocated"] == 3
    assert (await atp(client, rep, sku))["available_now"] == 7
    gone = (await client.patch(url, headers=rep, json={"qty": 0})).json()
    assert gone["status"] == "cancelled"
    assert (await atp(client, rep, sku))["available_now"] == 10
    await assert_inventory_invariants(db)


async def test_reallocation_run_fills_backorders_priority_customers_first(client: Client, db: Sessions) -> None:
    admin, sup, rep = await _people(client)
    sku = await new_item(client, admin)
    low = (await place(client, rep, "CUST-040", [(sku, 5)])).json()  # tier 3, placed first
    high = (await place(client, rep, "CUST-002", [(sku, 5)])).json()  # tier 1
    assert low["status"] == high["status"] == "backordered"
    await add_stock(client, sup, sku, "WH1-A05-03-1", 6)
    run = await client.post("/api/warehouses/WH1/allocation-runs", headers=sup, json={"skus": [sku]})
    assert run.status_code == 200, run.text
    first = (await client.get(f"/api/orders/{high['number']}", headers=rep)).json()
    second = (await client.get(f"/api/orders/{low['number']}", headers=rep)).json()
    assert first["status"] == "allocated"
    assert second["status"] == "partially_allocated" and second["lines"][0]["allocated"] == 1
    await assert_inventory_invariants(db)


async def test_atp_is_time_phased_with_inbound_and_backorders(client: Client) -> None:
    admin, sup, rep = await _people(client)
    sku = await new_item(client, admin)
    await add_stock(client, sup, sku, "WH1-A05-04-1", 10)
    in_a_week = date.today() + timedelta(days=7)
    po = await client.post(
        "/api/purchase-orders",
        headers=sup,
        json={
            "number": f"PO-{sku}",
            "supplier": "Acme",
            "warehouse": "WH1",
            "expected_date": str(in_a_week),
            "lines": [{"sku": sku, "qty": 2, "uom": "CS", "unit_cost": 40}],
        },
    )
    assert po.status_code == 201, po.text
    await place(client, rep, "CUST-025", [(sku, 14)], requested_date=str(date.today() + timedelta(days=3)))
    result = await atp(client, rep, sku)
    assert result["available_now"] == 0
    days = {b["date"]: b for b in result["buckets"]}
    assert days[str(date.today() + timedelta(days=3))]["demand"] == 4
    assert days[str(in_a_week)]["inbound"] == 24
    assert days[str(in_a_week)]["projected"] == 20
    assert result["buckets"][0]["promisable"] == 0  # today's promise must not starve the day-3 backorder


async def test_a_rep_cannot_order_for_another_reps_customer(client: Client) -> None:
    admin = await auth_headers(client, "admin")
    made = await client.post(
        "/api/admin/users",
        headers=admin,
        json={
            "username": "rep-other",
            "display_name": "Other Rep",
            "roles": ["sales_rep"],
            "warehouses": ["WH1"],
            "password": "other-rep-pass",
        },
    )
    assert made.status_code in (201, 409)
    other = bearer(await login(client, "rep-other", "other-rep-pass"))
    response = await place(client, other, "CUST-020", [("SKU-10001", 1)])
    assert response.status_code == 403
    assert response.json()["code"] == "customer.not_yours"
    assert (await client.get("/api/customers", headers=other)).json() == []


async def test_bad_orders_are_refused_and_write_nothing(client: Client, db: Sessions) -> None:
    _, _, rep = await _people(client)
    async with db() as session:
        before = await session.scalar(text("SELECT count(*) FROM sales_orders"))
    for body, code in (
        ({"customer": "NOPE", "warehouse": "WH1", "lines": [{"sku": "SKU-10001", "qty": 1}]}, "customer.unknown"),
        ({"customer": "CUST-020", "warehouse": "WH1", "lines": [{"sku": "NOPE", "qty": 1}]}, "item.unknown"),
        ({"customer": "CUST-020", "warehouse": "WH1", "lines": []}, "order.no_lines"),
        (
            {"customer": "CUST-020", "warehouse": "WH1", "lines": [{"sku": "SKU-10001", "qty": -2}]},
            "quantity.not_positive",
        ),
    ):
        response = await client.post("/api/orders", headers=rep, json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["code"] == code, response.json()
    async with db() as session:
        assert await session.scalar(text("SELECT count(*) FROM sales_orders")) == before
