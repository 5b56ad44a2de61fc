"""The staging table a file is copied into, and the set-based statements every kind shares: reference
checks that name rows, and upserts that change only what differs and record who changed what."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from domain.imports import RowError

STAGE = "import_stage"
CHANGES = "import_changes"


@dataclass(frozen=True, slots=True)
class Context:
    """Who runs the import and how its changes are labelled in the history."""

    run_id: str
    user: str

    @property
    def source(self) -> str:
        return f"import:{self.run_id}"


async def create_stage(conn: asyncpg.Connection, columns: Sequence[tuple[str, str]]) -> None:
    """Temporary tables for this transaction only: the file's valid rows and the keys it changed."""
    cols = ", ".join(f"{name} {sql_type}" for name, sql_type in columns)
    await conn.execute(f"CREATE TEMP TABLE {STAGE} (row_no integer PRIMARY KEY, {cols}) ON COMMIT DROP")
    await conn.execute(f"CREATE TEMP TABLE {CHANGES} (entity_key text, action text) ON COMMIT DROP")


async def copy_rows(conn: asyncpg.Connection, columns: Sequence[str], records: list[tuple[Any, ...]]) -> None:
    """COPY a batch of valid rows (row number first) into the staging table."""
    if records:
        await conn.copy_records_to_table(STAGE, records=records, columns=["row_no", *columns])


async def row_errors(
    conn: asyncpg.Connection, sql: str, *args: Any, field: str, code: str, message: str
) -> list[RowError]:
    """Rows ``sql`` finds at fault: it returns ``(row_no, value)``; ``message`` may hold ``{value}``."""
    found = await conn.fetch(sql + " ORDER BY 1 LIMIT 1000", *args)
    return [RowError(int(r[0]), field, code, message.format(value=r[1])) for r in found]


async def duplicate_keys(conn: asyncpg.Connection, key: Sequence[str]) -> list[RowError]:
    """Rows repeating the key of an earlier row in the same file."""
    cols = ", ".join(key)
    return await row_errors(
        conn,
        f"SELECT row_no, first FROM (SELECT row_no, min(row_no) OVER (PARTITION BY {cols}) AS first"
        f" FROM {STAGE}) d WHERE row_no <> first",
        field=key[-1],
        code="import.duplicate_key",
        message="the same " + "/".join(key) + " as row {value}; give each once",
    )


async def upsert(
    conn: asyncpg.Connection,
    ctx: Context,
    *,
    entity: str,
    table: str,
    source: str,
    conflict: Sequence[str],
    columns: Sequence[str],
    key_expr: str,
) -> None:
    """Insert new rows and update the rows that differ, from ``source`` (a SELECT giving ``conflict``
    then ``columns``); each change goes to the history with its before and after values.

    ``key_expr`` names the record in the history, written over the table aliased ``t``.
    """
    target = ", ".join([*conflict, *columns])
    sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns)
    differs = (
        f"({', '.join(f't.{c}' for c in columns)}) IS DISTINCT FROM ({', '.join(f'EXCLUDED.{c}' for c in columns)})"
    )
    matches = f"({', '.join(f't.{c}' for c in conflict)}) IN (SELECT {', '.join(conflict)} FROM src)"
    await conn.execute(
        f"WITH src AS ({source}),"
        f" old AS (SELECT {key_expr} AS k, to_jsonb(t) AS j FROM {table} t WHERE {matches}),"
        f" up AS (INSERT INTO {table} AS t ({target}) SELECT {target} FROM src"
        f" ON CONFLICT ({', '.join(conflict)}) DO UPDATE SET {sets} WHERE {differs}"
        f" RETURNING {key_expr} AS k, to_jsonb(t) AS j),"
        " hist AS (INSERT INTO master_data_history (entity, entity_key, action, changes, changed_by, source)"
        " SELECT $1, up.k, CASE WHEN old.k IS NULL THEN 'created' ELSE 'updated' END,"
        " coalesce((SELECT jsonb_object_agg(e.key, jsonb_build_array(old.j -> e.key, e.value))"
        " FROM jsonb_each(up.j) e WHERE e.key NOT IN ('id', 'created_at')"
        " AND (old.j IS NULL OR old.j -> e.key IS DISTINCT FROM e.value)), '{}'::jsonb), $2, $3"
        " FROM up LEFT JOIN old ON old.k = up.k RETURNING entity_key, action)"
        f" INSERT INTO {CHANGES} SELECT entity_key, action FROM hist",
        entity,
        ctx.user,
        ctx.source,
    )


async def record_set_change(
    conn: asyncpg.Connection, ctx: Context, *, entity: str, field: str, changed_sql: str
) -> None:
    """History rows for a set-valued field (units, warehouses served): ``changed_sql`` (no parameters)
    returns ``(key, before, after)`` for the records whose set differs."""
    await conn.execute(
        f"WITH changed AS ({changed_sql}),"
        " hist AS (INSERT INTO master_data_history (entity, entity_key, action, changes, changed_by, source)"
        " SELECT $1, k, 'updated', jsonb_build_object($2::text, jsonb_build_array(before, after)), $3, $4"
        " FROM changed AS c(k, before, after) RETURNING entity_key)"
        f" INSERT INTO {CHANGES} SELECT entity_key, 'updated' FROM hist",
        entity,
        field,
        ctx.user,
        ctx.source,
    )


async def counts(conn: asyncpg.Connection) -> tuple[int, int]:
    """(created, updated) records: a record created here counts once, however many changes it had."""
    row = await conn.fetchrow(
        "SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created) FROM"
        f" (SELECT bool_or(action = 'created') AS created FROM {CHANGES} GROUP BY entity_key) k"
    )
    assert row is not None
    return int(row[0]), int(row[1])
