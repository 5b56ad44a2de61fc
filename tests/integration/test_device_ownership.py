"""A device belongs to someone: its queue is its owner's alone, a shared device keeps a queue per
user, and tokens never rest in the idempotency store."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import DEMO_PASSWORDS, bearer, login, new_key

Client = AsyncTestClient[Litestar]


def location(code: str) -> dict[str, Any]:
    return {"code": code, "zone": "Z", "kind": "storage", "warehouse": "WH1"}


def keyed(tokens: dict[str, Any]) -> dict[str, str]:
    return {**bearer(tokens), "Idempotency-Key": new_key()}


async def enrol(client: Client, username: str, *, shared: bool = False) -> tuple[str, dict[str, Any]]:
    """Enrol a device as ``username``; returns its id and the tokens bound to it."""
    tokens = await login(client, username)
    answer = await client.post(
        "/api/devices",
        headers=keyed(tokens),
        json={"name": f"RF-{uuid.uuid4().hex[:6]}", **({"shared": True} if shared else {})},
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["device"]["id"], answer.json()["tokens"]


async def push(client: Client, tokens: dict[str, Any], device_id: str, *mutations: dict[str, Any]) -> Any:
    return await client.post(f"/api/devices/{device_id}/mutations", headers=keyed(tokens), json=list(mutations))


async def test_logging_in_with_someone_elses_device_is_refused(client: Client) -> None:
    device_id, _ = await enrol(client, "picker1")
    for path, body in (
        ("/api/auth/login", {"username": "picker2", "password": DEMO_PASSWORDS["picker2"]}),
        ("/api/auth/badge", {"badge": "1002", "pin": "2345"}),
    ):
        refused = await client.post(path, json={**body, "device_id": device_id})
        assert refused.status_code == 403, refused.text
        assert refused.json()["code"] == "auth.device_not_yours"
    own = await client.post("/api/auth/badge", json={"badge": "1001", "pin": "1234", "device_id": device_id})
    assert own.status_code == 200, own.text
    assert own.json()["user"]["device_id"] == device_id


async def test_nobody_reads_or_advances_another_users_queue(client: Client) -> None:
    device_id, owner = await enrol(client, "picker1")
    first = await push(
        client, owner, device_id, {"mutation_id": 1, "kind": "location.create", "payload": location("OWN-1")}
    )
    assert first.json()["results"][0]["outcome"] == "rejected"  # a picker may not create locations: a stored result

    stranger = await login(client, "picker2")
    bound = await client.post("/api/auth/device", headers=keyed(stranger), json={"device_id": device_id})
    assert bound.status_code == 403 and bound.json()["code"] == "auth.device_not_yours"
    replay = await push(client, stranger, device_id, {"mutation_id": 1, "kind": "location.create", "payload": {}})
    assert replay.status_code == 403 and replay.json()["code"] == "device.not_yours"
    advance = await push(client, stranger, device_id, {"mutation_id": 2, "kind": "location.create", "payload": {}})
    assert advance.status_code == 403

    second = await push(client, owner, device_id, {"mutation_id": 2, "kind": "no.such.kind", "payload": {}})
    answer = second.json()
    assert answer["last_mutation_id"] == 2
    assert "replayed" not in answer["results"][0]
    assert answer["results"][0]["result"]["code"] == "mutation.unknown_kind"


async def test_a_shared_device_keeps_a_queue_per_user(client: Client, db: async_sessionmaker[AsyncSession]) -> None:
    device_id, supervisor = await enrol(client, "super1", shared=True)
    made = await push(
        client,
        supervisor,
        device_id,
        {"mutation_id": 1, "kind": "location.create", "payload": location(f"SH-{device_id[:6]}")},
    )
    assert made.json()["results"][0]["outcome"] == "applied", made.text

    picker = (
        await client.post("/api/auth/badge", json={"badge": "1001", "pin": "1234", "device_id": device_id})
    ).json()
    assert picker["user"]["device_id"] == device_id
    own = await push(
        client, picker, device_id, {"mutation_id": 1, "kind": "location.create", "payload": location("SH-X")}
    )
    result = own.json()["results"][0]
    # the picker's mutation 1 is theirs: applied (here refused by the rules), never the supervisor's stored result
    assert (result["outcome"], result.get("replayed", False), result["result"]["code"]) == (
        "rejected",
        False,
        "auth.forbidden",
    )
    again = await push(client, supervisor, device_id, {"mutation_id": 1, "kind": "location.create", "payload": {}})
    assert again.json()["results"][0]["replayed"] is True
    assert again.json()["results"][0]["outcome"] == "applied"
    async with db() as session:
        rows = await session.execute(
            text(
                "SELECT u.username, m.mutation_id FROM device_mutations m JOIN users u ON u.id = m.user_id"
                " WHERE m.device_id = :d ORDER BY u.username"
            ),
            {"d": device_id},
        )
        assert [tuple(r) for r in rows] == [("picker1", 1), ("super1", 1)]


async def test_only_a_supervisor_enrols_a_shared_device(client: Client) -> None:
    tokens = await login(client, "picker1")
    refused = await client.post("/api/devices", headers=keyed(tokens), json={"name": "pool-1", "shared": True})
    assert refused.status_code == 403
    assert refused.json()["code"] == "device.shared_needs_supervisor"


async def test_a_device_registration_keeps_no_tokens_and_its_replay_still_enrols(
    client: Client, db: async_sessionmaker[AsyncSession]
) -> None:
    tokens = await login(client, "receiver1")
    headers = keyed(tokens)
    first = await client.post("/api/devices", headers=headers, json={"name": "dock-1"})
    assert first.status_code == 201, first.text
    issued = first.json()["tokens"]
    async with db() as session:
        stored = await session.scalar(
            text("SELECT response_body FROM idempotency_keys WHERE key = :k"), {"k": headers["Idempotency-Key"]}
        )
    assert stored is not None
    assert issued["access_token"].encode() not in stored
    assert issued["refresh_token"].split(".")[1].encode() not in stored

    replay = await client.post("/api/devices", headers=headers, json={"name": "dock-1"})
    assert replay.status_code == 201
    assert replay.headers.get("idempotent-replayed") == "true"
    assert replay.json()["device"]["id"] == first.json()["device"]["id"]
    assert replay.json()["tokens"] is None
    bound = await client.post(
        "/api/auth/device", headers=keyed(tokens), json={"device_id": replay.json()["device"]["id"]}
    )
    assert bound.status_code == 200, bound.text
    assert bound.json()["user"]["device_id"] == replay.json()["device"]["id"]
