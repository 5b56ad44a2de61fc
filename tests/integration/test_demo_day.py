"""The demo opens on a day under way: every role has work, once, and the books still reconcile."""

from __future__ import annotations

from litestar.testing import AsyncTestClient
from sqlalchemy import text

from server.app import create_app
from server.db import make_engine, make_sessionmaker
from server.demo_day import stage_demo_day
from server.settings import Settings
from tests.conftest import auth_headers
from tests.fresh import fresh_settings
from tests.stock_helpers import assert_inventory_invariants


async def test_the_demo_day_gives_every_role_something_to_do_and_stages_once(settings: Settings) -> None:
    async with fresh_settings(settings) as fresh:
        staged = await stage_demo_day(fresh)
        assert staged == {"orders": 11, "waves": 2, "asns": 1}
        assert await stage_demo_day(fresh) == {"orders": 0, "waves": 0, "asns": 0}

        async with AsyncTestClient(create_app(fresh)) as client:
            picker = await auth_headers(client, "picker1")
            task = await client.post(
                "/api/warehouses/WH1/tasks/next", headers=picker | {"Idempotency-Key": "demo-next"}, json={}
            )
            assert task.status_code == 200, task.text
            assert task.json()["task"]["kind"] == "pick"

            receiver = await auth_headers(client, "receiver1")
            receipt = await client.post(
                "/api/warehouses/WH1/receipts",
                headers=receiver | {"Idempotency-Key": "demo-receipt"},
                json={"scan": "ASN-DEMO-0001", "dock": "WH1-DOCK-01"},
            )
            assert receipt.status_code == 201, receipt.text

            rep = await auth_headers(client, "rep1")
            orders = await client.get("/api/orders", params={"warehouse": "WH1"}, headers=rep)
            assert orders.status_code == 200, orders.text
            assert len(orders.json()["orders"]) == 8

            sup = await auth_headers(client, "super1")
            board = await client.get("/api/warehouses/WH2/board", headers=sup)
            assert board.status_code == 200, board.text
            assert {task["kind"] for task in board.json()["tasks"]} == {"pick"}

        engine = make_engine(fresh.database_url or "", pool_size=1)
        try:
            async with engine.connect() as conn:
                unwaved = await conn.scalar(
                    text(
                        "SELECT count(*) FROM sales_orders o WHERE NOT EXISTS"
                        " (SELECT 1 FROM wave_orders w WHERE w.order_id = o.id)"
                    )
                )
            assert unwaved == 4  # left for the supervisor to release
            await assert_inventory_invariants(make_sessionmaker(engine))
        finally:
            await engine.dispose()
