"""Import vectors: each file holds one fault and must be refused with exactly that row, field and code
(or, for a file that cannot be read at all, that problem code), writing nothing."""

from __future__ import annotations

import json

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from domain.items import is_valid_gtin
from tests.conftest import auth_headers

Client = AsyncTestClient[Litestar]
CSV = "text/csv"
JSON = "application/json"


def _gtin(body: str) -> str:
    return next(body + d for d in "0123456789" if is_valid_gtin(body + d))


SEEDED_GTIN = _gtin("871234000001")  # SKU-10001's each
FREE_GTIN = _gtin("590000000001")
ITEMS = "sku,description,units,lot_tracked,shelf_life_days,standard_cost,currency,abc_class,substitutes\n"
LOCATIONS = "code,warehouse,zone,kind,pick_item,min_qty,max_qty\n"
CUSTOMERS = "code,name,warehouse,price_list,sales_rep,warehouses_served\n"
PRICES = "price_list,currency,sku,unit_price,valid_from,valid_to\n"
USERS = "username,display_name,roles,warehouses,password\n"
BADGES = "username,badge,pin\n"
STOCK = "location,sku,lot,expires_on,qty\n"

# (kind, content type, body, the one (row, field, code) expected)
ROW_VECTORS = {
    "required": ("items", CSV, ITEMS + ",Desc,EA:1:,,,,,,\n", (1, "sku", "import.required")),
    "unknown_field": (
        "items",
        CSV,
        "sku,description,units,colour\nV-1,D,EA:1:,red\n",
        (1, "colour", "import.unknown_field"),
    ),
    "too_long": ("items", CSV, ITEMS + f"{'V' * 40},D,EA:1:,,,,,,\n", (1, "sku", "import.too_long")),
    "invalid_code": ("items", CSV, ITEMS + "V 1,D,EA:1:,,,,,,\n", (1, "sku", "import.invalid_code")),
    "invalid_character": (
        "items",
        JSON,
        json.dumps([{"sku": "V-1", "description": "a\u0000b", "units": "EA:1:"}]),
        (1, "description", "import.invalid_character"),
    ),
    "not_text": (
        "items",
        JSON,
        json.dumps([{"sku": 5, "description": "D", "units": "EA:1:"}]),
        (1, "sku", "import.not_text"),
    ),
    "not_a_number": ("items", CSV, ITEMS + "V-1,D,EA:1:,,,abc,,,\n", (1, "standard_cost", "import.not_a_number")),
    "fraction_in_json": (
        "items",
        JSON,
        '[{"sku": "V-1", "description": "D", "units": "EA:1:", "standard_cost": 1.5}]',
        (1, "standard_cost", "import.not_a_number"),
    ),
    "out_of_range": ("items", CSV, ITEMS + "V-1,D,EA:1:,,0,,,,\n", (1, "shelf_life_days", "import.out_of_range")),
    "negative": ("items", CSV, ITEMS + "V-1,D,EA:1:,,,-5,,,\n", (1, "standard_cost", "import.negative")),
    "not_a_boolean": ("items", CSV, ITEMS + "V-1,D,EA:1:,maybe,,,,,\n", (1, "lot_tracked", "import.not_a_boolean")),
    "gtin_invalid": ("items", CSV, ITEMS + "V-1,D,EA:1:1234567890123,,,,,,\n", (1, "units", "import.gtin_invalid")),
    "unit_invalid": ("items", CSV, ITEMS + "V-1,D,EA:1:x:y,,,,,,\n", (1, "units", "import.unit_invalid")),
    "unit_duplicate": ("items", CSV, ITEMS + "V-1,D,EA:1:|EA:1:,,,,,,\n", (1, "units", "import.unit_duplicate")),
    "base_unit_missing": ("items", CSV, ITEMS + "V-1,D,CS:12:,,,,,,\n", (1, "units", "import.base_unit_missing")),
    "invalid_choice": ("items", CSV, ITEMS + "V-1,D,EA:1:,,,,,D,\n", (1, "abc_class", "import.invalid_choice")),
    "currency_invalid": ("items", CSV, ITEMS + "V-1,D,EA:1:,,,,euro,,\n", (1, "currency", "import.currency_invalid")),
    "self_substitute": ("items", CSV, ITEMS + "V-1,D,EA:1:,,,,,,V-1\n", (1, "substitutes", "import.self_substitute")),
    "substitute_unknown": (
        "items",
        CSV,
        ITEMS + "V-1,D,EA:1:,,,,,,NOPE-1\n",
        (1, "substitutes", "import.item_unknown"),
    ),
    "duplicate_key": (
        "items",
        CSV,
        ITEMS + "V-1,D,EA:1:,,,,,,\nV-1,E,EA:1:,,,,,,\n",
        (2, "sku", "import.duplicate_key"),
    ),
    "gtin_duplicate": (
        "items",
        CSV,
        ITEMS + f"V-1,D,EA:1:{FREE_GTIN},,,,,,\nV-2,D,EA:1:{FREE_GTIN},,,,,,\n",
        (2, "units", "import.gtin_duplicate"),
    ),
    "gtin_taken": ("items", CSV, ITEMS + f"V-1,D,EA:1:{SEEDED_GTIN},,,,,,\n", (1, "units", "import.gtin_taken")),
    "timezone_unknown": (
        "warehouses",
        CSV,
        "code,name,timezone\nWHX,X,Mars/Base\n",
        (1, "timezone", "import.timezone_unknown"),
    ),
    "warehouse_unknown": (
        "locations",
        CSV,
        LOCATIONS + "WHZ-01,WHZ,A,storage,,,\n",
        (1, "warehouse", "import.warehouse_unknown"),
    ),
    "min_max_without_item": (
        "locations",
        CSV,
        LOCATIONS + "WH1-V-01,WH1,A,pick_face,,1,5\n",
        (1, "pick_item", "import.min_max_without_item"),
    ),
    "pick_item_not_pick_face": (
        "locations",
        CSV,
        LOCATIONS + "WH1-V-01,WH1,A,storage,SKU-10004,,\n",
        (1, "pick_item", "import.pick_item_not_pick_face"),
    ),
    "min_above_max": (
        "locations",
        CSV,
        LOCATIONS + "WH1-V-01,WH1,A,pick_face,SKU-10004,9,5\n",
        (1, "min_qty", "import.min_above_max"),
    ),
    "location_moved": (
        "locations",
        CSV,
        LOCATIONS + "WH1-R01-01-2,WH2,R,storage,,,\n",
        (1, "warehouse", "import.location_moved"),
    ),
    "pick_item_unknown": (
        "locations",
        CSV,
        LOCATIONS + "WH1-V-01,WH1,A,pick_face,NOPE-1,,\n",
        (1, "pick_item", "import.item_unknown"),
    ),
    "price_list_unknown": (
        "customers",
        CSV,
        CUSTOMERS + "C-V1,V,WH1,NOPE,,\n",
        (1, "price_list", "import.price_list_unknown"),
    ),
    "sales_rep_unknown": (
        "customers",
        CSV,
        CUSTOMERS + "C-V1,V,WH1,,picker1,\n",
        (1, "sales_rep", "import.sales_rep_unknown"),
    ),
    "served_unknown": (
        "customers",
        CSV,
        CUSTOMERS + "C-V1,V,WH1,,,WH1|WHQ\n",
        (1, "warehouses_served", "import.warehouse_unknown"),
    ),
    "validity_reversed": (
        "prices",
        CSV,
        PRICES + "STANDARD,EUR,SKU-10004,100,2026-12-31,2026-01-01\n",
        (1, "valid_to", "import.validity_reversed"),
    ),
    "not_a_date": (
        "prices",
        CSV,
        PRICES + "STANDARD,EUR,SKU-10004,100,31/12/2026,\n",
        (1, "valid_from", "import.not_a_date"),
    ),
    "currency_mismatch": (
        "prices",
        CSV,
        PRICES + "STANDARD,USD,SKU-10004,100,,\n",
        (1, "currency", "import.currency_mismatch"),
    ),
    "price_item_unknown": ("prices", CSV, PRICES + "STANDARD,EUR,NOPE-1,100,,\n", (1, "sku", "import.item_unknown")),
    "customer_unknown": (
        "customer_prices",
        CSV,
        "customer,sku,unit_price\nNOPE,SKU-10004,100\n",
        (1, "customer", "import.customer_unknown"),
    ),
    "role_unknown": ("users", CSV, USERS + "v.user,V,pilot,WH1,long-enough-1\n", (1, "roles", "import.role_unknown")),
    "password_weak": ("users", CSV, USERS + "v.user,V,picker,WH1,short\n", (1, "password", "import.password_weak")),
    "user_warehouse_unknown": (
        "users",
        CSV,
        USERS + "v.user,V,picker,WHQ,long-enough-1\n",
        (1, "warehouses", "import.warehouse_unknown"),
    ),
    "pin_invalid": ("badges", CSV, BADGES + "picker1,7777,12\n", (1, "pin", "import.pin_invalid")),
    "user_unknown": ("badges", CSV, BADGES + "nobody,7777,1234\n", (1, "username", "import.user_unknown")),
    "badge_taken": ("badges", CSV, BADGES + "picker2,1001,1234\n", (1, "badge", "import.badge_taken")),
    "badge_duplicate": (
        "badges",
        CSV,
        BADGES + "picker1,7777,1234\npicker2,7777,1234\n",
        (2, "badge", "import.badge_duplicate"),
    ),
    "location_unknown": (
        "opening_stock",
        CSV,
        STOCK + "WH1-NOWHERE,SKU-10004,,,5\n",
        (1, "location", "import.location_unknown"),
    ),
    "stock_item_unknown": (
        "opening_stock",
        CSV,
        STOCK + "WH1-R01-02-2,NOPE-1,,,5\n",
        (1, "sku", "import.item_unknown"),
    ),
    "lot_required": ("opening_stock", CSV, STOCK + "WH1-R01-02-2,SKU-10001,,,5\n", (1, "lot", "import.lot_required")),
    "lot_not_tracked": (
        "opening_stock",
        CSV,
        STOCK + "WH1-R01-02-2,SKU-10004,L1,,5\n",
        (1, "lot", "import.lot_not_tracked"),
    ),
    "expiry_without_lot": (
        "opening_stock",
        CSV,
        STOCK + "WH1-R01-02-2,SKU-10004,,2027-01-01,5\n",
        (1, "expires_on", "import.expiry_without_lot"),
    ),
    "qty_not_positive": (
        "opening_stock",
        CSV,
        STOCK + "WH1-R01-02-2,SKU-10004,,,0\n",
        (1, "qty", "import.qty_not_positive"),
    ),
}


