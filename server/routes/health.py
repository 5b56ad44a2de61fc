"""Liveness, readiness and metrics."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import msgspec
from litestar import Request, Response, get
from sqlalchemy import text

from server.observability import metrics_payload
from server.problems import DB_RETRY_AFTER_S

log = logging.getLogger("floorsync.health")


class Health(msgspec.Struct, forbid_unknown_fields=True):
    status: str


class Readiness(msgspec.Struct, forbid_unknown_fields=True):
    status: str
    checks: dict[str, str]
    """Per backend (postgres, redis): "ok" or "down"."""


@get("/healthz", operation_id="health", tags=["ops"])
async def healthz() -> Health:
    """The process is alive."""
    return Health(status="ok")


async def _check(name: str, probe: Any, timeout_s: float = 2.0) -> tuple[str, str | None]:
    try:
        await asyncio.wait_for(probe(), timeout_s)
    except Exception as exc:  # any failure means "not ready"; the answer says which backend, the log why
        log.warning("readiness: %s is down: %s: %s", name, type(exc).__name__, exc)
        return name, "down"
    return name, None


@get("/readyz", operation_id="readiness", tags=["ops"])
async def readyz(request: Request[Any, Any, Any]) -> Response[Readiness]:
    """PostgreSQL and Redis are reachable; 503 naming what is not."""
    state = request.app.state

    async def postgres() -> None:
        async with state.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def redis() -> None:
        await state.redis.ping()

    results = await asyncio.gather(_check("postgres", postgres), _check("redis", redis))
    failing = {name: error for name, error in results if error}
    checks = {name: (error or "ok") for name, error in results}
    if failing:
        # the problem body of a 503, documented with the operation's problems
        body: Any = {
            "type": "https://floorsync.dev/problems/service.unavailable",
            "title": "service.unavailable",
            "status": 503,
            "code": "service.unavailable",
            "detail": "Not ready: " + ", ".join(sorted(failing)) + " unreachable.",
            "checks": checks,
        }
        return Response(
            body,
            status_code=503,
            media_type="application/problem+json",
            headers={"Retry-After": str(DB_RETRY_AFTER_S)},
        )
    return Response(Readiness(status="ready", checks=checks))


@get("/metrics", operation_id="metrics", tags=["ops"], include_in_schema=False)
async def metrics() -> Response[bytes]:
    """Prometheus metrics."""
    payload, content_type = metrics_payload()
    return Response(payload, media_type=content_type)
