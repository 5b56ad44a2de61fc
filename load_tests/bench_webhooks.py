"""Webhooks under load: events delivered per second to 10 subscriptions while commands run, the command
p99 with and without dead receivers beside them, and the delivery p99 from commit.

    python -m load_tests.bench webhooks --json

Under load, commands run as fast as 8 callers can send them, faster than 10 subscriptions can be served
on a small machine, so the delivery delay there includes the backlog; a last, paced phase (4 commands/s)
gives the delivery delay from commit when the subscriptions keep up.

Rounds alternate (in ABBA order) a phase with only healthy subscriptions and one where dead receivers (a
port that accepts and never answers, and one that refuses) are subscribed too, so drift of the machine's
speed hits both alike. The dead receivers' effect is judged by the median of the per-round ratios (command
p99 with dead receivers ÷ without, within one round): a round's ratio cancels the machine's drift, and the
median ignores the odd round that a neighbour's burst of load lands on. The pooled ratio (p99 of all dead
phases ÷ p99 of all healthy ones) is reported beside it. The healthy receiver is a process of its own
(load_tests/webhook_sink.py). The ceiling beside the delivery rate is what the benchmark process alone can
POST to that receiver from as many concurrent senders as there are subscriptions (no server, no database),
measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import uvloop

from load_tests.harness import REPO, backends, free_port, login_headers, percentile, server
from load_tests.profiling import Profile

WAREHOUSE = "WH1"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--subscriptions", type=int, default=10)
    parser.add_argument("--dead", type=int, default=4, help="dead receivers subscribed in the dead phases")
    parser.add_argument("--commands", type=int, default=400, help="commands per phase")
    parser.add_argument("--concurrency", type=int, default=8, help="commands in flight")
    parser.add_argument("--rounds", type=int, default=10, help="an even number keeps the ABBA order balanced")
    parser.add_argument("--paced", type=int, default=60, help="commands at --paced-rate/s for the latency figure")
    parser.add_argument("--paced-rate", type=float, default=4.0)
    parser.add_argument(
        "--profile", type=float, default=0, metavar="SECONDS",
        help="sample the server with py-spy for SECONDS from the start of each phase of the last round",
    )


@contextlib.contextmanager
def sink() -> Iterator[str]:
    """The healthy receiver (load_tests/webhook_sink.py) as a process of its own; yields its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "load_tests.webhook_sink", str(port)], cwd=REPO, stdout=subprocess.PIPE
    )
    try:
        assert process.stdout is not None
        process.stdout.readline()  # "sink ready"
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


async def _records(http: httpx.AsyncClient, sink_url: str, start: int) -> list[list[Any]]:
    answer = await http.get(f"{sink_url}/records?from={start}")
    answer.raise_for_status()
    records: list[list[Any]] = answer.json()
    return records


