"""Every error is application/problem+json with a stable code and a message a person can act on."""

from __future__ import annotations

from typing import Any

from litestar import Litestar, get
from litestar.testing import AsyncTestClient

from server.problems import EXCEPTION_HANDLERS
from tests.conftest import auth_headers

Client = AsyncTestClient[Litestar]


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"].endswith(code)
    assert body["title"] and body["detail"]
    return body


async def test_unknown_address_is_a_404_problem(client: Client) -> None:
    assert_problem(await client.get("/api/no-such-thing"), 404, "request.not_found")


async def test_wrong_method_is_a_405_problem(client: Client) -> None:
    assert_problem(await client.delete("/api/warehouses"), 405, "request.method_not_allowed")


async def test_malformed_json_is_a_400_problem_naming_the_field(client: Client) -> None:
    body = assert_problem(
        await client.post("/api/auth/login", json={"username": 5, "password": "x"}), 400, "request.invalid"
    )
    assert "username" in body["detail"]
    assert body["errors"]
    missing = assert_problem(await client.post("/api/auth/login", json={}), 400, "request.invalid")
    assert missing["errors"]
    not_json = await client.post("/api/auth/login", content=b"{oops", headers={"content-type": "application/json"})
    assert_problem(not_json, 400, "request.invalid")


async def test_unknown_fields_are_refused(client: Client) -> None:
    response = await client.post("/api/auth/login", json={"username": "a", "password": "b", "admin": True})
    assert_problem(response, 400, "request.invalid")


async def test_bad_query_parameter_is_a_400_problem(client: Client) -> None:
    headers = await auth_headers(client, "super1")
    response = await client.get("/api/warehouses/WH1/locations?limit=0", headers=headers)
    assert_problem(response, 400, "request.invalid")


async def test_auth_problems(client: Client) -> None:
    assert_problem(await client.get("/api/auth/me"), 401, "auth.unauthenticated")
    headers = await auth_headers(client, "picker1")
    assert_problem(await client.get("/api/admin/users", headers=headers), 403, "auth.forbidden")
    assert_problem(await client.get("/api/warehouses/WH2/locations", headers=headers), 403, "auth.wrong_warehouse")


async def test_a_crash_is_a_500_problem_without_internals() -> None:
    @get("/boom", operation_id="boom")
    async def boom() -> None:
        raise RuntimeError("password=hunter2 at /srv/secret/path.py")

    app = Litestar([boom], exception_handlers=EXCEPTION_HANDLERS)
    async with AsyncTestClient(app) as crashing:
        body = assert_problem(await crashing.get("/boom"), 500, "server.error")
        assert "hunter2" not in str(body) and "secret" not in str(body)


async def test_openapi_has_a_unique_operation_id_per_route(client: Client) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    ids = [op["operationId"] for path in schema["paths"].values() for op in path.values()]
    assert len(ids) == len(set(ids))
    assert "login" in ids and "badgeLogin" in ids
    assert all(ids)
