"""The Markdown table of ``bench all``: one row per figure, one column per size of history.

    python -m load_tests.report --readme docs/figures.json

``bench all`` writes the table beside its JSON (report.md). With ``--readme``, the table of a checked-in
``bench all`` JSON, followed by the table of the scenarios that run alone (``bench import`` and ``bench
webhooks``, checked in beside it as figures-import.json and figures-webhooks.json), replaces the text
between README.md's figures markers; a unit test fails when README.md's tables are not the rendering of
those files, so the README never shows hand-copied figures.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

Row = tuple[str, Callable[[dict[str, Any]], Any]]

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
FIGURES = REPO / "docs" / "figures.json"
ALONE = {"import": "figures-import.json", "webhooks": "figures-webhooks.json"}  # beside docs/figures.json
START = "<!-- figures: generated from docs/figures*.json: `python -m load_tests.report --readme docs/figures.json` -->"
END = "<!-- /figures -->"


def _number(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1000:
        value = int(value)
    return f"{value:,}" if isinstance(value, int | float) and not isinstance(value, bool) else value


def _get(results: dict[str, Any], run: str, *keys: str) -> Any:
    value: Any = results.get(run, {})
    if "error" in value:
        return "failed"
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return "-" if value is None else _number(value)


def _pair(results: dict[str, Any], run: str, a: str, b: str, unit: str = "") -> str:
    if "error" in results.get(run, {}):
        return "failed"
    return f"{_get(results, run, a)} / {_get(results, run, b)}{unit}"


def _phases(results: dict[str, Any], key: str) -> str:
    phases = results.get("scan", {}).get("phases", [])
    return " / ".join(str(_number(phase[key])) for phase in phases) or _get(results, "scan")


def _scan_rates(report: dict[str, Any]) -> str:
    rates = [p["rate"] for size in report["sizes"] for p in size["results"].get("scan", {}).get("phases", [])]
    return " / ".join(f"{rate:,g}" for rate in dict.fromkeys(rates)) or "the scenario's"


def _scan_ceiling(results: dict[str, Any]) -> str:
    best, ratio = _get(results, "scan", "scan_best_steps_per_s"), _get(results, "scan", "scan_to_pgbench_ratio")
    return f"{best} ÷ {_get(results, 'scan', 'pgbench_tps')} = **{ratio}**"


def _fanout(results: dict[str, Any], run: str) -> str:
    if "error" in results.get(run, {}):
        return "failed"
    return _pair(results, run, "lat_p50_ms", "lat_p99_ms", " ms") + f"; {_get(results, run, 'lost')} lost"


def _rows(report: dict[str, Any]) -> list[Row]:
    rates = _scan_rates(report)
    return [
        ("pick-confirm scan steps/s (best phase) ÷ PostgreSQL's own ceiling for the same SQL (pgbench tps, "
         "same run)", _scan_ceiling),
        (f"scan steps completed/s at {rates} arriving per s (64 pickers, open loop)",
         lambda r: _phases(r, "steps_per_s")),
        (f"scan step p99 (ms) at {rates} arriving per s", lambda r: _phases(r, "p99_ms")),
        ("ATP p50 / p99 over HTTP", lambda r: _pair(r, "atp", "atp_p50_ms", "atp_p99_ms", " ms")),
        ("allocated order lines/s (20-line orders), 1 / 8 concurrent allocators; units oversold in a race",
         lambda r: _pair(r, "allocation", "allocation_lines_per_s_1", "allocation_lines_per_s_8")
         + f"; {_get(r, 'allocation', 'oversold')}"),
        ("commit-to-WebSocket p50 / p99, 1,000 clients at 200 events/s; lost", lambda r: _fanout(r, "fanout_1k")),
        ("commit-to-WebSocket p50 / p99, 5,000 clients at 100 events/s; lost", lambda r: _fanout(r, "fanout_5k")),
        ("server memory per idle WebSocket, 1,000 / 5,000 clients (KB)",
         lambda r: f"{_get(r, 'fanout_1k', 'rss_per_conn_kb')} / {_get(r, 'fanout_5k', 'rss_per_conn_kb')}"),
        ("1,000 clients resume after 200 missed events (s)", lambda r: _get(r, "resume", "resume_all_s")),
        ("one device's 500 queued mutations replayed (s)", lambda r: _get(r, "replay", "device_replay_s")),
    ]


def markdown(report: dict[str, Any]) -> str:
    """The report as a Markdown table, with the conditions it was measured under."""
    sizes = report["sizes"]
    head = "| what it measures | " + " | ".join(f"{s['movements']:,} movements in history" for s in sizes) + " |"
    lines = [head, "|" + " --- |" * (len(sizes) + 1)]
    for label, cell in _rows(report):
        lines.append(f"| {label} | " + " | ".join(str(cell(s["results"])) for s in sizes) + " |")
    dataset = report.get("dataset", {})
    workers = report.get("workers_per_server", 1)
    lines.append("")
    lines.append(
        f"{report['server_processes']} server process(es) of {workers} worker(s); dataset: "
        f"{_number(dataset.get('order_lines_seeded', '?'))} allocated order lines seeded through the API, "
        "plus what each scenario arranges."
    )
    failed = [
        f"- `{name}` at {size['movements']:,} movements failed: {_first_line(outcome['error'])}"
        for size in sizes
        for name, outcome in size["results"].items()
        if "error" in outcome
    ]
    lines.extend(["", *failed] if failed else [])
    return "\n".join(lines) + "\n"


def _alone_rows(runs: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    if imported := runs.get("import"):
        items, stock = imported["items"], imported["opening_stock"]
        rows.append((
            f"importing {_number(items['rows'])} items / {_number(stock['rows'])} opening-stock lines (CSV): time "
            f"(PostgreSQL alone COPYing the stock file); server peak memory (idle: "
            f"{imported['server_idle_rss_mb']:,.0f} MB)",
            f"{items['seconds']:,.0f} / {stock['seconds']:,.0f} s ({imported['ceiling']['seconds']:,.1f} s); "
            f"{items['server_peak_rss_mb']:,.0f} / {stock['server_peak_rss_mb']:,.0f} MB",
        ))
    if hooks := runs.get("webhooks"):
        rows += [
            (f"webhook deliveries/s to {hooks['subscriptions']} subscriptions while commands run ÷ what the bench "
             "alone can POST to the same receiver",
             f"{_number(hooks['delivered_events_per_s'])} ÷ {_number(hooks['post_ceiling_per_s'])} = "
             f"**{hooks['delivered_to_ceiling_ratio']}**"),
            (f"command p99 with {hooks['dead_receivers']} dead receivers ÷ without: median of {hooks['rounds']} ABBA "
             f"rounds of {_number(hooks['commands_per_phase'])} commands a phase; all rounds pooled",
             f"**{hooks['command_p99_dead_to_healthy_median_of_rounds']}**; "
             f"{hooks['command_p99_dead_to_healthy_pooled']}"),
            (f"webhook delivery p50 / p99 from commit at {hooks['paced_commands_per_s']:g} commands/s",
             f"{_number(hooks['delivery_p50_ms_from_commit_paced'])} / "
             f"{_number(hooks['delivery_p99_ms_from_commit_paced'])} ms"),
        ]
    return rows


def alone_markdown(runs: dict[str, dict[str, Any]]) -> str:
    """The scenarios that run alone, as a two-column table ("" without any)."""
    rows = _alone_rows(runs)
    if not rows:
        return ""
    lines = ["| run alone, once each: `python -m load_tests.bench import` / `webhooks` | figure |", "| --- | --- |"]
    return "\n".join([*lines, *(f"| {label} | {cell} |" for label, cell in rows)]) + "\n"


def alone_runs(figures: Path) -> dict[str, dict[str, Any]]:
    """The checked-in runs of the scenarios that run alone, found beside ``figures``."""
    paths = {name: figures.with_name(file) for name, file in ALONE.items()}
    return {name: json.loads(path.read_text(encoding="utf-8")) for name, path in paths.items() if path.exists()}


def _first_line(error: str) -> str:
    return error.split(" (see ")[0].splitlines()[0]


def with_table(readme: str, report: dict[str, Any], alone: dict[str, dict[str, Any]] | None = None) -> str:
    """``readme`` with the text between its figures markers replaced by the report's table and, when
    given, the table of the scenarios that run alone."""
    head, found, rest = readme.partition(START + "\n")
    _, found_end, tail = rest.partition(END)
    if not (found and found_end):
        raise ValueError(f"README.md lacks the figures markers {START!r} ... {END!r}")
    tables = markdown(report) + ("\n" + alone_markdown(alone) if alone else "")
    return head + START + "\n" + tables + END + tail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m load_tests.report", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--readme", type=Path, required=True, metavar="REPORT_JSON",
                        help="a `bench all --json` report whose table goes into README.md")
    args = parser.parse_args(argv)
    report, alone = json.loads(args.readme.read_text(encoding="utf-8")), alone_runs(args.readme)
    README.write_text(with_table(README.read_text(encoding="utf-8"), report, alone), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