async def _silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A dead receiver that accepts and never answers: each delivery runs into its timeout."""
    with contextlib.suppress(ConnectionError):
        await reader.read()  # until the sender gives up and closes
    writer.close()


async def _commands(http: httpx.AsyncClient, count: int, concurrency: int) -> list[float]:
    """``count`` location.create commands (each commits one event) from ``concurrency`` callers; latencies in s."""
    prefix = "WB" + secrets.token_hex(3).upper()
    latencies: list[float] = []
    numbers = iter(range(count))

    async def caller() -> None:
        for n in numbers:
            body = {"code": f"{prefix}-{n}", "zone": "BENCH", "kind": "storage"}
            started = time.perf_counter()
            answer = await http.post(
                f"/api/warehouses/{WAREHOUSE}/locations", json=body, headers={"Idempotency-Key": f"{prefix}-{n}"}
            )
            latencies.append(time.perf_counter() - started)
            answer.raise_for_status()

    await asyncio.gather(*(caller() for _ in range(concurrency)))
    return latencies


async def _paced(http: httpx.AsyncClient, count: int, rate: float) -> None:
    """``count`` commands one every ``1 / rate`` seconds: a load the subscriptions keep up with."""
    prefix = "WP" + secrets.token_hex(3).upper()
    for n in range(count):
        started = time.perf_counter()
        body = {"code": f"{prefix}-{n}", "zone": "BENCH", "kind": "storage"}
        answer = await http.post(
            f"/api/warehouses/{WAREHOUSE}/locations", json=body, headers={"Idempotency-Key": f"{prefix}-{n}"}
        )
        answer.raise_for_status()
        await asyncio.sleep(max(0.0, 1 / rate - (time.perf_counter() - started)))  # pacing, not waiting


async def _subscribe(http: httpx.AsyncClient, url: str, *, timeout_s: float = 10.0) -> int:
    answer = await http.post(
        "/api/webhooks/",
        json={"warehouse": WAREHOUSE, "url": url, "timeout_s": timeout_s, "max_attempts": 20},
        headers={"Idempotency-Key": secrets.token_hex(8)},
    )
    answer.raise_for_status()
    return int(answer.json()["subscription"]["id"])


async def _set_active(http: httpx.AsyncClient, ids: list[int], active: bool) -> None:
    for sub_id in ids:
        answer = await http.patch(
            f"/api/webhooks/{sub_id}", json={"active": active}, headers={"Idempotency-Key": secrets.token_hex(8)}
        )
        answer.raise_for_status()


async def _head(http: httpx.AsyncClient) -> int:
    return int((await http.get("/api/realtime/warehouses/WH1/position")).json()["seq"])


async def _caught_up(http: httpx.AsyncClient, ids: list[int], head: int, *, timeout_s: float = 300) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        views = [(await http.get(f"/api/webhooks/{i}")).json() for i in ids]
        if all(v["cursor"] >= head for v in views):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"subscriptions did not catch up to {head}: {[v['cursor'] for v in views]}")
        await asyncio.sleep(0.05)  # polling interval


async def _post_ceiling(url: str, *, senders: int, seconds: float = 2.0) -> float:
    """POSTs per second this process alone gets through to the receiver (the sending side's ceiling)."""
    body = b'{"seq":1,"occurred_at":"2026-01-01T00:00:00Z"}'
    done = 0
    stop = time.perf_counter() + seconds
    async with httpx.AsyncClient(timeout=10) as client:

        async def sender() -> None:
            nonlocal done
            while time.perf_counter() < stop:
                (await client.post(url, content=body)).raise_for_status()
                done += 1

        started = time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(senders)))
        return done / (time.perf_counter() - started)


