"""The demo data is deterministic: seeding again changes nothing."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scanners.gs1 import has_valid_check_digit
from server.seed import seed_demo
from server.seed_data import DEMO_USERS
from server.settings import Settings

TABLES = (
    "warehouses",
    "locations",
    "items",
    "item_uoms",
    "customers",
    "price_list_prices",
    "customer_prices",
    "users",
    "memberships",
)


def _fingerprint(table: str) -> str:
    # users carry salted hashes that differ on every run, so compare their stable columns only
    rows = "username || roles::text" if table == "users" else "t::text"
    return f"SELECT md5(string_agg({rows}, ',' ORDER BY {rows})) FROM {table} t"


async def _snapshot(db: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    async with db() as session:
        return {t: str((await session.execute(text(_fingerprint(t)))).scalar()) for t in TABLES}


async def test_seeding_twice_changes_nothing(seeded: Settings, db: async_sessionmaker[AsyncSession]) -> None:
    before = await _snapshot(db)
    counts = await seed_demo(seeded)
    assert await _snapshot(db) == before
    assert counts["warehouses"] >= 2 and counts["items"] >= 500  # other tests add their own rows


async def test_demo_gtins_carry_valid_check_digits(seeded: Settings, db: async_sessionmaker[AsyncSession]) -> None:
    async with db() as session:
        gtins = (
            (
                await session.execute(
                    text("SELECT u.gtin FROM item_uoms u JOIN items i ON i.id = u.item_id WHERE i.sku LIKE 'SKU-%'")
                )
            )
            .scalars()
            .all()
        )
    assert len(gtins) == 1000
    assert all(has_valid_check_digit(g) for g in gtins)
    assert {len(g) for g in gtins} == {13, 14}


async def test_every_demo_user_can_log_in(client) -> None:  # type: ignore[no-untyped-def]
    for user in DEMO_USERS:
        response = await client.post("/api/auth/login", json={"username": user.username, "password": user.password})
        assert response.status_code == 200, user.username
        if user.badge:
            badge = await client.post("/api/auth/badge", json={"badge": user.badge, "pin": user.pin})
            assert badge.status_code == 200, user.username
