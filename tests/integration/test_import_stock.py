"""Opening stock keeps the books: balances equal their movements, the GL Inventory equals the
valuation, and a re-sent file changes nothing. A big file streams in, its progress readable meanwhile."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from typing import Any

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.backends import wait_until
from tests.conftest import DEMO_PASSWORDS, auth_headers

Client = AsyncTestClient[Litestar]
Sessions = async_sessionmaker[AsyncSession]
CSV = {"Content-Type": "text/csv"}
_runs = itertools.count(1)


async def _setup(client: Client, headers: dict[str, str]) -> str:
    """A warehouse of its own (so its books hold this test's entries only), three bins, two items."""
    p = f"S{next(_runs):02d}{id(client) % 1000:03d}"
    files = [
        ("warehouses", f"code,name,currency\n{p},Stock Test DC,EUR\n"),
        ("locations", "code,warehouse,zone,kind\n" + "".join(f"{p}-R0{n},{p},R,storage\n" for n in (1, 2, 3))),
        (
            "items",
            f"sku,description,units,lot_tracked,shelf_life_days,standard_cost\n"
            f"{p}-A,Ambient,EA:1:,false,,200\n{p}-B,Chilled,EA:1:,true,30,300\n",
        ),
    ]
    for kind, body in files:
        response = await client.post(f"/api/imports/{kind}", headers=headers, content=body)
        assert response.status_code == 200, response.text
    return p


async def _books(client: Client, headers: dict[str, str], warehouse: str) -> dict[str, Any]:
    response = await client.get(f"/api/ledger/trial-balance?warehouse={warehouse}", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_opening_stock_posts_to_opening_balance_equity_and_keeps_the_invariants(
    client: Client, db: Sessions
) -> None:
    headers = await auth_headers(client, "admin") | CSV
    p = await _setup(client, headers)
    stock = (
        "location,sku,lot,expires_on,status,qty,unit_cost\n"
        f"{p}-R01,{p}-A,,,available,10,250\n"
        f"{p}-R02,{p}-B,L1,2027-01-01,available,5,\n"
        f"{p}-R03,{p}-A,,,quarantined,7,250\n"
    )
    first = await client.post("/api/imports/opening_stock", headers=headers, content=stock)
    assert first.status_code == 200, first.text
    assert first.json()["created"] == 3
    books = await _books(client, headers, p)
    accounts = {a["account"]: a for a in books["accounts"]}
    assert accounts["1300"]["debit"] == 10 * 250 + 5 * 300 + 7 * 250
    assert accounts["3000"]["credit"] == accounts["1300"]["debit"]
    assert books["balanced"] and books["inventory_reconciled"]
    async with db() as session:
        off = await session.scalar(
            text(
                "SELECT count(*) FROM stock_balances b WHERE b.warehouse = :w AND b.on_hand <>"
                " (SELECT coalesce(sum(delta_on_hand), 0) FROM stock_movements m WHERE m.balance_id = b.id)"
            ),
            {"w": p},
        )
        held = await session.scalar(text("SELECT sum(on_hand) FROM stock_balances WHERE warehouse = :w"), {"w": p})
        expiry = await session.scalar(
            text("SELECT l.expires_on::text FROM lots l JOIN items i ON i.id = l.item_id WHERE i.sku = :s"),
            {"s": f"{p}-B"},
        )
    assert (off, held, expiry) == (0, 22, "2027-01-01")

    again = await client.post("/api/imports/opening_stock", headers=headers, content=stock)
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 3)
    assert await _books(client, headers, p) == books

    more = stock.replace(",10,250", ",11,250")
    refused = await client.post("/api/imports/opening_stock", headers=headers, content=more)
    assert refused.status_code == 422
    assert [(e["row"], e["field"], e["code"]) for e in refused.json()["errors"]] == [(1, "qty", "import.stock_exists")]

    other_expiry = f"location,sku,lot,expires_on,qty\n{p}-R01,{p}-B,L1,2027-02-01,3\n"
    refused = await client.post("/api/imports/opening_stock", headers=headers, content=other_expiry)
    assert [(e["row"], e["code"]) for e in refused.json()["errors"]] == [(1, "import.lot_expiry_mismatch")]
    assert await _books(client, headers, p) == books


async def test_a_20k_row_file_streams_in_pieces_with_its_progress_readable_meanwhile(live_url: str) -> None:
    rows = 20_000
    async with (
        httpx.AsyncClient(base_url=live_url, timeout=120) as http,
        httpx.AsyncClient(base_url=live_url) as watcher,
    ):
        login = await http.post("/api/auth/login", json={"username": "admin", "password": DEMO_PASSWORDS["admin"]})
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        p = f"BIG{next(_runs):02d}"
        seen: list[dict[str, Any]] = []

        async def running_with_rows() -> bool:
            runs = (await watcher.get("/api/imports?limit=5", headers=headers)).json()
            seen[:] = [r for r in runs if r["status"] == "running" and r["kind"] == "items" and r["rows_read"] > 0]
            return bool(seen)

        async def body() -> AsyncIterator[bytes]:
            yield b"sku,description,units,standard_cost\n"
            for start in range(0, rows, 500):
                yield "".join(
                    f"{p}-{k},Item {k},EA:1:|CS:12:,{k % 900 + 1}\n" for k in range(start, start + 500)
                ).encode()
                if start == rows // 2:
                    # the server has read part of the file and not yet the rest: its progress shows
                    await wait_until(running_with_rows, what="the import's progress")

        response = await http.post("/api/imports/items", headers=headers | CSV, content=body())
        assert response.status_code == 200, response.text
        report = response.json()
        assert (report["rows_read"], report["created"]) == (rows, rows)
        assert 0 < seen[0]["rows_read"] < rows
        final = (await watcher.get(f"/api/imports/{report['id']}", headers=headers)).json()
        assert (final["status"], final["rows_read"], final["rows_applied"]) == ("applied", rows, rows)
