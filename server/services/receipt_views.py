"""Receipts as screens and events show them, and what their ASN expects."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.receiving import ExpectedLine, receiving_prompt


async def receipt_view(db: AsyncSession, receipt_id: int) -> dict[str, Any]:
    """The receipt: what to receive (quantities hidden when blind), what was received, which pallets."""
    r = (
        await db.execute(
            text(
                "SELECT r.number, r.warehouse, r.status, r.blind, r.version, a.number AS asn, p.number AS po,"
                " l.code AS dock FROM receipts r JOIN asns a ON a.id = r.asn_id"
                " JOIN purchase_orders p ON p.id = a.po_id JOIN locations l ON l.id = r.dock_id WHERE r.id = :id"
            ),
            {"id": receipt_id},
        )
    ).one()
    expected = await expected_lines(db, receipt_id)
    prompt = receiving_prompt([e for _, e in expected], blind=r.blind)
    received = await db.execute(
        text(
            "SELECT i.sku, rl.lot, rl.sscc, rl.qty_good, rl.qty_damaged, rl.damage_reason FROM receipt_lines rl"
            " JOIN items i ON i.id = rl.item_id WHERE rl.receipt_id = :id ORDER BY rl.id"
        ),
        {"id": receipt_id},
    )
    pallets = await db.execute(
        text(
            "SELECT DISTINCT al.sscc, EXISTS (SELECT 1 FROM receipt_lines rl WHERE rl.receipt_id = :id"
            " AND rl.sscc = al.sscc) FROM asn_lines al JOIN receipts r ON r.asn_id = al.asn_id"
            " WHERE r.id = :id AND al.sscc IS NOT NULL ORDER BY 1"
        ),
        {"id": receipt_id},
    )
    return {
        "id": receipt_id,
        "number": r.number,
        "warehouse": r.warehouse,
        "asn": r.asn,
        "purchase_order": r.po,
        "dock": r.dock,
        "status": r.status,
        "blind": r.blind,
        "version": int(r.version),
        "expected": [{"sku": p.item, "lot": p.lot, "qty": p.qty_expected} for p in prompt],
        "pallets": [{"sscc": s, "received": done} for s, done in pallets],
        "received": [
            {"sku": s, "lot": lot or None, "sscc": sscc, "qty": int(g), "damaged_qty": int(d), "damage_reason": why}
            for s, lot, sscc, g, d, why in received
        ],
    }


async def expected_lines(db: AsyncSession, receipt_id: int) -> list[tuple[int, ExpectedLine]]:
    """The ASN's contents as (po line, expected line)."""
    rows = await db.execute(
        text(
            "SELECT al.po_line_no, i.sku, al.lot, al.qty FROM asn_lines al JOIN receipts r ON r.asn_id = al.asn_id"
            " JOIN items i ON i.id = al.item_id WHERE r.id = :id ORDER BY al.id"
        ),
        {"id": receipt_id},
    )
    return [(int(pl), ExpectedLine(sku, int(q), lot or None)) for pl, sku, lot, q in rows]
