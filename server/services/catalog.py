"""Lookups that commands share: items by SKU, locations by code, lots, the warehouse's today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Invalid, NotFound, Rejected
from server.db import pg


@dataclass(frozen=True, slots=True)
class ItemRef:
    id: int
    sku: str
    lot_tracked: bool
    shelf_life_days: int | None
    substitutes: tuple[str, ...]
    uoms: dict[str, int]
    description: str


@dataclass(frozen=True, slots=True)
class LocationRef:
    id: int
    code: str
    kind: str
    zone: str


async def items_by_sku(db: AsyncSession, skus: list[str]) -> dict[str, ItemRef]:
    """The items named; ``item.unknown`` (422) for any that do not exist."""
    rows = await (await pg(db)).fetch(
        "SELECT i.id, i.sku, i.lot_tracked, i.shelf_life_days, i.substitutes, i.description,"
        " coalesce(json_object_agg(u.uom, u.factor) FILTER (WHERE u.uom IS NOT NULL), '{}')"
        " FROM items i LEFT JOIN item_uoms u ON u.item_id = i.id WHERE i.sku = ANY($1::text[]) GROUP BY i.id",
        sorted(set(skus)),
    )
    found = {
        sku: ItemRef(int(id_), sku, bool(lot), shelf, tuple(subs or ()), dict(uoms), desc)
        for id_, sku, lot, shelf, subs, desc, uoms in rows
    }
    if missing := sorted(set(skus) - set(found)):
        raise Rejected("item.unknown", f"No item {', '.join(missing)}", skus=missing)
    return found


async def location(db: AsyncSession, warehouse: str, code: str) -> LocationRef:
    """A location of ``warehouse`` by its code (its barcode)."""
    row = (
        await db.execute(
            text("SELECT id, code, kind, zone FROM locations WHERE code = :code AND warehouse = :wh"),
            {"code": code.strip().upper(), "wh": warehouse},
        )
    ).first()
    if row is None:
        raise Rejected(
            "location.unknown",
            f"No location {code} in {warehouse}",
            location=code,
            warehouse=warehouse,
        )
    return LocationRef(int(row[0]), str(row[1]), str(row[2]), str(row[3]))


async def ensure_lot(db: AsyncSession, item: ItemRef, lot: str, *, expires_on: date | None) -> None:
    """Record a lot (with its expiry) the first time it is seen; a known lot keeps its expiry."""
    await db.execute(
        text(
            "INSERT INTO lots (item_id, code, expires_on) VALUES (:item, :code, :exp)"
            " ON CONFLICT (item_id, code) DO NOTHING"
        ),
        {"item": item.id, "code": lot, "exp": expires_on},
    )


def require_lot(item: ItemRef, lot: str) -> str:
    """A lot-tracked item needs its lot; others take none."""
    lot = lot.strip()
    if item.lot_tracked and not lot:
        raise Invalid("stock.lot_required", f"{item.sku} is lot tracked: give its lot", sku=item.sku)
    if not item.lot_tracked and lot:
        raise Rejected("stock.lot_not_tracked", f"{item.sku} is not lot tracked", sku=item.sku)
    return lot


_zones: dict[str, ZoneInfo] = {}


async def warehouse_today(db: AsyncSession, warehouse: str) -> date:
    """Today's date where the warehouse is (expiry and requested dates are local dates)."""
    zone = _zones.get(warehouse)
    if zone is None:
        tz = await db.scalar(text("SELECT timezone FROM warehouses WHERE code = :wh"), {"wh": warehouse})
        if tz is None:
            raise NotFound("warehouse.unknown", f"No warehouse {warehouse}", warehouse=warehouse)
        zone = _zones[warehouse] = ZoneInfo(tz)
    return datetime.now(UTC).astimezone(zone).date()
