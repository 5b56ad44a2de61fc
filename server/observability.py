"""One structured log line per request, and Prometheus metrics."""

from __future__ import annotations

import logging
import time
import uuid
from typing import cast

import msgspec
from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

log = logging.getLogger("floorsync.request")

# Metric objects (not connections) live at module level because Prometheus' registry is global.
REQUESTS = Counter("floorsync_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "floorsync_http_request_seconds",
    "HTTP request duration",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)


def metrics_payload() -> tuple[bytes, str]:
    return generate_latest(), CONTENT_TYPE_LATEST


class RequestLogMiddleware:
    """Request id in and out (``X-Request-ID``), a JSON log line and metrics per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = cast(HTTPScope, scope)["method"]
        started = time.perf_counter()
        request_id = _incoming_request_id(scope) or uuid.uuid4().hex
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("path_template") or scope["path"]
            REQUESTS.labels(method, route, str(status)).inc()
            LATENCY.labels(method, route).observe(elapsed)
            if log.isEnabledFor(logging.INFO):
                principal = scope.get("user")
                line = {
                    "event": "request",
                    "request_id": request_id,
                    "method": method,
                    "route": route,
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                    "user": getattr(principal, "username", None),
                    "device": str(getattr(principal, "device_id", None) or "") or None,
                }
                log.info(msgspec.json.encode(line).decode())


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate = value.decode("latin-1")[:64]
            return candidate if candidate.isprintable() else None
    return None
