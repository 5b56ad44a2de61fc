"""Finance out: the journal of a period as JSON and CSV with its source documents, and a posting the
books refuse raising a posting_failure exception that outlives the rolled-back command."""

from __future__ import annotations

import csv
import io
import secrets
from datetime import UTC, datetime

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import auth_headers, new_key
from tests.stock_helpers import new_item

Client = AsyncTestClient[Litestar]
Sessions = async_sessionmaker[AsyncSession]
CSV = {"Content-Type": "text/csv"}


async def _warehouse_with_opening_stock(client: Client, headers: dict[str, str]) -> str:
    w = "F" + secrets.token_hex(2).upper()
    files = [
        ("warehouses", f"code,name\n{w},Finance Test DC\n"),
        ("locations", f"code,warehouse,zone,kind\n{w}-R01,{w},R,storage\n"),
        ("items", f"sku,description,units,standard_cost\n{w}-A,A,EA:1:,120\n{w}-B,B,EA:1:,80\n"),
        ("opening_stock", f"location,sku,qty\n{w}-R01,{w}-A,10\n{w}-R01,{w}-B,5\n"),
    ]
    for kind, body in files:
        response = await client.post(f"/api/imports/{kind}", headers=headers | CSV, content=body)
        assert response.status_code == 200, response.text
    return w


async def test_the_journal_of_a_period_exports_as_json_and_csv_with_source_documents(client: Client) -> None:
    headers = await auth_headers(client, "admin")
    w = await _warehouse_with_opening_stock(client, headers)
    today = datetime.now(UTC).date().isoformat()
    url = f"/api/ledger/journal?from={today}&to={today}&warehouse={w}"
    as_json = await client.get(url + "&format=json", headers=headers)
    assert as_json.status_code == 200, as_json.text
    [entry] = as_json.json()
    assert entry["source"]["kind"] == "opening"
    assert entry["warehouse"] == w
    lines = {(line["account"], line["sku"]): (line["debit"], line["credit"]) for line in entry["lines"]}
    assert lines == {("1300", f"{w}-A"): (1200, 0), ("1300", f"{w}-B"): (400, 0), ("3000", None): (0, 1600)}

    as_csv = await client.get(url + "&format=csv", headers=headers)
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert {(r["entry_id"], r["source_kind"], r["account"], r["debit"], r["credit"], r["sku"]) for r in rows} == {
        (entry["id"], "opening", "1300", "1200", "0", f"{w}-A"),
        (entry["id"], "opening", "1300", "400", "0", f"{w}-B"),
        (entry["id"], "opening", "3000", "0", "1600", ""),
    }

    yesterday = await client.get(f"/api/ledger/journal?from=2020-01-01&to=2020-01-31&warehouse={w}", headers=headers)
    assert yesterday.json() == []


async def test_a_bad_journal_request_is_a_problem(client: Client) -> None:
    admin = await auth_headers(client, "admin")
    reversed_period = await client.get("/api/ledger/journal?from=2026-02-01&to=2026-01-01", headers=admin)
    assert (reversed_period.status_code, reversed_period.json()["code"]) == (422, "ledger.period_invalid")
    at_the_end_of_time = await client.get("/api/ledger/journal?from=9999-12-30&to=9999-12-31", headers=admin)
    assert (at_the_end_of_time.status_code, at_the_end_of_time.json()["code"]) == (422, "ledger.period_invalid")
    xml = await client.get("/api/ledger/journal?from=2026-01-01&to=2026-01-31&format=xml", headers=admin)
    assert (xml.status_code, xml.json()["code"]) == (422, "ledger.format_unknown")
    supervisor = await auth_headers(client, "super1")
    everywhere = await client.get("/api/ledger/journal?from=2026-01-01&to=2026-01-31", headers=supervisor)
    assert (everywhere.status_code, everywhere.json()["code"]) == (422, "ledger.warehouse_required")
    picker = await auth_headers(client, "picker1")
    assert (
        await client.get("/api/ledger/journal?from=2026-01-01&to=2026-01-31&warehouse=WH1", headers=picker)
    ).status_code == 403


async def test_a_posting_the_books_refuse_raises_posting_failure_and_changes_nothing(
    client: Client, db: Sessions
) -> None:
    admin = await auth_headers(client, "admin")
    supervisor = await auth_headers(client, "super1")
    sku = await new_item(client, admin)
    async with db() as session, session.begin():
        item_id = await session.scalar(text("SELECT id FROM items WHERE sku = :s"), {"s": sku})
        # the chart of accounts "loses" the adjustment account for this one item: the database refuses its lines
        await session.execute(
            text(
                "CREATE FUNCTION refuse_line() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION"
                " 'account missing from the chart' USING ERRCODE = 'foreign_key_violation'; END $$"
            )
        )
        await session.execute(
            text(
                f"CREATE TRIGGER refuse_line BEFORE INSERT ON journal_lines FOR EACH ROW"
                f" WHEN (NEW.item_id = {int(item_id)}) EXECUTE FUNCTION refuse_line()"
            )
        )
    try:
        body = {"location": "WH1-R01-02-2", "sku": sku, "delta": 5, "reason": "adjust.found"}
        response = await client.post(
            "/api/warehouses/WH1/stock/adjustments", headers=supervisor | {"Idempotency-Key": new_key()}, json=body
        )
    finally:
        async with db() as session, session.begin():
            await session.execute(text("DROP TRIGGER refuse_line ON journal_lines"))
            await session.execute(text("DROP FUNCTION refuse_line()"))
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "ledger.posting_failed"
    async with db() as session:
        moved = await session.scalar(
            text(
                "SELECT count(*) FROM stock_movements m JOIN stock_balances b ON b.id = m.balance_id WHERE"
                " b.item_id = :i"
            ),
            {"i": item_id},
        )
    assert moved == 0
    queue = await client.get("/api/warehouses/WH1/exceptions?kind=posting_failure", headers=supervisor)
    [failure] = [e for e in queue.json() if sku in e["details"]["source_id"]]
    assert failure["kind"] == "posting_failure"
    assert failure["subject"].startswith("entry:adjust/")
    assert "account missing from the chart" in failure["details"]["reason"]
