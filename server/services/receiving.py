"""Receiving at the dock: start by scanning an ASN or an SSCC, confirm pallets or lines, book stock in.

Each confirmation books its stock at once (good units available on the dock, damaged units
quarantined in QA), raises the PO's received quantity and posts Dr Inventory / Cr GRNI at PO cost.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain import stock
from domain.errors import Conflict, DomainError, Invalid, NotFound, Rejected
from domain.events import ReceiptLineConfirmed, ReceiptStarted, ReceiptUpdate
from domain.stock import Origin, StockKey, StockStatus
from server.auth.tokens import Principal
from server.outbox import emit
from server.services import catalog
from server.services.ledger import StockLedger
from server.services.locking import lock_item_balances, lock_items, lock_receipt, lock_valuations
from server.services.postings import post_goods_receipt
from server.services.receipt_views import receipt_view
from server.services.scans import read, require_item
from server.services.stock_events import publish_atp


class StartReceipt(msgspec.Struct, forbid_unknown_fields=True):
    """Scan the ASN number or one of its pallets' SSCC at a dock; ``blind`` hides expected quantities."""

    scan: str
    dock: str
    blind: bool = False


class ConfirmReceipt(msgspec.Struct, forbid_unknown_fields=True):
    """A whole pallet by its SSCC, or a line by its item label (GTIN, with lot/expiry when printed)."""

    pallet: str | None = None
    item: str | None = None
    lot: str | None = None
    expires_on: date | None = None
    qty: int = 0
    damaged_qty: int = 0
    damage_reason: str | None = None


async def _asn_for_scan(db: AsyncSession, warehouse: str, scan: str) -> Any:
    number = scan.strip()
    try:
        sscc: str | None = read(scan, step="pallet").code
    except DomainError:
        sscc = None
    row = (
        await db.execute(
            text(
                "SELECT a.id, a.number, a.status, p.number AS po, p.id AS po_id, p.currency FROM asns a"
                " JOIN purchase_orders p ON p.id = a.po_id WHERE a.warehouse = :wh AND (a.number = :n"
                " OR a.id IN (SELECT asn_id FROM asn_lines WHERE sscc = :s))"
            ),
            {"wh": warehouse, "n": number, "s": sscc},
        )
    ).first()
    if row is None:
        raise NotFound("receiving.asn_unknown", f"No ASN or pallet {number} expected at {warehouse}")
    return row


async def start_receipt(db: AsyncSession, principal: Principal, warehouse: str, cmd: StartReceipt) -> dict[str, Any]:
    """Open a receipt for the ASN (or return the one already open for it)."""
    asn = await _asn_for_scan(db, warehouse, cmd.scan)
    if asn.status == "closed":
        raise Conflict("receiving.asn_closed", f"ASN {asn.number} was already received", asn=asn.number)
    dock = await catalog.location(db, warehouse, cmd.dock)
    if dock.kind != "dock":
        raise Rejected("receiving.not_a_dock", f"{dock.code} is not a dock door", location=dock.code)
    existing = await db.scalar(text("SELECT id FROM receipts WHERE asn_id = :a AND status = 'open'"), {"a": asn.id})
    if existing is not None:
        return await receipt_view(db, int(existing))
    receipt_id = int(await db.scalar(text("SELECT nextval(pg_get_serial_sequence('receipts', 'id'))")) or 0)
    await db.execute(
        text(
            "INSERT INTO receipts (id, number, warehouse, asn_id, dock_id, status, blind, started_by, version)"
            " VALUES (:id, :n, :wh, :asn, :dock, 'open', :blind, :by, 1)"
        ),
        {
            "id": receipt_id,
            "n": f"RCV-{receipt_id:08d}",
            "wh": warehouse,
            "asn": asn.id,
            "dock": dock.id,
            "blind": cmd.blind,
            "by": principal.username,
        },
    )
    await db.execute(text("UPDATE asns SET status = 'receiving' WHERE id = :id"), {"id": asn.id})
    view = await receipt_view(db, receipt_id)
    await emit_receipt(db, ReceiptStarted, view)
    return view


