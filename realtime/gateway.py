"""The WebSocket gateway: serves each socket's messages, and sweeps for dead and slow connections."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import msgspec
import redis.asyncio as aioredis

from realtime import metrics
from realtime.catchup import PgPosition, subscribe
from realtime.connection import (
    CLOSE_DEAD,
    CLOSE_PROTOCOL,
    CLOSE_UNAUTHORIZED,
    Connection,
    Socket,
    Subscription,
)
from realtime.envelope import decode_message, encode_message
from realtime.hub import Hub
from realtime.keys import Keys
from realtime.presence import Presence, parse_at
from realtime.tasks import cancel_and_wait, raise_if_cancelled
from realtime.topics import TopicError, Viewer, parse_position, parse_skus, parse_topic

log = logging.getLogger("floorsync.gateway")

MAX_SUBSCRIPTIONS = 50
MAX_MESSAGE_BYTES = 64 * 1024
MAX_TOPIC_CHARS = 200


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    ping_interval_s: float = 25.0  # server pings a connection quiet for this long
    pong_timeout_s: float = 20.0  # and closes it (4408) if nothing comes back within this
    send_timeout_s: float = 15.0  # a send stuck this long means a dead or hopeless peer
    sweep_interval_s: float = 5.0
    session_check_s: float = 15.0
    max_queued_events: int = 5000
    max_queued_bytes: int = 4 << 20


class Gateway:
    """Everything realtime one instance serves."""

    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        *,
        pg_position: PgPosition,
        session_active: Callable[[str], Awaitable[bool]] | None = None,
        config: GatewayConfig | None = None,
    ) -> None:
        self.redis = redis
        self.keys = keys
        self.pg_position = pg_position
        self.session_active = session_active
        self.config = config or GatewayConfig()
        self.instance = secrets.token_hex(6)
        self.hub = Hub(redis, keys)
        self.presence = Presence(redis, keys, self.instance, self._presence_changed)
        self._connections: dict[int, tuple[Connection, asyncio.Task[Any]]] = {}
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def connections(self) -> int:
        return len(self._connections)

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self.presence.listen(), name="presence"),
            asyncio.create_task(self._sweep(), name="ws-sweeper"),
        ]

    async def stop(self) -> None:
        """End every socket (each leaves presence as it goes), then the listeners, then presence's
        last report: after this, nothing of the gateway uses its Redis client."""
        await cancel_and_wait([task for _, task in self._connections.values()])
        await cancel_and_wait(self._tasks)
        await self.presence.close()
        await self.hub.close()

    async def serve(self, socket: Socket, viewer: Viewer) -> None:
        """Serve one accepted, authenticated socket until it goes away."""
        conn = Connection(
            socket,
            viewer,
            max_queued_events=self.config.max_queued_events,
            max_queued_bytes=self.config.max_queued_bytes,
            on_gone=self._kick,
        )
        me = asyncio.current_task()
        assert me is not None
        self._connections[conn.id] = (conn, me)
        metrics.WS_CONNECTIONS.inc()
        conn.send_control(
            {"op": "welcome", "connection": conn.id, "user": viewer.username, "ping_s": self.config.ping_interval_s}
        )
        joined: set[str] = set()
        try:
            while True:
                raw = await socket.receive()
                if raw is None:
                    break
                conn.last_heard = time.monotonic()
                conn.ping_sent_at = None
                try:
                    await self._handle(conn, raw, joined)
                except Exception:  # one bad message must not end the socket with a bare 4500
                    log.exception("connection %s: message failed", conn.id)
                    _refuse(conn, None, "server.error", "The server could not handle that message; it has been logged.")
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if not conn.kicked or task is None:
                raise
            task.uncancel()
        finally:
            self._connections.pop(conn.id, None)
            metrics.WS_CONNECTIONS.dec()
            for sub in list(conn.subscriptions.values()):
                self.hub.remove(sub)
            conn.subscriptions.clear()
            conn.abandon()
            if joined:
                await self.presence.leave(conn.id, joined)

    def _kick(self, conn: Connection) -> None:
        """End a connection's serve task (it was closed, its peer is gone, or the sweeper gave up on it)."""
        entry = self._connections.get(conn.id)
        if entry is not None and not entry[1].done():
            conn.kicked = True
            entry[1].cancel()

    async def _handle(self, conn: Connection, raw: bytes | str, joined: set[str]) -> None:
        if len(raw) > MAX_MESSAGE_BYTES:
            _refuse(conn, None, "message.too_large", f"A message is at most {MAX_MESSAGE_BYTES // 1024} KiB.")
            conn.close_soon(CLOSE_PROTOCOL, "message too large")
            return
        try:
            message = decode_message(raw)
        except (msgspec.DecodeError, RecursionError):  # RecursionError: nested deeper than the decoder goes
            message = None
        op = message.get("op") if isinstance(message, dict) else None
        handler = _HANDLERS.get(op) if isinstance(op, str) else None
        if handler is None or not isinstance(message, dict):
            _refuse(conn, None, "message.invalid", "Send a JSON object with op subscribe, unsubscribe, ping or at.")
            return
        await handler(self, conn, message, joined)

    async def _ping(self, conn: Connection, message: dict[str, Any], joined: set[str]) -> None:
        conn.send_control({"op": "pong", "t": message.get("t")})

    async def _pong(self, conn: Connection, message: dict[str, Any], joined: set[str]) -> None:
        """Any message counts as a sign of life; a pong carries nothing else."""

    async def _at(self, conn: Connection, message: dict[str, Any], joined: set[str]) -> None:
        """A floor worker's handheld says which task and bin it is at: shown live on the board."""
        try:
            warehouse, at = parse_at(message, conn.viewer, joined)
        except TopicError as refused:
            _refuse(conn, None, refused.code, refused.message)
            return
        await self.presence.locate(conn.id, warehouse, at)

    async def _unsubscribe(self, conn: Connection, message: dict[str, Any], joined: set[str]) -> None:
        name = message.get("topic")
        if not isinstance(name, str):
            _refuse(conn, None, "topic.unknown", "An unsubscribe names a 'topic' (a string).")
            return
        sub = conn.subscriptions.pop(name, None)
        if sub is not None:
            self.hub.remove(sub)
        conn.send_control({"op": "unsubscribed", "topic": name})

    async def _subscribe(self, conn: Connection, message: dict[str, Any], joined: set[str]) -> None:
        name = message.get("topic")
        try:
            if not isinstance(name, str) or len(name) > MAX_TOPIC_CHARS:
                name = None  # echoing a malformed topic back would hand the client its own garbage
                raise TopicError("topic.unknown", "A subscribe names a 'topic' (a string).")
            topic = parse_topic(name, conn.viewer, skus=parse_skus(message.get("skus")))
            asked = parse_position(message.get("from"))
            if name not in conn.subscriptions and len(conn.subscriptions) >= MAX_SUBSCRIPTIONS:
                raise TopicError("topic.too_many", f"At most {MAX_SUBSCRIPTIONS} subscriptions per connection.")
        except TopicError as refused:
            _refuse(conn, name, refused.code, refused.message)
            return
        old = conn.subscriptions.get(name)
        if old is not None:
            self.hub.remove(old)
        sub = Subscription(conn, topic)
        conn.subscriptions[name] = sub
        sub.task = asyncio.create_task(subscribe(self.hub, sub, asked, self.pg_position))
        sub.task.add_done_callback(_log_failure)
        if topic.warehouse not in joined:
            joined.add(topic.warehouse)
            await self.presence.join(conn.id, conn.viewer, topic.warehouse)
        if topic.kind == "board":
            sub.task.add_done_callback(lambda _: self._send_presence_soon(sub))

    def _send_presence_soon(self, sub: Subscription) -> None:
        async def send() -> None:
            with contextlib.suppress(Exception):
                online = await self.presence.online(sub.topic.warehouse)
                sub.connection.send_control(_presence_message(sub.topic.name, sub.topic.warehouse, online))

        if sub.live:
            task = asyncio.create_task(send())
            self._tasks.append(task)
            task.add_done_callback(self._tasks.remove)

    def _presence_changed(self, warehouse: str, online: list[dict[str, Any]]) -> None:
        frames: dict[str, bytes] = {}
        for sub in self.hub.subscriptions(warehouse):
            if sub.topic.kind == "board" and sub.live:
                name = sub.topic.name
                if name not in frames:
                    frames[name] = encode_message(_presence_message(name, warehouse, online))
                sub.connection.offer(frames[name])

    async def _sweep(self) -> None:
        cfg = self.config
        next_presence = next_sessions = 0.0
        while True:
            raise_if_cancelled()
            await asyncio.sleep(cfg.sweep_interval_s)
            now = time.monotonic()
            for conn, _ in list(self._connections.values()):
                pinged = conn.ping_sent_at
                if conn.sending_since is not None and now - conn.sending_since > cfg.send_timeout_s:
                    metrics.WS_CLOSED.labels("send timeout").inc()
                    self._kick(conn)
                elif pinged is not None and now - pinged > cfg.pong_timeout_s:
                    conn.close_soon(CLOSE_DEAD, "no pong: connection presumed dead")
                elif pinged is None and now - conn.last_heard > cfg.ping_interval_s:
                    conn.ping_sent_at = now
                    conn.send_control({"op": "ping", "positions": _positions(conn)})
            if now >= next_presence:
                next_presence = now + 20
                await self.presence.refresh(
                    {s.topic.warehouse for c, _ in self._connections.values() for s in c.subscriptions.values()}
                )
            if self.session_active is not None and now >= next_sessions:
                next_sessions = now + cfg.session_check_s
                await self._check_sessions()

    async def _check_sessions(self) -> None:
        assert self.session_active is not None
        verdicts: dict[str, bool] = {}
        for conn, _ in list(self._connections.values()):
            sid = conn.viewer.session_id
            if sid is None:
                continue
            if sid not in verdicts:
                with contextlib.suppress(Exception):
                    verdicts[sid] = await self.session_active(sid)
            if verdicts.get(sid) is False:
                conn.close_soon(CLOSE_UNAUTHORIZED, "login ended: log in again")


_Handler = Callable[[Gateway, Connection, dict[str, Any], set[str]], Awaitable[None]]
_HANDLERS: dict[str, _Handler] = {
    "at": Gateway._at,
    "ping": Gateway._ping,
    "pong": Gateway._pong,
    "subscribe": Gateway._subscribe,
    "unsubscribe": Gateway._unsubscribe,
}


def _refuse(conn: Connection, topic: str | None, code: str, message: str) -> None:
    """Answer a message the gateway cannot act on; logged, since a client sending it needs fixing."""
    log.warning("connection %s (%s): refused %s: %s", conn.id, conn.viewer.username, topic or "message", code)
    reply: dict[str, Any] = {"op": "error", "code": code, "message": message}
    if topic is not None:
        reply["topic"] = topic
    conn.send_control(reply)


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("subscription failed", exc_info=task.exception())


def _positions(conn: Connection) -> dict[str, dict[str, Any]]:
    return {name: {"epoch": s.epoch, "seq": s.cursor} for name, s in conn.subscriptions.items() if s.live}


def _presence_message(topic: str, warehouse: str, online: list[dict[str, Any]]) -> dict[str, Any]:
    return {"op": "presence", "topic": topic, "warehouse": warehouse, "online": online}
