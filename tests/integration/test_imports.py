"""Master-data imports over HTTP on real PostgreSQL: CSV and JSON, dry runs, re-sends, all-or-nothing,
history, idempotency keys and a file streamed in pieces."""

from __future__ import annotations

import itertools
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.items import is_valid_gtin
from tests.conftest import auth_headers, new_key

Client = AsyncTestClient[Litestar]
Sessions = async_sessionmaker[AsyncSession]
CSV = {"Content-Type": "text/csv"}
_runs = itertools.count(1)


def gtin(n: int) -> str:
    """A valid GTIN-13 numbered ``n`` in a range the demo seed does not use."""
    body = f"59{n:010d}"
    return next(body + d for d in "0123456789" if is_valid_gtin(body + d))


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
    assert (
        await scalar(
            db, "SELECT count(*) FROM item_uoms u JOIN items i ON i.id = u.item_id WHERE i.sku LIKE :p", p=f"{p}-%"
        )
        == 10
    )
    history = await client.get(f"/api/items/{p}-0/history", headers=headers)
    assert [h["action"] for h in history.json()] == ["created"]


async def test_a_changed_item_is_updated_and_its_history_shows_before_and_after(client: Client) -> None:
    headers = await admin(client) | CSV
    p = prefix()
    assert (await client.post("/api/imports/items", headers=headers, content=items_csv(p, 3))).status_code == 200
    changed = items_csv(p, 3, cost=150).replace("|CS:12:", "|CS:24:")
    response = await client.post("/api/imports/items", headers=headers, content=changed)
    assert (response.json()["created"], response.json()["updated"], response.json()["unchanged"]) == (0, 3, 0)
    history = (await client.get(f"/api/items/{p}-1/history", headers=headers)).json()
    assert [h["action"] for h in history] == ["updated", "updated", "created"]
    changes = {k: v for h in history[:2] for k, v in h["changes"].items()}
    assert changes["standard_cost_minor"] == [100, 150]
    assert [u.split(":")[:2] for u in changes["units"][0]] == [["CS", "12"], ["EA", "1"]]
    assert [u.split(":")[:2] for u in changes["units"][1]] == [["CS", "24"], ["EA", "1"]]
    assert {h["changed_by"] for h in history} == {"admin"}
    assert all(h["source"].startswith("import:") for h in history)


async def test_a_dry_run_counts_what_would_change_and_writes_nothing(client: Client, db: Sessions) -> None:
    headers = await admin(client) | CSV
    p = prefix()
    response = await client.post("/api/imports/items?dry_run=true", headers=headers, content=items_csv(p, 4))
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["created"]) == ("dry_run", 4)
    assert await scalar(db, "SELECT count(*) FROM items WHERE sku LIKE :p", p=f"{p}-%") == 0
    assert await scalar(db, "SELECT count(*) FROM master_data_history WHERE entity_key LIKE :p", p=f"{p}-%") == 0


async def test_one_bad_row_and_the_whole_file_is_refused(client: Client, db: Sessions) -> None:
    headers = await admin(client) | CSV
    p = prefix()
    body = items_csv(p, 3) + f"{p}-bad,Bad,EA:1:|EA:2:,false,,100\n"
    response = await client.post("/api/imports/items", headers=headers, content=body)
    assert response.status_code == 422
    assert [(e["row"], e["code"]) for e in response.json()["errors"]] == [(4, "import.unit_duplicate")]
    assert await scalar(db, "SELECT count(*) FROM items WHERE sku LIKE :p", p=f"{p}-%") == 0


async def test_json_and_csv_of_the_same_records_are_the_same_import(client: Client) -> None:
    headers = await admin(client)
    p = prefix()
    rows = [
        {
            "sku": f"{p}-{k}",
            "description": f"Item {k}",
            "units": [{"uom": "EA", "factor": 1}, {"uom": "CS", "factor": 6}],
            "lot_tracked": True,
            "shelf_life_days": 30,
            "standard_cost": 250,
        }
        for k in range(3)
    ]
    first = await client.post("/api/imports/items", headers=headers, json=rows)
    assert first.status_code == 200, first.text
    assert first.json()["created"] == 3
    csv_body = "sku,description,units,lot_tracked,shelf_life_days,standard_cost\n" + "".join(
        f"{p}-{k},Item {k},EA:1:|CS:6:,true,30,250\n" for k in range(3)
    )
    again = await client.post("/api/imports/items", headers=headers | CSV, content=csv_body)
    assert (again.json()["created"], again.json()["updated"], again.json()["unchanged"]) == (0, 0, 3)


