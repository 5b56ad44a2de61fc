"""Every route checks role and warehouse: 401 without a valid token, 403 for the wrong role or warehouse."""

from __future__ import annotations

import itertools

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import auth_headers, new_key

Client = AsyncTestClient[Litestar]

USERS = ("picker1", "picker3", "receiver1", "rep1", "super1", "admin")  # picker3 works in WH2 only

# (method, path, body, {user: expected status}); users not listed get the default of the case
_location = itertools.count(1)


def _new_location() -> dict[str, object]:
    return {"code": f"WH1-TST-{next(_location):04d}", "zone": "T", "kind": "storage"}


MATRIX = [
    (
        "GET",
        "/api/warehouses/WH1/locations",
        None,
        {"picker1": 200, "picker3": 403, "receiver1": 200, "rep1": 200, "super1": 200, "admin": 200},
    ),
    (
        "GET",
        "/api/warehouses/WH2/locations",
        None,
        {"picker1": 403, "picker3": 200, "receiver1": 403, "rep1": 200, "super1": 200, "admin": 200},
    ),
    (
        "POST",
        "/api/warehouses/WH1/locations",
        _new_location,
        {"picker1": 403, "picker3": 403, "receiver1": 403, "rep1": 403, "super1": 201, "admin": 201},
    ),
    (
        "GET",
        "/api/admin/users",
        None,
        {"picker1": 403, "picker3": 403, "receiver1": 403, "rep1": 403, "super1": 403, "admin": 200},
    ),
    ("GET", "/api/warehouses", None, {u: 200 for u in USERS}),
    ("GET", "/api/auth/me", None, {u: 200 for u in USERS}),
]


@pytest.mark.parametrize(("method", "path", "body", "expected"), MATRIX, ids=[f"{m} {p}" for m, p, *_ in MATRIX])
async def test_role_and_warehouse_matrix(
    client: Client, method: str, path: str, body: object, expected: dict[str, int]
) -> None:
    anonymous = await client.request(method, path, json=body() if callable(body) else body)
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "auth.unauthenticated"
    for user in USERS:
        headers = await auth_headers(client, user) | {"Idempotency-Key": new_key()}
        response = await client.request(method, path, headers=headers, json=body() if callable(body) else body)
        assert response.status_code == expected[user], (user, response.text)
        if response.status_code == 403:
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["code"] in ("auth.forbidden", "auth.wrong_warehouse")


async def _all_warehouses(db: async_sessionmaker[AsyncSession]) -> list[str]:
    async with db() as session:
        return list(await session.scalars(text("SELECT code FROM warehouses ORDER BY code")))


async def test_listing_warehouses_shows_only_the_callers(client: Client, db: async_sessionmaker[AsyncSession]) -> None:
    picker = await client.get("/api/warehouses", headers=await auth_headers(client, "picker3"))
    assert [w["code"] for w in picker.json()] == ["WH2"]
    admin = await client.get("/api/warehouses", headers=await auth_headers(client, "admin"))
    # every warehouse there is: other tests (imports, realtime) add their own to the shared database
    assert [w["code"] for w in admin.json()] == await _all_warehouses(db)


async def test_a_malformed_bearer_token_is_unauthenticated(client: Client) -> None:
    for header in ("Bearer", "Bearer not-a-jwt", "Basic dXNlcjpwYXNz"):
        response = await client.get("/api/auth/me", headers={"Authorization": header})
        assert response.status_code == 401
