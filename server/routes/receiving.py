"""ASNs from integrations, and receiving at the dock."""

from __future__ import annotations

import msgspec
from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody
from sqlalchemy import text

from domain.errors import NotFound
from server.auth.principal import requires
from server.deps import Caller, Db
from server.mutations import register
from server.services.asns import NewAsn, create_asn
from server.services.floor_mutations import ReceiptLine, receipt_line
from server.services.receipt_close import close_receipt
from server.services.receipt_models import AsnRecorded, ClosedReceipt, ReceiptView
from server.services.receipt_views import receipt_view
from server.services.receiving import ConfirmReceipt, StartReceipt, confirm_receipt, start_receipt

RECEIVING = requires("receiver", "supervisor")


class AsnController(Controller):
    path = "/api/asns"
    tags = ["receiving"]

    @post("/", operation_id="createAsn", guards=[requires("supervisor")])
    async def create(self, data: JSONBody[NewAsn], db: Db, principal: Caller) -> AsnRecorded:
        """Record an ASN: pallets by SSCC with their contents, and loose lines, against an open PO."""
        return msgspec.convert(await create_asn(db, principal, data), AsnRecorded)


class ReceiptController(Controller):
    path = "/api/warehouses/{warehouse:str}/receipts"
    tags = ["receiving"]
    guards = [RECEIVING]

    @post("/", operation_id="startReceipt")
    async def start(
        self, warehouse: FromPath[str], data: JSONBody[StartReceipt], db: Db, principal: Caller
    ) -> ReceiptView:
        """Start receiving by scanning the ASN or one of its SSCCs at a dock."""
        return msgspec.convert(await start_receipt(db, principal, warehouse, data), ReceiptView)

    @get("/{receipt_id:int}", operation_id="getReceipt")
    async def view(self, warehouse: FromPath[str], receipt_id: FromPath[int], db: Db) -> ReceiptView:
        """The receipt: expected (hidden quantities when blind), received, pallets."""
        found = await db.scalar(
            text("SELECT id FROM receipts WHERE id = :id AND warehouse = :wh"), {"id": receipt_id, "wh": warehouse}
        )
        if found is None:
            raise NotFound("receiving.not_found", f"No receipt {receipt_id} in {warehouse}")
        return msgspec.convert(await receipt_view(db, receipt_id), ReceiptView)

    @post("/{receipt_id:int}/lines", operation_id="confirmReceiptLine")
    async def confirm(
        self,
        warehouse: FromPath[str],
        receipt_id: FromPath[int],
        data: JSONBody[ConfirmReceipt],
        db: Db,
        principal: Caller,
    ) -> ReceiptView:
        """Confirm a whole pallet by SSCC, or a line by GTIN + lot + expiry + quantity (good and damaged)."""
        return msgspec.convert(await confirm_receipt(db, principal, warehouse, receipt_id, data), ReceiptView)

    @post("/{receipt_id:int}/close", operation_id="closeReceipt")
    async def close(
        self, warehouse: FromPath[str], receipt_id: FromPath[int], db: Db, principal: Caller
    ) -> ClosedReceipt:
        """Close: variances become exceptions, dock stock gets putaway tasks."""
        return msgspec.convert(await close_receipt(db, principal, warehouse, receipt_id), ClosedReceipt)


register("receipt.line", ReceiptLine, receipt_line)
