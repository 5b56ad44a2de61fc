"""The request log (one JSON line per request, at the configured level) and the frozen startup heap."""

from __future__ import annotations

import contextlib
import gc
import json
import logging
from collections.abc import Iterator

from litestar import Litestar
from litestar.testing import AsyncTestClient

from server.app import GC_THRESHOLDS
from server.settings import Settings
from tests.conftest import app_with

Client = AsyncTestClient[Litestar]


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[dict[str, object]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(record.getMessage()))


@contextlib.contextmanager
def _request_log() -> Iterator[_Lines]:
    """What the request logger lets through (its effective level decides, as for every handler)."""
    logger = logging.getLogger("floorsync.request")
    lines = _Lines()
    logger.addHandler(lines)
    try:
        yield lines
    finally:
        logger.removeHandler(lines)


async def test_each_request_logs_one_json_line_with_its_request_id(client: Client) -> None:
    with _request_log() as log:
        response = await client.get("/healthz", headers={"X-Request-ID": "trace-42"})
    assert response.headers["x-request-id"] == "trace-42"
    [line] = [line for line in log.lines if line["request_id"] == "trace-42"]
    assert {k: line[k] for k in ("event", "method", "route", "status")} == {
        "event": "request",
        "method": "GET",
        "route": "/healthz",
        "status": 200,
    }
    assert isinstance(line["duration_ms"], float)


async def test_a_warning_log_level_leaves_the_request_log_out(seeded: Settings) -> None:
    root = logging.getLogger()
    before = root.level
    try:
        async with AsyncTestClient(app_with(seeded, log_level="WARNING")) as quiet:
            with _request_log() as log:
                response = await quiet.get("/healthz", headers={"X-Request-ID": "trace-quiet"})
            assert response.status_code == 200
            assert log.lines == []
    finally:
        root.setLevel(before)  # the app configured the process's root logger


async def test_the_startup_heap_is_frozen_and_collections_are_rarer_while_the_app_runs(seeded: Settings) -> None:
    before = gc.get_threshold()
    async with AsyncTestClient(app_with(seeded)) as running:
        assert (await running.get("/healthz")).status_code == 200
        # the app, its routes and SQLAlchemy's metadata: out of reach of full collections
        assert gc.get_freeze_count() > 50_000
        assert gc.get_threshold() == GC_THRESHOLDS
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before
