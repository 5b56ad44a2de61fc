"""Health and readiness: /readyz names the backend that is down."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from server.settings import Settings
from tests.backends import wait_until
from tests.conftest import app_with
from tests.processes import private_redis, stop

Client = AsyncTestClient[Litestar]


async def test_healthz_and_readyz_answer_when_all_is_up(client: Client) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"postgres": "ok", "redis": "ok"}


async def test_readyz_reports_a_stopped_redis(seeded: Settings) -> None:
    with private_redis() as (redis_process, redis_url):
        async with AsyncTestClient(app_with(seeded, redis_url=redis_url)) as client:
            await wait_until(lambda: _ready(client, 200), what="readyz with a live private Redis")
            stop(redis_process)
            down = await client.get("/readyz")
            assert down.status_code == 503
            body = down.json()
            assert body["code"] == "service.unavailable"
            assert "redis" in body["detail"]
            assert body["checks"]["postgres"] == "ok"
            assert body["checks"]["redis"].startswith("down")
            # liveness does not depend on the backends
            assert (await client.get("/healthz")).status_code == 200


async def _ready(client: Client, status: int) -> bool:
    return (await client.get("/readyz")).status_code == status


async def test_metrics_count_requests(client: Client) -> None:
    await client.get("/healthz")
    text = (await client.get("/metrics")).text
    assert 'floorsync_http_requests_total{method="GET",route="/healthz",status="200"}' in text
