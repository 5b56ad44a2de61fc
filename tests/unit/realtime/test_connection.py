"""A connection's send queue stays bounded: overflow answers ``reset`` and closes, never grows."""

from __future__ import annotations

import asyncio
import json

from realtime.connection import CLOSE_SLOW, Connection, Subscription
from realtime.envelope import events_frame, join_messages
from realtime.topics import Topic, Viewer
from tests.backends import wait_until

VIEWER = Viewer(user_id=1, username="sam", roles=frozenset({"supervisor"}), warehouses=frozenset({"WH1"}))


class StuckSocket:
    """A peer that stops reading: sends wait until ``release`` is set."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.sent: list[bytes] = []
        self.attempts = 0  # sends begun, stuck or not
        self.closed: tuple[int, str] | None = None

    async def send(self, data: bytes) -> None:
        self.attempts += 1
        await self.release.wait()
        self.sent.append(data)

    async def receive(self) -> bytes | str | None:
        return None

    async def close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)


def frame(seq: int) -> bytes:
    return events_frame(topic="board:WH1", epoch="e1", seq=seq, events=[b'{"seq":%d}' % seq])


async def test_a_slow_consumer_gets_reset_then_close_and_the_queue_never_passes_its_bound() -> None:
    socket = StuckSocket()
    conn = Connection(socket, VIEWER, max_queued_events=10)
    conn.subscriptions["board:WH1"] = Subscription(conn, Topic("board:WH1", "board", "WH1"))
    sender = asyncio.create_task(conn.run_sender())
    conn.offer(frame(1), 1)
    await wait_until(lambda: socket.attempts == 1, what="the sender stuck on its first send")
    for seq in range(2, 200):
        conn.offer(frame(seq), 1)
        assert conn.queued_events <= 10

    assert conn.closing == (CLOSE_SLOW, "slow consumer: resync from a snapshot")
    socket.release.set()
    await asyncio.wait_for(sender, 5)
    assert socket.closed is not None and socket.closed[0] == CLOSE_SLOW
    last = json.loads(socket.sent[-1])
    assert last == [{"op": "reset", "topic": "board:WH1", "reason": "slow_consumer"}]


async def test_messages_that_piled_up_go_out_as_one_array() -> None:
    socket = StuckSocket()
    conn = Connection(socket, VIEWER)
    sender = asyncio.create_task(conn.run_sender())
    conn.offer(frame(1), 1)
    await wait_until(lambda: socket.attempts == 1, what="the sender stuck on its first send")
    conn.offer(frame(2), 1)
    conn.offer(frame(3), 1)
    socket.release.set()
    await wait_until(lambda: len(socket.sent) >= 2, what="two sends")
    assert socket.sent == [frame(1), join_messages([frame(2), frame(3)])]
    assert [m["seq"] for m in json.loads(socket.sent[1])] == [2, 3]
    sender.cancel()
