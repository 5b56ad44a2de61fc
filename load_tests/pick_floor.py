"""A warehouse floor ready for picking, arranged through the public API: stock, allocated orders,
released waves and picker accounts."""

from __future__ import annotations

import asyncio
import random
import uuid
from typing import Any

import asyncpg
import httpx

from load_tests.bench_allocation import _arrange
from load_tests.harness import Backends, asyncpg_dsn, login_headers

PICKER_PASSWORD = "bench-picker-password"


async def stock_and_credit(found: Backends, base: str, items: int) -> None:
    """A million units of each of ``items`` catalogue items; credit limits that never hold an order."""
    await _arrange(found, base, items)


async def create_pickers(base: str, count: int, *, prefix: str) -> list[str]:
    """``count`` picker accounts in WH1 (an existing one is reused); returns their usernames."""
    admin = login_headers(base, "admin", "floorsync-admin")
    names = [f"{prefix}{n:04d}" for n in range(count)]
    gate = asyncio.Semaphore(4)
    async with httpx.AsyncClient(base_url=base, headers=admin, timeout=60) as http:

        async def one(name: str) -> None:
            async with gate:
                body = {"username": name, "display_name": name, "roles": ["picker"], "warehouses": ["WH1"],
                        "password": PICKER_PASSWORD}
                response = await http.post("/api/admin/users", json=body)
                if response.status_code not in (201, 409):
                    raise RuntimeError(f"creating {name}: {response.status_code} {response.text[:300]}")

        await asyncio.gather(*(one(n) for n in names))
    return names


async def login_all(base: str, usernames: list[str], password: str = PICKER_PASSWORD) -> list[dict[str, str]]:
    """Bearer headers for each user (logins are argon2-bound: a few at a time)."""
    gate = asyncio.Semaphore(4)
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:

        async def one(name: str) -> dict[str, str]:
            async with gate:
                response = await http.post("/api/auth/login", json={"username": name, "password": password})
                response.raise_for_status()
                return {"Authorization": f"Bearer {response.json()['access_token']}"}

        return list(await asyncio.gather(*(one(n) for n in usernames)))


async def place_orders(
    base: str, *, orders: int, lines: int, items: int, seed: int, concurrency: int = 4
) -> list[str]:
    """Place ``orders`` orders of ``lines`` distinct items each (allocated at once); returns their numbers."""
    rep = login_headers(base, "rep1", "floorsync-rep")
    rng = random.Random(seed)
    bodies = [
        {
            "customer": f"CUST-{rng.randint(1, 40):03d}",
            "warehouse": "WH1",
            "lines": [
                {"sku": f"SKU-{10000 + s}", "qty": rng.randint(1, 5)} for s in rng.sample(range(1, items + 1), lines)
            ],
        }
        for _ in range(orders)
    ]
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    placed: list[str] = []

    async def allocator() -> None:
        async with httpx.AsyncClient(base_url=base, headers=rep, timeout=120) as http:
            while not queue.empty():
                body = queue.get_nowait()
                response = await http.post("/api/orders", json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
                if response.status_code != 201:
                    raise RuntimeError(f"placing an order: {response.status_code} {response.text[:300]}")
                placed.append(response.json()["number"])

    await asyncio.gather(*(allocator() for _ in range(concurrency)))
    return placed


async def release(base: str, orders: list[str], *, orders_per_wave: int = 50, orders_per_cluster: int = 4) -> int:
    """Release these WH1 orders (others stay allocated), in waves; returns the pick tasks created."""
    sup = login_headers(base, "super1", "floorsync-super")
    created = 0
    async with httpx.AsyncClient(base_url=base, headers=sup, timeout=300) as http:
        for start in range(0, len(orders), orders_per_wave):
            body = {"orders": orders[start : start + orders_per_wave], "max_orders_per_cluster": orders_per_cluster}
            response = await http.post("/api/warehouses/WH1/waves", json=body)
            if response.status_code == 409 and response.json()["code"] == "wave.no_orders":
                continue  # all of them held for credit or backordered
            if response.status_code != 201:
                raise RuntimeError(f"releasing a wave: {response.status_code} {response.text[:300]}")
            created += len(response.json()["tasks"])
    return created


async def gtins(found: Backends) -> dict[str, str]:
    """SKU -> its each-unit GTIN as 14 digits (what a handheld reads off the label)."""
    conn = await asyncpg.connect(asyncpg_dsn(found))
    try:
        rows = await conn.fetch(
            "SELECT i.sku, u.gtin FROM item_uoms u JOIN items i ON i.id = u.item_id"
            " WHERE u.uom = i.base_uom AND u.gtin IS NOT NULL"
        )
    finally:
        await conn.close()
    return {r["sku"]: str(r["gtin"]).zfill(14) for r in rows}
