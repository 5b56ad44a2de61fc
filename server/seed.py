"""Deterministic demo data: two warehouses, ~500 items, customers with prices, a user per role.

Every insert is keyed by a natural key and skips what exists, so seeding twice changes nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.ledger import INVENTORY, OPENING_BALANCE
from server.db import make_engine, make_sessionmaker
from server.models import (
    Customer,
    CustomerPrice,
    Item,
    ItemUom,
    Location,
    Lot,
    PriceList,
    PriceListPrice,
    StockBalance,
    User,
    Warehouse,
)
from server.routes.people import NewUser, create_user
from server.seed_data import DEMO_USERS, WAREHOUSES, item_rows, location_rows
from server.settings import Settings


async def _insert(db: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), 1000):
        await db.execute(insert(model).values(rows[start : start + 1000]).on_conflict_do_nothing())


async def seed_demo(settings: Settings, *, progress: Callable[[str], None] = lambda _: None) -> dict[str, int]:
    """Insert the demo data that is missing; returns what the database now holds."""
    rng = random.Random(20261123)
    engine = make_engine(settings.database_url or "", pool_size=2)
    try:
        async with make_sessionmaker(engine)() as db, db.begin():
            await _insert(db, Warehouse, [dict(code=c, name=n, timezone=tz, currency="EUR") for c, n, tz in WAREHOUSES])
            for code, _, _ in WAREHOUSES:
                await _insert(db, Location, location_rows(code))
            progress("warehouses and locations in place")
            items, uoms = item_rows(rng)
            await _insert(db, Item, items)
            ids = dict((await db.execute(select(Item.sku, Item.id))).all())
            await _insert(db, ItemUom, [dict(item_id=ids[u.pop("sku")], **u) for u in uoms])
            await _assign_pick_faces(db, ids)
            progress(f"{len(items)} items in place")
            await _insert(
                db, PriceList, [dict(code="STANDARD", currency="EUR"), dict(code="WHOLESALE", currency="EUR")]
            )
            lists = dict((await db.execute(select(PriceList.code, PriceList.id))).all())
            prices = []
            for item in items:
                base = item["standard_cost_minor"] * 3 // 2
                prices.append(dict(price_list_id=lists["STANDARD"], item_id=ids[item["sku"]], unit_price_minor=base))
                prices.append(
                    dict(
                        price_list_id=lists["WHOLESALE"],
                        item_id=ids[item["sku"]],
                        unit_price_minor=base * 9 // 10,
                    )
                )
            await _insert(db, PriceListPrice, prices)
            await _seed_users(db)
            await _seed_customers(db, rng, lists, ids)
            progress("customers, prices and users in place")
            await _seed_stock(db, rng)
            progress("opening stock in place")
        async with make_sessionmaker(engine)() as db:
            return {
                name: int(await db.scalar(select(func.count()).select_from(model)) or 0)
                for name, model in (
                    ("warehouses", Warehouse),
                    ("locations", Location),
                    ("items", Item),
                    ("customers", Customer),
                    ("users", User),
                )
            }
    finally:
        await engine.dispose()


async def _assign_pick_faces(db: AsyncSession, ids: dict[str, int]) -> None:
    faces = (
        await db.scalars(
            select(Location).where(Location.kind == "pick_face", Location.item_id.is_(None)).order_by(Location.id)
        )
    ).all()
    for n, face in enumerate(faces):
        warehouse_offset = 0 if face.warehouse == "WH1" else 40
        sku = f"SKU-{10001 + (n % 80) + warehouse_offset}"
        face.item_id = ids[sku]
        face.min_qty, face.max_qty = 20, 200


async def _seed_users(db: AsyncSession) -> None:
    existing = set(await db.scalars(select(User.username)))
    for new in DEMO_USERS:
        if new.username not in existing:
            await create_user(db, new)


async def _seed_customers(db: AsyncSession, rng: random.Random, lists: dict[str, int], ids: dict[str, int]) -> None:
    rep = await db.scalar(select(User.id).where(User.username == "rep1"))
    rows = []
    for n in range(1, 41):
        rows.append(
            dict(
                code=f"CUST-{n:03d}",
                name=f"{rng.choice(('Fresh', 'City', 'Corner', 'Family', 'Harbour'))} Market {n}",
                priority_tier=1 if n <= 5 else 2 if n <= 15 else 3,
                credit_limit_minor=rng.choice((200_000, 500_000, 1_000_000, 5_000_000)),
                currency="EUR",
                min_shelf_life_days=rng.choice((0, 7, 14, 30)),
                price_list_id=lists["WHOLESALE"] if n <= 10 else lists["STANDARD"],
                accepts_substitutes=n % 3 == 0,
                sales_rep_id=rep,
                warehouse="WH1" if n % 4 else "WH2",
            )
        )
    await _insert(db, Customer, rows)
    customers = dict((await db.execute(select(Customer.code, Customer.id))).all())
    await _insert(
        db,
        CustomerPrice,
        [
            dict(
                customer_id=customers[f"CUST-{n:03d}"],
                item_id=ids[f"SKU-{10000 + k}"],
                unit_price_minor=100 + n * k,
            )
            for n in range(1, 6)
            for k in range(1, 11)
        ],
    )


async def _seed_stock(db: AsyncSession, rng: random.Random) -> None:
    """Opening stock: every pick face holds its item; reserve bins hold more, lot-tracked with expiry.

    Each balance comes with the receipt movement that explains it, so balances equal their ledger.
    """
    if await db.scalar(select(func.count()).select_from(StockBalance)):
        return
    faces = (
        await db.execute(
            select(Location.id, Location.warehouse, Location.item_id)
            .where(Location.kind == "pick_face", Location.item_id.is_not(None))
            .order_by(Location.id)
        )
    ).all()
    reserve = (
        await db.execute(
            select(Location.id, Location.warehouse).where(Location.kind == "storage").order_by(Location.id)
        )
    ).all()
    items = (await db.execute(select(Item.id, Item.lot_tracked, Item.shelf_life_days).order_by(Item.id))).all()
    opening = date(2026, 11, 1)
    rows: list[dict[str, Any]] = []
    lots: list[dict[str, Any]] = []

    def stock(warehouse: str, location_id: int, item_id: int, qty: int, lot_tracked: bool, shelf: int | None) -> None:
        lot = ""
        if lot_tracked:
            lot = f"L{opening:%y%m}{item_id:04d}{rng.randint(0, 9)}"
            expires = opening + timedelta(days=shelf or 180)
            lots.append(dict(item_id=item_id, code=lot, expires_on=expires))
        rows.append(
            dict(
                warehouse=warehouse,
                location_id=location_id,
                item_id=item_id,
                lot=lot,
                status="available",
                on_hand=qty,
                allocated=0,
                version=1,
                received_on=opening,
            )
        )

    facts = {item_id: (lot_tracked, shelf) for item_id, lot_tracked, shelf in items}
    for location_id, warehouse, face_item in faces:
        assert face_item is not None  # the query keeps assigned pick faces only
        stock(warehouse, location_id, face_item, rng.randrange(40, 200, 10), *facts[face_item])
    for n, (location_id, warehouse) in enumerate(reserve):
        if n % 3 == 0:  # two bins in three stay empty for putaway
            item_id = items[(n * 7) % len(items)][0]
            stock(warehouse, location_id, item_id, rng.randrange(100, 1000, 50), *facts[item_id])
    await _insert(db, Lot, lots)
    await _insert(db, StockBalance, rows)
    await db.execute(
        text(
            "INSERT INTO stock_movements (balance_id, delta_on_hand, delta_allocated, reason, source_document)"
            " SELECT id, on_hand, 0, 'receipt', 'opening-stock' FROM stock_balances"
        )
    )
    await _post_opening_stock(db)


async def _post_opening_stock(db: AsyncSession) -> None:
    """Value the opening stock at standard cost and book it: Dr Inventory per item / Cr Opening Balance Equity.

    From here on every movement posts its value change, so GL Inventory equals the valuations.
    """
    await db.execute(
        text(
            "INSERT INTO item_valuations (warehouse, item_id, currency, qty, value, last_unit_cost, version)"
            " SELECT b.warehouse, b.item_id, w.currency, sum(b.on_hand), sum(b.on_hand) * i.standard_cost_minor,"
            " i.standard_cost_minor, 1 FROM stock_balances b JOIN items i ON i.id = b.item_id"
            " JOIN warehouses w ON w.code = b.warehouse"
            " GROUP BY b.warehouse, b.item_id, w.currency, i.standard_cost_minor"
        )
    )
    await db.execute(
        text(
            "INSERT INTO journal_entries (id, warehouse, source_kind, source_id, posted_by, posted_at, memo)"
            " SELECT 'opening/' || code, code, 'opening', code, 'seed', now(), 'Opening stock at standard cost'"
            " FROM warehouses WHERE code IN (SELECT warehouse FROM item_valuations)"
        )
    )
    await db.execute(
        text(
            "INSERT INTO journal_lines (entry_id, account, debit, credit, currency, warehouse, item_id)"
            " SELECT 'opening/' || warehouse, :inv, value, 0, currency, warehouse, item_id FROM item_valuations"
            " WHERE value > 0 UNION ALL"
            " SELECT 'opening/' || warehouse, :equity, 0, sum(value), currency, warehouse, NULL FROM item_valuations"
            " GROUP BY warehouse, currency HAVING sum(value) > 0"
        ),
        {"inv": INVENTORY.code, "equity": OPENING_BALANCE.code},
    )


async def create_users(settings: Settings, users: list[NewUser]) -> None:
    """Create users through the same validation as the API (used by ``floorsync createuser``)."""
    engine = make_engine(settings.database_url or "", pool_size=1)
    try:
        async with make_sessionmaker(engine)() as db, db.begin():
            for new in users:
                await create_user(db, new)
    finally:
        await engine.dispose()
