"""SIGTERM in the middle of traffic (commands, live sockets, subscriptions on several warehouses):
the server process exits, cleanly, within 10 s, every time."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from pathlib import Path

import httpx
import pytest

from scanners.client import Handheld, HandheldError
from scanners.feed import LiveFeed
from server.settings import Settings
from tests.backends import free_port, wait_until
from tests.conftest import DEMO_PASSWORDS
from tests.fresh import fresh_settings
from tests.processes import ServerProcess, answers_ready, floorsync, server_env

REPO = Path(__file__).resolve().parents[2]
ROUNDS = 20
EXIT_WITHIN_S = 10.0
TOPICS = ("board:WH1", "board:WH2", "exceptions:WH1", "orders:WH2")


async def traffic(device: Handheld, prefix: str) -> int:
    """Create locations one after another until the server stops answering; how many it took."""
    made = 0
    with contextlib.suppress(HandheldError, httpx.HTTPError):
        while True:
            await device.mutate("location.create", {"warehouse": "WH1", "code": f"{prefix}-{made}", "zone": "Z",
                                                    "kind": "storage"})
            made += 1
    return made


async def one_round(settings: Settings, data_dir: Path, n: int) -> float:
    """Start a server, put it to work, SIGTERM it; seconds it took to exit after the signal."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process: ServerProcess = floorsync("serve", env=server_env(settings, data_dir, port=port), cwd=REPO)
    device = Handheld(url, resend_for_s=0)  # no resending: the server is meant to go away
    feeds: list[LiveFeed] = []
    try:
        await wait_until(lambda: answers_ready(url) if process.poll() is None else True, timeout_s=90,
                         what="the server ready")
        assert process.poll() is None, process.output().decode()[-3000:]
        await device.login("super1", DEMO_PASSWORDS["super1"])
        await device.register(f"shutdown-{n}")
        position = {w: await device.position(w) for w in ("WH1", "WH2")}
        for _ in range(3):
            feed = await device.connect()
            feeds.append(feed)
            for topic in TOPICS:
                await feed.subscribe(topic, position=position[topic.split(":")[1]])
        writer = asyncio.create_task(traffic(device, f"SD{n}"))
        # mid-traffic: events are flowing to the sockets when the signal comes
        await feeds[0].wait_for(lambda f: len(f.topics["board:WH1"].events) >= 3)
        signalled = time.monotonic()
        process.send_signal(signal.SIGTERM)
        await wait_until(lambda: process.poll() is not None, timeout_s=EXIT_WITHIN_S * 3, interval_s=0.05,
                         what="the server to exit after SIGTERM")
        took = time.monotonic() - signalled
        await writer
        assert process.returncode == 0, process.output().decode()[-3000:]
        return took
    finally:
        if process.poll() is None:
            process.kill()
        process.finish()
        for feed in feeds:
            await feed.close()
        await device.close()


@pytest.mark.e2e
@pytest.mark.timeout(900)
async def test_sigterm_mid_traffic_stops_the_server_within_ten_seconds_every_time(
    seeded: Settings, tmp_path: Path
) -> None:
    async with fresh_settings(seeded) as settings:
        took = [await one_round(settings, tmp_path / f"r{n}", n) for n in range(ROUNDS)]
    slow = [round(t, 1) for t in took if t > EXIT_WITHIN_S]
    assert not slow, f"exits after SIGTERM took {[round(t, 1) for t in took]} s"