async def emit_receipt(db: AsyncSession, event_type: type[ReceiptUpdate], view: dict[str, Any]) -> None:
    """The receipt's event, carrying its view."""
    event = event_type(warehouse=view["warehouse"], entity_id=view["number"], version=view["version"], data=view)
    await emit(db, event)


async def open_receipt(db: AsyncSession, warehouse: str, receipt_id: int) -> Any:
    await lock_receipt(db, receipt_id)
    row = (
        await db.execute(
            text(
                "SELECT r.id, r.number, r.status, r.asn_id, r.dock_id, a.po_id, p.currency FROM receipts r"
                " JOIN asns a ON a.id = r.asn_id JOIN purchase_orders p ON p.id = a.po_id"
                " WHERE r.id = :id AND r.warehouse = :wh"
            ),
            {"id": receipt_id, "wh": warehouse},
        )
    ).first()
    if row is None:
        raise NotFound("receiving.not_found", f"No receipt {receipt_id} in {warehouse}")
    if row.status != "open":
        raise Conflict("receiving.closed", f"Receipt {row.number} is closed", receipt=row.number)
    return row


class _Arrival(msgspec.Struct):
    item_id: int
    sku: str
    lot_tracked: bool
    po_line: int
    lot: str
    expires_on: date | None
    good: int
    damaged: int
    reason: str | None
    sscc: str | None


async def _arrivals(db: AsyncSession, receipt: Any, cmd: ConfirmReceipt) -> list[_Arrival]:
    if cmd.pallet:
        sscc = read(cmd.pallet, step="pallet").code
        if await db.scalar(
            text("SELECT 1 FROM receipt_lines rl JOIN receipts r ON r.id = rl.receipt_id WHERE rl.sscc = :s"),
            {"s": sscc},
        ):
            raise Conflict("receiving.pallet_already_received", f"Pallet {sscc} was already received", sscc=sscc)
        rows = await db.execute(
            text(
                "SELECT al.item_id, i.sku, i.lot_tracked, al.po_line_no, al.lot, al.expires_on, al.qty"
                " FROM asn_lines al"
                " JOIN items i ON i.id = al.item_id WHERE al.asn_id = :a AND al.sscc = :s ORDER BY al.id"
            ),
            {"a": receipt.asn_id, "s": sscc},
        )
        found = [_Arrival(i, s, t, pl, lot, exp, int(q), 0, None, sscc) for i, s, t, pl, lot, exp, q in rows]
        if not found:
            raise Rejected("receiving.pallet_not_on_asn", f"Pallet {sscc} is not on this ASN")
        return found
    if not cmd.item:
        raise Invalid("receiving.scan_required", "Scan a pallet (SSCC) or an item label")
    scanned = read(cmd.item, step="item")
    item = await require_item(db, scanned)
    lot = (scanned.lot or cmd.lot or "").strip()
    if item.lot_tracked and not lot:
        raise Invalid("scan.lot_required", f"{item.sku} needs a lot. Scan the lot", sku=item.sku)
    po_line = await db.scalar(
        text(
            "SELECT coalesce((SELECT po_line_no FROM asn_lines WHERE asn_id = :a AND item_id = :i ORDER BY id LIMIT 1),"
            " (SELECT line_no FROM purchase_order_lines WHERE po_id = :po AND item_id = :i ORDER BY line_no LIMIT 1))"
        ),
        {"a": receipt.asn_id, "i": item.id, "po": receipt.po_id},
    )
    if po_line is None:
        raise Rejected("receiving.item_not_on_po", f"{item.sku} is not on this purchase order")
    units = item.factor
    return [
        _Arrival(
            item.id,
            item.sku,
            item.lot_tracked,
            int(po_line),
            lot if item.lot_tracked else "",
            scanned.expiry or cmd.expires_on,
            cmd.qty * units,
            cmd.damaged_qty * units,
            cmd.damage_reason,
            None,
        )
    ]


