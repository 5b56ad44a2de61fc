"""Master-data imports over HTTP on real PostgreSQL: CSV and JSON, dry runs, re-sends, all-or-nothing,
history, idempotency keys and a file streamed in pieces."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.imports import gs1_check_digit_ok
from tests.conftest import auth_headers, new_key

Client = AsyncTestClient[Litestar]
Sessions = async_sessionmaker[AsyncSession]
CSV = {"Content-Type": "text/csv"}
_runs = itertools.count(1)


def gtin(n: int) -> str:
    """A valid GTIN-13 numbered ``n`` in a range the demo seed does not use."""
    body = f"59{n:010d}"
    return next(body + d for d in "0123456789" if gs1_check_digit_ok(body + d))


def prefix() -> str:
    return f"T{next(_runs):03d}"


async def admin(client: Client) -> dict[str, str]:
    return await auth_headers(client, "admin")


async def scalar(db: Sessions, sql: str, **params: Any) -> Any:
    async with db() as session:
        return await session.scalar(text(sql), params)


def items_csv(p: str, n: int, *, start: int = 0, cost: int = 100) -> str:
    lines = ["sku,description,units,lot_tracked,shelf_life_days,standard_cost"]
    for k in range(start, start + n):
        lines.append(f"{p}-{k},Item {k},EA:1:{gtin(hash(p) % 10_000 * 100_000 + k)}|CS:12:,false,,{cost}")
    return "\n".join(lines) + "\n"


async def test_items_csv_creates_then_a_resend_changes_nothing(client: Client, db: Sessions) -> None:
    headers = await admin(client) | CSV
    p = prefix()
    body = items_csv(p, 5)
    first = await client.post("/api/imports/items", headers=headers, content=body)
    assert first.status_code == 200, first.text
    assert first.json() | {"id": "", "errors": []} == {
        "id": "",
        "kind": "items",
        "status": "applied",
        "dry_run": False,
        "rows_read": 5,
        "rows_applied": 5,
        "created": 5,
        "updated": 0,
        "unchanged": 0,
        "errors_total": 0,
        "errors": [],
    }
    again = await client.post("/api/imports/items", headers=headers, content=body)
    assert again.status_code == 200, again.text
    assert (again.json()["created"], again.json()["updated"], again.json()["unchanged"]) == (0, 0, 5)
    assert await scalar(db, "SELECT count(*) FROM item_uoms u JOIN items i ON i.id = u.item_id WHERE i.sku LIKE :p", p=f"{p}-%") == 10
    history = await client.get(f"/api/items/{p}-0/history", headers=headers)
    assert [h["action"] for h in history.json()] == ["created"]
