"""The single-item API refuses master data that could not be handled, with the domain's codes, and
writes nothing of it."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import auth_headers

Client = AsyncTestClient[Litestar]


@pytest.mark.parametrize(
    ("sku", "units", "code"),
    [
        ("BAD-GTIN", [{"uom": "EA", "factor": 1, "gtin": "4006381333932"}], "item.invalid_gtin"),
        ("NO-EA", [{"uom": "CS", "factor": 12}], "item.no_base_unit"),
        ("S" * 33, [{"uom": "EA", "factor": 1}], "item.invalid_sku"),
        ("EA-OF-2", [{"uom": "EA", "factor": 2}], "uom.invalid_factor"),
    ],
)
async def test_an_item_that_could_not_be_handled_is_refused_and_nothing_is_written(
    client: Client, db: async_sessionmaker[AsyncSession], sku: str, units: list[dict[str, Any]], code: str
) -> None:
    headers = await auth_headers(client, "admin")
    answer = await client.put(f"/api/items/{sku}", headers=headers, json={"description": "x", "units": units})
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] == code
    async with db() as session:
        assert await session.scalar(text("SELECT count(*) FROM items WHERE sku = :s"), {"s": sku}) == 0
