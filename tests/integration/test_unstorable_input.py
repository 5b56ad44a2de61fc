"""Input the database cannot hold (found by schemathesis): numbers beyond bigint and text with NUL characters
are the request's fault, a 422 problem, never a 500."""

from __future__ import annotations

from tests.conftest import auth_headers
from tests.stock_helpers import Client

HUGE = 10**30  # beyond bigint


async def test_a_task_id_beyond_bigint_is_refused_as_out_of_range(client: Client) -> None:
    response = await client.get(f"/api/warehouses/WH1/tasks/{HUGE}", headers=await auth_headers(client, "super1"))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "request.out_of_range"


async def test_a_page_offset_beyond_bigint_is_refused_as_out_of_range(client: Client) -> None:
    response = await client.get(
        "/api/warehouses/WH1/catalog", params={"offset": HUGE}, headers=await auth_headers(client, "rep1")
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "request.out_of_range"


async def test_a_scan_on_a_task_id_beyond_bigint_writes_nothing_and_is_refused(client: Client) -> None:
    response = await client.post(
        f"/api/warehouses/WH1/tasks/{HUGE}/scans",
        headers=await auth_headers(client, "picker1") | {"Idempotency-Key": f"huge-{HUGE}"},
        json={"scan": "WH1-A01-01-1"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "request.out_of_range"


async def test_text_with_a_nul_character_is_refused_not_a_server_error(client: Client) -> None:
    response = await client.get(
        "/api/warehouses/WH1/catalog", params={"q": "SKU\x00"}, headers=await auth_headers(client, "rep1")
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "request.invalid_character"
