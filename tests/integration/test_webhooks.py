"""Outbound webhooks on real PostgreSQL and Redis, delivered by the app's own worker to real HTTP receivers
that fail, time out and answer slowly on purpose."""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.webhooks import SIGNATURE_HEADER, verify
from realtime.keys import Keys
from server.settings import Settings
from tests.api_helpers import keyed, new_warehouse, stamped_seq, token
from tests.backends import wait_until
from tests.conftest import app_with
from tests.live import produce, published_through, serve
from tests.webhook_receiver import Answer, Behaviour, Received, Receiver, always

DEADLINE_S = 90.0


@pytest.fixture(scope="module")
async def api(live_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the real server (default retry settings: backoff from 1 s, with jitter)."""
    async with httpx.AsyncClient(base_url=live_url, timeout=30) as client:
        yield client


async def subscribe(
    api: httpx.AsyncClient, admin: dict[str, str], warehouse: str, url: str, **extra: Any
) -> dict[str, Any]:
    answer = await api.post("/api/webhooks/", json={"warehouse": warehouse, "url": url, **extra}, headers=keyed(admin))
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


async def caught_up(api: httpx.AsyncClient, admin: dict[str, str], subscription_id: int, head: int) -> dict[str, Any]:
    """Wait until the subscription has passed position ``head`` with nothing under retry."""

    async def done() -> dict[str, Any] | None:
        view: dict[str, Any] = (await api.get(f"/api/webhooks/{subscription_id}", headers=admin)).json()
        return view if view["cursor"] >= head and view["attempt"] == 0 else None

    found: dict[str, Any] = await wait_until(done, timeout_s=DEADLINE_S, interval_s=0.1, what="deliveries")
    return found


def dead_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/nobody-listens"


def assert_signed(request: Received, secret: str) -> None:
    verify(secret, request.headers[SIGNATURE_HEADER.lower()], request.body, now=int(request.at))
    assert request.event["id"] == request.headers["floorsync-event-id"]


def seqs_in_order_sent(requests: list[Received]) -> list[int]:
    return [r.event["seq"] for r in requests if r.headers["floorsync-replay"] == "false"]


def troublesome(request: Received) -> Answer:
    """Every few events: a 500, a hang past the timeout, or a slow but good answer, on the first attempt."""
    first = request.headers["floorsync-delivery-attempt"] == "1"
    kind = request.event["seq"] % 5
    if first and kind == 1:
        return Answer(500)
    if first and kind == 2:
        return Answer(200, delay_s=1.5)  # the sender gives up at 0.5 s
    if kind == 3:
        return Answer(200, delay_s=0.2)
    return Answer(200)


async def test_deliveries_arrive_signed_complete_and_in_order_through_failures_timeouts_and_slow_answers(
    api: httpx.AsyncClient, db: async_sessionmaker[AsyncSession]
) -> None:
    admin = await token(api, "admin")
    warehouse = await new_warehouse(db)
    counted_before = await counted(api)
    async with Receiver(troublesome) as everything, Receiver(troublesome) as stock_only:
        subs = [
            await subscribe(api, admin, warehouse, everything.url, timeout_s=0.5, max_attempts=6),
            await subscribe(
                api, admin, warehouse, stock_only.url, types=["stock.changed"], timeout_s=0.5, max_attempts=6
            ),
            # a dead receiver beside them must not hold them up
            await subscribe(api, admin, warehouse, dead_port_url(), timeout_s=0.5, max_attempts=50),
        ]
        tasks = await produce(db, warehouse, 20, event_type="task.created")
        stock = await produce(db, warehouse, 10, event_type="stock.changed")
        tasks += await produce(db, warehouse, 10, event_type="task.created")
        await wait_until(lambda: _is(published_through(db, warehouse), 40), timeout_s=DEADLINE_S, what="all 40 stamped")
        for sub in subs[:2]:
            await caught_up(api, admin, sub["subscription"]["id"], 40)

        for receiver, sub, expected in ((everything, subs[0], tasks + stock), (stock_only, subs[1], stock)):
            # the dead receiver's webhook_failing exception is an event of the warehouse too
            delivered = {r.event["entity_id"] for r in receiver.acknowledged if r.event["entity"] != "exception"}
            assert delivered == set(expected), "nothing lost, nothing foreign"
            order = seqs_in_order_sent(receiver.received)
            assert order == sorted(order), "never out of order (a retry repeats, never jumps back)"
            for request in receiver.received:
                assert_signed(request, sub["secret"])
        assert {r.event["type"] for r in stock_only.received} == {"stock.changed"}

        log = (
            await api.get(f"/api/webhooks/{subs[0]['subscription']['id']}/deliveries?limit=500", headers=admin)
        ).json()
        assert {e["outcome"] for e in log} == {"delivered", "retry"}
        assert any(e["response_code"] == 500 and e["attempt"] == 1 for e in log)
        assert any(e["response_code"] is None and "timed out" in (e["error"] or "") for e in log)
        assert all(e["latency_ms"] >= 0 for e in log)
        assert {e["seq"] for e in log if e["outcome"] == "delivered"} >= set(range(1, 41))

        dead = (await api.get(f"/api/webhooks/{subs[2]['subscription']['id']}", headers=admin)).json()
        assert dead["lag"] > 0 and dead["consecutive_failures"] >= 1 and dead["last_status"] is None

        # /metrics counts what the delivery log shows: a 500, a timeout, a refused connection, each by its cause
        grown = {name: value - counted_before[name] for name, value in (await counted(api)).items()}
        first_500s = sum(1 for e in log if e["response_code"] == 500)
        assert grown["failures_status"] >= first_500s >= 1, grown
        assert grown["failures_timeout"] >= 1 and grown["failures_network"] >= 1, grown
        assert grown["retry"] >= first_500s and grown["delivered"] >= 40 + 10, grown
        assert grown["delays"] >= 40 + 10, "one delay from commit per delivered event"
        await gauge_reads(api, "floorsync_webhook_lag_events", str(dead["id"]), lambda lag: lag > 0)
        for sub in subs:
            await api.delete(f"/api/webhooks/{sub['subscription']['id']}", headers=keyed(admin))


async def _is(value: Any, expected: int) -> bool:
    return bool(await value == expected)


async def test_dead_letters_after_n_failures_and_replay_delivers_exactly_what_was_listed(
    api: httpx.AsyncClient, db: async_sessionmaker[AsyncSession]
) -> None:
    warehouse = await new_warehouse(db, "super1")
    admin = await token(api, "admin")
    supervisor = await token(api, "super1")
    poisoned: set[int] = {3, 4, 8}
    accept_all = False

    def behave(request: Received) -> Answer:
        return Answer(200 if accept_all or request.event["seq"] not in poisoned else 400)

    async with Receiver(behave) as receiver:
        created = await subscribe(api, admin, warehouse, receiver.url, max_attempts=2)
        sub_id = created["subscription"]["id"]
        await produce(db, warehouse, 10)
        await wait_until(lambda: _is(published_through(db, warehouse), 10), timeout_s=DEADLINE_S, what="stamping")
        await caught_up(api, admin, sub_id, 10)

        listed = (await api.get(f"/api/webhooks/{sub_id}/dead-letters", headers=admin)).json()
        assert [(d["seq"], d["state"], d["attempts"]) for d in listed] == [(s, "dead", 2) for s in sorted(poisoned)]
        assert sorted(r.event["seq"] for r in receiver.acknowledged) == [s for s in range(1, 11) if s not in poisoned]
        assert seqs_in_order_sent(receiver.received) == sorted(seqs_in_order_sent(receiver.received))

        accept_all = True
        before = len(receiver.received)
        one = listed[1]
        queued = await api.post(f"/api/webhooks/{sub_id}/dead-letters/{one['id']}/replay", headers=keyed(supervisor))
        assert queued.status_code == 202, queued.text
        assert [d["seq"] for d in queued.json()["queued"]] == [one["seq"]]

        async def replayed(count: int) -> bool:
            return len([r for r in receiver.received[before:] if r.headers["floorsync-replay"] == "true"]) >= count

        await wait_until(lambda: replayed(1), timeout_s=DEADLINE_S, what="one replay")
        again = await api.post(f"/api/webhooks/{sub_id}/dead-letters/{one['id']}/replay", headers=keyed(admin))
        assert again.status_code == 409 and again.json()["code"] == "webhook.dead_letter_not_dead"

        rest = await api.post(f"/api/webhooks/{sub_id}/dead-letters/replay", headers=keyed(supervisor))
        assert [d["seq"] for d in rest.json()["queued"]] == [listed[0]["seq"], listed[2]["seq"]]
        await wait_until(lambda: replayed(3), timeout_s=DEADLINE_S, what="all replays")
        await wait_until(
            lambda: _no_open_dead_letters(api, admin, sub_id), timeout_s=DEADLINE_S, what="dead letters delivered"
        )
        replays = [r for r in receiver.received[before:] if r.headers["floorsync-replay"] == "true"]
        assert [r.event["seq"] for r in replays] == [one["seq"], listed[0]["seq"], listed[2]["seq"]]
        for request in receiver.received:
            assert_signed(request, created["secret"])
        delivered = (await api.get(f"/api/webhooks/{sub_id}/dead-letters?state=delivered", headers=admin)).json()
        assert sorted(d["seq"] for d in delivered) == sorted(poisoned)
        acknowledged = sorted(r.event["seq"] for r in receiver.acknowledged)
        assert acknowledged == list(range(1, 11)), "every event acknowledged exactly once"


async def _no_open_dead_letters(api: httpx.AsyncClient, admin: dict[str, str], sub_id: int) -> bool:
    return (await api.get(f"/api/webhooks/{sub_id}/dead-letters", headers=admin)).json() == []


async def test_a_subscription_that_keeps_failing_raises_an_exception_resolved_once_it_recovers(
    api: httpx.AsyncClient, db: async_sessionmaker[AsyncSession]
) -> None:
    admin = await token(api, "admin")
    warehouse = await new_warehouse(db)
    healthy = False

    def behave(_request: Received) -> Answer:
        return Answer(204 if healthy else 503)

    counted_before = await counted(api)
    async with Receiver(behave) as receiver:
        # only task events: its own webhook_failing exception would otherwise be one more failure
        created = await subscribe(api, admin, warehouse, receiver.url, max_attempts=1, types=["task.created"])
        sub_id = created["subscription"]["id"]
        await produce(db, warehouse, 6)
        await wait_until(lambda: _is(published_through(db, warehouse), 6), timeout_s=DEADLINE_S, what="stamping")
        view = await caught_up(api, admin, sub_id, 6)
        assert view["failing"] and view["consecutive_failures"] == 6 and view["dead_letters"] == 6

        async def exception_state() -> str | None:
            async with db() as session:
                found = await session.scalar(
                    text("SELECT state FROM exceptions WHERE kind = 'webhook_failing' AND subject = :s"),
                    {"s": f"webhook:{sub_id}"},
                )
            return str(found) if found else None

        assert await exception_state() == "open"
        label = str(sub_id)
        await gauge_reads(api, "floorsync_webhook_dead_letters", label, 6)
        await gauge_reads(api, "floorsync_webhook_failing", label, 1)
        grown = {name: value - counted_before[name] for name, value in (await counted(api)).items()}
        assert grown["dead"] >= 6 and grown["failures_status"] >= 6, grown

        healthy = True
        (recovered,) = await produce(db, warehouse, 1)
        seq = await wait_until(lambda: stamped_seq(db, recovered), timeout_s=DEADLINE_S, what="stamping")
        view = await caught_up(api, admin, sub_id, seq)
        assert not view["failing"] and view["consecutive_failures"] == 0 and view["last_status"] == 204
        assert await exception_state() == "resolved"
        assert [r.event["entity_id"] for r in receiver.acknowledged] == [recovered]
        await gauge_reads(api, "floorsync_webhook_failing", label, 0)
        await gauge_reads(api, "floorsync_webhook_dead_letters", label, 6)  # until they are replayed


OUTCOMES, CAUSES = ("delivered", "retry", "dead"), ("status", "timeout", "network")
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def samples(api: httpx.AsyncClient) -> Samples:
    """Every sample of the server's /metrics, read over HTTP."""
    text = (await api.get("/metrics")).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): float(sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(found: Samples, name: str, **labels: str) -> float:
    """One sample's value (0 before it is first counted)."""
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


async def metric(api: httpx.AsyncClient, name: str, **labels: str) -> float:
    return value(await samples(api), name, **labels)


async def counted(api: httpx.AsyncClient) -> dict[str, float]:
    """The delivery counters (they only grow: tests compare what they gained)."""
    found = await samples(api)
    outcomes = {o: value(found, "floorsync_webhook_deliveries_total", outcome=o) for o in OUTCOMES}
    causes = {f"failures_{c}": value(found, "floorsync_webhook_failures_total", cause=c) for c in CAUSES}
    return outcomes | causes | {"delays": value(found, "floorsync_webhook_delivery_delay_seconds_count")}


async def gauge_reads(
    api: httpx.AsyncClient, name: str, subscription: str, expected: float | Callable[[float], bool]
) -> None:
    """Wait until a subscription's gauge shows ``expected`` (gauges are refreshed every few seconds)."""
    fits = expected if callable(expected) else lambda found: found == expected

    async def reads() -> bool:
        return fits(await metric(api, name, subscription=subscription))

    await wait_until(reads, timeout_s=DEADLINE_S, interval_s=0.2, what=f"{name} of subscription {subscription}")


async def test_subscriptions_are_managed_by_admins_with_the_secret_shown_once(
    api: httpx.AsyncClient, db: async_sessionmaker[AsyncSession]
) -> None:
    admin, supervisor, picker = [await token(api, u) for u in ("admin", "super1", "picker1")]
    warehouse = await new_warehouse(db)
    count_before = await _subscription_count(db)
    bad = [
        ({"warehouse": warehouse, "url": "ftp://x/y"}, "webhook.invalid_url"),
        ({"warehouse": warehouse, "url": "not a url"}, "webhook.invalid_url"),
        ({"warehouse": warehouse, "url": "http://x/y", "types": ["Task Completed"]}, "webhook.invalid_type"),
        ({"warehouse": "NOPE", "url": "http://x/y"}, "webhook.unknown_warehouse"),
        ({"warehouse": warehouse, "url": "http://x/y", "start_after": 5}, "webhook.invalid_start"),
        ({"warehouse": warehouse, "url": "http://x/y", "max_attempts": 0}, "webhook.invalid_attempts"),
        ({"warehouse": warehouse, "url": "http://x/y", "timeout_s": 300}, "webhook.invalid_timeout"),
    ]
    for body, code in bad:
        answer = await api.post("/api/webhooks/", json=body, headers=keyed(admin))
        assert answer.status_code == 422 and answer.json()["code"] == code, (body, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    refused = await api.post(
        "/api/webhooks/", json={"warehouse": "WH1", "url": "http://x/y"}, headers=keyed(supervisor)
    )
    assert refused.status_code == 403 and refused.json()["code"] == "auth.forbidden"
    assert await _subscription_count(db) == count_before, "bad input writes nothing"

    key = keyed(admin)
    body = {"warehouse": warehouse, "url": "https://erp.example/hooks", "types": ["task.completed"]}
    first = await api.post("/api/webhooks/", json=body, headers=key)
    replay = await api.post("/api/webhooks/", json=body, headers=key)
    assert first.status_code == 201 and replay.json() == first.json()
    created = first.json()
    sub_id = created["subscription"]["id"]
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 40
    view = (await api.get(f"/api/webhooks/{sub_id}", headers=admin)).json()
    assert "secret" not in view and created["secret"] not in str(view)

    # a supervisor watches the subscriptions of their warehouses only
    assert (await api.get(f"/api/webhooks/{sub_id}", headers=supervisor)).json()["code"] == "auth.wrong_warehouse"
    assert sub_id not in [s["id"] for s in (await api.get("/api/webhooks/", headers=supervisor)).json()]
    assert (await api.get("/api/webhooks/", headers=picker)).status_code == 403

    changed = await api.patch(
        f"/api/webhooks/{sub_id}",
        json={"active": False, "types": ["task.completed", "stock.changed"]},
        headers=keyed(admin),
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["active"], changed.json()["types"]) == (False, ["stock.changed", "task.completed"])
    deleted = await api.delete(f"/api/webhooks/{sub_id}", headers=keyed(admin))
    assert deleted.status_code == 204
    missing = await api.get(f"/api/webhooks/{sub_id}", headers=admin)
    assert missing.status_code == 404 and missing.json()["code"] == "webhook.not_found"


async def _subscription_count(db: async_sessionmaker[AsyncSession]) -> int:
    async with db() as session:
        return int(await session.scalar(text("SELECT count(*) FROM webhook_subscriptions")) or 0)


async def test_a_paused_subscription_resumes_where_it_stopped(
    api: httpx.AsyncClient, db: async_sessionmaker[AsyncSession]
) -> None:
    admin = await token(api, "admin")
    warehouse = await new_warehouse(db)
    behaviour: Behaviour = always(200)
    async with Receiver(behaviour) as receiver:
        sub_id = (await subscribe(api, admin, warehouse, receiver.url))["subscription"]["id"]
        paused = await api.patch(f"/api/webhooks/{sub_id}", json={"active": False}, headers=keyed(admin))
        assert paused.status_code == 200
        await produce(db, warehouse, 5)
        await wait_until(lambda: _is(published_through(db, warehouse), 5), timeout_s=DEADLINE_S, what="stamping")
        view = (await api.get(f"/api/webhooks/{sub_id}", headers=admin)).json()
        assert (view["cursor"], view["lag"], receiver.received) == (0, 5, [])
        await gauge_reads(api, "floorsync_webhook_lag_events", str(sub_id), 5)
        await api.patch(f"/api/webhooks/{sub_id}", json={"active": True}, headers=keyed(admin))
        await caught_up(api, admin, sub_id, 5)
        await gauge_reads(api, "floorsync_webhook_lag_events", str(sub_id), 0)
        assert [r.event["seq"] for r in receiver.acknowledged] == [1, 2, 3, 4, 5]
        assert time.time() - receiver.received[0].at < DEADLINE_S


async def test_two_instances_never_send_for_one_subscription_at_once(
    api: httpx.AsyncClient, db: async_sessionmaker[AsyncSession], seeded: Settings
) -> None:
    admin = await token(api, "admin")
    warehouse = await new_warehouse(db)
    slow: Behaviour = lambda _request: Answer(200, delay_s=0.05)  # noqa: E731
    # a second instance on the same database: its dispatcher competes with the first one's for every lease
    async with serve(app_with(seeded)), Receiver(slow) as receiver:
        subs = [await subscribe(api, admin, warehouse, f"{receiver.url}/{n}") for n in range(4)]
        for _ in range(5):
            await produce(db, warehouse, 3)
        await wait_until(lambda: _is(published_through(db, warehouse), 15), timeout_s=DEADLINE_S, what="stamping")
        for sub in subs:
            await caught_up(api, admin, sub["subscription"]["id"], 15)
        for n, sub in enumerate(subs):
            path = f"/hook/{n}"
            assert receiver.most_in_flight[path] == 1, "one delivery in flight per subscription"
            mine = [r for r in receiver.received if r.path == path]
            assert [r.event["seq"] for r in mine] == list(range(1, 16))
            for request in mine:
                assert_signed(request, sub["secret"])


async def test_deliveries_come_from_postgresql_so_losing_the_redis_stream_loses_nothing(
    api: httpx.AsyncClient, db: async_sessionmaker[AsyncSession], seeded: Settings
) -> None:
    admin = await token(api, "admin")
    warehouse = await new_warehouse(db)
    async with Receiver(always(200)) as receiver:
        sub = await subscribe(api, admin, warehouse, receiver.url)
        first = await produce(db, warehouse, 5)
        await wait_until(lambda: _is(published_through(db, warehouse), 5), timeout_s=DEADLINE_S, what="stamping")
        # this warehouse's stream vanishes from Redis (only the test's own keys): the relay starts a new epoch
        keys = Keys(seeded.redis_namespace)
        redis = aioredis.from_url(seeded.redis_url or "")
        try:
            await redis.delete(keys.stream(warehouse), keys.meta(warehouse))
        finally:
            await redis.aclose()
        second = await produce(db, warehouse, 5)
        await wait_until(lambda: _is(published_through(db, warehouse), 10), timeout_s=DEADLINE_S, what="stamping")
        await caught_up(api, admin, sub["subscription"]["id"], 10)
        assert [r.event["entity_id"] for r in receiver.acknowledged] == first + second
        assert [r.event["seq"] for r in receiver.acknowledged] == list(range(1, 11))
