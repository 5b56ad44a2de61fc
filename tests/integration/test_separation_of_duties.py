"""Warehouse scope and separation of duties: customers by warehouse, quarantine released by a
supervisor only, and nobody approves the credit hold of an order they placed."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import auth_headers, bearer, login, new_key
from tests.stock_helpers import add_stock, new_item, place

Client = AsyncTestClient[Litestar]
Sessions = async_sessionmaker[AsyncSession]


async def supervisor_of(client: Client, *warehouses: str) -> dict[str, str]:
    """A fresh supervisor working only in ``warehouses``."""
    name = f"sup-{uuid.uuid4().hex[:8]}"
    body = {
        "username": name,
        "display_name": name,
        "roles": ["supervisor"],
        "warehouses": list(warehouses),
        "password": "supervisor-pass",
    }
    admin = await auth_headers(client, "admin")
    created = await client.post("/api/admin/users", headers=admin | {"Idempotency-Key": new_key()}, json=body)
    assert created.status_code == 201, created.text
    return bearer(await login(client, name, "supervisor-pass"))


async def customer_in(db: Sessions, warehouse: str) -> str:
    async with db() as session:
        code = await session.scalar(
            text("SELECT code FROM customers WHERE warehouse = :wh ORDER BY code LIMIT 1"), {"wh": warehouse}
        )
    assert code is not None
    return str(code)


async def test_a_supervisor_sees_only_the_customers_of_their_warehouses(client: Client, db: Sessions) -> None:
    wh1_only = await supervisor_of(client, "WH1")
    listed = await client.get("/api/customers", params={"limit": 500}, headers=wh1_only)
    assert listed.status_code == 200
    assert listed.json() and {c["warehouse"] for c in listed.json()} == {"WH1"}
    wh2 = await customer_in(db, "WH2")
    assert (await client.get(f"/api/customers/{wh2}", headers=wh1_only)).status_code == 404
    prices = await client.get(f"/api/customers/{wh2}/prices", params={"sku": "X"}, headers=wh1_only)
    assert prices.status_code == 404
    assert prices.json()["code"] == "customer.unknown"
    ordered = await place(client, wh1_only, wh2, [("X", 1)])  # nor may they order for one
    assert ordered.status_code == 422 and ordered.json()["code"] == "customer.unknown"
    # one who works in both warehouses sees both
    both = await client.get("/api/customers", params={"limit": 500}, headers=await auth_headers(client, "super1"))
    assert {c["warehouse"] for c in both.json()} == {"WH1", "WH2"}


def move(sku: str, *, qty: int, src: str, dst: str, from_status: str, to_status: str) -> dict[str, Any]:
    return {
        "sku": sku,
        "qty": qty,
        "from_location": src,
        "to_location": dst,
        "from_status": from_status,
        "to_status": to_status,
    }


async def test_only_a_supervisor_releases_quarantined_stock(client: Client) -> None:
    admin, sup = await auth_headers(client, "admin"), await auth_headers(client, "super1")
    sku = await new_item(client, admin)
    await add_stock(client, sup, sku, "WH1-R01-01-2", 20)
    url = "/api/warehouses/WH1/stock/moves"
    receiver = await auth_headers(client, "receiver1")
    into = move(sku, qty=5, src="WH1-R01-01-2", dst="WH1-QA-01", from_status="available", to_status="quarantined")
    held = await client.post(url, headers=receiver | {"Idempotency-Key": new_key()}, json=into)
    assert held.status_code == 201, held.text  # anyone on the floor may hold stock back
    release = move(sku, qty=5, src="WH1-QA-01", dst="WH1-R01-01-2", from_status="quarantined", to_status="available")
    for who in ("receiver1", "picker1"):
        refused = await client.post(
            url, headers=await auth_headers(client, who) | {"Idempotency-Key": new_key()}, json=release
        )
        assert refused.status_code == 403, refused.text
        assert refused.json()["code"] == "stock.release_needs_supervisor"
    released = await client.post(url, headers=sup | {"Idempotency-Key": new_key()}, json=release)
    assert released.status_code == 201, released.text
    assert released.json()["to"]["status"] == "available"


async def test_a_supervisor_cannot_approve_the_credit_hold_of_their_own_order(client: Client, db: Sessions) -> None:
    admin = await auth_headers(client, "admin")
    placer, colleague = await supervisor_of(client, "WH1"), await supervisor_of(client, "WH1")
    sku = await new_item(client, admin, price=100)
    await add_stock(client, placer, sku, "WH1-R03-02-3", 10)
    code = await customer_in(db, "WH1")
    customer = (await client.get(f"/api/customers/{code}", headers=placer)).json()
    prices = await client.get(f"/api/customers/{code}/prices", params={"sku": sku}, headers=placer)
    unit = prices.json()[0]["unit_price"]["amount"]
    too_many = max(customer["credit"]["available"], 0) // unit + 1
    held = await place(client, placer, code, [(sku, too_many)])
    assert held.status_code == 201, held.text
    assert held.json()["status"] == "on_hold"
    number = held.json()["number"]
    own = await client.post(f"/api/orders/{number}/approve", headers=placer | {"Idempotency-Key": new_key()})
    assert own.status_code == 403, own.text
    assert own.json()["code"] == "order.self_approval"
    approved = await client.post(f"/api/orders/{number}/approve", headers=colleague | {"Idempotency-Key": new_key()})
    assert approved.status_code == 200, approved.text
    await client.post(f"/api/orders/{number}/cancel", headers=colleague | {"Idempotency-Key": new_key()})
