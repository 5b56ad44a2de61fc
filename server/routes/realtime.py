"""Realtime over HTTP and WebSocket: tickets, the ``/ws`` gateway, stream positions and presence."""

from __future__ import annotations

import logging
import os
import secrets
import uuid
from typing import Any

import msgspec
from litestar import Controller, Request, WebSocket, get, post, websocket
from litestar.params import FromPath
from redis.exceptions import RedisError

from realtime.connection import CLOSE_UNAUTHORIZED
from realtime.gateway import Gateway
from realtime.keys import Keys
from realtime.positions import stream_position
from realtime.topics import Viewer
from server.auth.principal import AUTHENTICATED, requires
from server.auth.tokens import Principal
from server.deps import Caller, Db
from server.problems import Problem

TICKET_TTL_S = 30
log = logging.getLogger("floorsync.realtime")


class Ticket(msgspec.Struct):
    ticket: str
    expires_in: int
    url: str


class Position(msgspec.Struct):
    epoch: str
    seq: int


class WorkerAt(msgspec.Struct):
    """Where a floor worker's handheld last said it is (``since``: seconds since the epoch)."""

    task: str | None
    location: str | None
    since: float


class OnlineMember(msgspec.Struct):
    user_id: int
    username: str
    device_id: str | None
    roles: list[str]
    connections: int
    at: WorkerAt | None = None


def _viewer(principal: Principal) -> Viewer:
    return Viewer(
        user_id=principal.user_id,
        username=principal.username,
        roles=principal.roles,
        warehouses=principal.warehouses,
        device_id=str(principal.device_id) if principal.device_id else None,
        session_id=str(principal.session_id),
    )


class RealtimeController(Controller):
    path = "/api/realtime"
    tags = ["realtime"]

    @post("/tickets", operation_id="createRealtimeTicket", status_code=201, guards=[AUTHENTICATED])
    async def ticket(self, request: Request[Any, Any, Any], principal: Caller) -> Ticket:
        """A single-use ticket to open ``/ws?ticket=...`` (valid for a few seconds, consumed on use)."""
        ticket = secrets.token_urlsafe(24)
        keys: Keys = request.app.state.realtime_keys
        try:
            await request.app.state.realtime_redis.set(
                keys.ticket(ticket), msgspec.json.encode(_viewer(principal)), ex=TICKET_TTL_S
            )
        except (RedisError, OSError) as exc:
            log.warning("ticket not stored: %s: %s", type(exc).__name__, exc)
            raise Problem(503, "service.unavailable", "Live updates are unavailable right now; try again.") from None
        return Ticket(ticket=ticket, expires_in=TICKET_TTL_S, url=f"/ws?ticket={ticket}")

    @get("/warehouses/{warehouse:str}/position", operation_id="streamPosition", guards=[AUTHENTICATED])
    async def position(self, warehouse: FromPath[str], db: Db) -> Position:
        """The warehouse stream's position now: subscribe from it to get everything after this moment."""
        found = await stream_position(db, warehouse)
        return Position(epoch=str(found["epoch"]), seq=int(found["seq"]))

    @get("/warehouses/{warehouse:str}/presence", operation_id="warehousePresence", guards=[requires("supervisor")])
    async def presence(self, request: Request[Any, Any, Any], warehouse: FromPath[str]) -> list[OnlineMember]:
        """Who is online in the warehouse, on which device (the board also gets this live)."""
        gateway: Gateway = request.app.state.gateway
        try:
            online = await gateway.presence.online(warehouse)
        except (RedisError, OSError):
            raise Problem(503, "service.unavailable", "Presence is unavailable right now; try again.") from None
        return [msgspec.convert(member, OnlineMember) for member in online]


async def _redeem(socket: WebSocket[Any, Any, Any]) -> Viewer | None:
    """The ticket's holder (consuming the ticket), or the Bearer header's, or None."""
    state = socket.app.state
    ticket = socket.query_params.get("ticket")
    if ticket:
        try:
            raw = await state.realtime_redis.getdel(state.realtime_keys.ticket(ticket))
        except (RedisError, OSError):
            return None
        viewer = msgspec.json.decode(raw, type=Viewer) if raw else None
    else:
        principal = socket.scope.get("user")
        viewer = _viewer(principal) if isinstance(principal, Principal) else None
    if viewer is None or viewer.session_id is None:
        return viewer
    return viewer if await state.session_check.is_active(uuid.UUID(viewer.session_id)) else None


class _LastText:
    """The last frame sent, as text: a fanout hands the same bytes object to every socket in turn, so
    it is decoded once, not once per socket (compared by identity: no hashing of large frames)."""

    __slots__ = ("frame", "text")

    def __init__(self) -> None:
        self.frame = b""
        self.text = ""

    def __call__(self, frame: bytes) -> str:
        if frame is not self.frame:
            self.frame, self.text = frame, frame.decode()
        return self.text


_text = _LastText()


class _Socket:
    """The gateway's view of an ASGI WebSocket: text frames out, text or bytes in."""

    __slots__ = ("_receive", "_send")

    def __init__(self, socket: WebSocket[Any, Any, Any]) -> None:
        self._send = socket.send
        self._receive = socket.receive

    async def send(self, data: bytes) -> None:
        await self._send({"type": "websocket.send", "text": _text(data), "bytes": None})

    async def receive(self) -> bytes | str | None:
        message = await self._receive()
        if message["type"] != "websocket.receive":
            return None
        return message.get("text") or message.get("bytes") or b""

    async def close(self, code: int, reason: str) -> None:
        await self._send({"type": "websocket.close", "code": code, "reason": reason})


@websocket("/ws", name="realtime_socket")
async def realtime_socket(socket: WebSocket[Any, Any, Any]) -> None:
    """The live feed: see realtime/PROTOCOL.md for its messages and close codes."""
    viewer = await _redeem(socket)
    # which worker process holds the socket: with several workers behind one port, tests and
    # operators can tell them apart
    await socket.accept(headers={"X-Floorsync-Worker": str(os.getpid())})
    if viewer is None:
        await socket.close(CLOSE_UNAUTHORIZED, "no valid ticket: get one from POST /api/realtime/tickets")
        return
    gateway: Gateway = socket.app.state.gateway
    await gateway.serve(_Socket(socket), viewer)
