"""Cycle counts over the API: blind counts, variances booked or approved, the ABC schedule, offline submits."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import text

from tests.conftest import auth_headers, bearer, login, new_key
from tests.execution_helpers import Client, Sessions, assert_books, gtin_of, post
from tests.stock_helpers import add_stock, new_item, place

COUNTS = "/api/warehouses/WH1/counts"
SCANS = "/api/warehouses/WH1/tasks/{}/scans"
PROBLEM = "application/problem+json"


async def _worker(client: Client, admin: dict[str, str], role: str = "picker") -> dict[str, str]:
    """A worker of our own, so no other test's held tasks come back from 'next task'."""
    name = f"counter-{secrets.token_hex(4)}"
    body = {"username": name, "display_name": "Test counter", "roles": [role], "warehouses": ["WH1"]}
    await post(client, admin, "/api/admin/users", body | {"password": "count-me-in"})
    return bearer(await login(client, name, "count-me-in"))


async def _zone(client: Client, sup: dict[str, str], n: int, kind: str = "storage") -> tuple[str, list[str]]:
    """A zone of our own with ``n`` fresh locations (their codes read like the site's bin labels)."""
    zone, prefix = f"Z{secrets.token_hex(3)}", secrets.token_hex(3).upper()
    codes = [f"{prefix}-C{i:02d}-01-1" for i in range(1, n + 1)]
    for i, code in enumerate(codes):
        await post(client, sup, "/api/warehouses/WH1/locations", {"code": code, "zone": zone, "kind": kind, "x": i})
    return zone, codes


async def _claim(client: Client, worker: dict[str, str], zone: str, kind: str = "count") -> dict[str, Any]:
    answer: dict[str, Any] = await post(
        client, worker, "/api/warehouses/WH1/tasks/next", {"kinds": [kind], "zones": [zone]}, 200
    )
    assert answer["task"] is not None, answer
    return answer


async def _count(
    client: Client, worker: dict[str, str], task_id: int, location: str, lines: list[tuple[str, int]]
) -> list[dict[str, Any]]:
    """Scan the location, then each label with its quantity, then finish; returns every answer."""
    answers = [await post(client, worker, SCANS.format(task_id), {"scan": location}, 200)]
    for label, qty in lines:
        answers.append(await post(client, worker, SCANS.format(task_id), {"scan": label}, 200))
        answers.append(await post(client, worker, SCANS.format(task_id), {"qty": qty}, 200))
    answers.append(await post(client, worker, f"{COUNTS}/{task_id}/finish", {}, 200))
    return answers


async def _results(client: Client, sup: dict[str, str], task_id: int) -> list[dict[str, Any]]:
    response = await client.get(f"{COUNTS}/results", headers=sup, params={"task": task_id})
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()
    return rows


async def _on_hand(db: Sessions, location: str, sku: str, lot: str = "") -> int:
    async with db() as session:
        qty = await session.scalar(
            text(
                "SELECT coalesce(sum(b.on_hand), 0) FROM stock_balances b JOIN locations l ON l.id = b.location_id"
                " JOIN items i ON i.id = b.item_id WHERE l.code = :l AND i.sku = :s AND b.lot = :lot"
            ),
            {"l": location, "s": sku, "lot": lot},
        )
    return int(qty or 0)


async def _entry_lines(db: Sessions, entry_id: str) -> list[tuple[str, int, int]]:
    async with db() as session:
        rows = await session.execute(
            text("SELECT account, debit, credit FROM journal_lines WHERE entry_id = :e ORDER BY account"),
            {"e": entry_id},
        )
        return [(r[0], int(r[1]), int(r[2])) for r in rows]


