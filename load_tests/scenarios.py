"""Every benchmark scenario by name; each module has ``add_arguments(parser)`` and ``run(args) -> dict``.

``python -m load_tests.bench NAME`` runs ``SCENARIOS[NAME]`` (and ``all``, which runs several of them).
"""

from __future__ import annotations

from types import ModuleType

from load_tests import (
    bench_allocation,
    bench_atp,
    bench_fanout,
    bench_import,
    bench_replay,
    bench_resume,
    bench_scan,
    bench_webhooks,
)

SCENARIOS: dict[str, ModuleType] = {
    "allocation": bench_allocation,
    "atp": bench_atp,
    "fanout": bench_fanout,
    "import": bench_import,
    "replay": bench_replay,
    "resume": bench_resume,
    "scan": bench_scan,
    "webhooks": bench_webhooks,
}
