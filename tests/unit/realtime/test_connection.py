"""A connection sends at once while its socket keeps up; behind a slow peer its queue stays bounded:
overflow answers ``reset`` and closes, never grows."""

from __future__ import annotations

import asyncio
import json

from realtime.connection import CLOSE_SLOW, Connection, Subscription
from realtime.envelope import events_frame, join_messages
from realtime.topics import Topic, Viewer
from tests.backends import wait_until

VIEWER = Viewer(user_id=1, username="sam", roles=frozenset({"supervisor"}), warehouses=frozenset({"WH1"}))


class Peer:
    """A test peer: it takes the bytes at once (a socket with room to write), or, ``stuck``, stops
    reading until ``release`` is set; with ``fail`` set, a send finds the peer gone."""

    def __init__(self, *, stuck: bool = False) -> None:
        self.release = asyncio.Event()
        if not stuck:
            self.release.set()
        self.sent: list[bytes] = []
        self.attempts = 0  # sends begun, stuck or not
        self.closed: tuple[int, str] | None = None
        self.fail = False

    async def send(self, data: bytes) -> None:
        self.attempts += 1
        await self.release.wait()
        if self.fail:
            raise ConnectionResetError("peer gone")
        self.sent.append(data)

    async def receive(self) -> bytes | str | None:
        return None

    async def close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)


def frame(seq: int) -> bytes:
    return events_frame(topic="board:WH1", epoch="e1", seq=seq, events=[b'{"seq":%d}' % seq])


async def test_a_slow_consumer_gets_reset_then_close_and_the_queue_never_passes_its_bound() -> None:
    socket = Peer(stuck=True)
    conn = Connection(socket, VIEWER, max_queued_events=10)
    conn.subscriptions["board:WH1"] = Subscription(conn, Topic("board:WH1", "board", "WH1"))
    conn.offer(frame(1), 1)
    assert socket.attempts == 1  # begun at once, now waiting for the peer
    for seq in range(2, 200):
        conn.offer(frame(seq), 1)
        assert conn.queued_events <= 10

    assert conn.closing == (CLOSE_SLOW, "slow consumer: resync from a snapshot")
    socket.release.set()
    await wait_until(lambda: socket.closed is not None, what="the close after the reset")
    assert socket.closed is not None and socket.closed[0] == CLOSE_SLOW
    last = json.loads(socket.sent[-1])
    assert last == [{"op": "reset", "topic": "board:WH1", "reason": "slow_consumer"}]


async def test_messages_that_piled_up_go_out_as_one_array() -> None:
    socket = Peer(stuck=True)
    conn = Connection(socket, VIEWER)
    conn.offer(frame(1), 1)
    conn.offer(frame(2), 1)
    conn.offer(frame(3), 1)
    socket.release.set()
    await wait_until(lambda: len(socket.sent) >= 2, what="two sends")
    assert socket.sent == [frame(1), join_messages([frame(2), frame(3)])]
    assert [m["seq"] for m in json.loads(socket.sent[1])] == [2, 3]
    assert socket.attempts == 2


async def test_a_socket_that_keeps_up_is_written_at_once_without_a_task() -> None:
    socket = Peer()
    ended: list[Connection] = []
    conn = Connection(socket, VIEWER, on_gone=ended.append)
    tasks = asyncio.all_tasks()

    assert conn.offer(frame(1), 1)
    assert conn.offer(frame(2), 1)
    assert socket.sent == [frame(1), frame(2)]  # no await in between: written by offer itself
    assert asyncio.all_tasks() == tasks
    assert conn.queued_events == 0

    conn.close_soon(CLOSE_SLOW, "slow consumer: resync from a snapshot")
    assert socket.closed == (CLOSE_SLOW, "slow consumer: resync from a snapshot")
    assert ended == [conn]
    assert not conn.offer(frame(3), 1)
    assert socket.sent == [frame(1), frame(2)]


async def test_a_peer_gone_ends_the_connection_once_and_later_messages_are_refused() -> None:
    socket = Peer()
    ended: list[Connection] = []
    conn = Connection(socket, VIEWER, on_gone=ended.append)
    socket.fail = True

    assert conn.offer(frame(1), 1)  # accepted, then the write found the peer gone
    assert ended == [conn] and conn.finished
    assert not conn.offer(frame(2), 1)
    conn.close_soon(CLOSE_SLOW, "slow consumer: resync from a snapshot")
    assert ended == [conn] and socket.closed is None and conn.queued_events == 0


async def test_a_send_that_fails_after_waiting_on_the_peer_ends_the_connection() -> None:
    socket = Peer(stuck=True)
    ended: list[Connection] = []
    conn = Connection(socket, VIEWER, on_gone=ended.append)
    conn.offer(frame(1), 1)
    assert conn.sending_since is not None and not ended
    conn.offer(frame(2), 1)

    socket.fail = True
    socket.release.set()
    await wait_until(lambda: ended == [conn], what="the connection ended by the failed send")
    assert conn.sending_since is None and conn.queued_events == 0 and socket.sent == []
    assert not conn.offer(frame(3), 1)


async def test_an_abandoned_connection_cancels_its_waiting_send_and_sends_nothing_more() -> None:
    socket = Peer(stuck=True)
    ended: list[Connection] = []
    conn = Connection(socket, VIEWER, on_gone=ended.append)
    conn.offer(frame(1), 1)

    conn.abandon()  # the gateway drops it (its serve task ended)
    await wait_until(lambda: conn.sending_since is None, what="the waiting send cancelled")
    socket.release.set()
    assert not conn.offer(frame(2), 1)
    assert socket.sent == [] and socket.attempts == 1 and ended == []  # dropped on purpose: nobody is told
