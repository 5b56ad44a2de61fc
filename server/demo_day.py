"""The demo's day already under way: open orders, a released wave per warehouse and an open ASN, so
that every demo user has something to do on first login.

It is staged once per database through the public API, in process, so it obeys the same rules
(pricing, credit, allocation, waves, events) as anything a person does later.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import text

from scanners.gs1 import with_check_digit
from server.db import make_engine
from server.settings import Settings

MARKER_PO = "PO-DEMO-0001"

# (warehouse, customers, lines per order, orders in the released wave)
PLAN = (
    ("WH1", ("CUST-001", "CUST-002", "CUST-003", "CUST-005", "CUST-006", "CUST-007", "CUST-009", "CUST-010"), 3, 5),
    ("WH2", ("CUST-004", "CUST-008", "CUST-012"), 2, 2),
)


class DemoDayError(RuntimeError):
    """A staging call was refused: the seed and the API disagree."""


async def _face_skus(settings: Settings, warehouse: str, count: int) -> list[str]:
    """Items that sit on the warehouse's pick faces and need no lot, first by SKU (deterministic)."""
    engine = make_engine(settings.database_url or "", pool_size=1)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT DISTINCT i.sku FROM locations l JOIN items i ON i.id = l.item_id"
                    " WHERE l.warehouse = :wh AND l.kind = 'pick_face' AND NOT i.lot_tracked"
                    " ORDER BY i.sku LIMIT :n"
                ),
                {"wh": warehouse, "n": count},
            )
            return [row[0] for row in rows]
    finally:
        await engine.dispose()


async def _already_staged(settings: Settings) -> bool:
    engine = make_engine(settings.database_url or "", pool_size=1)
    try:
        async with engine.connect() as conn:
            found = await conn.scalar(text("SELECT 1 FROM purchase_orders WHERE number = :n"), {"n": MARKER_PO})
            return found is not None
    finally:
        await engine.dispose()


class _Api:
    """A logged-in caller of the in-process app."""

    def __init__(self, client: AsyncTestClient[Any], token: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    async def post(self, url: str, body: dict[str, Any]) -> dict[str, Any]:
        headers = self.headers | {"Idempotency-Key": secrets.token_hex(16)}
        response = await self.client.post(url, json=body, headers=headers)
        if response.status_code >= 300:
            raise DemoDayError(f"POST {url} answered {response.status_code}: {response.text}")
        result: dict[str, Any] = response.json()
        return result


async def _login(client: AsyncTestClient[Any], username: str, password: str) -> _Api:
    response = await client.post("/api/auth/login", json={"username": username, "password": password})
    if response.status_code != 200:
        raise DemoDayError(f"demo user {username} cannot log in: {response.text}")
    return _Api(client, response.json()["access_token"])


def _sscc(serial: int) -> str:
    body = "0" + "0614141" + f"{serial:09d}"
    return with_check_digit(body)


async def _stage_inbound(supervisor: _Api, skus: list[str]) -> None:
    """One purchase order with an ASN of a labelled pallet and two loose lines, arriving today."""
    today = datetime.now(UTC).date()
    quantities_and_costs = ((24, 150), (12, 420), (6, 990))
    lines = [
        {"sku": sku, "qty": qty, "unit_cost": cost} for sku, (qty, cost) in zip(skus, quantities_and_costs, strict=True)
    ]
    po = {"number": MARKER_PO, "supplier": "Acme Foods", "warehouse": "WH1", "expected_date": str(today)}
    await supervisor.post("/api/purchase-orders", po | {"lines": lines})
    await supervisor.post(
        "/api/asns",
        {
            "number": "ASN-DEMO-0001",
            "purchase_order": MARKER_PO,
            "expected_date": str(today),
            "pallets": [{"sscc": _sscc(1), "lines": [{"po_line": 1, "sku": skus[0], "qty": 24}]}],
            "lines": [
                {"po_line": 2, "sku": skus[1], "qty": 12},
                {"po_line": 3, "sku": skus[2], "qty": 6},
            ],
        },
    )


async def _stage_orders(rep: _Api, supervisor: _Api, *, plan: tuple[Any, ...], skus: list[str]) -> int:
    """Orders for the warehouse's customers; the first few are released as a wave, the rest wait."""
    warehouse, customers, lines_per_order, in_wave = plan
    cutoff = (datetime.now(UTC) + timedelta(hours=6)).replace(minute=0, second=0, microsecond=0)
    numbers = []
    for n, customer in enumerate(customers):
        lines = [{"sku": skus[(n + k) % len(skus)], "qty": 1 + (n + k) % 3} for k in range(lines_per_order)]
        body = {"customer": customer, "warehouse": warehouse, "lines": lines, "carrier": "DHL"}
        body["carrier_cutoff"] = cutoff.isoformat()
        numbers.append((await rep.post("/api/orders", body))["number"])
    await supervisor.post(f"/api/warehouses/{warehouse}/waves", {"orders": numbers[:in_wave]})
    return len(numbers)


async def stage_demo_day(settings: Settings, *, progress: Callable[[str], None] = lambda _: None) -> dict[str, int]:
    """Stage the demo's day once per database; a second call changes nothing and returns zeros."""
    from server.app import create_app
    from server.seed_data import DEMO_USERS

    if await _already_staged(settings):
        return {"orders": 0, "waves": 0, "asns": 0}
    passwords = {user.username: user.password for user in DEMO_USERS}
    skus = {warehouse: await _face_skus(settings, warehouse, 12) for warehouse, *_ in PLAN}
    orders = 0
    async with AsyncTestClient(create_app(settings)) as client:
        supervisor = await _login(client, "super1", passwords["super1"] or "")
        rep = await _login(client, "rep1", passwords["rep1"] or "")
        for plan in PLAN:
            progress(f"staging the demo day in {plan[0]} ...")
            orders += await _stage_orders(rep, supervisor, plan=plan, skus=skus[plan[0]][:8])
        await _stage_inbound(supervisor, skus["WH1"][8:11])
    return {"orders": orders, "waves": len(PLAN), "asns": 1}
