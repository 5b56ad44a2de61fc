"""The Markdown table of ``bench all``: one row per figure, one column per size of history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Row = tuple[str, Callable[[dict[str, Any]], Any]]


def _get(results: dict[str, Any], run: str, *keys: str) -> Any:
    value: Any = results.get(run, {})
    if "error" in value:
        return "error"
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return "-" if value is None else value


def _pair(results: dict[str, Any], run: str, a: str, b: str, unit: str = "") -> str:
    return f"{_get(results, run, a)} / {_get(results, run, b)}{unit}"


def _scan_rows(report: dict[str, Any]) -> list[Row]:
    rates: list[float] = []
    for size in report["sizes"]:
        for phase in size["results"].get("scan", {}).get("phases", []):
            if phase["rate"] not in rates:
                rates.append(phase["rate"])

    def phase_cell(rate: float) -> Callable[[dict[str, Any]], Any]:
        def cell(results: dict[str, Any]) -> Any:
            phase = next((p for p in results.get("scan", {}).get("phases", []) if p["rate"] == rate), None)
            if phase is None:
                return "-"
            return f"{phase['steps_per_s']} steps/s, p50 {phase['p50_ms']} / p99 {phase['p99_ms']} ms"

        return cell

    return [(f"pick-confirm scan steps at {rate:g}/s arriving", phase_cell(rate)) for rate in rates]


ROWS: list[Row] = [
    ("PostgreSQL ceiling for the same SQL (pgbench tps)", lambda r: _get(r, "scan", "pgbench_tps")),
    ("best scan steps/s ÷ pgbench tps", lambda r: _get(r, "scan", "scan_to_pgbench_ratio")),
    ("ATP p50 / p99 (HTTP)", lambda r: _pair(r, "atp", "atp_p50_ms", "atp_p99_ms", " ms")),
    ("allocated order lines/s, 1 / 8 allocators", lambda r: _pair(r, "allocation", "allocation_lines_per_s_1",
                                                                  "allocation_lines_per_s_8")),
    ("units oversold in the allocation race", lambda r: _get(r, "allocation", "oversold")),
    ("commit-to-WebSocket p50 / p99, 1k clients", lambda r: _pair(r, "fanout_1k", "lat_p50_ms", "lat_p99_ms", " ms")),
    ("commit-to-WebSocket p50 / p99, 5k clients", lambda r: _pair(r, "fanout_5k", "lat_p50_ms", "lat_p99_ms", " ms")),
    ("events lost, 1k / 5k clients", lambda r: f"{_get(r, 'fanout_1k', 'lost')} / {_get(r, 'fanout_5k', 'lost')}"),
    ("server memory per idle WebSocket, 1k / 5k clients (KB)",
     lambda r: f"{_get(r, 'fanout_1k', 'rss_per_conn_kb')} / {_get(r, 'fanout_5k', 'rss_per_conn_kb')}"),
    ("1k clients resume after 200 missed events (s)", lambda r: _get(r, "resume", "resume_all_s")),
    ("500 queued device mutations replayed (s)", lambda r: _get(r, "replay", "device_replay_s")),
]


def markdown(report: dict[str, Any]) -> str:
    """The report as a Markdown table, with the conditions it was measured under."""
    sizes = report["sizes"]
    head = "| figure | " + " | ".join(f"{s['movements']:,} movements" for s in sizes) + " |"
    lines = [head, "|" + " --- |" * (len(sizes) + 1)]
    for label, cell in _scan_rows(report) + ROWS:
        lines.append(f"| {label} | " + " | ".join(str(cell(s["results"])) for s in sizes) + " |")
    dataset = report.get("dataset", {})
    lines.append("")
    lines.append(
        f"{report['server_processes']} server process(es); dataset: {dataset.get('order_lines_seeded', '?')} "
        "allocated order lines seeded through the API, plus what each scenario arranges."
    )
    return "\n".join(lines) + "\n"
