"""The WebSocket gateway over real sockets: tickets, topic permissions, filters, resume, reset, presence."""

from __future__ import annotations

import json
from typing import Any

import redis.asyncio as aioredis
import websockets
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from realtime.keys import Keys, entry_id
from server.settings import Settings
from tests.backends import wait_until
from tests.live import handheld, produce, published_through


def entity_ids(events: list[dict[str, Any]]) -> list[str]:
    return [e["entity_id"] for e in events]


async def test_the_socket_needs_a_single_use_ticket(live_url: str) -> None:
    ws_url = live_url.replace("http", "ws") + "/ws"
    async with websockets.connect(ws_url) as ws:
        await ws.wait_closed()
    assert ws.close_code == 4401
    async with handheld(live_url, "picker1") as picker:
        feed = await picker.connect()
        await feed.wait_for(lambda f: f.control("welcome"))
        ticket_url = feed.ws.request.path if feed.ws.request else ""
        await feed.close()
    async with websockets.connect(live_url.replace("http", "ws") + ticket_url) as reused:
        await reused.wait_closed()
    assert reused.close_code == 4401


async def test_each_subscribe_is_checked_against_role_and_warehouse(live_url: str) -> None:
    async with handheld(live_url, "picker1") as picker:
        feed = await picker.connect()
        await feed.subscribe("board:WH1")
        await feed.subscribe("my-tasks:WH2")
        await feed.subscribe("orders:WH1")
        await feed.subscribe("weather:WH1")
        await feed.subscribe("atp:WH1")  # no skus
        await feed.subscribe("my-tasks:WH1")
        await feed.wait_for(lambda f: len(f.control("error")) == 5 and f.control("subscribed"))
        codes = {m["topic"]: m["code"] for m in feed.control("error")}
        assert codes == {
            "board:WH1": "auth.forbidden",
            "my-tasks:WH2": "auth.wrong_warehouse",
            "orders:WH1": "auth.forbidden",
            "weather:WH1": "topic.unknown",
            "atp:WH1": "topic.invalid_skus",
        }
        assert [m["topic"] for m in feed.control("subscribed")] == ["my-tasks:WH1"]
        await feed.close()


async def test_topics_carry_only_their_events(live_url: str, db: async_sessionmaker[AsyncSession]) -> None:
    async with (
        handheld(live_url, "picker1") as picker,
        handheld(live_url, "rep1") as rep,
        handheld(live_url, "super1") as boss,
    ):
        me, rep_id = picker.user["id"], rep.user["id"]
        pf, rf, sf = await picker.connect(), await rep.connect(), await boss.connect()
        await pf.subscribe("my-tasks:WH1")
        await pf.subscribe("atp:WH1", skus=["SKU-A"])
        await rf.subscribe("orders:WH1")
        await sf.subscribe("orders:WH1")
        await sf.subscribe("exceptions:WH1")
        for feed, count in ((pf, 2), (rf, 1), (sf, 2)):
            await feed.wait_for(lambda f, n=count: len(f.control("subscribed")) == n)  # type: ignore[misc]

        mine = await produce(db, "WH1", 1, event_type="task.assigned", assigned_to=me)
        await produce(db, "WH1", 1, event_type="task.assigned", assigned_to=me + 1000)
        taken = await produce(db, "WH1", 1, event_type="task.reassigned", assigned_to=me + 1, previous_assigned_to=me)
        sku_a = await produce(db, "WH1", 1, event_type="stock.changed", sku="SKU-A")
        await produce(db, "WH1", 1, event_type="stock.changed", sku="SKU-B")
        reps = await produce(db, "WH1", 1, event_type="order.status_changed", sales_rep_id=rep_id)
        others = await produce(db, "WH1", 1, event_type="order.status_changed", sales_rep_id=rep_id + 1)
        broken = await produce(db, "WH1", 1, event_type="exception.raised")
        last = await produce(db, "WH1", 1, event_type="order.status_changed", sales_rep_id=rep_id)

        await sf.wait_for(lambda f: len(f.topics["orders:WH1"].events) == 3)
        await rf.wait_for(lambda f: len(f.topics["orders:WH1"].events) == 2)
        await pf.wait_for(lambda f: f.topics["atp:WH1"].events and len(f.topics["my-tasks:WH1"].events) == 2)
        assert entity_ids(pf.topics["my-tasks:WH1"].events) == mine + taken
        assert entity_ids(pf.topics["atp:WH1"].events) == sku_a
        assert entity_ids(rf.topics["orders:WH1"].events) == reps + last
        assert entity_ids(sf.topics["orders:WH1"].events) == reps + others + last
        assert entity_ids(sf.topics["exceptions:WH1"].events) == broken
        for feed in (pf, rf, sf):
            await feed.close()


