"""Packing and shipping: totes into shipping units, ship-confirm per order or per wave."""

from __future__ import annotations

import msgspec
from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody
from sqlalchemy import text

from server.auth.principal import requires
from server.deps import Caller, Db
from server.services.packing import PackOrder, pack_order
from server.services.packing_views import orders_to_pack
from server.services.shipping import ConfirmShipment, confirm_shipment
from server.services.shipping_models import OrderToPack, PackedUnit, ShipmentView, ShippingUnitView


class ShippingController(Controller):
    path = "/api/warehouses/{warehouse:str}"
    tags = ["shipping"]

    @get("/packing", operation_id="listOrdersToPack", guards=[requires("picker", "supervisor")])
    async def to_pack(self, warehouse: FromPath[str], db: Db) -> list[OrderToPack]:
        """Picked orders waiting at the packing bench or the dock: totes to pack, units packed."""
        return msgspec.convert(await orders_to_pack(db, warehouse), list[OrderToPack])

    @post("/orders/{number:str}/pack", operation_id="packOrder", guards=[requires("picker", "supervisor")])
    async def pack(
        self, warehouse: FromPath[str], number: FromPath[str], data: JSONBody[PackOrder], db: Db, principal: Caller
    ) -> PackedUnit:
        """Pack a picked order's totes into a shipping unit labelled with a new SSCC."""
        return msgspec.convert(await pack_order(db, principal, warehouse, number, data), PackedUnit)

    @get(
        "/orders/{number:str}/shipping-units",
        operation_id="listShippingUnits",
        guards=[requires("picker", "supervisor")],
    )
    async def units(self, warehouse: FromPath[str], number: FromPath[str], db: Db) -> list[ShippingUnitView]:
        """The order's shipping units with their totes and, once shipped, the shipment."""
        rows = await db.execute(
            text(
                "SELECT u.sscc, u.totes, u.packed_by, u.packed_at, u.shipment_id FROM shipping_units u"
                " JOIN sales_orders o ON o.id = u.order_id WHERE o.warehouse = :wh AND o.number = :n ORDER BY u.sscc"
            ),
            {"wh": warehouse, "n": number},
        )
        return [
            ShippingUnitView(
                sscc=r.sscc,
                totes=list(r.totes),
                packed_by=r.packed_by,
                packed_at=r.packed_at.isoformat(),
                shipment=r.shipment_id,
            )
            for r in rows
        ]

    @post("/shipments", operation_id="confirmShipment", guards=[requires("supervisor")])
    async def ship(
        self, warehouse: FromPath[str], data: JSONBody[ConfirmShipment], db: Db, principal: Caller
    ) -> ShipmentView:
        """Ship-confirm picked, packed orders (or a whole wave): stock out, COGS and invoices posted."""
        return msgspec.convert(await confirm_shipment(db, principal, warehouse, data), ShipmentView)
