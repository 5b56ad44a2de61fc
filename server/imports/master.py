"""Applying master-data files (warehouses, suppliers, items, locations, customers, prices): reference
checks naming the row at fault, then set-based upserts from the staging table."""

from __future__ import annotations

import asyncpg

from domain.imports import RowError
from server.imports.staging import STAGE, Context, record_set_change, row_errors, upsert


async def no_checks(conn: asyncpg.Connection, ctx: Context) -> list[RowError]:
    """Kinds that refer to nothing else."""
    return []


async def _unknown(
    conn: asyncpg.Connection, column: str, table: str, key: str, *, code: str, what: str
) -> list[RowError]:
    return await row_errors(
        conn,
        f"SELECT s.row_no, s.{column} FROM {STAGE} s WHERE s.{column} IS NOT NULL"
        f" AND NOT EXISTS (SELECT 1 FROM {table} x WHERE x.{key} = s.{column})",
        field=column,
        code=code,
        message=f"no {what} {{value}}",
    )


async def _unknown_sku(conn: asyncpg.Connection, column: str = "sku") -> list[RowError]:
    return await _unknown(conn, column, "items", "sku", code="import.item_unknown", what="item")


async def apply_warehouses(conn: asyncpg.Connection, ctx: Context) -> None:
    """Upsert warehouses by code."""
    await upsert(
        conn,
        ctx,
        entity="warehouse",
        table="warehouses",
        source="SELECT code, name, timezone, currency, count_auto_adjust_limit AS"
        f" count_auto_adjust_limit_minor FROM {STAGE}",
        conflict=("code",),
        columns=("name", "timezone", "currency", "count_auto_adjust_limit_minor"),
        key_expr="t.code",
    )


async def apply_suppliers(conn: asyncpg.Connection, ctx: Context) -> None:
    """Upsert suppliers by code."""
    await upsert(
        conn,
        ctx,
        entity="supplier",
        table="suppliers",
        source=f"SELECT code, name, currency, lead_time_days, email FROM {STAGE}",
        conflict=("code",),
        columns=("name", "currency", "lead_time_days", "email"),
        key_expr="t.code",
    )


_GTINS = "import_gtins"


async def check_items(conn: asyncpg.Connection, ctx: Context) -> list[RowError]:
    """Substitutes must exist (here or in the file); a GTIN names one unit of one item."""
    # materialised and analysed: joined as an expression over unnest() the planner misjudges it badly
    await conn.execute(
        f"CREATE TEMP TABLE {_GTINS} ON COMMIT DROP AS SELECT * FROM (SELECT s.row_no, s.sku,"
        f" split_part(u, ':', 3) AS gtin FROM {STAGE} s, unnest(s.units) u) g WHERE gtin <> ''"
    )
    await conn.execute(f"ANALYZE {_GTINS}")
    errors = await row_errors(
        conn,
        f"SELECT s.row_no, sub FROM {STAGE} s, unnest(s.substitutes) sub WHERE NOT EXISTS"
        f" (SELECT 1 FROM items i WHERE i.sku = sub) AND NOT EXISTS (SELECT 1 FROM {STAGE} o WHERE o.sku = sub)",
        field="substitutes",
        code="import.item_unknown",
        message="no item {value} to substitute",
    )
    errors += await row_errors(
        conn,
        f"SELECT row_no, gtin FROM (SELECT row_no, gtin, row_number() OVER (PARTITION BY gtin ORDER BY row_no) AS n"
        f" FROM {_GTINS}) d WHERE n > 1",
        field="units",
        code="import.gtin_duplicate",
        message="GTIN {value} is given to another unit earlier in the file",
    )
    errors += await row_errors(
        conn,
        f"SELECT g.row_no, g.gtin || ' belongs to ' || i.sku FROM {_GTINS} g JOIN item_uoms u ON u.gtin = g.gtin"
        f" JOIN items i ON i.id = u.item_id WHERE i.sku <> g.sku AND NOT EXISTS (SELECT 1 FROM {STAGE} o"
        " WHERE o.sku = i.sku)",
        field="units",
        code="import.gtin_taken",
        message="GTIN {value}",
    )
    return errors


_UNITS_NOW = (
    # sorted by the unit text, as the staged side is (``ORDER BY 1`` in an aggregate sorts by a constant)
    "SELECT item_id, array_agg(u ORDER BY u) AS units FROM"
    " (SELECT item_id, uom || ':' || factor || ':' || coalesce(gtin, '') AS u FROM item_uoms) units"
    " GROUP BY item_id"
)


