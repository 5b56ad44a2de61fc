"""A confirmed pick line costs at most ten round trips to PostgreSQL, counted as the benchmark counts them."""

from __future__ import annotations

import json
from pathlib import Path

from server.sql_trace import Recorder
from tests.conftest import new_key
from tests.execution_helpers import Client, Sessions, gtin_of
from tests.integration.test_pick_lines import CONFIRM, line, new_picker, released_trip, stocked

MAX_STATEMENTS_PER_LINE = 10


def statements_of(trace: Path, key: str) -> list[str]:
    """The statements of the committed transaction that stored Idempotency-Key ``key``."""
    transactions = [json.loads(row) for row in trace.read_text().splitlines()]
    [found] = [t for t in transactions if any(s.startswith("INSERT INTO idempotency_keys") and key in s for s in t)]
    return list(found)


async def test_a_confirmed_line_takes_at_most_ten_statements_with_begin_and_commit(
    client: Client, db: Sessions, tmp_path: Path
) -> None:
    picker = await new_picker(client)
    items = [await stocked(client, 30) for _ in range(3)]
    _, trip, _ = await released_trip(client, [(sku, 2) for sku, _ in items], picker)
    trace = tmp_path / "trace.jsonl"
    counts = []
    for task in trip:
        body = line(task, await gtin_of(db, task["sku"]))
        key = new_key()
        recorder = Recorder(str(trace))
        recorder.install()
        try:
            headers = picker | {"Idempotency-Key": key}
            response = await client.post(CONFIRM.format(task["id"]), headers=headers, json=body)
        finally:
            recorder.uninstall()
        assert response.status_code == 200, response.text
        statements = statements_of(trace, key)
        counts.append(len(statements) + 2)  # BEGIN and COMMIT are round trips too
        assert counts[-1] <= MAX_STATEMENTS_PER_LINE, "\n".join(s[:160] for s in statements)
    # BEGIN, Idempotency-Key, lock and read, open the item's first staging balance, write and read next,
    # store the answer, COMMIT; the first line also starts the order picking and the last one finishes it
    assert counts[1] <= 7 and max(counts) <= MAX_STATEMENTS_PER_LINE, counts
