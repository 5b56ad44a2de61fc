"""README.md's figures tables are the rendering of one checked-in ``bench all`` run (docs/figures.json) and
of one run each of the scenarios that run alone (docs/figures-import.json, docs/figures-webhooks.json)."""

from __future__ import annotations

import json

import pytest

from load_tests import report
from load_tests.bench_all import RUNS


def test_the_readme_figures_table_is_the_rendering_of_docs_figures_json() -> None:
    figures = json.loads(report.FIGURES.read_text(encoding="utf-8"))
    readme = report.README.read_text(encoding="utf-8")
    assert readme == report.with_table(readme, figures, report.alone_runs(report.FIGURES)), (
        "README.md's figures table is stale: run `python -m load_tests.report --readme docs/figures.json`"
    )


def test_the_table_comes_from_one_run_of_every_scenario_at_both_sizes_of_history() -> None:
    figures = json.loads(report.FIGURES.read_text(encoding="utf-8"))
    assert figures["scenario"] == "all"
    assert len(figures["sizes"]) == 2
    for size in figures["sizes"]:
        assert {name for _, name, _ in RUNS} <= set(size["results"])


def test_the_import_figures_come_from_the_full_sized_files_and_the_webhook_ratio_from_enough_rounds() -> None:
    alone = report.alone_runs(report.FIGURES)
    assert set(alone) == {"import", "webhooks"}
    imported = alone["import"]
    assert (imported["items"]["rows"], imported["opening_stock"]["rows"]) == (100_000, 1_000_000)
    assert imported["items"]["created"] == 100_000 and imported["opening_stock"]["created"] == 1_000_000
    hooks = alone["webhooks"]
    assert hooks["rounds"] >= 8 and hooks["rounds"] % 2 == 0, "ABBA rounds, enough for a median"
    assert len(hooks["command_p99_dead_to_healthy_per_round"]) == hooks["rounds"]


def test_a_readme_without_the_markers_is_refused() -> None:
    with pytest.raises(ValueError, match="figures markers"):
        report.with_table("# no table here\n", {"sizes": []})