async def test_an_idempotency_key_replays_the_report_and_refuses_another_file(client: Client, db: Sessions) -> None:
    headers = await admin(client) | CSV | {"Idempotency-Key": new_key()}
    p = prefix()
    first = await client.post("/api/imports/items", headers=headers, content=items_csv(p, 2))
    replay = await client.post("/api/imports/items", headers=headers, content=items_csv(p, 2))
    assert first.status_code == replay.status_code == 200
    assert replay.content == first.content
    assert replay.headers.get("idempotent-replayed") == "true"
    other = await client.post("/api/imports/items", headers=headers, content=items_csv(p, 3))
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency.key_reused"
    assert await scalar(db, "SELECT count(*) FROM items WHERE sku LIKE :p", p=f"{p}-%") == 2


async def test_warehouses_suppliers_locations_customers_and_prices_import_with_history(
    client: Client, db: Sessions
) -> None:
    headers = await admin(client) | CSV
    p = prefix()
    files = [
        ("warehouses", f"code,name,timezone,currency\n{p}W,Ghent DC,Europe/Brussels,EUR\n"),
        ("suppliers", f"code,name,currency,lead_time_days,email\n{p}-SUP,Dairy Co,EUR,3,orders@dairy.example\n"),
        (
            "locations",
            f"code,warehouse,zone,kind,aisle,pick_sequence,pick_item,min_qty,max_qty\n"
            f"{p}W-A01,{p}W,A,pick_face,A01,10,SKU-10004,5,50\n{p}W-R01,{p}W,R,storage,R01,20,,,\n",
        ),
        (
            "prices",
            f"price_list,currency,sku,unit_price,valid_from,valid_to\n{p}-LIST,EUR,SKU-10004,199,2026-01-01,2026-12-31\n",
        ),
        (
            "customers",
            f"code,name,warehouse,priority_tier,credit_limit,price_list,sales_rep,warehouses_served\n"
            f"{p}-C1,Corner Shop,{p}W,1,500000,{p}-LIST,rep1,WH1|{p}W\n",
        ),
        ("customer_prices", f"customer,sku,unit_price,valid_from\n{p}-C1,SKU-10004,180,2026-01-01\n"),
    ]
    for kind, body in files:
        response = await client.post(f"/api/imports/{kind}", headers=headers, content=body)
        assert response.status_code == 200, (kind, response.text)
        assert response.json()["created"] >= 1, kind
    assert await scalar(db, "SELECT item_id IS NOT NULL AND min_qty = 5 FROM locations WHERE code = :c", c=f"{p}W-A01")
    served = await scalar(
        db,
        "SELECT array_agg(w.warehouse ORDER BY w.warehouse) FROM customer_warehouses w JOIN customers c"
        " ON c.id = w.customer_id WHERE c.code = :c",
        c=f"{p}-C1",
    )
    assert served == sorted(["WH1", f"{p}W"])
    raised = (
        "code,name,warehouse,priority_tier,credit_limit,price_list,sales_rep,warehouses_served\n"
        f"{p}-C1,Corner Shop,{p}W,1,750000,{p}-LIST,rep1,WH1\n"
    )
    update = await client.post("/api/imports/customers", headers=headers, content=raised)
    assert update.json()["updated"] == 1
    history = (await client.get(f"/api/customers/{p}-C1/history", headers=headers)).json()
    changes = history[0]["changes"] | history[1]["changes"]  # the newest two: one import's changes
    assert changes["credit_limit_minor"] == [500000, 750000]
    assert changes["warehouses_served"] == [sorted(["WH1", f"{p}W"]), ["WH1"]]
    price = (await client.get(f"/api/prices/{p}-LIST/SKU-10004/history", headers=headers)).json()
    assert price[0]["changes"]["unit_price_minor"] == [None, 199]
    assert price[0]["changes"]["valid_to"] == [None, "2026-12-31"]
    location = (await client.get(f"/api/locations/{p}W-A01/history", headers=headers)).json()
    assert location[0]["action"] == "created"
    supplier = (await client.get(f"/api/history/supplier/{p}-SUP", headers=headers)).json()
    assert supplier[0]["changes"]["lead_time_days"] == [None, 3]


