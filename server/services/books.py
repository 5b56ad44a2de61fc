"""Reading the general ledger: trial balance, entries by source, and reversal of a posted entry."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain import ledger
from domain.errors import Conflict, NotFound
from domain.events import JournalReversed
from domain.ledger import EntryHeader, JournalEntry, JournalLine, SourceDocument
from server.auth.tokens import Principal
from server.outbox import emit_many
from server.services.postings import write_entry


async def trial_balance(db: AsyncSession, *, warehouse: str | None) -> dict[str, Any]:
    """Debits and credits per account and currency, with the two checks an accountant asks first.

    ``balanced``: debits equal credits. ``inventory_reconciled``: per warehouse, the Inventory
    account equals the valuation of the stock on hand (sum of on-hand x average cost).
    """
    rows = await db.execute(
        text(
            "SELECT l.account, a.name, a.type, l.currency, sum(l.debit) AS debit, sum(l.credit) AS credit"
            " FROM journal_lines l JOIN accounts a ON a.code = l.account JOIN journal_entries e ON e.id = l.entry_id"
            " WHERE CAST(:wh AS text) IS NULL OR e.warehouse = :wh"
            " GROUP BY l.account, a.name, a.type, l.currency ORDER BY l.account, l.currency"
        ),
        {"wh": warehouse},
    )
    accounts = [
        {
            "account": r.account,
            "name": r.name,
            "type": r.type,
            "currency": r.currency,
            "debit": int(r.debit),
            "credit": int(r.credit),
            "balance": int(r.debit) - int(r.credit),
        }
        for r in rows
    ]
    valuation = await db.execute(
        text(
            "SELECT v.warehouse, v.currency, sum(v.value) AS stock_value,"
            " (SELECT coalesce(sum(l.debit - l.credit), 0) FROM journal_lines l WHERE l.account = :inv"
            "  AND l.warehouse = v.warehouse AND l.currency = v.currency) AS gl_value"
            " FROM item_valuations v WHERE CAST(:wh AS text) IS NULL OR v.warehouse = :wh"
            " GROUP BY v.warehouse, v.currency ORDER BY v.warehouse"
        ),
        {"wh": warehouse, "inv": ledger.INVENTORY.code},
    )
    inventory = [
        {
            "warehouse": r.warehouse,
            "currency": r.currency,
            "stock_value": int(r.stock_value),
            "gl_value": int(r.gl_value),
        }
        for r in valuation
    ]
    per_currency: dict[str, int] = {}
    for a in accounts:
        per_currency[a["currency"]] = per_currency.get(a["currency"], 0) + a["balance"]
    return {
        "warehouse": warehouse,
        "accounts": accounts,
        "balanced": all(v == 0 for v in per_currency.values()),
        "inventory": inventory,
        "inventory_reconciled": all(i["stock_value"] == i["gl_value"] for i in inventory),
    }


async def _load_entry(
    db: AsyncSession, entry_id: str, *, lock: bool = False
) -> tuple[JournalEntry, str | None, dict[str, int]]:
    """An entry, its warehouse and its items' ids; ``lock`` holds the entry row (a reversal of it)."""
    head = (
        await db.execute(
            text(
                "SELECT id, warehouse, source_kind, source_id, posted_by, posted_at, memo, reverses"
                " FROM journal_entries WHERE id = :id" + (" FOR UPDATE" if lock else "")
            ),
            {"id": entry_id},
        )
    ).first()
    if head is None:
        raise NotFound("ledger.entry_not_found", f"No journal entry {entry_id}", entry=entry_id)
    lines = (
        await db.execute(
            text(
                "SELECT l.account, l.debit, l.credit, l.currency, l.warehouse, i.sku, l.item_id FROM journal_lines l"
                " LEFT JOIN items i ON i.id = l.item_id WHERE l.entry_id = :id ORDER BY l.id"
            ),
            {"id": entry_id},
        )
    ).all()
    header = EntryHeader(
        head.id, SourceDocument(head.source_kind, head.source_id), head.posted_by, head.posted_at, head.memo
    )
    entry = JournalEntry(
        header,
        tuple(JournalLine(r.account, int(r.debit), int(r.credit), r.currency, r.warehouse, r.sku) for r in lines),
        head.reverses,
    )
    return entry, head.warehouse, {r.sku: int(r.item_id) for r in lines if r.sku}


async def entries_for(db: AsyncSession, *, source_kind: str, source_id: str) -> list[dict[str, Any]]:
    """The entries a source document (receipt, shipment, invoice, count, ...) posted, oldest first."""
    ids = list(
        await db.scalars(
            text("SELECT id FROM journal_entries WHERE source_kind = :k AND source_id = :s ORDER BY posted_at, id"),
            {"k": source_kind, "s": source_id},
        )
    )
    views = []
    for entry_id in ids:
        entry, warehouse, _ = await _load_entry(db, entry_id)
        views.append({**entry_view(entry), "warehouse": warehouse})
    return views


def entry_view(entry: JournalEntry) -> dict[str, Any]:
    """An entry as the API shows it."""
    return {
        "id": entry.id,
        "source": {"kind": entry.header.source.kind, "id": entry.header.source.id},
        "posted_by": entry.header.user,
        "posted_at": entry.header.posted_at.isoformat(),
        "memo": entry.header.memo,
        "reverses": entry.reverses,
        "lines": [
            {
                "account": line.account,
                "debit": line.debit,
                "credit": line.credit,
                "currency": line.currency,
                "warehouse": line.warehouse,
                "item": line.item,
            }
            for line in entry.lines
        ],
    }


async def reverse_entry(db: AsyncSession, principal: Principal, entry_id: str) -> dict[str, Any]:
    """Correct a posting by a new, opposite entry; the original is never edited.

    Entries that moved Inventory are refused: their stock side is corrected by a stock adjustment,
    which posts its own entry, so the GL keeps equalling the valuation of the stock.
    """
    entry, warehouse, item_ids = await _load_entry(db, entry_id, lock=True)
    if any(line.account == ledger.INVENTORY.code for line in entry.lines):
        raise Conflict(
            "ledger.reversal_moves_stock",
            f"{entry_id} moved Inventory: correct the stock with an adjustment instead",
            entry=entry_id,
        )
    taken = await db.scalar(text("SELECT id FROM journal_entries WHERE reverses = :id"), {"id": entry_id})
    if taken is not None or entry.reverses is not None:
        raise Conflict("ledger.already_reversed", f"{entry_id} is a reversal or was reversed already", entry=entry_id)
    reversal = ledger.reverse(entry, entry_id=f"REV-{entry_id}", user=principal.username, posted_at=datetime.now(UTC))
    await write_entry(db, reversal, warehouse=warehouse, item_ids=item_ids)
    view = {**entry_view(reversal), "warehouse": warehouse}
    if warehouse:
        await emit_many(db, [JournalReversed(warehouse=warehouse, entity_id=entry_id, version=1, data=view)])
    return view