async def apply_items(conn: asyncpg.Connection, ctx: Context) -> None:
    """Upsert items by SKU; units (factors, GTINs) replaced where they differ."""
    await upsert(
        conn,
        ctx,
        entity="item",
        table="items",
        source=f"SELECT sku, description, 'EA' AS base_uom, item_class, lot_tracked, shelf_life_days, substitutes,"
        f" standard_cost AS standard_cost_minor, currency, abc_class FROM {STAGE}",
        conflict=("sku",),
        columns=(
            "description",
            "base_uom",
            "item_class",
            "lot_tracked",
            "shelf_life_days",
            "substitutes",
            "standard_cost_minor",
            "currency",
            "abc_class",
        ),
        key_expr="t.sku",
    )
    changed = (
        f"SELECT i.id, i.sku, now.units AS before, s.units AS after FROM {STAGE} s JOIN items i ON i.sku = s.sku"
        f" LEFT JOIN ({_UNITS_NOW}) now ON now.item_id = i.id"
        " WHERE now.units IS DISTINCT FROM (SELECT array_agg(u ORDER BY u) FROM unnest(s.units) u)"
    )
    await conn.execute(f"CREATE TEMP TABLE import_units ON COMMIT DROP AS {changed}")
    await conn.execute("DELETE FROM item_uoms WHERE item_id IN (SELECT id FROM import_units)")
    await conn.execute(
        "INSERT INTO item_uoms (item_id, uom, factor, gtin) SELECT c.id, split_part(u, ':', 1),"
        " split_part(u, ':', 2)::int, nullif(split_part(u, ':', 3), '') FROM import_units c, unnest(c.after) u"
    )
    await record_set_change(
        conn,
        ctx,
        entity="item",
        field="units",
        changed_sql="SELECT sku, to_jsonb(before), to_jsonb(after) FROM import_units WHERE before IS NOT NULL",
    )


async def check_locations(conn: asyncpg.Connection, ctx: Context) -> list[RowError]:
    """The warehouse and pick item exist; a location never moves to another warehouse."""
    errors = await _unknown(conn, "warehouse", "warehouses", "code", code="import.warehouse_unknown", what="warehouse")
    errors += await _unknown_sku(conn, "pick_item")
    errors += await row_errors(
        conn,
        f"SELECT s.row_no, l.warehouse FROM {STAGE} s JOIN locations l ON l.code = s.code WHERE l.warehouse"
        " <> s.warehouse",
        field="warehouse",
        code="import.location_moved",
        message="the location is in {value}; a location cannot move to another warehouse",
    )
    return errors


async def apply_locations(conn: asyncpg.Connection, ctx: Context) -> None:
    """Upsert locations by code (zones, pick sequence, pick face item and min/max)."""
    await upsert(
        conn,
        ctx,
        entity="location",
        table="locations",
        source=f"SELECT s.code, s.warehouse, s.zone, s.aisle, s.kind, s.pick_sequence, s.x, s.y, i.id AS item_id,"
        f" s.min_qty, s.max_qty FROM {STAGE} s LEFT JOIN items i ON i.sku = s.pick_item",
        conflict=("code",),
        columns=("warehouse", "zone", "aisle", "kind", "pick_sequence", "x", "y", "item_id", "min_qty", "max_qty"),
        key_expr="t.code",
    )


async def check_customers(conn: asyncpg.Connection, ctx: Context) -> list[RowError]:
    """Warehouses, price list and sales rep exist."""
    errors = await _unknown(conn, "warehouse", "warehouses", "code", code="import.warehouse_unknown", what="warehouse")
    errors += await _unknown(
        conn, "price_list", "price_lists", "code", code="import.price_list_unknown", what="price list"
    )
    errors += await row_errors(
        conn,
        f"SELECT s.row_no, s.sales_rep FROM {STAGE} s WHERE s.sales_rep IS NOT NULL AND NOT EXISTS"
        " (SELECT 1 FROM users u WHERE u.username = s.sales_rep AND 'sales_rep' = ANY(u.roles))",
        field="sales_rep",
        code="import.sales_rep_unknown",
        message="no user {value} with the sales_rep role",
    )
    errors += await row_errors(
        conn,
        f"SELECT s.row_no, w FROM {STAGE} s, unnest(s.warehouses_served) w WHERE NOT EXISTS"
        " (SELECT 1 FROM warehouses x WHERE x.code = w)",
        field="warehouses_served",
        code="import.warehouse_unknown",
        message="no warehouse {value}",
    )
    return errors


