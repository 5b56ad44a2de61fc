"""Offline devices: numbered mutations applied once, in order, rejected-but-counted, never doubled."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scanners.client import HandheldError
from tests.live import handheld


def location(code: str, warehouse: str = "WH1") -> dict[str, Any]:
    return {"warehouse": warehouse, "code": code, "zone": "Z", "kind": "storage"}


def codes(n: int) -> list[str]:
    prefix = "M" + secrets.token_hex(3).upper()
    return [f"{prefix}-{i}" for i in range(n)]


async def count_locations(db: async_sessionmaker[AsyncSession], names: list[str]) -> int:
    async with db() as session:
        return int(await session.scalar(text("SELECT count(*) FROM locations WHERE code = ANY(:c)"), {"c": names}) or 0)


async def test_a_replayed_mutation_returns_its_stored_result_and_applies_once(
    live_url: str, db: async_sessionmaker[AsyncSession]
) -> None:
    async with handheld(live_url, "super1", device="tablet-1") as dev:
        [code] = codes(1)
        batch = [{"mutation_id": 1, "kind": "location.create", "payload": location(code)}]
        first = await dev.replay(batch)
        again = await dev.replay(batch)
        assert first["results"][0]["outcome"] == "applied" and first["results"][0]["result"]["code"] == code
        assert again["results"][0] == {**first["results"][0], "replayed": True}
        assert again["next_mutation_id"] == 2
        assert await count_locations(db, [code]) == 1


async def test_an_id_past_the_next_is_refused_with_the_expected_id(live_url: str) -> None:
    async with handheld(live_url, "super1", device="tablet-2") as dev:
        a, b = codes(2)
        answer = await dev.replay(
            [
                {"mutation_id": 1, "kind": "location.create", "payload": location(a)},
                {"mutation_id": 3, "kind": "location.create", "payload": location(b)},
                {"mutation_id": 2, "kind": "location.create", "payload": location(b)},
            ]
        )
        outcomes = [(r["mutation_id"], r["outcome"], r.get("expected_mutation_id")) for r in answer["results"]]
        assert outcomes == [(1, "applied", None), (3, "refused", 2), (2, "refused", 2)]
        assert answer["next_mutation_id"] == 2


async def test_a_business_rejection_counts_as_applied_and_leaves_no_writes(
    live_url: str, db: async_sessionmaker[AsyncSession]
) -> None:
    async with handheld(live_url, "super1", device="tablet-3") as dev:
        a, b = codes(2)
        answer = await dev.replay(
            [
                {"mutation_id": 1, "kind": "location.create", "payload": location(a)},
                {"mutation_id": 2, "kind": "location.create", "payload": location(a)},  # exists by now
                {"mutation_id": 3, "kind": "location.create", "payload": {**location(b), "kind": "moon"}},
                {"mutation_id": 4, "kind": "teleport", "payload": {}},
                {"mutation_id": 5, "kind": "location.create", "payload": {"code": 12}},
                {"mutation_id": 6, "kind": "location.create", "payload": location(b, "WH9")},
                {"mutation_id": 7, "kind": "location.create", "payload": location(b)},
            ]
        )
        summary = [(r["outcome"], r["status"], r["result"].get("code")) for r in answer["results"]]
        assert summary == [
            ("applied", 200, a),
            ("rejected", 409, "location.exists"),
            ("rejected", 422, "location.invalid_kind"),
            ("rejected", 422, "mutation.unknown_kind"),
            ("rejected", 422, "mutation.invalid_payload"),
            ("rejected", 403, "auth.wrong_warehouse"),
            ("applied", 200, b),
        ]
        assert answer["last_mutation_id"] == 7
        assert await count_locations(db, [a, b]) == 2
        async with db() as session:
            stored = await session.execute(
                text("SELECT mutation_id, outcome FROM device_mutations WHERE device_id = :d ORDER BY mutation_id"),
                {"d": dev.device_id},
            )
            assert [tuple(r) for r in stored] == [(i, o) for i, (o, _, _) in enumerate(summary, start=1)]


async def test_only_the_devices_owner_or_its_login_may_push(live_url: str) -> None:
    async with handheld(live_url, "super1", device="tablet-4") as owner, handheld(live_url, "picker1") as other:
        other.device_id = owner.device_id
        try:
            await other.replay([{"mutation_id": 1, "kind": "location.create", "payload": location("X-1")}])
        except HandheldError as refused:
            assert "device.not_yours" in str(refused)
        else:
            raise AssertionError("another user's device accepted mutations")


async def test_an_offline_queue_replays_in_order_and_its_events_reach_the_board(
    live_url: str, db: async_sessionmaker[AsyncSession]
) -> None:
    async with handheld(live_url, "super1", device="tablet-5") as dev, handheld(live_url, "super1") as boss:
        board = await boss.connect()
        await board.subscribe("board:WH1", position=await boss.position("WH1"))
        await board.wait_for(lambda f: f.control("subscribed"))
        dev.go_offline()
        names = codes(20)
        for name in names:
            await dev.mutate("location.create", location(name))
        assert [m["mutation_id"] for m in dev.queue] == list(range(1, 21))
        answers = await dev.come_back()
        assert [a["outcome"] for a in answers] == ["applied"] * 20 and not dev.queue
        created = lambda f: [e["entity_id"] for e in f.topics["board:WH1"].events if e["type"] == "location.created"]  # noqa: E731
        await board.wait_for(lambda f: set(names) <= set(created(f)))
        assert [c for c in created(board) if c in names] == names
        await board.close()


async def test_concurrent_replays_of_one_device_apply_each_mutation_once(
    live_url: str, db: async_sessionmaker[AsyncSession]
) -> None:
    async with handheld(live_url, "super1", device="tablet-6") as dev:
        names = codes(30)
        batch = [
            {"mutation_id": i, "kind": "location.create", "payload": location(name)}
            for i, name in enumerate(names, start=1)
        ]
        answers = await asyncio.gather(*(dev.replay(batch) for _ in range(6)))
        assert all(a["last_mutation_id"] == 30 for a in answers)
        fresh = [r for a in answers for r in a["results"] if not r.get("replayed")]
        assert sorted(r["mutation_id"] for r in fresh) == list(range(1, 31))
        assert await count_locations(db, names) == 30
