"""POST /api/scans/interpret: what a scan is at a step, or a problem with a stable code."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import auth_headers, new_key

Client = AsyncTestClient[Litestar]
URL = "/api/scans/interpret"


async def test_a_gs1_item_label_resolves_to_its_item_with_lot_and_expiry(client: Client) -> None:
    picker = await auth_headers(client, "picker1")
    # SKU-10001's each GTIN is 8712340000016 (seeded); as GTIN-14 in a GS1-128 with lot and expiry
    scan = "]C101087123400000161724123110LOT-7"
    response = await client.post(URL, headers=picker, json={"warehouse": "WH1", "step": "item", "scan": scan})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["kind"] == "gtin"
    assert body["gtin"] == "08712340000016"
    assert body["lot"] == "LOT-7"
    assert body["expiry"] == "2024-12-31"
    assert body["item"]["sku"] == "SKU-10001"
    assert body["item"]["lot_required"] is False


async def test_a_location_label_is_a_location_of_the_warehouse(client: Client) -> None:
    picker = await auth_headers(client, "picker1")
    for code in ("WH1-A01-03-1", "wh1-dock-01", "WH1-QA-01", "WH1-STG-01", "WH1-SHIP-01"):
        response = await client.post(URL, headers=picker, json={"warehouse": "WH1", "step": "location", "scan": code})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["kind"] == "location"
        assert body["location"]["code"] == code.upper()


async def test_an_sscc_is_a_pallet(client: Client) -> None:
    receiver = await auth_headers(client, "receiver1")
    response = await client.post(
        URL, headers=receiver, json={"warehouse": "WH1", "step": "pallet", "scan": "(00)106141411234567897"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["sscc"] == "106141411234567897"


async def test_wrong_kind_bad_check_digit_and_other_warehouses_are_problems(client: Client) -> None:
    picker = await auth_headers(client, "picker1")
    wrong = await client.post(URL, headers=picker, json={"warehouse": "WH1", "step": "location", "scan": "TOTE-12"})
    assert wrong.status_code == 422
    assert wrong.json()["code"] == "scan.not_expected_here"
    bad = await client.post(URL, headers=picker, json={"warehouse": "WH1", "step": "item", "scan": "8712340000012"})
    assert bad.status_code == 422
    assert bad.json()["code"] == "scan.bad_check_digit"
    step = await client.post(URL, headers=picker, json={"warehouse": "WH1", "step": "teleport", "scan": "x"})
    assert step.status_code == 400
    other = await client.post(URL, headers=picker, json={"warehouse": "WH2", "step": "any", "scan": "TOTE-1"})
    assert other.status_code == 403


async def test_a_location_the_warehouse_has_is_a_location_whatever_its_label_looks_like(client: Client) -> None:
    supervisor = await auth_headers(client, "super1")
    created = await client.post(
        "/api/warehouses/WH1/locations",
        headers=supervisor | {"Idempotency-Key": new_key()},
        json={"code": "10D9T", "zone": "T", "kind": "shipping"},  # a kind no flow picks by code order
    )
    assert created.status_code in (201, 200), created.text  # 200: made by an earlier run on this database
    picker = await auth_headers(client, "picker1")
    for step in ("location", "to_location"):
        response = await client.post(URL, headers=picker, json={"warehouse": "WH1", "step": step, "scan": "10d9t"})
        assert response.status_code == 200, response.text
        assert (response.json()["kind"], response.json()["location"]["code"]) == ("location", "10D9T")
    # in the other warehouse it is no location at all
    unknown = await client.post(URL, headers=supervisor, json={"warehouse": "WH2", "step": "location", "scan": "10D9T"})
    assert unknown.status_code == 422, unknown.text


async def test_a_quantity_step_reads_a_whole_number(client: Client) -> None:
    picker = await auth_headers(client, "picker1")
    answer = await client.post(URL, headers=picker, json={"warehouse": "WH1", "step": "quantity", "scan": " 012\r"})
    assert answer.status_code == 200, answer.text
    assert (answer.json()["kind"], answer.json()["count"], answer.json()["code"]) == ("quantity", 12, "12")
    for bad in ("-3", "1.5", "ten", "1234567890"):
        refused = await client.post(URL, headers=picker, json={"warehouse": "WH1", "step": "quantity", "scan": bad})
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "scan.not_a_quantity"
