"""Stock, ATP and the tablet catalog of a warehouse; adjustments and moves."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy import text

from realtime.positions import stream_position
from server.auth.principal import AUTHENTICATED, requires
from server.deps import Caller, Db
from server.services import catalog
from server.services.atp import atp_for_items, atp_of_item
from server.services.stock import AdjustStock, MoveStock, adjust_stock, move_stock
from server.services.stock_models import Adjusted, CatalogPage, ItemAtp, Moved, StockList

_CATALOG = text(
    "SELECT i.id, i.sku, i.description, i.lot_tracked, i.item_class,"
    " array_remove(array_agg(u.gtin ORDER BY u.factor), NULL), count(*) OVER ()"
    " FROM items i LEFT JOIN item_uoms u ON u.item_id = i.id"
    " WHERE CAST(:q AS text) IS NULL OR i.sku ILIKE :prefix OR i.description ILIKE :contains"
    " OR i.id IN (SELECT item_id FROM item_uoms WHERE gtin = :q)"
    " GROUP BY i.id ORDER BY i.sku LIMIT :limit OFFSET :offset"
)
_STOCK = text(
    "SELECT l.code, i.sku, b.lot, b.status, b.on_hand, b.allocated, b.version, lot.expires_on"
    " FROM stock_balances b JOIN locations l ON l.id = b.location_id JOIN items i ON i.id = b.item_id"
    " LEFT JOIN lots lot ON lot.item_id = b.item_id AND lot.code = b.lot AND b.lot <> ''"
    " WHERE b.warehouse = :wh AND b.on_hand > 0 AND (CAST(:sku AS text) IS NULL OR i.sku = :sku)"
    " AND (CAST(:loc AS text) IS NULL OR l.code = :loc) ORDER BY l.pick_sequence, i.sku, b.lot LIMIT :limit"
)


class InventoryController(Controller):
    path = "/api/warehouses/{warehouse:str}"
    tags = ["inventory"]

    @get("/atp/{sku:str}", operation_id="getAtp", guards=[AUTHENTICATED])
    async def atp(self, warehouse: FromPath[str], sku: FromPath[str], db: Db) -> ItemAtp:
        """Time-phased available-to-promise of one item, with the stream position it is current to."""
        as_of, description, atp = await atp_of_item(db, warehouse, sku)
        return msgspec.convert({"as_of": as_of, "atp": atp.to_dict(), "description": description}, ItemAtp)

    @get("/catalog", operation_id="searchCatalog", guards=[AUTHENTICATED])
    async def catalog_page(
        self,
        warehouse: FromPath[str],
        db: Db,
        q: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 25,
        offset: Annotated[int, QueryParameter(ge=0)] = 0,
    ) -> CatalogPage:
        """A page of items matching a SKU prefix, a GTIN or text, each with its ATP summary."""
        as_of = await stream_position(db, warehouse)
        term = q.strip() if q and q.strip() else None
        rows = (
            await db.execute(
                _CATALOG,
                {"q": term, "prefix": f"{term}%", "contains": f"%{term}%", "limit": limit, "offset": offset},
            )
        ).all()
        today = await catalog.warehouse_today(db, warehouse)
        atps = await atp_for_items(db, warehouse, {r[0]: r[1] for r in rows}, today=today)
        items = []
        for item_id, sku, description, lot_tracked, item_class, gtins, _ in rows:
            atp = atps[item_id]
            next_inbound = next((b.day.isoformat() for b in atp.buckets if b.inbound), None)
            items.append(
                {
                    "sku": sku,
                    "description": description,
                    "gtins": gtins,
                    "lot_tracked": lot_tracked,
                    "item_class": item_class,
                    "available_now": atp.available_now,
                    "promisable_now": atp.buckets[0].promisable,
                    "quarantined": atp.quarantined,
                    "damaged": atp.damaged,
                    "next_inbound": next_inbound,
                }
            )
        page = {"as_of": as_of, "total": int(rows[0][-1]) if rows else 0, "items": items}
        return msgspec.convert(page, CatalogPage)

    @get("/stock", operation_id="listStock", guards=[AUTHENTICATED])
    async def stock(
        self,
        warehouse: FromPath[str],
        db: Db,
        sku: FromQuery[str | None] = None,
        location: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 200,
    ) -> StockList:
        """Balances on hand, by location in pick-path order."""
        as_of = await stream_position(db, warehouse)
        rows = await db.execute(
            _STOCK, {"wh": warehouse, "sku": sku, "loc": location.upper() if location else None, "limit": limit}
        )
        balances = [
            {
                "location": loc,
                "sku": s,
                "lot": lot,
                "status": status,
                "on_hand": int(on_hand),
                "allocated": int(allocated),
                "version": int(version),
                "expires_on": expires.isoformat() if expires else None,
            }
            for loc, s, lot, status, on_hand, allocated, version, expires in rows
        ]
        return msgspec.convert({"as_of": as_of, "balances": balances}, StockList)

    @post("/stock/adjustments", operation_id="adjustStock", guards=[requires("supervisor")])
    async def adjust(
        self, warehouse: FromPath[str], data: JSONBody[AdjustStock], db: Db, principal: Caller
    ) -> Adjusted:
        """Correct a balance with a reason code (found, lost, scrap, count, correction)."""
        return msgspec.convert(await adjust_stock(db, principal, warehouse, data), Adjusted)

    @post("/stock/moves", operation_id="moveStock", guards=[requires("picker", "receiver", "supervisor")])
    async def move(
        self, warehouse: FromPath[str], data: JSONBody[MoveStock], db: Db, principal: Caller
    ) -> Moved:
        """Move stock to another location or status (e.g. into quarantine)."""
        return msgspec.convert(await move_stock(db, principal, warehouse, data), Moved)
