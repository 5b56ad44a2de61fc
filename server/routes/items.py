"""Item master data in from the ERP: create or update an item with its units, GTINs and list prices."""

from __future__ import annotations

import msgspec
from litestar import Controller, put
from litestar.params import FromPath, JSONBody
from sqlalchemy import text

from domain.errors import Conflict, Rejected
from domain.items import MasterUnit, master_item
from server.auth.principal import requires
from server.deps import Caller, Db
from server.imports.history import record_change


class Unit(msgspec.Struct, forbid_unknown_fields=True):
    uom: str
    factor: int
    gtin: str | None = None


class ItemData(msgspec.Struct, forbid_unknown_fields=True):
    description: str
    units: list[Unit]
    lot_tracked: bool = False
    shelf_life_days: int | None = None
    item_class: str = "general"
    substitutes: list[str] = msgspec.field(default_factory=list)
    standard_cost: int = 0
    currency: str = "EUR"
    list_prices: dict[str, int] = msgspec.field(default_factory=dict)  # price list code -> unit price


def _validate(sku: str, data: ItemData) -> None:
    master_item(
        sku,
        tuple(MasterUnit(u.uom, u.factor, u.gtin) for u in data.units),
        lot_tracked=data.lot_tracked,
        shelf_life_days=data.shelf_life_days,
        substitutes=tuple(data.substitutes),
    )


class ItemSaved(msgspec.Struct, forbid_unknown_fields=True):
    sku: str
    id: int


class ItemController(Controller):
    path = "/api/items"
    tags = ["master data"]
    guards = [requires("admin")]

    @put("/{sku:str}", operation_id="putItem")
    async def put_item(self, sku: FromPath[str], data: JSONBody[ItemData], db: Db, principal: Caller) -> ItemSaved:
        """Create or replace an item (idempotent by SKU); a change shows in ``GET /api/items/{sku}/history``."""
        _validate(sku, data)
        before = await db.scalar(text(_ITEM_STATE), {"sku": sku})
        item_id = await db.scalar(
            text(
                "INSERT INTO items (sku, description, base_uom, item_class, lot_tracked, shelf_life_days, substitutes,"
                " standard_cost_minor, currency) VALUES (:sku, :d, 'EA', :c, :lt, :sl, :subs, :cost, :cur)"
                " ON CONFLICT (sku) DO UPDATE SET description = :d, item_class = :c, lot_tracked = :lt,"
                " shelf_life_days = :sl, substitutes = :subs, standard_cost_minor = :cost, currency = :cur"
                " RETURNING id"
            ),
            {
                "sku": sku,
                "d": data.description,
                "c": data.item_class,
                "lt": data.lot_tracked,
                "sl": data.shelf_life_days,
                "subs": data.substitutes,
                "cost": data.standard_cost,
                "cur": data.currency,
            },
        )
        await db.execute(text("DELETE FROM item_uoms WHERE item_id = :i"), {"i": item_id})
        for unit in data.units:
            taken = await db.scalar(
                text("SELECT i.sku FROM item_uoms u JOIN items i ON i.id = u.item_id WHERE u.gtin = :g"),
                {"g": unit.gtin},
            )
            if taken:
                raise Conflict("item.gtin_taken", f"GTIN {unit.gtin} belongs to {taken}", gtin=unit.gtin)
            await db.execute(
                text("INSERT INTO item_uoms (item_id, uom, factor, gtin) VALUES (:i, :u, :f, :g)"),
                {"i": item_id, "u": unit.uom, "f": unit.factor, "g": unit.gtin},
            )
        for code, price in data.list_prices.items():
            found = await db.execute(
                text(
                    "INSERT INTO price_list_prices (price_list_id, item_id, unit_price_minor)"
                    " SELECT id, :i, :p FROM price_lists WHERE code = :code"
                    " ON CONFLICT (price_list_id, item_id) DO UPDATE SET unit_price_minor = :p RETURNING 1"
                ),
                {"i": item_id, "p": price, "code": code},
            )
            if found.first() is None:
                raise Rejected("price_list.unknown", f"No price list {code}", price_list=code)
        after = await db.scalar(text(_ITEM_STATE), {"sku": sku})
        changes = {k: [(before or {}).get(k), v] for k, v in after.items() if (before or {}).get(k) != v}
        if changes:
            action = "updated" if before else "created"
            await record_change(db, entity="item", key=sku, action=action, changes=changes, by=principal.username)
        return ItemSaved(sku=sku, id=int(item_id or 0))


# an item's fields and units as the history compares them (ids and timestamps left out)
_ITEM_STATE = (
    "SELECT to_jsonb(i) - 'id' - 'created_at' || jsonb_build_object('units', (SELECT jsonb_agg(u.uom || ':' || u.factor"
    " || ':' || coalesce(u.gtin, '') ORDER BY u.uom) FROM item_uoms u WHERE u.item_id = i.id)) FROM items i"
    " WHERE i.sku = :sku"
)