async def _setup(client: Client, *, price: int, qty: int) -> tuple[dict[str, str], dict[str, str], str, str, str]:
    """Supervisor, worker, a fresh bin holding ``qty`` of a fresh item; returns (sup, worker, zone, bin, sku)."""
    admin, sup = await auth_headers(client, "admin"), await auth_headers(client, "super1")
    worker = await _worker(client, admin)
    zone, [bin_code] = await _zone(client, sup, 1)
    sku = await new_item(client, admin, price=price)
    await add_stock(client, sup, sku, bin_code, qty)
    return sup, worker, zone, bin_code, sku


async def _requested_count(client: Client, sup: dict[str, str], bin_code: str, sku: str | None = None) -> int:
    body: dict[str, Any] = {"location": bin_code} | ({"sku": sku} if sku else {})
    created = await post(client, sup, COUNTS, body)
    assert created["task"]["kind"] == "count" and created["task"]["qty"] is None
    return int(created["task"]["id"])


async def test_small_count_variance_is_booked_at_once_with_its_posting(client: Client, db: Sessions) -> None:
    sup, worker, zone, bin_code, sku = await _setup(client, price=200, qty=20)  # standard cost 100
    task_id = await _requested_count(client, sup, bin_code, sku)
    assert (await _claim(client, worker, zone))["task"]["id"] == task_id
    done = (await _count(client, worker, task_id, bin_code, [(await gtin_of(db, sku), 18)]))[-1]
    assert done["task"]["state"] == "done" and done["prompt"]["step"] == "done"
    [result] = await _results(client, sup, task_id)
    assert (result["system_qty"], result["counted_qty"], result["variance_qty"]) == (20, 18, -2)
    assert (result["variance_value"], result["action"], result["adjusted"]) == (-200, "auto_adjust", True)
    assert result["approval"] is None and result["exception"] is None
    assert await _on_hand(db, bin_code, sku) == 18
    assert await _entry_lines(db, f"count/{result['id']}") == [("1300", 0, 200), ("5100", 200, 0)]
    async with db() as session:
        reasons = (
            await session.scalars(
                text(
                    "SELECT m.reason FROM stock_movements m JOIN stock_balances b ON b.id = m.balance_id"
                    " JOIN items i ON i.id = b.item_id WHERE i.sku = :s ORDER BY m.id"
                ),
                {"s": sku},
            )
        ).all()
        events = (
            await session.execute(
                text(
                    "SELECT type, count(*) FROM outbox_events WHERE (entity = 'task' AND entity_id = :t)"
                    " OR (type = 'stock.changed' AND entity_id = :s) GROUP BY type"
                ),
                {"t": str(task_id), "s": sku},
            )
        ).all()
    assert reasons == ["adjust.found", "adjust.count"]
    assert {t: n for t, n in events} == {
        "task.created": 1,
        "task.assigned": 1,
        "task.started": 1,
        "task.completed": 1,
        "stock.changed": 2,
    }
    await assert_books(db)


async def _big_variance(
    client: Client, db: Sessions, counted: int
) -> tuple[dict[str, str], str, str, int, dict[str, Any]]:
    """A count whose variance (standard cost 1000 a unit, 20 on hand) is worth more than the 5000 limit."""
    sup, worker, zone, bin_code, sku = await _setup(client, price=2000, qty=20)
    task_id = await _requested_count(client, sup, bin_code)
    await _claim(client, worker, zone)
    await _count(client, worker, task_id, bin_code, [(await gtin_of(db, sku), counted)])
    [result] = await _results(client, sup, task_id)
    assert (result["action"], result["adjusted"]) == ("needs_approval", False)
    assert await _on_hand(db, bin_code, sku) == 20
    return sup, bin_code, sku, task_id, result


