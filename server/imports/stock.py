"""Opening stock: balances with the receipt movement that explains each, valued into the item
valuations and booked Dr Inventory / Cr Opening Balance Equity, one journal entry per warehouse.

A line goes into an empty place only. Sent again, a line whose balance already holds exactly its
opening quantity changes nothing; a place holding other stock is refused (count it instead).
"""

from __future__ import annotations

import asyncpg

from domain.imports import RowError
from domain.ledger import INVENTORY, OPENING_BALANCE
from server.imports.staging import STAGE, Context, row_errors

OPENING_SOURCE = "opening:"  # movements' source_document prefix, then the import run id

_RESOLVE = (
    "CREATE TEMP TABLE import_stock ON COMMIT DROP AS"
    " SELECT s.row_no, s.location, s.sku, l.id AS location_id, l.warehouse, i.id AS item_id, i.lot_tracked,"
    " s.lot, s.status, s.qty, s.expires_on, coalesce(s.unit_cost, i.standard_cost_minor) AS unit_cost, w.currency,"
    " b.id AS balance_id, coalesce(b.on_hand, 0) AS on_hand_now,"
    " (SELECT sum(m.delta_on_hand) FROM stock_movements m WHERE m.balance_id = b.id"
    "  AND m.source_document LIKE 'opening:%') AS opened,"
    " b.id IS NULL OR NOT EXISTS (SELECT 1 FROM stock_movements m WHERE m.balance_id = b.id) AS fresh"
    f" FROM {STAGE} s LEFT JOIN locations l ON l.code = s.location LEFT JOIN items i ON i.sku = s.sku"
    " LEFT JOIN warehouses w ON w.code = l.warehouse LEFT JOIN stock_balances b ON b.location_id = l.id"
    " AND b.item_id = i.id AND b.lot = s.lot AND b.status = s.status"
)

_CHECKS = (
    ("location", "import.location_unknown", "location_id IS NULL", "location", "no location {value}"),
    ("sku", "import.item_unknown", "item_id IS NULL", "sku", "no item {value}"),
    ("lot", "import.lot_required", "lot_tracked AND lot = ''", "sku", "{value} is lot tracked: give its lot"),
    (
        "lot",
        "import.lot_not_tracked",
        "NOT lot_tracked AND lot <> ''",
        "sku",
        "{value} is not lot tracked: leave lot empty",
    ),
    (
        "expires_on",
        "import.expiry_without_lot",
        "expires_on IS NOT NULL AND lot = ''",
        "sku",
        "{value}: an expiry belongs to a lot",
    ),
    (
        "qty",
        "import.stock_exists",
        "NOT fresh AND opened IS DISTINCT FROM qty",
        "on_hand_now",
        "the place already holds {value} of this item, lot and status; opening stock goes into empty places"
        " (count it instead)",
    ),
)


async def check_opening_stock(conn: asyncpg.Connection, ctx: Context) -> list[RowError]:
    """Locations and items exist, lots as the item needs them, and the places are empty (or hold
    exactly this opening stock already)."""
    await conn.execute(_RESOLVE)
    errors: list[RowError] = []
    for field, code, fault, shown, message in _CHECKS:
        errors += await row_errors(
            conn, f"SELECT row_no, {shown} FROM import_stock WHERE {fault}", field=field, code=code, message=message
        )
    errors += await row_errors(
        conn,
        "SELECT s.row_no, l.expires_on FROM import_stock s JOIN lots l ON l.item_id = s.item_id AND l.code = s.lot"
        " WHERE s.expires_on IS NOT NULL AND l.expires_on IS DISTINCT FROM s.expires_on",
        field="expires_on",
        code="import.lot_expiry_mismatch",
        message="this lot is known to expire on {value}",
    )
    return errors


async def apply_opening_stock(conn: asyncpg.Connection, ctx: Context) -> tuple[int, int]:
    """Balances, movements, valuations, ATP versions and the opening journal entries, set-based."""
    await conn.execute("DELETE FROM import_stock WHERE NOT fresh")  # already opened with these quantities
    await conn.execute(
        "INSERT INTO lots (item_id, code, expires_on) SELECT DISTINCT ON (item_id, lot) item_id, lot, expires_on"
        " FROM import_stock WHERE lot <> '' ORDER BY item_id, lot, row_no ON CONFLICT (item_id, code) DO NOTHING"
    )
    await conn.execute(
        "WITH placed AS (INSERT INTO stock_balances (warehouse, location_id, item_id, lot, status, on_hand, allocated,"
        " version, received_on) SELECT warehouse, location_id, item_id, lot, status, qty, 0, 1, current_date"
        " FROM import_stock ON CONFLICT (location_id, item_id, lot, status) DO UPDATE SET on_hand = EXCLUDED.on_hand,"
        " version = stock_balances.version + 1 RETURNING id, on_hand)"
        " INSERT INTO stock_movements (balance_id, delta_on_hand, delta_allocated, reason, source_document)"
        " SELECT id, on_hand, 0, 'receipt', $1 FROM placed",
        OPENING_SOURCE + ctx.run_id,
    )
    await conn.execute(
        "INSERT INTO item_valuations (warehouse, item_id, currency, qty, value, last_unit_cost, version)"
        " SELECT warehouse, item_id, currency, sum(qty), sum(qty * unit_cost), max(unit_cost), 1 FROM import_stock"
        " GROUP BY warehouse, item_id, currency ON CONFLICT (warehouse, item_id) DO UPDATE SET"
        " qty = item_valuations.qty + EXCLUDED.qty, value = item_valuations.value + EXCLUDED.value,"
        " last_unit_cost = EXCLUDED.last_unit_cost, version = item_valuations.version + 1"
    )
    await conn.execute(
        "INSERT INTO warehouse_items (warehouse, item_id, atp_version) SELECT DISTINCT warehouse, item_id, 1"
        " FROM import_stock ON CONFLICT (warehouse, item_id) DO UPDATE SET atp_version ="
        " warehouse_items.atp_version + 1"
    )
    entry = "'opening/' || $1 || '/' || warehouse"
    await conn.execute(
        "INSERT INTO journal_entries (id, warehouse, source_kind, source_id, posted_by, posted_at, memo)"
        f" SELECT {entry}, warehouse, 'opening', $1, $2, now(), 'Opening stock imported at the given unit costs'"
        " FROM import_stock GROUP BY warehouse HAVING sum(qty * unit_cost) > 0",
        ctx.run_id,
        ctx.user,
    )
    await conn.execute(
        "INSERT INTO journal_lines (entry_id, account, debit, credit, currency, warehouse, item_id)"
        f" SELECT {entry}, $2, sum(qty * unit_cost), 0, currency, warehouse, item_id FROM import_stock"
        " GROUP BY warehouse, currency, item_id HAVING sum(qty * unit_cost) > 0 UNION ALL"
        f" SELECT {entry}, $3, 0, sum(qty * unit_cost), currency, warehouse, NULL FROM import_stock"
        " GROUP BY warehouse, currency HAVING sum(qty * unit_cost) > 0",
        ctx.run_id,
        INVENTORY.code,
        OPENING_BALANCE.code,
    )
    return int(await conn.fetchval("SELECT count(*) FROM import_stock")), 0
