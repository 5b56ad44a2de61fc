"""Journal entries of a period for the accounting system, as CSV or JSON, streamed page by page so a
year of entries never sits in memory."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Invalid
from server.services.ledger_models import ExportedEntry

PAGE = 500  # entries per query
CSV_COLUMNS = (
    "entry_id",
    "posted_at",
    "warehouse",
    "source_kind",
    "source_id",
    "memo",
    "posted_by",
    "reverses",
    "line",
    "account",
    "account_name",
    "debit",
    "credit",
    "currency",
    "sku",
)


def period(start: date, end: date) -> tuple[datetime, datetime]:
    """``[start, end]`` as UTC instants, ``end`` inclusive; ``ledger.period_invalid`` when reversed or over 366 days."""
    if end < start or (end - start).days > 366 or end >= date.max:
        raise Invalid("ledger.period_invalid", "Give from <= to, at most a year apart (dates as YYYY-MM-DD)")
    return datetime.combine(start, time(), UTC), datetime.combine(end + timedelta(days=1), time(), UTC)


async def _pages(
    db: AsyncSession, *, since: datetime, until: datetime, warehouse: str | None
) -> AsyncIterator[list[dict[str, Any]]]:
    """Entries with their lines, by (posted_at, id), one keyset page at a time."""
    after: tuple[datetime, str] | None = None
    while True:
        rows = (
            await db.execute(
                text(
                    "WITH page AS (SELECT id, posted_at, warehouse, source_kind, source_id, memo, posted_by, reverses"
                    " FROM journal_entries WHERE posted_at >= :since AND posted_at < :until"
                    " AND (CAST(:wh AS text) IS NULL OR warehouse = :wh)"
                    " AND (CAST(:at AS timestamptz) IS NULL OR (posted_at, id) > (:at, :id))"
                    " ORDER BY posted_at, id LIMIT :page)"
                    " SELECT p.*, (SELECT json_agg(json_build_object('account', l.account, 'account_name', a.name,"
                    " 'debit', l.debit, 'credit', l.credit, 'currency', l.currency, 'warehouse', l.warehouse,"
                    " 'sku', i.sku) ORDER BY l.id) FROM journal_lines l JOIN accounts a ON a.code = l.account"
                    " LEFT JOIN items i ON i.id = l.item_id WHERE l.entry_id = p.id) AS lines"
                    " FROM page p ORDER BY p.posted_at, p.id"
                ),
                {
                    "since": since,
                    "until": until,
                    "wh": warehouse,
                    "at": after[0] if after else None,
                    "id": after[1] if after else "",
                    "page": PAGE,
                },
            )
        ).all()
        if not rows:
            return
        yield [
            {
                "id": r.id,
                "posted_at": r.posted_at.isoformat(),
                "warehouse": r.warehouse,
                "source": {"kind": r.source_kind, "id": r.source_id},
                "memo": r.memo,
                "posted_by": r.posted_by,
                "reverses": r.reverses,
                "lines": r.lines or [],
            }
            for r in rows
        ]
        if len(rows) < PAGE:
            return
        after = (rows[-1].posted_at, rows[-1].id)


async def as_json(db: AsyncSession, **where: Any) -> AsyncIterator[bytes]:
    """A JSON array of entries, written as the pages come."""
    yield b"["
    first = True
    async for page in _pages(db, **where):
        for entry in page:
            yield (b"" if first else b",") + msgspec.json.encode(msgspec.convert(entry, ExportedEntry))
            first = False
    yield b"]"


async def as_csv(db: AsyncSession, **where: Any) -> AsyncIterator[bytes]:
    """One CSV row per journal line, its entry and source document repeated on each."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    async for page in _pages(db, **where):
        for entry in page:
            for n, line in enumerate(entry["lines"], start=1):
                writer.writerow(
                    (
                        entry["id"],
                        entry["posted_at"],
                        entry["warehouse"] or "",
                        entry["source"]["kind"],
                        entry["source"]["id"],
                        entry["memo"],
                        entry["posted_by"],
                        entry["reverses"] or "",
                        n,
                        line["account"],
                        line["account_name"],
                        line["debit"],
                        line["credit"],
                        line["currency"],
                        line["sku"] or "",
                    )
                )
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


FORMATS: dict[str, tuple[str, Callable[..., AsyncIterator[bytes]]]] = {
    "json": ("application/json", as_json),
    "csv": ("text/csv; charset=utf-8", as_csv),
}