async def apply_customers(conn: asyncpg.Connection, ctx: Context) -> None:
    """Upsert customers by code; the warehouses serving them replaced where they differ."""
    await upsert(
        conn,
        ctx,
        entity="customer",
        table="customers",
        source="SELECT s.code, s.name, s.priority_tier, s.credit_limit AS credit_limit_minor, s.currency,"
        " s.min_shelf_life_days, p.id AS price_list_id, s.accepts_substitutes, u.id AS sales_rep_id, s.warehouse"
        f" FROM {STAGE} s LEFT JOIN price_lists p ON p.code = s.price_list LEFT JOIN users u ON u.username ="
        " s.sales_rep",
        conflict=("code",),
        columns=(
            "name",
            "priority_tier",
            "credit_limit_minor",
            "currency",
            "min_shelf_life_days",
            "price_list_id",
            "accepts_substitutes",
            "sales_rep_id",
            "warehouse",
        ),
        key_expr="t.code",
    )
    served = (
        "SELECT customer_id, array_agg(warehouse::text ORDER BY warehouse) AS w FROM customer_warehouses GROUP BY 1"
    )
    await conn.execute(
        "CREATE TEMP TABLE import_served ON COMMIT DROP AS SELECT c.id, c.code, coalesce(now.w, '{}') AS before,"
        " s.warehouses_served"
        f" AS after FROM {STAGE} s JOIN customers c ON c.code = s.code LEFT JOIN ({served}) now ON"
        " now.customer_id = c.id"
        " WHERE coalesce(now.w, '{}') IS DISTINCT FROM s.warehouses_served"
    )
    await conn.execute("DELETE FROM customer_warehouses WHERE customer_id IN (SELECT id FROM import_served)")
    await conn.execute(
        "INSERT INTO customer_warehouses (customer_id, warehouse) SELECT id, w FROM import_served, unnest(after) w"
    )
    await record_set_change(
        conn,
        ctx,
        entity="customer",
        field="warehouses_served",
        changed_sql="SELECT code, to_jsonb(before), to_jsonb(after) FROM import_served",
    )


async def check_prices(conn: asyncpg.Connection, ctx: Context) -> list[RowError]:
    """Items exist; an existing price list keeps its currency."""
    errors = await _unknown_sku(conn)
    errors += await row_errors(
        conn,
        f"SELECT s.row_no, p.currency FROM {STAGE} s JOIN price_lists p ON p.code = s.price_list WHERE"
        " p.currency <> s.currency",
        field="currency",
        code="import.currency_mismatch",
        message="the price list is in {value}",
    )
    errors += await row_errors(
        conn,
        "SELECT row_no, first FROM (SELECT row_no, currency, first_value(currency) OVER (PARTITION BY price_list"
        f" ORDER BY row_no) AS first FROM {STAGE}) d WHERE currency <> first",
        field="currency",
        code="import.currency_mismatch",
        message="an earlier row gives this price list in {value}",
    )
    return errors


_PRICE_KEY = (
    "(SELECT code FROM price_lists WHERE id = t.price_list_id) || ':' || (SELECT sku FROM items WHERE id = t.item_id)"
)


async def apply_prices(conn: asyncpg.Connection, ctx: Context) -> None:
    """Create missing price lists, then upsert their prices and validity by (price list, SKU)."""
    await upsert(
        conn,
        ctx,
        entity="price_list",
        table="price_lists",
        source=f"SELECT DISTINCT ON (price_list) price_list AS code, currency FROM {STAGE} ORDER BY price_list, row_no",
        conflict=("code",),
        columns=("currency",),
        key_expr="t.code",
    )
    await conn.execute(f"DELETE FROM import_changes WHERE entity_key IN (SELECT price_list FROM {STAGE})")
    await upsert(
        conn,
        ctx,
        entity="price",
        table="price_list_prices",
        source="SELECT p.id AS price_list_id, i.id AS item_id, s.unit_price AS unit_price_minor,"
        " s.valid_from, s.valid_to"
        f" FROM {STAGE} s JOIN price_lists p ON p.code = s.price_list JOIN items i ON i.sku = s.sku",
        conflict=("price_list_id", "item_id"),
        columns=("unit_price_minor", "valid_from", "valid_to"),
        key_expr=_PRICE_KEY,
    )


async def check_customer_prices(conn: asyncpg.Connection, ctx: Context) -> list[RowError]:
    """Customers and items exist."""
    errors = await _unknown(conn, "customer", "customers", "code", code="import.customer_unknown", what="customer")
    return errors + await _unknown_sku(conn)


async def apply_customer_prices(conn: asyncpg.Connection, ctx: Context) -> None:
    """Upsert agreed prices and their validity by (customer, SKU)."""
    await upsert(
        conn,
        ctx,
        entity="customer_price",
        table="customer_prices",
        source="SELECT c.id AS customer_id, i.id AS item_id, s.unit_price AS unit_price_minor, s.valid_from, s.valid_to"
        f" FROM {STAGE} s JOIN customers c ON c.code = s.customer JOIN items i ON i.sku = s.sku",
        conflict=("customer_id", "item_id"),
        columns=("unit_price_minor", "valid_from", "valid_to"),
        key_expr="(SELECT code FROM customers WHERE id = t.customer_id) || ':' || (SELECT sku FROM items"
        " WHERE id = t.item_id)",
    )
