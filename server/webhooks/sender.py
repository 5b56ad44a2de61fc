"""Sending one signed delivery over HTTP: bounded by a timeout, the answer's body never read."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import httpx

from domain.webhooks import SIGNATURE_HEADER, sign
from server.webhooks.queue import Item

MAX_ERROR = 300
MAX_ANSWER = 64 * 1024  # more than this of an answer is not read: the connection is dropped instead


@dataclass(frozen=True, slots=True)
class Answer:
    """The receiver's status code, or why there was none (``cause`` is timeout or network)."""

    status: int | None
    latency_ms: float
    error: str | None = None
    cause: str | None = None


def delivery_headers(secret: str, item: Item, *, attempt: int, now: int) -> dict[str, str]:
    """The headers of a delivery; the signature covers ``<now>.<body>``."""
    return {
        "Content-Type": "application/json",
        "User-Agent": "Floorsync-Webhooks/1",
        SIGNATURE_HEADER: sign(secret, now, item.body),
        "Floorsync-Event-Id": item.event_id,
        "Floorsync-Event-Type": item.event_type,
        "Floorsync-Event-Seq": str(item.seq),
        "Floorsync-Delivery-Attempt": str(attempt),
        "Floorsync-Replay": "true" if item.replay else "false",
    }


async def send(
    client: httpx.AsyncClient, url: str, secret: str, item: Item, *, attempt: int, timeout_s: float
) -> Answer:
    """POST the event within ``timeout_s`` in all (httpx's timeouts are per phase, a receiver that drips
    its headers would outlast them); a transport failure becomes an Answer without a status."""
    headers = delivery_headers(secret, item, attempt=attempt, now=int(time.time()))
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout_s), client.stream("POST", url, content=item.body, headers=headers) as answer:
            status = answer.status_code
            # read (and drop) a small answer so that the connection is kept for the next delivery;
            # closing it unread would cost a new TCP (and TLS) connection per event
            read = 0
            async for chunk in answer.aiter_raw():
                read += len(chunk)
                if read > MAX_ANSWER:
                    break
    except (httpx.TimeoutException, TimeoutError) as exc:
        elapsed = (time.perf_counter() - started) * 1000
        return Answer(None, elapsed, f"timed out ({type(exc).__name__})", "timeout")
    except (httpx.HTTPError, OSError) as exc:
        elapsed = (time.perf_counter() - started) * 1000
        return Answer(None, elapsed, f"{type(exc).__name__}: {exc}"[:MAX_ERROR], "network")
    return Answer(status, (time.perf_counter() - started) * 1000)
