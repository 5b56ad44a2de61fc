"""One idempotency mechanism: replay, key reuse, concurrent duplicates, bad input writing nothing."""

from __future__ import annotations

import asyncio
import itertools

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.models import Location
from tests.conftest import auth_headers, new_key

Client = AsyncTestClient[Litestar]
Sessions = async_sessionmaker[AsyncSession]
_codes = itertools.count(1)


def _code() -> str:
    return f"WH1-IDEM-{next(_codes):04d}"


async def _count(db: Sessions, code: str) -> int:
    async with db() as session:
        return int(await session.scalar(select(func.count()).where(Location.code == code)) or 0)


async def test_same_key_same_body_replays_the_stored_response(client: Client, db: Sessions) -> None:
    headers = await auth_headers(client, "super1") | {"Idempotency-Key": new_key()}
    body = {"code": _code(), "zone": "T", "kind": "storage"}
    first = await client.post("/api/warehouses/WH1/locations", headers=headers, json=body)
    second = await client.post("/api/warehouses/WH1/locations", headers=headers, json=body)
    assert first.status_code == second.status_code == 201
    assert first.content == second.content
    assert second.headers.get("idempotent-replayed") == "true"
    assert await _count(db, body["code"]) == 1


async def test_without_a_key_a_repeat_is_a_new_command(client: Client) -> None:
    headers = await auth_headers(client, "super1")
    body = {"code": _code(), "zone": "T", "kind": "storage"}
    assert (await client.post("/api/warehouses/WH1/locations", headers=headers, json=body)).status_code == 201
    again = await client.post("/api/warehouses/WH1/locations", headers=headers, json=body)
    assert again.status_code == 409
    assert again.json()["code"] == "location.exists"


async def test_same_key_with_a_different_body_is_refused(client: Client, db: Sessions) -> None:
    headers = await auth_headers(client, "super1") | {"Idempotency-Key": new_key()}
    first = {"code": _code(), "zone": "T", "kind": "storage"}
    other = {"code": _code(), "zone": "T", "kind": "storage"}
    assert (await client.post("/api/warehouses/WH1/locations", headers=headers, json=first)).status_code == 201
    reused = await client.post("/api/warehouses/WH1/locations", headers=headers, json=other)
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency.key_reused"
    assert await _count(db, other["code"]) == 0


async def test_keys_are_scoped_per_user(client: Client, db: Sessions) -> None:
    key = new_key()
    one = {"code": _code(), "zone": "T", "kind": "storage"}
    two = {"code": _code(), "zone": "T", "kind": "storage"}
    a = await client.post(
        "/api/warehouses/WH1/locations",
        headers=await auth_headers(client, "super1") | {"Idempotency-Key": key},
        json=one,
    )
    b = await client.post(
        "/api/warehouses/WH1/locations",
        headers=await auth_headers(client, "admin") | {"Idempotency-Key": key},
        json=two,
    )
    assert a.status_code == b.status_code == 201
    assert await _count(db, two["code"]) == 1


async def test_concurrent_requests_with_one_key_produce_one_effect(client: Client, db: Sessions) -> None:
    headers = await auth_headers(client, "super1") | {"Idempotency-Key": new_key()}
    body = {"code": _code(), "zone": "T", "kind": "storage"}
    responses = await asyncio.gather(
        *(client.post("/api/warehouses/WH1/locations", headers=headers, json=body) for _ in range(8))
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.content for r in responses}) == 1
    assert await _count(db, body["code"]) == 1


async def test_bad_input_writes_nothing_and_the_key_stays_usable(client: Client, db: Sessions) -> None:
    headers = await auth_headers(client, "super1") | {"Idempotency-Key": new_key()}
    code = _code()
    bad = await client.post(
        "/api/warehouses/WH1/locations", headers=headers, json={"code": code, "zone": "T", "kind": "volcano"}
    )
    assert bad.status_code == 422
    assert bad.json()["code"] == "location.invalid_kind"
    assert await _count(db, code) == 0
    fixed = await client.post(
        "/api/warehouses/WH1/locations", headers=headers, json={"code": code, "zone": "T", "kind": "storage"}
    )
    assert fixed.status_code == 201


async def test_an_oversized_key_is_refused(client: Client) -> None:
    headers = await auth_headers(client, "super1") | {"Idempotency-Key": "k" * 200}
    response = await client.post(
        "/api/warehouses/WH1/locations",
        headers=headers,
        json={"code": _code(), "zone": "T", "kind": "storage"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency.key_invalid"