async def test_a_client_away_for_n_events_gets_exactly_those_then_live(
    live_url: str, db: async_sessionmaker[AsyncSession]
) -> None:
    async with handheld(live_url, "super1") as boss:
        feed = await boss.connect()
        await feed.subscribe("board:WH1", position=await boss.position("WH1"))
        before = await produce(db, "WH1", 3)
        await feed.wait_for(lambda f: len(f.topics["board:WH1"].events) == 3)
        position = feed.topics["board:WH1"].position
        await feed.close()

        away = []
        for _ in range(6):  # 6 commits of 50 while the handheld is in the freezer
            away += await produce(db, "WH1", 50)
        back = await boss.connect()
        await back.subscribe("board:WH1", position=position)
        await back.wait_for(lambda f: len(f.topics["board:WH1"].events) == 300)
        live = await produce(db, "WH1", 2)
        await back.wait_for(lambda f: len(f.topics["board:WH1"].events) == 302)
        events = back.topics["board:WH1"].events
        assert entity_ids(feed.topics["board:WH1"].events) == before
        assert entity_ids(events) == away + live
        seqs = [e["seq"] for e in events]
        assert seqs == list(range(seqs[0], seqs[0] + 302)) and seqs[0] == position["seq"] + 1  # type: ignore[index]
        await back.close()


async def test_subscribing_from_a_snapshot_position_misses_nothing(
    live_url: str, db: async_sessionmaker[AsyncSession]
) -> None:
    async with handheld(live_url, "super1") as boss:
        as_of = await boss.position("WH1")
        after = await produce(db, "WH1", 4)  # committed between the snapshot and the subscribe
        feed = await boss.connect()
        await feed.subscribe("board:WH1", position=as_of)
        await feed.wait_for(lambda f: len(f.topics["board:WH1"].events) >= 4)
        assert entity_ids(feed.topics["board:WH1"].events) == after
        await feed.close()


async def test_a_position_older_than_the_stream_holds_gets_reset(
    live_url: str, db: async_sessionmaker[AsyncSession], seeded: Settings
) -> None:
    async with handheld(live_url, "super1") as boss:
        old = await boss.position("WH1")
        await produce(db, "WH1", 5)
        await wait_until(lambda: _at_least(db, old["seq"] + 5), what="the events to be published")
        through = await published_through(db, "WH1")
        redis = aioredis.from_url(seeded.redis_url or "")
        await redis.xtrim(Keys(seeded.redis_namespace).stream("WH1"), minid=entry_id(through), approximate=False)
        await redis.aclose()
        feed = await boss.connect()
        await feed.subscribe("board:WH1", position=old)
        await feed.subscribe("exceptions:WH1", position={"epoch": "an-old-epoch", "seq": old["seq"]})
        await feed.wait_for(lambda f: len(f.control("reset")) == 2)
        reasons = {m["topic"]: m["reason"] for m in feed.control("reset")}
        assert reasons == {"board:WH1": "out_of_retention", "exceptions:WH1": "epoch_changed"}
        await feed.subscribe("board:WH1", position=await boss.position("WH1"))  # after refetching a snapshot
        await feed.wait_for(lambda f: f.control("subscribed", "board:WH1"))
        fresh = await produce(db, "WH1", 1)
        await feed.wait_for(lambda f: entity_ids(f.topics["board:WH1"].events) == fresh)
        await feed.close()


