"""Postings: moving-average valuation per item and warehouse, and immutable journal entries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain import ledger
from domain.ledger import EntryHeader, ItemValuation, JournalEntry, SourceDocument
from server.services.locking import lock_valuations
from server.services.posting_failures import posting_guard


async def _valuation(db: AsyncSession, warehouse: str, item_id: int, sku: str) -> ItemValuation:
    row = (
        await db.execute(
            text(
                "SELECT currency, qty, value, last_unit_cost FROM item_valuations"
                " WHERE warehouse = :wh AND item_id = :item"
            ),
            {"wh": warehouse, "item": item_id},
        )
    ).one()
    return ItemValuation(sku, warehouse, row.currency, int(row.qty), int(row.value), row.last_unit_cost)


async def _save_valuation(db: AsyncSession, item_id: int, val: ItemValuation) -> None:
    await db.execute(
        text(
            "UPDATE item_valuations SET qty = :q, value = :v, last_unit_cost = :c, version = version + 1"
            " WHERE warehouse = :wh AND item_id = :item"
        ),
        {"q": val.qty, "v": val.value, "c": val.last_unit_cost, "wh": val.warehouse, "item": item_id},
    )


async def write_entry(
    db: AsyncSession, entry: JournalEntry, *, warehouse: str | None, item_ids: dict[str, int]
) -> None:
    """Insert an entry and its lines; the domain has already refused it if it does not balance.

    A write the database refuses (an account missing from the chart) raises ``ledger.posting_failed``
    and leaves a ``posting_failure`` exception."""
    source, user = entry.header.source, entry.header.user
    async with posting_guard(db, warehouse=warehouse, entry_id=entry.id, source=source, user=user):
        await _insert_entry(db, entry, warehouse=warehouse, item_ids=item_ids)


async def _insert_entry(
    db: AsyncSession, entry: JournalEntry, *, warehouse: str | None, item_ids: dict[str, int]
) -> None:
    await db.execute(
        text(
            "INSERT INTO journal_entries (id, warehouse, source_kind, source_id, posted_by, posted_at, memo, reverses)"
            " VALUES (:id, :wh, :sk, :si, :by, :at, :memo, :rev)"
        ),
        {
            "id": entry.id,
            "wh": warehouse,
            "sk": entry.header.source.kind,
            "si": entry.header.source.id,
            "by": entry.header.user,
            "at": entry.header.posted_at,
            "memo": entry.header.memo,
            "rev": entry.reverses,
        },
    )
    await db.execute(
        text(
            "INSERT INTO journal_lines (entry_id, account, debit, credit, currency, warehouse, item_id)"
            " SELECT :e, a, d, c, cur, wh, i FROM unnest(CAST(:a AS text[]), CAST(:d AS bigint[]),"
            " CAST(:c AS bigint[]), CAST(:cur AS text[]), CAST(:wh AS text[]), CAST(:i AS bigint[]))"
            " AS x(a, d, c, cur, wh, i)"
        ),
        {
            "e": entry.id,
            "a": [line.account for line in entry.lines],
            "d": [line.debit for line in entry.lines],
            "c": [line.credit for line in entry.lines],
            "cur": [line.currency for line in entry.lines],
            "wh": [line.warehouse for line in entry.lines],
            "i": [item_ids.get(line.item) if line.item else None for line in entry.lines],
        },
    )


def entry_header(entry_id: str, source: SourceDocument, *, user: str, memo: str) -> EntryHeader:
    """A header stamped now."""
    return EntryHeader(entry_id, source, user, datetime.now(UTC), memo)


async def warehouse_currency(db: AsyncSession, warehouse: str) -> str:
    """The currency the warehouse keeps its books in."""
    return str(await db.scalar(text("SELECT currency FROM warehouses WHERE code = :wh"), {"wh": warehouse}))


Poster = Callable[[ItemValuation, EntryHeader], ledger.Posting]


async def post_valued(
    db: AsyncSession,
    warehouse: str,
    *,
    item_id: int,
    sku: str,
    currency: str,
    header: EntryHeader,
    post: Poster,
) -> JournalEntry | None:
    """Move an item's valuation and write the entry that books exactly that change in value.

    The caller has locked the item (``lock_items``) and its balances; the valuation row is next.
    """
    await lock_valuations(db, warehouse, [item_id], currency=currency)
    val = await _valuation(db, warehouse, item_id, sku)
    async with posting_guard(db, warehouse=warehouse, entry_id=header.entry_id, source=header.source, user=header.user):
        posting = post(val, header)
    await _save_valuation(db, item_id, posting.valuation)
    if posting.entry is not None:
        await write_entry(db, posting.entry, warehouse=warehouse, item_ids={sku: item_id})
    return posting.entry


async def post_goods_receipt(
    db: AsyncSession,
    warehouse: str,
    *,
    item_id: int,
    sku: str,
    qty: int,
    unit_cost: int,
    currency: str,
    entry_id: str,
    receipt: str,
    user: str,
) -> JournalEntry | None:
    """Dr Inventory / Cr GRNI at PO cost, and the item's moving average takes the new units in."""
    header = entry_header(entry_id, SourceDocument("receipt", receipt), user=user, memo=f"Receipt {receipt}")
    return await post_valued(
        db,
        warehouse,
        item_id=item_id,
        sku=sku,
        currency=currency,
        header=header,
        post=lambda val, h: ledger.post_receipt(val, qty=qty, unit_cost=unit_cost, header=h),
    )


async def post_stock_adjustment(
    db: AsyncSession,
    warehouse: str,
    *,
    item_id: int,
    sku: str,
    qty_delta: int,
    header: EntryHeader,
) -> JournalEntry | None:
    """A gain or loss found on the floor: Inventory against Inventory Adjustment at average cost.

    Stock found where the warehouse holds none is valued at the last cost paid, else the standard cost.
    """
    currency = await warehouse_currency(db, warehouse)
    standard = int(await db.scalar(text("SELECT standard_cost_minor FROM items WHERE id = :i"), {"i": item_id}) or 0)

    def post(val: ItemValuation, h: EntryHeader) -> ledger.Posting:
        fallback = standard if val.last_unit_cost is None else None
        return ledger.post_count_adjustment(val, qty_delta=qty_delta, header=h, unit_cost=fallback)

    return await post_valued(db, warehouse, item_id=item_id, sku=sku, currency=currency, header=header, post=post)


async def post_goods_issue(
    db: AsyncSession, warehouse: str, *, item_id: int, sku: str, qty: int, currency: str, header: EntryHeader
) -> JournalEntry | None:
    """Goods shipped: Dr COGS / Cr Inventory at the item's average cost."""
    return await post_valued(
        db,
        warehouse,
        item_id=item_id,
        sku=sku,
        currency=currency,
        header=header,
        post=lambda val, h: ledger.post_shipment(val, qty=qty, header=h),
    )


async def post_customer_invoice(
    db: AsyncSession,
    warehouse: str,
    lines: list[ledger.InvoiceLine],
    *,
    currency: str,
    header: EntryHeader,
    item_ids: dict[str, int],
) -> JournalEntry:
    """Invoice: Dr AR / Cr Revenue at the order's prices."""
    async with posting_guard(db, warehouse=warehouse, entry_id=header.entry_id, source=header.source, user=header.user):
        entry = ledger.post_invoice(lines, currency=currency, header=header)
    await write_entry(db, entry, warehouse=warehouse, item_ids=item_ids)
    return entry