async def test_users_and_badges_import_and_the_badge_logs_in(client: Client) -> None:
    headers = await admin(client) | CSV
    p = prefix().lower()
    users = f"username,display_name,roles,warehouses,password\n{p}.pick,Pat Picker,picker,WH1,import-secret-1\n"
    first = await client.post("/api/imports/users", headers=headers, content=users)
    assert first.json()["created"] == 1, first.text
    again = await client.post("/api/imports/users", headers=headers, content=users)
    assert again.json()["unchanged"] == 1
    badge = f"{p}77"[-8:].replace("t", "9")
    badges = f"username,badge,pin\n{p}.pick,{badge},4321\n"
    assert (await client.post("/api/imports/badges", headers=headers, content=badges)).json()["updated"] == 1
    assert (await client.post("/api/imports/badges", headers=headers, content=badges)).json()["unchanged"] == 1
    login = await client.post("/api/auth/badge", json={"badge": badge, "pin": "4321"})
    assert login.status_code == 200, login.text
    history = (await client.get(f"/api/history/user/{p}.pick", headers=headers)).json()
    assert [h["action"] for h in history] == ["updated", "created"]
    assert history[0]["changes"]["pin"] == "changed"
    assert "password_hash" not in str(history)


async def test_an_agreed_price_counts_only_within_its_validity(client: Client) -> None:
    headers = await admin(client) | CSV
    expired = "customer,sku,unit_price,valid_from,valid_to\nCUST-040,SKU-10321,77,2020-01-01,2020-12-31\n"
    assert (await client.post("/api/imports/customer_prices", headers=headers, content=expired)).status_code == 200
    prices = (await client.get("/api/customers/CUST-040/prices?sku=SKU-10321", headers=headers)).json()
    assert [(p["sku"], p["agreed"]) for p in prices] == [("SKU-10321", False)]
    current = "customer,sku,unit_price,valid_from,valid_to\nCUST-040,SKU-10321,77,2020-01-01,\n"
    assert (await client.post("/api/imports/customer_prices", headers=headers, content=current)).json()["updated"] == 1
    prices = (await client.get("/api/customers/CUST-040/prices?sku=SKU-10321", headers=headers)).json()
    assert [(p["unit_price"]["amount"], p["agreed"]) for p in prices] == [(77, True)]


async def test_the_single_item_api_writes_the_same_history(client: Client) -> None:
    headers = await admin(client)
    sku = f"{prefix()}-API"
    body = {"description": "One", "units": [{"uom": "EA", "factor": 1}], "standard_cost": 10}
    assert (await client.put(f"/api/items/{sku}", headers=headers, json=body)).status_code == 200
    assert (await client.put(f"/api/items/{sku}", headers=headers, json=body)).status_code == 200
    body |= {"standard_cost": 12, "units": [{"uom": "EA", "factor": 1}, {"uom": "CS", "factor": 6}]}
    assert (await client.put(f"/api/items/{sku}", headers=headers, json=body)).status_code == 200
    history = (await client.get(f"/api/items/{sku}/history", headers=headers)).json()
    assert [(h["action"], h["source"]) for h in history] == [("updated", "api"), ("created", "api")]
    assert history[0]["changes"] == {"standard_cost_minor": [10, 12], "units": [["EA:1:"], ["CS:6:", "EA:1:"]]}


async def test_a_location_created_through_the_api_has_its_history(client: Client) -> None:
    headers = await auth_headers(client, "super1") | {"Idempotency-Key": new_key()}
    code = f"WH1-{prefix()}-H"
    body = {"code": code, "zone": "T", "kind": "storage"}
    assert (await client.post("/api/warehouses/WH1/locations", headers=headers, json=body)).status_code == 201
    history = (await client.get(f"/api/locations/{code}/history", headers=headers)).json()
    assert [(h["action"], h["source"], h["changed_by"]) for h in history] == [("created", "api", "super1")]
    assert history[0]["changes"]["zone"] == [None, "T"]