async def test_presence_shows_who_is_online_on_which_device(live_url: str) -> None:
    async with handheld(live_url, "super1") as boss, handheld(live_url, "picker2", device="RF-17") as picker:
        board = await boss.connect()
        await board.subscribe("board:WH1")
        await board.wait_for(lambda f: f.control("subscribed"))
        feed = await picker.connect()
        await feed.subscribe("my-tasks:WH1")

        def online(f: Any) -> Any:
            latest = f.control("presence", "board:WH1")
            return latest and [(m["username"], m["device_id"]) for m in latest[-1]["online"]]

        await board.wait_for(lambda f: ("picker2", picker.device_id) in (online(f) or []))
        listed = await boss._call("GET", "/api/realtime/warehouses/WH1/presence")
        assert {"username": "picker2", "device_id": picker.device_id} in [
            {"username": m["username"], "device_id": m["device_id"]} for m in listed
        ]
        await feed.close()
        await board.wait_for(lambda f: ("picker2", picker.device_id) not in (online(f) or []))
        await board.close()


async def test_a_picker_at_a_bin_shows_on_the_board(live_url: str) -> None:
    # the handheld says so over its socket; the gateway keeps it with presence in Redis, not in PostgreSQL
    async with handheld(live_url, "super1") as boss, handheld(live_url, "picker2", device="RF-18") as picker:
        board = await boss.connect()
        await board.subscribe("board:WH1")
        await board.wait_for(lambda f: f.control("subscribed"))
        feed = await picker.connect()
        await feed.subscribe("my-tasks:WH1")
        await feed.wait_for(lambda f: f.control("subscribed"))

        def where(f: Any) -> Any:
            latest = f.control("presence", "board:WH1")
            mine = [m for m in (latest[-1]["online"] if latest else []) if m["device_id"] == picker.device_id]
            return mine and mine[0]["at"]

        await feed.ws.send(json.dumps({"op": "at", "warehouse": "WH1", "task": "P-77", "location": "WH1-A01-03-1"}))
        await board.wait_for(lambda f: (where(f) or {}).get("location") == "WH1-A01-03-1")
        assert where(board)["task"] == "P-77"
        listed = await boss._call("GET", "/api/realtime/warehouses/WH1/presence")
        assert [m["at"]["location"] for m in listed if m["device_id"] == picker.device_id] == ["WH1-A01-03-1"]

        await feed.ws.send(json.dumps({"op": "at", "warehouse": "WH1", "task": None, "location": None}))
        await board.wait_for(lambda f: f.control("presence", "board:WH1") and where(f) is None)

        # only a warehouse the socket follows, and well-formed places
        await feed.ws.send(json.dumps({"op": "at", "warehouse": "WH2", "task": "P-1", "location": "X"}))
        await feed.ws.send(json.dumps({"op": "at", "warehouse": "WH1", "task": ["P-1"], "location": "X"}))
        await feed.wait_for(lambda f: len(f.control("error")) >= 2)
        assert [e["code"] for e in feed.control("error")] == ["at.unknown_warehouse", "at.invalid"]
        await feed.close()
        await board.close()


async def test_ping_pong_and_unsubscribe(live_url: str, db: async_sessionmaker[AsyncSession]) -> None:
    async with handheld(live_url, "super1") as boss:
        feed = await boss.connect()
        await feed.ws.send(json.dumps({"op": "ping", "t": 7}))
        await feed.wait_for(lambda f: f.control("pong"))
        assert feed.control("pong")[0]["t"] == 7
        await feed.subscribe("exceptions:WH1")
        await feed.wait_for(lambda f: f.control("subscribed"))
        await feed.unsubscribe("exceptions:WH1")
        await feed.wait_for(lambda f: f.control("unsubscribed"))
        position = await boss.position("WH1")
        raised = await produce(db, "WH1", 1, event_type="exception.raised")
        await feed.subscribe("board:WH1", position=position)
        marker = await produce(db, "WH1", 1, event_type="task.created")
        ours = raised + marker
        # WH1 is shared: other tests' events may still be arriving, so look at ours only
        await feed.wait_for(lambda f: set(ours) <= set(entity_ids(f.topics["board:WH1"].events)))
        assert [e for e in entity_ids(feed.topics["board:WH1"].events) if e in ours] == ours
        assert not feed.topics["exceptions:WH1"].events
        await feed.ws.send(b"not json")
        await feed.wait_for(lambda f: f.control("error"))
        await feed.close()


async def _at_least(db: async_sessionmaker[AsyncSession], seq: int) -> bool:
    return await published_through(db, "WH1") >= seq
