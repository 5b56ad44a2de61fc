"""A scripted handheld session against a running server.

    python -m scanners --url http://127.0.0.1:8000 --badge 1001 --pin 1234 --device RF-07 \\
        --subscribe my-tasks:WH1 --script session.json

A script is a JSON list of steps, run in order:

    {"do": "subscribe", "topic": "board:WH1", "skus": [...]}   (from the warehouse's position now)
    {"do": "offline"} / {"do": "online"}                        (online replays the queue in order)
    {"do": "mutate", "kind": "pick.confirm", "payload": {...}}  (queued; sent at once when online)
    {"do": "wait", "topic": "board:WH1", "events": 3}           (until that many events arrived)

Without ``--script`` it subscribes and prints events until interrupted. Every event and every answer
is printed as one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from pathlib import Path
from typing import Any

from scanners.client import Handheld
from scanners.feed import LiveFeed


def _print(kind: str, **fields: Any) -> None:
    print(json.dumps({"kind": kind, **fields}), flush=True)


async def _step(device: Handheld, feed: LiveFeed, step: dict[str, Any]) -> None:
    action = step.get("do")
    if action == "subscribe":
        warehouse = step["topic"].partition(":")[2]
        await feed.subscribe(step["topic"], skus=step.get("skus"), position=await device.position(warehouse))
    elif action == "offline":
        device.go_offline()
        _print("offline")
    elif action == "online":
        for answer in await device.come_back():
            _print("answer", **answer)
    elif action == "mutate":
        mutation_id = await device.mutate(step["kind"], step.get("payload", {}))
        _print("queued" if not device.online else "sent", mutation_id=mutation_id,
               answer=device.results.get(mutation_id))
    elif action == "wait":
        topic, count = step["topic"], int(step["events"])
        await feed.wait_for(lambda f: len(f.topics.get(topic, _EMPTY).events) >= count,
                            timeout_s=float(step.get("timeout_s", 30)))
    else:
        raise SystemExit(f"unknown step {step!r}")


class _Empty:
    events: list[Any] = []


_EMPTY: Any = _Empty()


async def _run(args: argparse.Namespace) -> int:
    device = Handheld(args.url, queue_path=Path(args.queue) if args.queue else None)
    try:
        if args.badge:
            user = await device.badge_login(args.badge, args.pin or "")
        else:
            user = await device.login(args.user, args.password or "")
        _print("login", user=user)
        if device.device_id is None:
            await device.register(args.device)
        _print("device", device_id=device.device_id, next_mutation_id=device.next_mutation_id)
        feed = await device.connect(on_event=lambda topic, event: _print("event", topic=topic, event=event))
        for topic in args.subscribe or []:
            await _step(device, feed, {"do": "subscribe", "topic": topic})
        if args.steps is not None:
            for step in args.steps:
                await _step(device, feed, step)
        else:
            await feed.wait_for(lambda f: f.closed, timeout_s=10**9)
        for message in feed.messages:
            if message.get("op") in ("reset", "error"):
                _print(message["op"], **message)
        await feed.close()
        return 0
    finally:
        await device.close()


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m scanners``."""
    parser = argparse.ArgumentParser(prog="python -m scanners", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--badge")
    parser.add_argument("--pin")
    parser.add_argument("--device", default="python-handheld")
    parser.add_argument("--queue", help="file keeping the offline queue across runs")
    parser.add_argument("--subscribe", action="append", help="topic to follow, e.g. my-tasks:WH1")
    parser.add_argument("--script", help="JSON list of steps")
    args = parser.parse_args(argv)
    if not args.badge and not args.user:
        parser.error("give --badge and --pin, or --user and --password")
    args.steps = json.loads(Path(args.script).read_text()) if args.script else None
    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(_run(args))
    return 130


if __name__ == "__main__":
    sys.exit(main())