async def _run(base: str, sink_url: str, args: argparse.Namespace, server_pid: int) -> dict[str, Any]:
    got: list[list[Any]] = []  # [path, seq, arrival, occurred_at] per delivery, from the sink
    silent = await asyncio.start_server(_silent, "127.0.0.1", 0)
    silent_url = f"http://127.0.0.1:{silent.sockets[0].getsockname()[1]}/dead"
    refused_url = f"http://127.0.0.1:{free_port()}/refused"
    headers = login_headers(base, "admin", "floorsync-admin")
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    try:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60, limits=limits) as http:
            healthy = [await _subscribe(http, f"{sink_url}/s{n}") for n in range(args.subscriptions)]
            dead = [
                await _subscribe(http, silent_url if n % 2 == 0 else refused_url, timeout_s=2.0)
                for n in range(args.dead)
            ]
            await _set_active(http, dead, False)
            await _commands(http, 50, args.concurrency)  # warm-up
            await _caught_up(http, healthy, await _head(http))
            phases: dict[str, list[float]] = {"healthy": [], "dead": []}
            rates: list[float] = []
            ceilings: list[float] = []
            round_ratios: dict[int, list[float]] = {50: [], 99: []}  # command pNN dead / healthy within each round
            delays: list[float] = []
            profiles: dict[str, Any] = {}
            for round_no in range(args.rounds):
                # a fresh access token each round: the run outlasts one
                http.headers.update(await asyncio.to_thread(login_headers, base, "admin", "floorsync-admin"))
                # ABBA order: neither kind of phase always comes second
                order = ("healthy", "dead") if round_no % 2 == 0 else ("dead", "healthy")
                round_latencies: dict[str, list[float]] = {}
                for phase in order:
                    await _set_active(http, dead, phase == "dead")
                    start_head = await _head(http)
                    got += await _records(http, sink_url, len(got))
                    before = len(got)
                    started = time.time()
                    spy = Profile(server_pid, args.profile) if args.profile and round_no == args.rounds - 1 else None
                    latencies = await _commands(http, args.commands, args.concurrency)
                    if spy is not None:
                        profiles[phase] = await asyncio.to_thread(spy.summary)
                    phases[phase] += latencies
                    round_latencies[phase] = latencies
                    await _caught_up(http, healthy, await _head(http))
                    got += await _records(http, sink_url, len(got))
                    batch = got[before:]
                    events = [g for g in batch if g[1] > start_head]
                    rates.append(len(events) / max(1e-9, max(g[2] for g in events) - started))
                    # the ceiling right after the phase, so drift of the machine's speed hits both alike
                    ceilings.append(await _post_ceiling(f"{sink_url}/ceiling", senders=args.subscriptions))
                    delays += [g[2] - g[3] for g in events]
                for pct, ratios_of_pct in round_ratios.items():
                    ratios_of_pct.append(
                        percentile(round_latencies["dead"], pct) / percentile(round_latencies["healthy"], pct)
                    )
            await _set_active(http, dead, False)
            # latency from commit at a pace the subscriptions keep up with (no backlog in the figure)
            start_head = await _head(http)
            got += await _records(http, sink_url, len(got))
            before = len(got)
            await _paced(http, args.paced, args.paced_rate)
            await _caught_up(http, healthy, await _head(http))
            got += await _records(http, sink_url, len(got))
            paced = [g[2] - g[3] for g in got[before:] if g[1] > start_head]
    finally:
        silent.close()
    p99_healthy = percentile(phases["healthy"], 99) * 1000
    p99_dead = percentile(phases["dead"], 99) * 1000
    rate = sorted(rates)[len(rates) // 2]
    ratios = sorted(r / c for r, c in zip(rates, ceilings, strict=True) if c)
    return {
        "subscriptions": args.subscriptions,
        "dead_receivers": args.dead,
        "commands_per_phase": args.commands,
        "rounds": args.rounds,
        "delivered_events_per_s": round(rate, 1),
        "post_ceiling_per_s": round(sorted(ceilings)[len(ceilings) // 2], 1),
        "delivered_to_ceiling_ratio": round(ratios[len(ratios) // 2], 3) if ratios else None,
        "command_p50_ms_healthy": round(percentile(phases["healthy"], 50) * 1000, 1),
        "command_p99_ms_healthy": round(p99_healthy, 1),
        "command_p50_ms_dead": round(percentile(phases["dead"], 50) * 1000, 1),
        "command_p99_ms_dead": round(p99_dead, 1),
        "command_p99_dead_to_healthy_median_of_rounds": round(statistics.median(round_ratios[99]), 3),
        "command_p99_dead_to_healthy_pooled": round(p99_dead / p99_healthy, 3) if p99_healthy else None,
        "command_p99_dead_to_healthy_per_round": [round(r, 3) for r in round_ratios[99]],
        "command_p50_dead_to_healthy_median_of_rounds": round(statistics.median(round_ratios[50]), 3),
        "delivery_p50_ms_from_commit_under_load": round(percentile(delays, 50) * 1000, 1),
        "delivery_p99_ms_from_commit_under_load": round(percentile(delays, 99) * 1000, 1),
        "paced_commands_per_s": args.paced_rate,
        "delivery_p50_ms_from_commit_paced": round(percentile(paced, 50) * 1000, 1),
        "delivery_p99_ms_from_commit_paced": round(percentile(paced, 99) * 1000, 1),
        "deliveries": len(got),
        **({"profile": profiles} if profiles else {}),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    with backends() as found, server(found) as srv, sink() as sink_url:
        return uvloop.run(_run(srv.url, sink_url, args, srv.process.pid))
