"""Advance shipping notices from integrations: pallets (SSCCs) and their contents, against a PO."""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Conflict, Invalid, Rejected
from domain.events import ReceiptExpected
from server.auth.principal import ensure_warehouse
from server.auth.tokens import Principal
from server.outbox import emit
from server.services import catalog
from server.services.scans import read


class AsnLineIn(msgspec.Struct, forbid_unknown_fields=True):
    po_line: int
    sku: str
    qty: int
    lot: str = ""
    expires_on: date | None = None


class AsnPallet(msgspec.Struct, forbid_unknown_fields=True):
    sscc: str
    lines: list[AsnLineIn]


class NewAsn(msgspec.Struct, forbid_unknown_fields=True):
    """An ASN: labelled pallets with their contents, and lines that arrive loose (no SSCC)."""

    number: str
    purchase_order: str
    pallets: list[AsnPallet] = msgspec.field(default_factory=list)
    lines: list[AsnLineIn] = msgspec.field(default_factory=list)
    expected_date: date | None = None


async def create_asn(db: AsyncSession, principal: Principal, cmd: NewAsn) -> dict[str, Any]:
    """Record an ASN; every line must match a line of its open purchase order."""
    po = (
        await db.execute(
            text("SELECT id, warehouse, status FROM purchase_orders WHERE number = :n"), {"n": cmd.purchase_order}
        )
    ).first()
    if po is None:
        raise Rejected("po.not_found", f"No purchase order {cmd.purchase_order}")
    ensure_warehouse(principal, po.warehouse)
    if po.status != "open":
        raise Conflict("po.not_open", f"Purchase order {cmd.purchase_order} is {po.status}", po=cmd.purchase_order)
    if await db.scalar(text("SELECT 1 FROM asns WHERE number = :n"), {"n": cmd.number}):
        raise Conflict("asn.exists", f"ASN {cmd.number} already exists", number=cmd.number)
    rows: list[tuple[str | None, AsnLineIn]] = [(None, line) for line in cmd.lines]
    for pallet in cmd.pallets:
        sscc = read(pallet.sscc, step="pallet").code
        if not pallet.lines:
            raise Invalid("asn.empty_pallet", f"Pallet {sscc} lists no contents", sscc=sscc)
        rows += [(sscc, line) for line in pallet.lines]
    if not rows:
        raise Invalid("asn.no_lines", "An ASN needs at least one line")
    ssccs = [s for s, _ in rows if s]
    if ssccs and await db.scalar(text("SELECT 1 FROM asn_lines WHERE sscc = ANY(:s) LIMIT 1"), {"s": ssccs}):
        raise Rejected("asn.sscc_exists", "One of these SSCCs is already on another ASN")
    po_lines = {
        int(n): int(i)
        for n, i in await db.execute(
            text("SELECT line_no, item_id FROM purchase_order_lines WHERE po_id = :p"), {"p": po.id}
        )
    }
    refs = await catalog.items_by_sku(db, [line.sku for _, line in rows])
    asn_id = await db.scalar(
        text(
            "INSERT INTO asns (number, warehouse, po_id, status, expected_date) VALUES (:n, :wh, :po, 'expected', :d)"
            " RETURNING id"
        ),
        {"n": cmd.number, "wh": po.warehouse, "po": po.id, "d": cmd.expected_date},
    )
    for on_pallet, line in rows:
        ref = refs[line.sku]
        if po_lines.get(line.po_line) != ref.id:
            raise Rejected(
                "asn.line_not_on_po",
                f"{line.sku} is not line {line.po_line} of {cmd.purchase_order}",
                sku=line.sku,
                po_line=line.po_line,
            )
        if line.qty <= 0:
            raise Invalid("asn.qty_not_positive", f"{line.sku}: quantity {line.qty}")
        lot = catalog.require_lot(ref, line.lot)
        if lot:
            await catalog.ensure_lot(db, ref, lot, expires_on=line.expires_on)
        await db.execute(
            text(
                "INSERT INTO asn_lines (asn_id, sscc, po_line_no, item_id, lot, expires_on, qty)"
                " VALUES (:a, :s, :pl, :i, :lot, :exp, :q)"
            ),
            {
                "a": asn_id,
                "s": on_pallet,
                "pl": line.po_line,
                "i": ref.id,
                "lot": lot,
                "exp": line.expires_on,
                "q": line.qty,
            },
        )
    view = {
        "number": cmd.number,
        "purchase_order": cmd.purchase_order,
        "warehouse": po.warehouse,
        "status": "expected",
        "pallets": sorted(set(ssccs)),
        "lines": len(rows),
    }
    await emit(db, ReceiptExpected(warehouse=po.warehouse, entity_id=cmd.number, version=1, data=view))
    return view