@pytest.mark.parametrize("name", sorted(ROW_VECTORS))
async def test_a_row_fault_is_named_by_row_field_and_code(client: Client, name: str) -> None:
    kind, content_type, body, expected = ROW_VECTORS[name]
    headers = await auth_headers(client, "admin") | {"Content-Type": content_type}
    response = await client.post(f"/api/imports/{kind}", headers=headers, content=body.encode())
    assert response.status_code == 422, response.text
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert problem["code"] == "import.invalid"
    assert [(e["row"], e["field"], e["code"]) for e in problem["errors"]] == [expected]
    assert problem["errors_total"] == 1
    run = await client.get(f"/api/imports/{problem['import_id']}", headers=headers)
    assert run.json()["status"] == "rejected"
    assert run.json()["rows_applied"] == 0


# (path kind, content type, body, status, problem code): files that cannot be read at all
FILE_VECTORS = {
    "malformed_csv": ("items", CSV, b'sku,description,units\n"V-1"x,D,EA:1:\n', 422, "import.malformed_csv"),
    "header_invalid": ("items", CSV, b"sku,sku\nV-1,V-2\n", 422, "import.header_invalid"),
    "not_utf8": ("items", CSV, b"sku,description,units\n\xff\xfe,D,EA:1:\n", 422, "import.not_utf8"),
    "malformed_json": ("items", JSON, b'[{"sku": "V-1",', 422, "import.malformed_json"),
    "not_a_list": ("items", JSON, b'{"sku": "V-1"}', 422, "import.not_a_list"),
    "unsupported_media_type": ("items", "text/plain", b"sku\nV-1\n", 415, "import.unsupported_media_type"),
    "kind_unknown": ("widgets", CSV, b"sku\nV-1\n", 404, "import.kind_unknown"),
}


@pytest.mark.parametrize("name", sorted(FILE_VECTORS))
async def test_an_unreadable_file_is_one_problem(client: Client, name: str) -> None:
    kind, content_type, body, status, code = FILE_VECTORS[name]
    headers = await auth_headers(client, "admin") | {"Content-Type": content_type}
    response = await client.post(f"/api/imports/{kind}", headers=headers, content=body)
    assert response.status_code == status, response.text
    assert response.json()["code"] == code


async def test_only_admins_import(client: Client) -> None:
    headers = await auth_headers(client, "super1") | {"Content-Type": CSV}
    response = await client.post("/api/imports/items", headers=headers, content=ITEMS + "V-9,D,EA:1:,,,,,,\n")
    assert response.status_code == 403
    assert response.json()["code"] == "auth.forbidden"
