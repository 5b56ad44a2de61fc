"""Bad input over HTTP is a 4xx problem with a stable code and writes nothing: deep nesting, a NUL in
the path, oversized bodies and headers, too many lines, huge quantities, numbers of the wrong type."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar, Request, post
from litestar.datastructures import State
from litestar.testing import AsyncTestClient, TestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.limits import InputLimitsMiddleware
from server.problems import EXCEPTION_HANDLERS
from server.settings import Settings
from tests.conftest import auth_headers, new_key
from tests.stock_helpers import add_stock, new_item

Client = AsyncTestClient[Litestar]
Sessions = async_sessionmaker[AsyncSession]
DEEP = b"[" * 100_000


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    assert body["detail"]
    return body


async def count(db: Sessions, table: str) -> int:
    async with db() as session:
        return int(await session.scalar(text(f"SELECT count(*) FROM {table}")) or 0)


@pytest.fixture
async def order_parts(client: Client) -> tuple[dict[str, str], str]:
    admin, sup = await auth_headers(client, "admin"), await auth_headers(client, "super1")
    sku = await new_item(client, admin)
    await add_stock(client, sup, sku, "WH1-A03-01-1", 20)
    return await auth_headers(client, "rep1"), sku


async def post_order(client: Client, rep: dict[str, str], lines: Any) -> Any:
    body = {"customer": "CUST-020", "warehouse": "WH1", "lines": lines}
    return await client.post("/api/orders", headers=rep | {"Idempotency-Key": new_key()}, json=body)


async def test_deeply_nested_json_is_refused_before_decoding_without_login(client: Client) -> None:
    for body in (DEEP, b'{"username": ' + DEEP, b'{"username": "a", "password": ' + b"{}" * 10 + b"[" * 40 + b"]" * 40):
        response = await client.post("/api/auth/login", content=body, headers={"content-type": "application/json"})
        assert_problem(response, 400, "request.too_deep")


async def test_deeply_nested_orders_and_mutation_payloads_are_refused_and_write_nothing(
    client: Client, db: Sessions
) -> None:
    rep = await auth_headers(client, "rep1")
    orders = await count(db, "sales_orders")
    response = await client.post(
        "/api/orders",
        content=b'{"customer": "CUST-020", "warehouse": "WH1", "lines": ' + DEEP,
        headers=rep | {"Idempotency-Key": new_key(), "content-type": "application/json"},
    )
    assert_problem(response, 400, "request.too_deep")
    assert await count(db, "sales_orders") == orders

    boss = await auth_headers(client, "super1")
    device = await client.post(
        "/api/devices/", headers=boss | {"Idempotency-Key": new_key()}, json={"name": "deep", "platform": "test"}
    )
    assert device.status_code == 201, device.text
    mutations = await count(db, "device_mutations")
    payload = b'[{"mutation_id": 1, "kind": "location.create", "payload": {"code": ' + DEEP + b"}}]"
    response = await client.post(
        f"/api/devices/{device.json()['device']['id']}/mutations",
        content=payload,
        headers=boss | {"Idempotency-Key": new_key(), "content-type": "application/json"},
    )
    assert_problem(response, 400, "request.too_deep")
    assert await count(db, "device_mutations") == mutations


@pytest.mark.parametrize("path", ["/%00", "/sw.js%00", "/assets/%00.js", "/api/orders/%00"])
async def test_a_nul_byte_in_the_path_is_a_400_problem(client: Client, path: str) -> None:
    assert_problem(await client.get(path), 400, "request.invalid_path")


async def test_a_body_over_the_cap_is_refused_and_headers_over_theirs_too(client: Client, seeded: Settings) -> None:
    big = b'{"username": "' + b"a" * (seeded.max_body_bytes + 1) + b'", "password": "x"}'
    response = await client.post("/api/auth/login", content=big, headers={"content-type": "application/json"})
    assert_problem(response, 413, "request.too_large")
    huge_header = {"x-filler": "h" * (seeded.max_header_bytes + 1)}
    assert_problem(await client.get("/healthz", headers=huge_header), 431, "request.headers_too_large")


async def test_an_order_over_the_line_limit_is_refused_and_writes_nothing(
    client: Client, db: Sessions, seeded: Settings, order_parts: tuple[dict[str, str], str]
) -> None:
    rep, sku = order_parts
    orders = await count(db, "sales_orders")
    lines = [{"sku": sku, "qty": 1}] * (seeded.max_document_lines + 1)
    body = assert_problem(await post_order(client, rep, lines), 422, "request.too_many_lines")
    assert body["at"] == "$.lines"
    assert await count(db, "sales_orders") == orders
    # a sales rep's 250,000-line order stops at the body cap, long before anything decodes it
    huge = await post_order(client, rep, [{"sku": sku, "qty": 1}] * 250_000)
    assert_problem(huge, 413, "request.too_large")
    assert await count(db, "sales_orders") == orders


@pytest.mark.parametrize(
    ("qty", "status", "code"),
    [
        (10**15, 422, "request.quantity_too_large"),
        (-(10**15), 422, "request.quantity_too_large"),
        ("5", 400, "request.invalid"),
        (2.0, 400, "request.invalid"),
        (2.5, 400, "request.invalid"),
        (True, 400, "request.invalid"),
    ],
    ids=["10^15", "-10^15", "a string", "2.0", "2.5", "true"],
)
async def test_quantities_are_bounded_and_strictly_integers(
    client: Client, db: Sessions, order_parts: tuple[dict[str, str], str], qty: Any, status: int, code: str
) -> None:
    rep, sku = order_parts
    orders = await count(db, "sales_orders")
    body = assert_problem(await post_order(client, rep, [{"sku": sku, "qty": qty}]), status, code)
    if status == 400:
        assert body["errors"][0]["key"] == "lines[0].qty", body
    assert await count(db, "sales_orders") == orders
    accepted = await post_order(client, rep, [{"sku": sku, "qty": 2}])
    assert accepted.status_code == 201, accepted.text


async def test_limits_follow_the_settings(seeded: Settings, order_parts: tuple[dict[str, str], str]) -> None:
    rep, sku = order_parts
    app = create_app_with(seeded, max_quantity=3, max_document_lines=2, max_json_depth=4)
    async with AsyncTestClient(app) as small:
        assert_problem(await post_order(small, rep, [{"sku": sku, "qty": 4}]), 422, "request.quantity_too_large")
        assert_problem(await post_order(small, rep, [{"sku": sku, "qty": 1}] * 3), 422, "request.too_many_lines")
        nested = {"customer": "CUST-020", "warehouse": "WH1", "lines": [{"sku": sku, "qty": 1, "x": [[[1]]]}]}
        deep = await small.post("/api/orders", headers=rep | {"Idempotency-Key": new_key()}, json=nested)
        assert_problem(deep, 400, "request.too_deep")
        assert (await post_order(small, rep, [{"sku": sku, "qty": 3}] * 2)).status_code == 201


def create_app_with(settings: Settings, **changes: Any) -> Litestar:
    from tests.conftest import app_with

    return app_with(settings, **changes)


@post("/api/imports/items", opt={"max_body_bytes": 4 << 20}, request_max_body_size=None, status_code=200)
async def bulk_import(request: Request[Any, Any, Any]) -> dict[str, int]:
    """A stand-in for a bulk import: reads its body as a stream, which the default cap would refuse."""
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
    return {"bytes": size}


def test_a_route_can_allow_a_larger_streamed_body(seeded: Settings) -> None:
    app = Litestar(
        route_handlers=[bulk_import],
        middleware=[InputLimitsMiddleware],
        exception_handlers=EXCEPTION_HANDLERS,
        state=State({"settings": seeded}),
    )

    def chunks(total: int) -> Iterator[bytes]:  # no Content-Length: sent chunked
        for _ in range(total // 65536):
            yield b"x" * 65536

    three_mb = 3 << 20
    assert three_mb > seeded.max_body_bytes
    with TestClient(app) as plain:  # the synchronous client: it sends a generator as a chunked body
        for body in (chunks(three_mb), b"x" * three_mb):
            allowed = plain.post("/api/imports/items", content=body)
            assert allowed.status_code == 200, allowed.text
            assert allowed.json() == {"bytes": three_mb}
        assert_problem(plain.post("/api/imports/items", content=chunks(5 << 20)), 413, "request.too_large")
        assert_problem(plain.post("/api/imports/items", content=b"x" * (5 << 20)), 413, "request.too_large")
