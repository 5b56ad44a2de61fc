"""Two server processes on the same PostgreSQL and Redis: a client on B gets what A commits, in order."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from server.settings import Settings
from tests.backends import free_port, wait_until
from tests.fresh import fresh_settings
from tests.live import handheld
from tests.processes import answers_ready, floorsync, server_env

REPO = Path(__file__).resolve().parents[2]


@contextmanager
def instance(settings: Settings, data_dir: Path) -> Iterator[str]:
    port = free_port()
    env = server_env(settings, data_dir, port=port)
    process = floorsync("serve", env=env, cwd=REPO)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.finish()
        assert process.returncode == 0, output.decode()[-3000:]


@pytest.mark.e2e
async def test_a_client_on_b_receives_events_committed_on_a_in_order(seeded: Settings, tmp_path: Path) -> None:
    async with fresh_settings(seeded) as settings:
        with ExitStack() as stack:
            a = stack.enter_context(instance(settings, tmp_path / "a"))
            b = stack.enter_context(instance(settings, tmp_path / "b"))
            for url in (a, b):
                await wait_until(lambda u=url: answers_ready(u), what=f"{url} ready")  # type: ignore[misc]
            async with handheld(a, "super1", device="desk-a") as writer, handheld(b, "super1") as reader:
                feed = await reader.connect()
                await feed.subscribe("board:WH1", position=await reader.position("WH1"))
                await feed.wait_for(lambda f: f.control("subscribed"))
                codes = [f"AB-{n}" for n in range(40)]
                for code in codes:
                    await writer.mutate("location.create", {"warehouse": "WH1", "code": code, "zone": "Z",
                                                            "kind": "storage"})
                await feed.wait_for(lambda f: len(f.topics["board:WH1"].events) == 40)
                events = feed.topics["board:WH1"].events
                assert [e["entity_id"] for e in events] == codes
                seqs = [e["seq"] for e in events]
                assert seqs == sorted(seqs) and len(set(seqs)) == 40
                await feed.close()
