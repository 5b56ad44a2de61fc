"""Open-loop pick scanning: guided scan steps arrive at a fixed rate, whatever the server's speed.

Step ``k`` of picker ``i`` (of ``W``) is due at ``start + (i + k * W) / rate``: arrivals are evenly
spaced across all pickers. A picker sends a step when it is due or, if its previous step is still
in flight, as soon as that answers; latency runs from the due time, not the send time, so a slow
server is charged for the queue it causes (no coordinated omission). Steps still unsent a grace
period after the phase ends are counted as ``unsent`` and enter the percentiles with the time they
had waited by then (a lower bound).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec

from load_tests.harness import percentile
from load_tests.raw_http import RawHttp
from load_tests.scan_steps import scan_for

_keys = itertools.count()


@dataclass
class Picker:
    """One picker on one keep-alive connection, holding a trip of tasks and the prompt it shows."""

    name: str
    http: RawHttp
    gtin_of: dict[str, str]
    key_prefix: str = ""
    trip: list[dict[str, Any]] = field(default_factory=list)
    prompt: dict[str, Any] | None = None
    errors: list[str] = field(default_factory=list)
    tasks_done: int = 0
    claims: int = 0
    out_of_work: bool = False

    async def claim(self) -> bool:
        """Claim the next trip (or get back the one held); False when the floor has no work left."""
        status, raw = await self.http.post("/api/warehouses/WH1/tasks/next", {"kinds": ["pick"]})
        if status != 200:
            raise RuntimeError(f"{self.name} could not claim: {status} {raw[:300]!r}")
        answer = msgspec.json.decode(raw)
        self.claims += 1
        self.trip, self.prompt = answer["trip"], answer["prompt"]
        return bool(self.trip)

    async def step(self) -> bool:
        """Send the scan the current prompt asks for; False when there is no work left."""
        if not self.trip and (self.out_of_work or not await self.claim()):
            self.out_of_work = True
            return False
        assert self.prompt is not None
        task = self.trip[0]
        status, raw = await self.http.post(
            f"/api/warehouses/WH1/tasks/{task['id']}/scans",
            scan_for(self.prompt, self.gtin_of),
            extra={"Idempotency-Key": f"{self.key_prefix or self.name}-{next(_keys)}"},
        )
        if status != 200:
            self.errors.append(f"{status} {raw[:200]!r}")
            await self.claim()  # resynchronise with what the server holds
            return True
        self.prompt = msgspec.json.decode(raw)["prompt"]
        if self.prompt["step"] == "done":
            self.tasks_done += 1
            self.trip.pop(0)
            if self.trip and self.trip[0]["state"] != "assigned":
                await self.claim()  # a task begun earlier (a previous run): the server says where it stands
            elif self.trip:  # an untouched task starts at its bin
                self.prompt = {"step": "location", "location": self.trip[0]["location"]}
        return True


@dataclass
class PhaseResult:
    rate: float
    seconds: float
    due: int = 0
    completed: int = 0
    unsent: int = 0
    starved: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    elapsed_s: float = 0.0

    def figures(self, errors: int) -> dict[str, Any]:
        return {
            "rate": self.rate,
            "due": self.due,
            "completed": self.completed,
            "unsent": self.unsent,
            "pickers_without_work": self.starved,
            "errors": errors,
            "steps_per_s": round(self.completed / max(self.elapsed_s, 1e-9), 1),
            "p50_ms": round(percentile(self.latencies_ms, 50), 1),
            "p99_ms": round(percentile(self.latencies_ms, 99), 1),
            "max_ms": round(max(self.latencies_ms, default=0.0), 1),
        }


async def run_phase(
    pickers: list[Picker],
    *,
    rate: float,
    seconds: float,
    grace_s: float = 3.0,
    act: Callable[[Picker], Awaitable[bool]] | None = None,
) -> PhaseResult:
    """Drive every picker's steps (or ``act``: a whole line) at ``rate`` per second (in total) for ``seconds``."""
    action = act or Picker.step
    loop = asyncio.get_running_loop()
    result = PhaseResult(rate, seconds)
    count = len(pickers)
    start = loop.time() + 0.1
    end = start + seconds
    last_done = start

    async def drive(index: int, picker: Picker) -> None:
        nonlocal last_done
        for k in itertools.count():
            due = start + (index + k * count) / rate
            if due >= end:
                return
            result.due += 1
            now = loop.time()
            if due > now:
                await asyncio.sleep(due - now)
            elif now > end + grace_s:
                result.unsent += 1
                result.latencies_ms.append((now - due) * 1000)
                continue
            if not await action(picker):
                result.starved += 1
                result.unsent += 1
                continue
            last_done = loop.time()
            result.completed += 1
            result.latencies_ms.append((last_done - due) * 1000)

    await asyncio.gather(*(drive(i, p) for i, p in enumerate(pickers)))
    result.elapsed_s = max(last_done, end) - start
    return result