async def test_large_variance_waits_for_approval_then_books(client: Client, db: Sessions) -> None:
    sup, bin_code, sku, _, result = await _big_variance(client, db, counted=12)
    assert (result["variance_qty"], result["variance_value"]) == (-8, -8000)
    pending = await client.get("/api/warehouses/WH1/approvals", headers=sup)
    [approval] = [a for a in pending.json() if a["id"] == result["approval"]]
    assert approval["decision"] is None and approval["details"]["counted_qty"] == 12
    assert approval["exception"] == result["exception"] and approval["exception_state"] == "open"
    picker = await auth_headers(client, "picker1")
    refused = await client.post(f"/api/approvals/{approval['id']}/approve", headers=picker, json={})
    assert (refused.status_code, refused.json()["code"]) == (403, "auth.forbidden")
    decided = await post(client, sup, f"/api/approvals/{approval['id']}/approve", {"note": "checked the bin"}, 200)
    assert decided["booked"] is True
    view = decided["approval"]
    assert (view["decision"], view["decided_by"]) == ("approved", "super1") and view["decided_at"]
    assert view["exception_state"] == "resolved" and "checked the bin" in view["resolution"]
    assert await _on_hand(db, bin_code, sku) == 12
    assert await _entry_lines(db, f"count/{result['id']}") == [("1300", 0, 8000), ("5100", 8000, 0)]
    again = await client.post(f"/api/approvals/{approval['id']}/approve", headers=sup, json={})
    assert (again.status_code, again.json()["code"]) == (409, "approval.already_decided")
    async with db() as session:
        exception = (
            await session.execute(
                text("SELECT kind, state, resolved_by, resolved_at FROM exceptions WHERE id = :id"),
                {"id": result["exception"]},
            )
        ).one()
        types = (
            await session.scalars(
                text(
                    "SELECT type FROM outbox_events WHERE (entity = 'approval' AND entity_id = :a)"
                    " OR (entity = 'exception' AND entity_id = :e) ORDER BY id"
                ),
                {"a": str(approval["id"]), "e": result["exception"]},
            )
        ).all()
    assert exception[:3] == ("count_variance", "resolved", "super1") and exception[3] is not None
    assert types == ["exception.raised", "approval.requested", "exception.resolved", "approval.decided"]
    [after] = [r for r in await _results(client, sup, result["task"]) if r["id"] == result["id"]]
    assert (after["adjusted"], after["decision"], after["decided_by"]) == (True, "approved", "super1")
    await assert_books(db)


async def test_rejected_variance_books_nothing(client: Client, db: Sessions) -> None:
    sup, bin_code, sku, _, result = await _big_variance(client, db, counted=30)
    decided = await post(
        client, sup, f"/api/approvals/{result['approval']}/reject", {"note": "miscount", "recount": True}, 200
    )
    assert decided["booked"] is False and decided["approval"]["decision"] == "rejected"
    assert decided["approval"]["exception_state"] == "resolved"
    assert await _on_hand(db, bin_code, sku) == 20
    assert await _entry_lines(db, f"count/{result['id']}") == []
    async with db() as session:
        recount = (
            await session.execute(
                text("SELECT kind, state, reason FROM tasks WHERE id = :id"), {"id": decided["recount_task"]}
            )
        ).one()
        adjusted = await session.scalar(text("SELECT adjusted FROM count_results WHERE id = :id"), {"id": result["id"]})
    assert tuple(recount) == ("count", "open", "recount") and adjusted is False
    await assert_books(db)


async def test_a_count_whose_stock_moved_before_approval_is_not_booked(client: Client, db: Sessions) -> None:
    sup, bin_code, sku, _, result = await _big_variance(client, db, counted=10)
    await add_stock(client, sup, sku, bin_code, 1)
    stale = await client.post(f"/api/approvals/{result['approval']}/approve", headers=sup, json={})
    assert stale.headers["content-type"].startswith(PROBLEM)
    assert (stale.status_code, stale.json()["code"]) == (409, "count.stale")
    assert (stale.json()["system_qty_then"], stale.json()["system_qty_now"]) == (20, 21)
    assert await _on_hand(db, bin_code, sku) == 21
    approval = (await client.get(f"/api/approvals/{result['approval']}", headers=sup)).json()
    assert approval["decision"] is None and approval["exception_state"] == "open"
    await assert_books(db)


