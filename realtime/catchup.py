"""Subscribing: find where the subscription starts (or say ``reset``), replay from the stream, then
go live with no gap and no duplicate."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from realtime.connection import Subscription
from realtime.hub import Hub, frame_for
from realtime.replay_cache import REPLAY_CHUNK
from realtime.streams import StreamInfo, stream_info

log = logging.getLogger("floorsync.gateway")

PgPosition = Callable[[str], Awaitable[dict[str, Any]]]


class Reset(Exception):
    """The subscription cannot start from the asked position."""


class InvalidPosition(Exception):
    """The asked position is ahead of anything PostgreSQL has stamped: no snapshot could have returned it."""


def _needs_pg(info: StreamInfo, asked: tuple[str, int] | None) -> bool:
    """Only PostgreSQL can say whether the position exists: Redis holds nothing, or the position is past
    Redis's newest entry (legitimately so while the relay stamped rows it has not yet added)."""
    return info.epoch is None or (asked is not None and asked[0] == info.epoch and asked[1] > info.newest)


def _start(info: StreamInfo, asked: tuple[str, int] | None, pg: dict[str, Any] | None) -> tuple[str, int]:
    """(epoch, cursor) to start from, or Reset, or InvalidPosition."""
    if info.epoch is None:
        # Redis holds nothing for this warehouse (never published, or lost): only "nothing to replay" works
        assert pg is not None
        if asked is None:
            return str(pg["epoch"]), int(pg["seq"])
        if asked[0] == pg["epoch"] and asked[1] > int(pg["seq"]):
            raise InvalidPosition(asked)
        if asked[0] == pg["epoch"] and asked[1] == int(pg["seq"]):
            return asked
        raise Reset("epoch_changed")
    if asked is None:
        return info.epoch, info.newest
    epoch, seq = asked
    if epoch == info.epoch:
        if seq + 1 < info.oldest:
            raise Reset("out_of_retention")
        if seq > info.newest:
            # accepted, the subscription would silently skip every event until the stream got there
            assert pg is not None
            if pg["epoch"] != epoch or seq > int(pg["seq"]):
                raise InvalidPosition(asked)
        return epoch, seq
    if seq == info.first_seq - 1 and info.oldest == info.first_seq:
        return info.epoch, seq  # exactly where the new epoch begins: nothing was lost in between
    raise Reset("epoch_changed")


async def subscribe(hub: Hub, sub: Subscription, asked: tuple[str, int] | None, pg_position: PgPosition) -> None:
    """Run one subscription's start: ack, replay, drain what arrived live meanwhile, go live."""
    connection, topic = sub.connection, sub.topic
    hub.add(sub)  # from now on live events for it collect in sub.pending
    try:
        info = await stream_info(hub.redis, hub.keys, topic.warehouse)
        pg = await pg_position(topic.warehouse) if _needs_pg(info, asked) else None
        sub.epoch, sub.cursor = _start(info, asked, pg)
    except Reset as reset:
        hub.reset(sub, str(reset))
        return
    except InvalidPosition:
        _refuse_position(hub, sub, asked)
        return
    except (RedisError, SQLAlchemyError, OSError) as exc:  # PostgreSQL is asked only to check a position
        _unavailable(hub, sub, exc)
        return
    connection.send_control({"op": "subscribed", "topic": topic.name, "epoch": sub.epoch, "seq": sub.cursor})
    try:
        if not await _replay(hub, sub):
            return
    except RedisError as exc:
        _unavailable(hub, sub, exc)
        return
    live = [item for item in sub.pending if item[0] > sub.cursor]
    sub.pending = []
    if live and live[0][0] != sub.cursor + 1:
        hub.reset(sub, "gap")
        return
    if live:
        frame = frame_for(topic, sub.epoch, live)
        sub.cursor = live[-1][0]
        if frame is not None:
            connection.offer(*frame)
    sub.live = True


async def _replay(hub: Hub, sub: Subscription) -> bool:
    """Send what the stream holds after the cursor; False if the subscription had to reset."""
    connection, topic = sub.connection, sub.topic
    while True:
        await connection.drained(below=max(1, connection.max_queued_events // 2))
        if connection.closing is not None:
            return False
        entries = await hub.replays.chunk(topic.warehouse, sub.cursor + 1, not_before=sub.since)
        if not entries:
            return True
        for seq, epoch, _, _ in entries:
            if epoch != sub.epoch:
                hub.reset(sub, "epoch_changed")
                return False
            if seq != sub.cursor + 1:
                hub.reset(sub, "out_of_retention")
                return False
            sub.cursor = seq
        frame = frame_for(topic, sub.epoch, [(seq, event, raw) for seq, _, event, raw in entries])
        if frame is not None:
            connection.offer(*frame)
        if len(entries) < REPLAY_CHUNK:
            return True


def _drop(hub: Hub, sub: Subscription) -> None:
    hub.remove(sub)
    if sub.connection.subscriptions.get(sub.topic.name) is sub:
        del sub.connection.subscriptions[sub.topic.name]


def _refuse_position(hub: Hub, sub: Subscription, asked: tuple[str, int] | None) -> None:
    log.warning("subscribe %s refused: position %s is ahead of the stream", sub.topic.name, asked)
    _drop(hub, sub)
    sub.connection.send_control(
        {
            "op": "error",
            "topic": sub.topic.name,
            "code": "position.invalid",
            "message": "This position is ahead of the stream: subscribe from a snapshot's as_of "
            "or from the last position an events message carried.",
        }
    )


def _unavailable(hub: Hub, sub: Subscription, exc: Exception) -> None:
    log.info("subscribe %s: a backend is unavailable (%s)", sub.topic.name, exc)
    _drop(hub, sub)
    sub.connection.send_control(
        {
            "op": "error",
            "topic": sub.topic.name,
            "code": "stream.unavailable",
            "message": "Live updates are briefly unavailable; subscribe again from your position.",
            "retry_ms": 1000,
        }
    )