async def confirm_receipt(
    db: AsyncSession, principal: Principal, warehouse: str, receipt_id: int, cmd: ConfirmReceipt
) -> dict[str, Any]:
    """Book what arrived: stock, PO received quantities, postings, events."""
    receipt = await open_receipt(db, warehouse, receipt_id)
    arrivals = await _arrivals(db, receipt, cmd)
    for a in arrivals:
        if a.good < 0 or a.damaged < 0 or a.good + a.damaged == 0:
            raise Invalid("receiving.invalid_quantity", f"Enter a positive count of {a.sku}")
        if a.damaged and not (a.reason or "").strip():
            raise Invalid("receiving.damage_reason_required", f"Say why {a.sku} is damaged")
    today = await catalog.warehouse_today(db, warehouse)
    quarantine = await db.scalar(
        text("SELECT id FROM locations WHERE warehouse = :wh AND kind = 'quarantine' ORDER BY code LIMIT 1"),
        {"wh": warehouse},
    )
    dock_code = await db.scalar(text("SELECT code FROM locations WHERE id = :id"), {"id": receipt.dock_id})
    qa_code = await db.scalar(text("SELECT code FROM locations WHERE id = :id"), {"id": quarantine})
    item_ids = sorted({a.item_id for a in arrivals})
    await lock_items(db, warehouse, item_ids)
    ledger = StockLedger(db, warehouse, principal.user_id, principal.device_id)
    ledger.hold(await lock_item_balances(db, warehouse, item_ids, status=None))
    origin = Origin(receipt.number, principal.username, str(principal.device_id) if principal.device_id else None)
    await lock_valuations(db, warehouse, item_ids, currency=str(receipt.currency))
    for a in arrivals:
        ref = catalog.ItemRef(a.item_id, a.sku, a.lot_tracked, None, (), {}, "")
        if a.lot:
            await catalog.ensure_lot(db, ref, a.lot, expires_on=a.expires_on)
        for qty, code, loc_id, status in (
            (a.good, dock_code, receipt.dock_id, StockStatus.AVAILABLE),
            (a.damaged, qa_code, quarantine, StockStatus.QUARANTINED),
        ):
            if qty:
                key = StockKey(str(code), a.sku, a.lot, status)
                await ledger.open(key, location_id=int(loc_id), item_id=a.item_id, received_on=today)
                ledger.apply(stock.receive(key, qty, origin=origin))
        cost = await db.scalar(
            text(
                "UPDATE purchase_order_lines SET qty_received = qty_received + :q,"
                " open_qty = greatest(qty_ordered - qty_received - :q, 0) WHERE po_id = :po AND line_no = :n"
                " RETURNING unit_cost_minor"
            ),
            {"q": a.good + a.damaged, "po": receipt.po_id, "n": a.po_line},
        )
        line_id = await db.scalar(
            text(
                "INSERT INTO receipt_lines (receipt_id, item_id, po_line_no, sscc, lot, expires_on, qty_good,"
                " qty_damaged, damage_reason, unit_cost_minor, received_by) VALUES (:r, :i, :pl, :s, :lot, :exp,"
                " :g, :d, :why, :c, :by) RETURNING id"
            ),
            {
                "r": receipt.id,
                "i": a.item_id,
                "pl": a.po_line,
                "s": a.sscc,
                "lot": a.lot,
                "exp": a.expires_on,
                "g": a.good,
                "d": a.damaged,
                "why": a.reason,
                "c": int(cost or 0),
                "by": principal.username,
            },
        )
        await ledger.flush()
        await post_goods_receipt(
            db,
            warehouse,
            item_id=a.item_id,
            sku=a.sku,
            qty=a.good + a.damaged,
            unit_cost=int(cost or 0),
            currency=str(receipt.currency),
            entry_id=f"{receipt.number}/L{line_id}",
            receipt=receipt.number,
            user=principal.username,
        )
    await publish_atp(db, warehouse, item_ids, today=today)
    await db.execute(text("UPDATE receipts SET version = version + 1 WHERE id = :id"), {"id": receipt.id})
    view = await receipt_view(db, receipt.id)
    await emit_receipt(db, ReceiptLineConfirmed, view)
    return view