async def test_uncounted_stock_in_the_location_counts_as_zero(client: Client, db: Sessions) -> None:
    sup, worker, zone, bin_code, counted_sku = await _setup(client, price=100, qty=5)
    missing_sku = await new_item(client, await auth_headers(client, "admin"), price=100)
    await add_stock(client, sup, missing_sku, bin_code, 3)
    task_id = await _requested_count(client, sup, bin_code)
    await _claim(client, worker, zone)
    await _count(client, worker, task_id, bin_code, [(await gtin_of(db, counted_sku), 5)])
    results = {r["sku"]: r for r in await _results(client, sup, task_id)}
    assert (results[counted_sku]["action"], results[counted_sku]["variance_qty"]) == ("none", 0)
    assert (results[missing_sku]["action"], results[missing_sku]["counted_qty"]) == ("auto_adjust", 0)
    assert await _on_hand(db, bin_code, missing_sku) == 0
    await assert_books(db)


async def test_a_lot_tracked_item_is_counted_per_lot(client: Client, db: Sessions) -> None:
    admin, sup = await auth_headers(client, "admin"), await auth_headers(client, "super1")
    worker = await _worker(client, admin)
    zone, [bin_code] = await _zone(client, sup, 1)
    sku = await new_item(client, admin, lot_tracked=True, price=100)
    gtin = await gtin_of(db, sku)
    await add_stock(client, sup, sku, bin_code, 5, lot="L1", expires_on="2031-01-01")
    await add_stock(client, sup, sku, bin_code, 3, lot="L2", expires_on="2031-02-01")
    task_id = await _requested_count(client, sup, bin_code, sku)
    await _claim(client, worker, zone)
    await post(client, worker, SCANS.format(task_id), {"scan": bin_code}, 200)
    needs_lot = await post(client, worker, SCANS.format(task_id), {"scan": gtin}, 200)
    assert needs_lot["prompt"]["step"] == "lot"
    await post(client, worker, SCANS.format(task_id), {"scan": "L1"}, 200)
    await post(client, worker, SCANS.format(task_id), {"qty": 5}, 200)
    await post(client, worker, SCANS.format(task_id), {"scan": f"(01){gtin.zfill(14)}(10)L2"}, 200)
    counted = await post(client, worker, SCANS.format(task_id), {"qty": 2}, 200)
    assert counted["prompt"]["counted"] == [{"sku": sku, "lot": "L1", "qty": 5}, {"sku": sku, "lot": "L2", "qty": 2}]
    await post(client, worker, f"{COUNTS}/{task_id}/finish", {}, 200)
    results = {r["lot"]: (r["action"], r["variance_qty"]) for r in await _results(client, sup, task_id)}
    assert results == {"L1": ("none", 0), "L2": ("auto_adjust", -1)}
    assert (await _on_hand(db, bin_code, sku, "L1"), await _on_hand(db, bin_code, sku, "L2")) == (5, 2)
    await assert_books(db)


