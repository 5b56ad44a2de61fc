"""One role policy for floor work: a scan online and the same intent replayed offline refuse the same callers."""

from __future__ import annotations

import secrets
from typing import Any

from domain.guided import may_work
from domain.tasks import TaskKind
from tests.conftest import auth_headers
from tests.execution_helpers import Client, Sessions, claim, gtin_of, post, receive_and_put_away
from tests.stock_helpers import new_item, place

USERS = {"picker1": "picker", "receiver1": "receiver", "rep1": "sales_rep", "super1": "supervisor", "admin": "admin"}
WRONG_BIN = "WH1-A01-01-1"


async def _online(client: Client, user: str, task_id: int, body: dict[str, Any]) -> tuple[int, str]:
    headers = await auth_headers(client, user)
    response = await client.post(f"/api/warehouses/WH1/tasks/{task_id}/scans", headers=headers, json=body)
    return response.status_code, response.json()["code"]


async def _offline(client: Client, user: str, kind: str, payload: dict[str, Any]) -> tuple[int, str]:
    headers = await auth_headers(client, user)
    device = await post(client, headers, "/api/devices", {"name": f"RF-{user}", "platform": "android"})
    url = f"/api/devices/{device['device']['id']}/mutations"
    batch = [{"mutation_id": 1, "kind": kind, "payload": payload}]
    [result] = (await post(client, headers, url, batch, 200))["results"]
    assert result["outcome"] == "rejected", result  # nobody may get past a wrong bin, allowed or not
    return result["status"], result["result"]["code"]


async def _pick_task(client: Client, db: Sessions) -> tuple[dict[str, Any], str]:
    """A pick task of a released wave, claimed by picker2; and its item's GTIN."""
    admin, sup = await auth_headers(client, "admin"), await auth_headers(client, "super1")
    sku = await new_item(client, admin)
    receiver = await auth_headers(client, "receiver1")
    await receive_and_put_away(client, db, sup=sup, receiver=receiver, sku=sku, qty=4, cost=100)
    order = await place(client, await auth_headers(client, "rep1"), "CUST-020", [(sku, 4)])
    assert order.status_code == 201, order.text
    wave = await post(client, sup, "/api/warehouses/WH1/waves", {"orders": [order.json()["number"]]})
    [task] = wave["tasks"]
    await claim(client, await auth_headers(client, "picker2"), task["id"], kinds=["pick"], wave=wave["id"])
    return task, await gtin_of(db, sku)


async def test_a_pick_is_refused_online_and_offline_to_the_same_roles(client: Client, db: Sessions) -> None:
    task, gtin = await _pick_task(client, db)
    intent = {"warehouse": "WH1", "task": task["id"], "location": WRONG_BIN, "item": gtin, "qty": 4}
    intent["tote"] = task["tote"]
    for user, role in USERS.items():
        online = await _online(client, user, task["id"], {"scan": WRONG_BIN})
        offline = await _offline(client, user, "pick.confirm", intent)
        forbidden = not may_work(TaskKind.PICK, [role])
        assert (online == (403, "auth.forbidden")) is forbidden, (user, online)
        assert (offline == (403, "auth.forbidden")) is forbidden, (user, offline)
    assert {u for u, r in USERS.items() if not may_work(TaskKind.PICK, [r])} == {"receiver1", "rep1"}


async def test_a_count_is_refused_online_and_offline_to_the_same_roles(client: Client, db: Sessions) -> None:
    sup = await auth_headers(client, "super1")
    code = f"{secrets.token_hex(3).upper()}-R01-01-1"
    await post(client, sup, "/api/warehouses/WH1/locations", {"code": code, "zone": "ROLES", "kind": "storage"})
    task_id = (await post(client, sup, "/api/warehouses/WH1/counts", {"location": code}))["task"]["id"]
    whole_count = {"warehouse": "WH1", "task": task_id, "location": WRONG_BIN, "lines": []}
    for user, role in USERS.items():
        online = await _online(client, user, task_id, {"scan": WRONG_BIN})
        offline = await _offline(client, user, "count.submit", whole_count)
        forbidden = not may_work(TaskKind.COUNT, [role])
        assert (online[0] == 403) is forbidden and (offline[0] == 403) is forbidden, (user, online, offline)
    assert {u for u, r in USERS.items() if not may_work(TaskKind.COUNT, [r])} == {"rep1"}


async def test_a_worker_may_only_ask_for_kinds_of_work_their_role_does(client: Client) -> None:
    receiver = await auth_headers(client, "receiver1")
    refused = await client.post("/api/warehouses/WH1/tasks/next", headers=receiver, json={"kinds": ["pick"]})
    assert (refused.status_code, refused.json()["code"]) == (403, "auth.forbidden")
    picker = await auth_headers(client, "picker1")
    asked = {"kinds": ["count", "putaway"]}
    refused = await client.post("/api/warehouses/WH1/tasks/next", headers=picker, json=asked)
    assert (refused.status_code, refused.json()["code"]) == (403, "auth.forbidden")
