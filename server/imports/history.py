"""Who changed which master record, when, from where, and how: read back per record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from litestar import Controller, get
from litestar.params import FromPath, FromQuery
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Invalid
from server.auth.principal import requires
from server.deps import Db

ENTITIES = ("item", "customer", "location", "warehouse", "supplier", "price", "price_list", "customer_price", "user")
MAX_LIMIT = 1000


class HistoryEntry(msgspec.Struct):
    id: int
    entity: str
    key: str
    action: str  # created | updated
    changes: dict[str, Any]  # field -> [before, after] ("password"/"pin": "changed", never the secret)
    changed_by: str
    source: str  # "import:<run id>" or "api"
    changed_at: datetime


async def record_change(
    db: AsyncSession, *, entity: str, key: str, action: str, changes: dict[str, Any], by: str
) -> None:
    """One history row for a change made through a single-record API."""
    await db.execute(
        text(
            "INSERT INTO master_data_history (entity, entity_key, action, changes, changed_by, source)"
            " VALUES (:e, :k, :a, CAST(:c AS jsonb), :by, 'api')"
        ),
        {"e": entity, "k": key, "a": action, "c": msgspec.json.encode(changes).decode(), "by": by},
    )


async def read_history(
    db: AsyncSession, entity: str, key: str, *, limit: int, before: int | None
) -> list[HistoryEntry]:
    """Newest first; page back with ``before`` (the smallest id seen)."""
    if entity not in ENTITIES:
        raise Invalid("history.entity_unknown", f"History is kept for: {', '.join(ENTITIES)}")
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid("history.limit_invalid", f"limit is 1 to {MAX_LIMIT}")
    rows = await db.execute(
        text(
            "SELECT id, entity, entity_key, action, changes, changed_by, source, changed_at FROM master_data_history"
            " WHERE entity = :e AND entity_key = :k AND (CAST(:before AS bigint) IS NULL OR id < :before)"
            " ORDER BY id DESC LIMIT :limit"
        ),
        {"e": entity, "k": key, "before": before, "limit": limit},
    )
    return [HistoryEntry(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]) for r in rows]


class HistoryController(Controller):
    path = "/api"
    tags = ["master data"]
    guards = [requires("supervisor")]

    @get("/items/{sku:str}/history", operation_id="getItemHistory")
    async def item(
        self, db: Db, sku: FromPath[str], limit: FromQuery[int] = 100, before: FromQuery[int | None] = None
    ) -> list[HistoryEntry]:
        """Changes to an item (fields, units and GTINs), newest first. Problems: ``history.limit_invalid`` (422)."""
        return await read_history(db, "item", sku, limit=limit, before=before)

    @get("/customers/{code:str}/history", operation_id="getCustomerHistory")
    async def customer(
        self, db: Db, code: FromPath[str], limit: FromQuery[int] = 100, before: FromQuery[int | None] = None
    ) -> list[HistoryEntry]:
        """Changes to a customer (credit limit, tier, price list, rep, warehouses served), newest first.
        Problems: ``history.limit_invalid`` (422)."""
        return await read_history(db, "customer", code, limit=limit, before=before)

    @get("/locations/{code:str}/history", operation_id="getLocationHistory")
    async def location(
        self, db: Db, code: FromPath[str], limit: FromQuery[int] = 100, before: FromQuery[int | None] = None
    ) -> list[HistoryEntry]:
        """Changes to a location (zone, pick sequence, pick face item, min/max), newest first.
        Problems: ``history.limit_invalid`` (422)."""
        return await read_history(db, "location", code.upper(), limit=limit, before=before)

    @get("/prices/{price_list:str}/{sku:str}/history", operation_id="getPriceHistory")
    async def price(
        self,
        db: Db,
        price_list: FromPath[str],
        sku: FromPath[str],
        limit: FromQuery[int] = 100,
        before: FromQuery[int | None] = None,
    ) -> list[HistoryEntry]:
        """Changes to an item's price on a price list (price, validity), newest first.
        Problems: ``history.limit_invalid`` (422)."""
        return await read_history(db, "price", f"{price_list}:{sku}", limit=limit, before=before)

    @get("/history/{entity:str}/{key:str}", operation_id="getMasterDataHistory")
    async def any_record(
        self,
        db: Db,
        entity: FromPath[str],
        key: FromPath[str],
        limit: FromQuery[int] = 100,
        before: FromQuery[int | None] = None,
    ) -> list[HistoryEntry]:
        """Changes to any master record: ``entity`` is one of item, customer, location, warehouse,
        supplier, price (key ``LIST:SKU``), price_list, customer_price (key ``CUSTOMER:SKU``), user.
        Problems: ``history.entity_unknown``, ``history.limit_invalid`` (422)."""
        return await read_history(db, entity, key, limit=limit, before=before)