def _numbers(value: Any, key: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [pair for k, v in value.items() for pair in _numbers(v, k)]
    if isinstance(value, list):
        return [pair for v in value for pair in _numbers(v, key)]
    return [(key, value)]


async def test_blind_count_never_shows_system_quantity(client: Client, db: Sessions) -> None:
    sup, worker, zone, bin_code, sku = await _setup(client, price=100, qty=37)
    task_id = await _requested_count(client, sup, bin_code, sku)
    answers = [await _claim(client, worker, zone)]
    answers.append((await client.get(f"/api/warehouses/WH1/tasks/{task_id}", headers=worker)).json())
    answers += await _count(client, worker, task_id, bin_code, [(await gtin_of(db, sku), 35)])
    hidden = {"system_qty", "on_hand", "variance_qty", "variance_value", "expected"}
    for answer in answers:
        pairs = _numbers(answer)
        assert not [k for k, _ in pairs if k in hidden], answer
        assert all(v in (None, 35) for k, v in pairs if k in ("qty", "qty_done")), answer
    async with db() as session:
        data = (
            await session.scalars(
                text("SELECT data FROM outbox_events WHERE entity = 'task' AND entity_id = :t"), {"t": str(task_id)}
            )
        ).all()
    assert all(d["qty"] != 37 for d in data)
    [result] = await _results(client, sup, task_id)
    assert (result["system_qty"], result["counted_qty"]) == (37, 35)


async def test_count_submit_mutation_replayed_twice_applies_once(client: Client, db: Sessions) -> None:
    sup, worker, _, bin_code, sku = await _setup(client, price=100, qty=10)
    task_id = await _requested_count(client, sup, bin_code, sku)
    device = await post(client, worker, "/api/devices", {"name": "RF-count", "platform": "android"})
    url = f"/api/devices/{device['device']['id']}/mutations"
    payload = {
        "warehouse": "WH1",
        "task": task_id,
        "location": bin_code,
        "lines": [{"item": await gtin_of(db, sku), "qty": 9}],
    }
    batch = [{"mutation_id": 1, "kind": "count.submit", "payload": payload}]
    first = await post(client, worker, url, batch, 200)
    again = await post(client, worker, url, batch, 200)
    assert first["results"][0]["outcome"] == "applied", first
    assert first["results"][0]["result"]["task"]["state"] == "done"
    assert again["results"][0] == {**first["results"][0], "replayed": True}
    assert await _on_hand(db, bin_code, sku) == 9
    assert len(await _results(client, sup, task_id)) == 1
    late = [{"mutation_id": 2, "kind": "count.submit", "payload": payload}]
    rejected = (await post(client, worker, url, late, 200))["results"][0]
    assert (rejected["outcome"], rejected["result"]["code"]) == ("rejected", "task.not_active")
    assert await _on_hand(db, bin_code, sku) == 9
    await assert_books(db)


async def test_abc_schedule_counts_a_items_first(client: Client, db: Sessions) -> None:
    admin, sup = await auth_headers(client, "admin"), await auth_headers(client, "super1")
    zone, codes = await _zone(client, sup, 3)
    skus = {}
    for abc, code in zip("CBA", codes, strict=True):
        skus[abc] = await new_item(client, admin)
        await add_stock(client, sup, skus[abc], code, 4)
    async with db() as session, session.begin():
        # the ERP's item feed does not carry the ABC class yet: classes are set where they live
        for abc, sku in skus.items():
            await session.execute(text("UPDATE items SET abc_class = :c WHERE sku = :s"), {"c": abc, "s": sku})
    url = f"{COUNTS}/schedule"
    first = await post(client, sup, url, {"zone": zone, "limit": 1})
    assert [(t["sku"], t["reason"], t["qty"]) for t in first["tasks"]] == [(skus["A"], "abc:A", None)]
    rest = await post(client, sup, url, {"zone": zone, "limit": 10})
    assert [t["sku"] for t in rest["tasks"]] == [skus["B"], skus["C"]]
    assert (await post(client, sup, url, {"zone": zone}))["tasks"] == []
    bad = await client.post(url, headers=sup, json={"zone": zone, "limit": 0})
    assert (bad.status_code, bad.json()["code"]) == (422, "count.invalid_limit")
    worker = await _worker(client, admin)
    claimed = await _claim(client, worker, zone)
    task = claimed["task"]
    assert task["sku"] == skus["A"]
    await _count(client, worker, task["id"], task["location"], [(await gtin_of(db, skus["A"]), 4)])
    # counted today: the A item is not due again for its 30 days
    assert (await post(client, sup, url, {"zone": zone}))["tasks"] == []


async def test_bad_count_input_is_refused_and_writes_nothing(client: Client, db: Sessions) -> None:
    sup, worker, zone, bin_code, sku = await _setup(client, price=100, qty=6)
    for body, status, code in (
        ({"location": "NOPE-Z99-99-9"}, 422, "location.unknown"),
        ({"location": bin_code, "sku": "NO-SUCH-SKU"}, 422, "item.unknown"),
        ({"location": bin_code, "color": "red"}, 400, "request.invalid"),
    ):
        response = await client.post(COUNTS, headers=sup | {"Idempotency-Key": new_key()}, json=body)
        assert response.headers["content-type"].startswith(PROBLEM)
        assert (response.status_code, response.json()["code"]) == (status, code), response.text
    task_id = await _requested_count(client, sup, bin_code)
    duplicate = await client.post(COUNTS, headers=sup, json={"location": bin_code, "sku": sku})
    assert (duplicate.status_code, duplicate.json()["code"], duplicate.json()["task"]) == (
        409,
        "count.already_open",
        task_id,
    )
    await _claim(client, worker, zone)
    early = await client.post(f"{COUNTS}/{task_id}/finish", headers=worker)
    assert (early.status_code, early.json()["code"]) == (409, "count.not_started")
    wrong = await client.post(SCANS.format(task_id), headers=worker, json={"scan": "WH1-A01-01-1"})
    assert (wrong.status_code, wrong.json()["code"]) == (422, "scan.wrong_location")
    await post(client, worker, SCANS.format(task_id), {"scan": bin_code}, 200)
    await post(client, worker, SCANS.format(task_id), {"scan": await gtin_of(db, sku)}, 200)
    negative = await client.post(SCANS.format(task_id), headers=worker, json={"qty": -1})
    assert (negative.status_code, negative.json()["code"]) == (422, "count.invalid_quantity")
    pending = await client.post(f"{COUNTS}/{task_id}/finish", headers=worker)
    assert (pending.status_code, pending.json()["code"]) == (409, "count.quantity_pending")
    other = await client.post(f"{COUNTS}/{task_id}/finish", headers=await auth_headers(client, "picker2"))
    assert (other.status_code, other.json()["code"]) == (409, "task.not_claimed_by_worker")
    missing = await client.post("/api/approvals/999999999/approve", headers=sup, json={})
    assert (missing.status_code, missing.json()["code"]) == (404, "approval.not_found")
    async with db() as session:
        tasks_at_bin = await session.scalar(
            text("SELECT count(*) FROM tasks t JOIN locations l ON l.id = t.location_id WHERE l.code = :c"),
            {"c": bin_code},
        )
    assert tasks_at_bin == 1
    assert await _results(client, sup, task_id) == []
    assert await _on_hand(db, bin_code, sku) == 6


async def test_missing_stock_promised_to_orders_waits_for_a_supervisor(client: Client, db: Sessions) -> None:
    admin, sup = await auth_headers(client, "admin"), await auth_headers(client, "super1")
    counter = await _worker(client, admin, role="supervisor")
    zone, [bin_code] = await _zone(client, sup, 1)
    sku = await new_item(client, admin, price=100)  # 10 units at cost 50: far below the 5000 limit
    await add_stock(client, sup, sku, bin_code, 10)
    order = await place(client, await auth_headers(client, "rep1"), "CUST-020", [(sku, 8)])
    assert order.status_code == 201 and order.json()["status"] == "allocated", order.text
    task_id = await _requested_count(client, sup, bin_code, sku)
    await _claim(client, counter, zone)
    await _count(client, counter, task_id, bin_code, [])
    [result] = await _results(client, sup, task_id)
    assert (result["variance_qty"], result["variance_value"], result["action"]) == (-10, -500, "needs_approval")
    own = await client.post(f"/api/approvals/{result['approval']}/approve", headers=counter, json={})
    assert (own.status_code, own.json()["code"]) == (403, "approval.own_count")
    allocated = await client.post(f"/api/approvals/{result['approval']}/approve", headers=sup, json={})
    assert (allocated.status_code, allocated.json()["code"]) == (409, "count.stock_allocated")
    assert await _on_hand(db, bin_code, sku) == 10
    await post(client, sup, f"/api/approvals/{result['approval']}/reject", {"note": "order picks first"}, 200)
    await assert_books(db)
