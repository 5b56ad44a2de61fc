"""Benchmarks that print one JSON object on their last line.

    python -m load_tests.bench <scenario> [options] --json

Each scenario lives in ``load_tests/bench_<scenario>.py``, is listed in ``load_tests/scenarios.py`` and
exposes ``add_arguments(parser)`` and ``run(args) -> dict``.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import sys

from load_tests import bench_all, harness
from load_tests.scenarios import SCENARIOS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m load_tests.bench", description=__doc__)
    sub = parser.add_subparsers(dest="scenario", required=True)
    modules = {**SCENARIOS, "all": bench_all}
    for name, module in sorted(modules.items()):
        scenario = sub.add_parser(name, help=(module.__doc__ or "").strip().splitlines()[0])
        scenario.add_argument("--json", action="store_true", help="print the figures as one JSON object")
        scenario.add_argument(
            "--workers", type=int, default=1, help="worker processes per server (floorsync serve --workers)"
        )
        module.add_arguments(scenario)
    args = parser.parse_args(argv)
    harness.WORKERS = args.workers
    result = modules[args.scenario].run(args)
    if inspect.iscoroutine(result):
        result = asyncio.run(result)
    if isinstance(result, dict):
        result["workers_per_server"] = args.workers
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
