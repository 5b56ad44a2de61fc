"""One device's offline queue: time to replay N queued mutations (applied once each), and to replay
them again (answered from the stored results).

    python -m load_tests.bench replay --mutations 500 --json
"""

from __future__ import annotations

import argparse
import secrets
import time
from typing import Any

import httpx

from load_tests.harness import backends, login_headers, server


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mutations", type=int, default=500)


def _measure(base: str, count: int) -> dict[str, Any]:
    headers = login_headers(base, "super1", "floorsync-super")
    with httpx.Client(base_url=base, headers=headers, timeout=120) as http:
        registered = http.post("/api/devices/", json={"name": "bench-handheld"})
        registered.raise_for_status()
        device = registered.json()["device"]["id"]
        http.headers["Authorization"] = f"Bearer {registered.json()['tokens']['access_token']}"
        prefix = "RP" + secrets.token_hex(3).upper()
        queue = [
            {
                "mutation_id": n,
                "kind": "location.create",
                "payload": {"warehouse": "WH1", "code": f"{prefix}-{n}", "zone": "BENCH", "kind": "storage"},
            }
            for n in range(1, count + 1)
        ]
        started = time.perf_counter()
        first = http.post(f"/api/devices/{device}/mutations", json=queue)
        replay_s = time.perf_counter() - started
        first.raise_for_status()
        started = time.perf_counter()
        again = http.post(f"/api/devices/{device}/mutations", json=queue)
        rereplay_s = time.perf_counter() - started
        again.raise_for_status()
    applied = sum(1 for r in first.json()["results"] if r["outcome"] == "applied")
    replayed = sum(1 for r in again.json()["results"] if r.get("replayed"))
    return {
        "mutations": count,
        "applied": applied,
        "device_replay_s": round(replay_s, 3),
        "replayed_from_store": replayed,
        "device_rereplay_s": round(rereplay_s, 3),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    with backends() as found, server(found) as srv:
        return _measure(srv.url, args.mutations)
