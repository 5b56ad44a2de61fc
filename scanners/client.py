"""A headless handheld that talks to the server like the real one: logs in, registers, subscribes to
its live feed, and queues numbered mutations while offline, replaying them in order once back."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import websockets

from scanners.feed import LiveFeed


class HandheldError(RuntimeError):
    """The server answered with a problem."""


# The connection broke before an answer came: a kept-alive connection that the server closed just
# as this request went out (it checks idle connections on a timer, the client cannot see it coming),
# or a server restarting. Browsers send such a request again; so does the handheld, with the same
# Idempotency-Key (mutations also carry their ids), so a request the server did run is not run twice.
RESENDABLE = (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError, httpx.ConnectError)
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Handheld:
    """One device in one person's hands. ``queue_path`` keeps the offline queue across restarts."""

    def __init__(
        self, base_url: str, *, queue_path: Path | None = None, timeout_s: float = 60.0, resend_for_s: float = 60.0
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout_s)
        self.resend_for_s = resend_for_s  # how long a request is sent again while the server is unreachable or busy
        self.queue_path = queue_path
        self.tokens: dict[str, Any] = {}
        self.device_id: str | None = None
        self.online = True
        self.next_mutation_id = 1
        self.queue: list[dict[str, Any]] = []  # mutations not yet answered applied/rejected
        self.results: dict[int, dict[str, Any]] = {}
        self._load_queue()

    @property
    def user(self) -> dict[str, Any]:
        return dict(self.tokens.get("user", {}))

    async def login(self, username: str, password: str) -> dict[str, Any]:
        """Password login (binds to this device once registered)."""
        body = {"username": username, "password": password, **self._device()}
        self.tokens = await self._call("POST", "/api/auth/login", json=body, auth=False)
        return self.user

    async def badge_login(self, badge: str, pin: str) -> dict[str, Any]:
        """Badge scan + PIN, as on the floor."""
        self.tokens = await self._call("POST", "/api/auth/badge", json={"badge": badge, "pin": pin, **self._device()},
                                       auth=False)
        return self.user

    async def register(self, name: str, *, platform: str = "python-scanner") -> str:
        """Register this device; its tokens are then bound to it."""
        answer = await self._call("POST", "/api/devices/", json={"name": name, "platform": platform})
        self.device_id = str(answer["device"]["id"])
        # a replayed registration (a resend after a lost answer) carries no tokens: bind the login now
        bind = {"device_id": self.device_id}
        self.tokens = answer["tokens"] or await self._call("POST", "/api/auth/device", json=bind)
        self.next_mutation_id = max(self.next_mutation_id, int(answer["device"]["last_mutation_id"]) + 1)
        self._save_queue()
        return self.device_id

    async def position(self, warehouse: str) -> dict[str, Any]:
        """Where the warehouse stream is now (what a snapshot read returns as ``as_of``)."""
        return await self._call("GET", f"/api/realtime/warehouses/{warehouse}/position")

    async def connect(self, **feed_options: Any) -> LiveFeed:
        """Open the live feed with a fresh single-use ticket."""
        ticket = await self._call("POST", "/api/realtime/tickets")
        url = self.base_url.replace("http", "ws", 1) + ticket["url"]
        ws = await websockets.connect(url, max_size=None, ping_interval=None)
        return LiveFeed(ws, **feed_options)

    # offline queue -------------------------------------------------------------------------
    def go_offline(self) -> None:
        """Stop talking to the server; mutations queue up, numbered."""
        self.online = False

    async def come_back(self) -> list[dict[str, Any]]:
        """Back on the network: replay the queue in order; returns the answers."""
        self.online = True
        return await self.flush()

    async def mutate(self, kind: str, payload: dict[str, Any]) -> int:
        """Queue a command (an intent, never a row patch); sent at once when online. Returns its id."""
        mutation_id = self.next_mutation_id
        self.next_mutation_id += 1
        self.queue.append({"mutation_id": mutation_id, "kind": kind, "payload": payload})
        self._save_queue()
        if self.online:
            await self.flush()
        return mutation_id

    async def flush(self, *, batch: int = 500) -> list[dict[str, Any]]:
        """Send queued mutations in order until the queue is empty (resending from what the server expects)."""
        answers: list[dict[str, Any]] = []
        while self.queue and self.online:
            answer = await self._call("POST", f"/api/devices/{self.device_id}/mutations", json=self.queue[:batch])
            done = {r["mutation_id"] for r in answer["results"] if r["outcome"] in ("applied", "rejected")}
            for result in answer["results"]:
                if result["mutation_id"] in done:
                    self.results[result["mutation_id"]] = result
            answers.extend(r for r in answer["results"] if r["mutation_id"] in done)
            before = len(self.queue)
            self.queue = [m for m in self.queue if m["mutation_id"] not in done]
            self._save_queue()
            if len(self.queue) == before:
                raise HandheldError(f"server expects mutation {answer['next_mutation_id']}, the queue cannot supply it")
        return answers

    async def replay(self, mutations: list[dict[str, Any]]) -> dict[str, Any]:
        """Send exactly these mutations (again): what a device does after a lost response."""
        return await self._call("POST", f"/api/devices/{self.device_id}/mutations", json=mutations)

    async def close(self) -> None:
        await self.http.aclose()

    # plumbing --------------------------------------------------------------------------------
    def _device(self) -> dict[str, Any]:
        return {"device_id": self.device_id} if self.device_id else {}

    async def _call(self, method: str, path: str, *, json: Any = None, auth: bool = True) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens['access_token']}"} if auth else {}
        if auth and method in MUTATING:
            headers["Idempotency-Key"] = str(uuid.uuid4())
        response = await self._send(method, path, json=json, headers=headers)
        if response.status_code >= 400:
            raise HandheldError(f"{method} {path}: {response.status_code} {response.text[:500]}")
        return response.json() if response.content else None

    async def _send(self, method: str, path: str, *, json: Any, headers: dict[str, str]) -> httpx.Response:
        """Send until answered: again after a broken connection or a 503 (waiting what Retry-After says),
        for at most ``resend_for_s``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.resend_for_s
        pause = 0.05
        while True:
            try:
                response = await self.http.request(method, path, json=json, headers=headers)
            except RESENDABLE:
                if loop.time() + pause > deadline:
                    raise
            else:
                if response.status_code != 503 or loop.time() + pause > deadline:
                    return response
                pause = max(pause, _retry_after(response))
            await asyncio.sleep(pause)  # back-off before sending again, as a device on a bad network does
            pause = min(pause * 2, 2.0)

    def _load_queue(self) -> None:
        if self.queue_path is not None and self.queue_path.exists():
            saved = json.loads(self.queue_path.read_text())
            self.device_id = saved.get("device_id")
            self.next_mutation_id = saved.get("next_mutation_id", 1)
            self.queue = saved.get("queue", [])

    def _save_queue(self) -> None:
        if self.queue_path is not None:
            state = {"device_id": self.device_id, "next_mutation_id": self.next_mutation_id, "queue": self.queue}
            self.queue_path.write_text(json.dumps(state))


def _retry_after(response: httpx.Response) -> float:
    """Seconds the server asked to wait (``Retry-After`` in seconds), at most 5."""
    try:
        return min(5.0, max(0.0, float(response.headers.get("retry-after", "0"))))
    except ValueError:
        return 0.0
