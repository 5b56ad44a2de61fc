"""Stock adjustments and moves write balances and movements together; ATP reads balances."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import auth_headers, new_key
from tests.stock_helpers import add_stock, assert_inventory_invariants, atp, new_item

Client = AsyncTestClient[Litestar]
Sessions = async_sessionmaker[AsyncSession]


async def test_found_stock_raises_atp_and_writes_a_movement(client: Client, db: Sessions) -> None:
    admin, sup = await auth_headers(client, "admin"), await auth_headers(client, "super1")
    sku = await new_item(client, admin)
    result = await add_stock(client, sup, sku, "WH1-A01-01-1", 40)
    assert result["balance"]["on_hand"] == 40
    assert result["atp"]["available_now"] == 40
    assert (await atp(client, sup, sku))["available_now"] == 40
    async with db() as session:
        reasons = (
            await session.execute(
                text(
                    "SELECT m.reason, m.delta_on_hand FROM stock_movements m"
                    " JOIN stock_balances b ON b.id = m.balance_id JOIN items i ON i.id = b.item_id WHERE i.sku = :s"
                ),
                {"s": sku},
            )
        ).all()
    assert reasons == [("adjust.found", 40)]
    await assert_inventory_invariants(db)


async def test_losing_more_than_is_on_hand_is_refused_and_writes_nothing(client: Client, db: Sessions) -> None:
    admin, sup = await auth_headers(client, "admin"), await auth_headers(client, "super1")
    sku = await new_item(client, admin)
    await add_stock(client, sup, sku, "WH1-A01-02-1", 5)
    response = await client.post(
        "/api/warehouses/WH1/stock/adjustments",
        headers=sup | {"Idempotency-Key": new_key()},
        json={"location": "WH1-A01-02-1", "sku": sku, "delta": -6, "reason": "adjust.lost"},
    )
    assert response.status_code == 409
    assert response.json()["code"] == "stock.insufficient"
    assert (await atp(client, sup, sku))["on_hand"] == 5
    async with db() as session:
        count = await session.scalar(
            text(
                "SELECT count(*) FROM stock_movements m JOIN stock_balances b ON b.id = m.balance_id"
                " JOIN items i ON i.id = b.item_id WHERE i.sku = :s"
            ),
            {"s": sku},
        )
    assert count == 1


async def test_adjustments_need_a_known_reason_and_a_lot_for_lot_tracked_items(client: Client) -> None:
    admin, sup = await auth_headers(client, "admin"), await auth_headers(client, "super1")
    sku = await new_item(client, admin, lot_tracked=True)
    url, headers = "/api/warehouses/WH1/stock/adjustments", sup | {"Idempotency-Key": new_key()}
    bad_reason = await client.post(
        url,
        headers=headers,
        json={"location": "WH1-A01-03-1", "sku": sku, "delta": 1, "reason": "because", "lot": "L1"},
    )
    assert bad_reason.json()["code"] == "stock.unknown_reason"
    no_lot = await client.post(
        url, headers=headers, json={"location": "WH1-A01-03-1", "sku": sku, "delta": 1, "reason": "adjust.found"}
    )
    assert no_lot.status_code == 422
    assert no_lot.json()["code"] == "stock.lot_required"
    unknown_place = await client.post(
        url,
        headers=headers,
        json={"location": "NOWHERE", "sku": sku, "delta": 1, "reason": "adjust.found", "lot": "L1"},
    )
    assert unknown_place.json()["code"] == "location.unknown"


async def test_moving_stock_to_quarantine_shows_it_apart_in_atp(client: Client, db: Sessions) -> None:
    admin, sup = await auth_headers(client, "admin"), await auth_headers(client, "super1")
    sku = await new_item(client, admin)
    await add_stock(client, sup, sku, "WH1-R01-01-2", 30)
    moved = await client.post(
        "/api/warehouses/WH1/stock/moves",
        headers=sup | {"Idempotency-Key": new_key()},
        json={
            "sku": sku,
            "qty": 8,
            "from_location": "WH1-R01-01-2",
            "to_location": "WH1-QA-01",
            "to_status": "quarantined",
        },
    )
    assert moved.status_code == 201, moved.text
    assert moved.json()["to"]["status"] == "quarantined"
    result = await atp(client, sup, sku)
    assert result["available_now"] == 22
    assert result["quarantined"] == 8
    await assert_inventory_invariants(db)


async def test_pickers_may_move_but_not_adjust(client: Client) -> None:
    picker = await auth_headers(client, "picker1")
    response = await client.post(
        "/api/warehouses/WH1/stock/adjustments",
        headers=picker,
        json={"location": "WH1-A01-01-1", "sku": "SKU-10001", "delta": 1, "reason": "adjust.found"},
    )
    assert response.status_code == 403


async def test_catalog_finds_items_by_sku_gtin_and_text_with_their_atp(client: Client) -> None:
    admin, sup, rep = [await auth_headers(client, u) for u in ("admin", "super1", "rep1")]
    sku = await new_item(client, admin)
    await add_stock(client, sup, sku, "WH1-A02-01-1", 7)
    by_sku = (await client.get(f"/api/warehouses/WH1/catalog?q={sku}", headers=rep)).json()
    assert by_sku["items"][0]["sku"] == sku
    assert by_sku["items"][0]["available_now"] == 7
    assert "epoch" in by_sku["as_of"] and "seq" in by_sku["as_of"]
    gtin = by_sku["items"][0]["gtins"][0]
    by_gtin = (await client.get(f"/api/warehouses/WH1/catalog?q={gtin}", headers=rep)).json()
    assert [i["sku"] for i in by_gtin["items"]] == [sku]
    by_text = (await client.get("/api/warehouses/WH1/catalog?q=Organic&limit=5", headers=rep)).json()
    assert by_text["total"] > 5 and len(by_text["items"]) == 5
    assert all("organic" in i["description"].lower() for i in by_text["items"])


async def test_every_stock_change_writes_a_stock_changed_event_with_the_new_atp(client: Client, db: Sessions) -> None:
    admin, sup = await auth_headers(client, "admin"), await auth_headers(client, "super1")
    sku = await new_item(client, admin)
    await add_stock(client, sup, sku, "WH1-A02-02-1", 3)
    await add_stock(client, sup, sku, "WH1-A02-02-1", 4)
    async with db() as session:
        rows = (
            await session.execute(
                text(
                    "SELECT entity_version, data FROM outbox_events WHERE type = 'stock.changed' AND entity_id = :s"
                    " ORDER BY id"
                ),
                {"s": sku},
            )
        ).all()
    assert [r[0] for r in rows] == [1, 2]
    assert [r[1]["atp"]["available_now"] for r in rows] == [3, 7]
