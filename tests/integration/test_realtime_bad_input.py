"""Malformed subscribes and impossible positions are answered with an ``error`` that has a code, on a
socket that stays open; nothing is closed with a bare 4500 and nothing is dropped silently."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from realtime.gateway import MAX_MESSAGE_BYTES
from tests.live import handheld, owned_warehouse, produce

MALFORMED: list[tuple[str, dict[str, Any], str]] = [
    ("skus holding an object", {"topic": "atp:WH1", "skus": [{}]}, "topic.invalid_skus"),
    ("skus holding a list", {"topic": "atp:WH1", "skus": [["SKU-A"]]}, "topic.invalid_skus"),
    ("skus as a string", {"topic": "atp:WH1", "skus": "SKU-A"}, "topic.invalid_skus"),
    ("skus holding a number", {"topic": "atp:WH1", "skus": [1]}, "topic.invalid_skus"),
    ("topic as a list", {"topic": [["board:WH1"]]}, "topic.unknown"),
    ("topic as an object", {"topic": {"a": 1}}, "topic.unknown"),
    ("from as a string", {"topic": "my-tasks:WH1", "from": "now"}, "position.invalid"),
    ("from with a string seq", {"topic": "my-tasks:WH1", "from": {"epoch": "x", "seq": "5"}}, "position.invalid"),
    ("from with a float seq", {"topic": "my-tasks:WH1", "from": {"epoch": "x", "seq": 5.0}}, "position.invalid"),
    ("from with a negative seq", {"topic": "my-tasks:WH1", "from": {"epoch": "x", "seq": -1}}, "position.invalid"),
]


@pytest.mark.parametrize(("message", "expected"), [(m, c) for _, m, c in MALFORMED], ids=[n for n, *_ in MALFORMED])
async def test_a_malformed_subscribe_gets_an_error_with_a_code_and_the_socket_stays(
    live_url: str, message: dict[str, Any], expected: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="floorsync.gateway")
    async with handheld(live_url, "picker1") as picker:
        feed = await picker.connect()
        await feed.ws.send(json.dumps({"op": "subscribe", **message}))
        await feed.wait_for(lambda f: f.control("error"))
        assert [m["code"] for m in feed.control("error")] == [expected]
        await _still_open(feed)
        assert any(expected in r.getMessage() for r in caplog.records), "the refusal was not logged"
        await feed.close()


NOT_MESSAGES = [
    ("nested arrays", "[" * 30_000 + "]" * 30_000),
    ("deeply nested subscribe", '{"op": "subscribe", "topic": ' + "[" * 15_000 + "]" * 15_000 + "}"),
    ("a JSON array", json.dumps([{"op": "subscribe", "topic": "my-tasks:WH1"}])),
    ("op as an object", json.dumps({"op": {"subscribe": 1}, "topic": "my-tasks:WH1"})),
    ("op as a list", json.dumps({"op": ["ping"]})),
    ("bytes that are not UTF-8", b"\xff\xfe{"),
]


@pytest.mark.parametrize("raw", [r for _, r in NOT_MESSAGES], ids=[n for n, _ in NOT_MESSAGES])
async def test_a_message_that_is_not_one_gets_message_invalid_and_the_socket_stays(
    live_url: str, raw: str | bytes
) -> None:
    async with handheld(live_url, "picker1") as picker:
        feed = await picker.connect()
        await feed.ws.send(raw)
        await feed.wait_for(lambda f: f.control("error"))
        assert [m["code"] for m in feed.control("error")] == ["message.invalid"]
        await _still_open(feed)
        await feed.close()


async def test_a_huge_frame_is_answered_with_an_error_before_the_protocol_close(live_url: str) -> None:
    async with handheld(live_url, "picker1") as picker:
        feed = await picker.connect()
        await feed.ws.send(json.dumps({"op": "subscribe", "topic": "atp:WH1", "skus": ["S" * MAX_MESSAGE_BYTES]}))
        await feed.wait_for(lambda f: f.closed)
        assert [m["code"] for m in feed.control("error")] == ["message.too_large"]
        assert feed.closed is not None and feed.closed[0] == 4400
        await feed.close()


async def test_a_position_ahead_of_the_stamped_stream_is_refused(
    live_url: str, db: async_sessionmaker[AsyncSession]
) -> None:
    async with handheld(live_url, "super1") as boss:
        await produce(db, "WH1", 1)  # the stream exists in Redis
        now = await boss.position("WH1")
        feed = await boss.connect()
        await feed.subscribe("board:WH1", position={"epoch": now["epoch"], "seq": now["seq"] + 1000})
        await feed.wait_for(lambda f: f.control("error") or f.control("subscribed"))
        assert [m["code"] for m in feed.control("error", "board:WH1")] == ["position.invalid"]
        assert not feed.control("subscribed")
        # the client refetches and subscribes from a real position: events flow
        await feed.subscribe("board:WH1", position=await boss.position("WH1"))
        fresh = await produce(db, "WH1", 1)
        await feed.wait_for(lambda f: fresh[0] in [e["entity_id"] for e in f.topics["board:WH1"].events])
        await feed.close()


async def test_a_position_ahead_is_refused_when_redis_holds_nothing_yet(
    live_url: str, db: async_sessionmaker[AsyncSession]
) -> None:
    async with owned_warehouse(db) as warehouse, handheld(live_url, "admin") as admin:
        now = await admin.position(warehouse)
        feed = await admin.connect()
        await feed.subscribe(f"board:{warehouse}", position={"epoch": now["epoch"], "seq": now["seq"] + 1000})
        await feed.subscribe(f"exceptions:{warehouse}", position=now)
        await feed.wait_for(lambda f: f.control("error") and f.control("subscribed"))
        assert [m["code"] for m in feed.control("error", f"board:{warehouse}")] == ["position.invalid"]
        assert [m["topic"] for m in feed.control("subscribed")] == [f"exceptions:{warehouse}"]
        await feed.close()


async def _still_open(feed: Any) -> None:
    await feed.ws.send(json.dumps({"op": "ping", "t": "alive"}))
    await feed.wait_for(lambda f: f.control("pong") or f.closed)
    assert feed.closed is None, feed.closed
    assert feed.control("pong")[-1]["t"] == "alive"
