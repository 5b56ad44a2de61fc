"""A live topic for locust users: the ``websockets`` library's sync client (cooperative under locust's
gevent), reporting to locust's statistics.

Every delivered event is recorded as a ``WS`` request named after the topic kind, with its
commit-to-arrival latency (from the event's ``occurred_at``) as the response time. A refused
subscribe, an ``error`` or a ``reset``, and a socket that drops while the user runs count as failures.
"""

from __future__ import annotations

import contextlib
import json
import time
from datetime import datetime
from typing import Any

import gevent
from locust import User
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect


class LiveTopic:
    """One socket subscribed to one topic on behalf of ``user``."""

    def __init__(self, user: User, topic: str, *, skus: list[str] | None = None) -> None:
        self.user = user
        self.topic = topic
        self.kind = topic.split(":", 1)[0]
        self.skus = skus
        self.ws: ClientConnection | None = None
        self.reader: gevent.Greenlet | None = None
        self.events = 0
        self.stopping = False

    def start(self, position: dict[str, Any] | None = None) -> None:
        """Ticket (HTTP), socket, subscribe from ``position`` (a snapshot's ``as_of``); then read in a greenlet."""
        client: Any = self.user.client  # type: ignore[attr-defined]
        with client.post("/api/realtime/tickets", json={}, name="realtime ticket", catch_response=True) as answer:
            if answer.status_code != 201:
                answer.failure(f"ticket refused: {answer.status_code}")
                return
            url = answer.json()["url"]
        base = self.user.host.replace("http", "ws", 1)  # type: ignore[union-attr]
        started = time.perf_counter()
        try:
            self.ws = connect(base + url, open_timeout=30, max_size=None, compression=None)
        except Exception as exc:  # any failure to connect is a locust failure
            self._fire("connect", (time.perf_counter() - started) * 1000, 0, exc)
            return
        message: dict[str, Any] = {"op": "subscribe", "topic": self.topic}
        if self.skus:
            message["skus"] = self.skus
        if position:
            message["from"] = position
        self.ws.send(json.dumps(message))
        self._fire("connect", (time.perf_counter() - started) * 1000, 0)
        self.reader = gevent.spawn(self._read)

    def stop(self) -> None:
        self.stopping = True
        if self.ws is not None:
            with contextlib.suppress(Exception):
                self.ws.close()
        if self.reader is not None:
            self.reader.join(timeout=5)

    def _read(self) -> None:
        assert self.ws is not None
        try:
            while True:
                raw = self.ws.recv()
                now = time.time()
                decoded = json.loads(raw)
                for message in decoded if isinstance(decoded, list) else [decoded]:
                    self._take(message, now, len(raw))
        except ConnectionClosed as closed:
            if not self.stopping:
                self._fire("closed", 0, 0, RuntimeError(f"socket closed: {closed}"))

    def _take(self, message: dict[str, Any], now: float, size: int) -> None:
        op = message.get("op")
        if op == "events":
            for event in message["events"]:
                self.events += 1
                committed = datetime.fromisoformat(event["occurred_at"]).timestamp()
                self._fire("event", max(0.0, (now - committed) * 1000), size)
        elif op == "ping":
            assert self.ws is not None
            self.ws.send('{"op":"pong"}')
        elif op in ("error", "reset"):
            self._fire(op, 0, size, RuntimeError(json.dumps(message)[:300]))

    def _fire(self, what: str, ms: float, size: int, exception: BaseException | None = None) -> None:
        self.user.environment.events.request.fire(
            request_type="WS",
            name=f"{self.kind} {what}",
            response_time=ms,
            response_length=size,
            exception=exception,
            context={},
        )
