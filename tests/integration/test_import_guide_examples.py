"""The items file example in the import guide works as printed, as CSV and as JSON."""

from __future__ import annotations

import re
from pathlib import Path

from litestar.testing import AsyncTestClient

from server.app import create_app
from server.settings import Settings
from tests.conftest import auth_headers, new_key
from tests.fresh import fresh_settings

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "imports.md"


def _blocks(language: str) -> list[str]:
    """The ``language`` code blocks of the guide's items section."""
    items = GUIDE.read_text(encoding="utf-8").split("### items", 1)[1].split("\n### ", 1)[0]
    return re.findall(rf"```{language}\n(.*?)```", items, flags=re.S)


async def test_the_guides_items_file_imports_as_csv_and_as_json(settings: Settings) -> None:
    # a database of its own: the example's SKU looks like the demo's, which other tests count
    async with fresh_settings(settings) as fresh, AsyncTestClient(create_app(fresh)) as client:
        headers = await auth_headers(client, "admin")
        [csv] = _blocks("csv")
        [json] = _blocks("json")
        reports = []
        for body, media in ((csv, "text/csv"), (json, "application/json")):
            answer = await client.post(
                "/api/imports/items",
                content=body.encode(),
                headers=headers | {"Content-Type": media, "Idempotency-Key": new_key()},
            )
            assert answer.status_code == 200, answer.text
            reports.append(answer.json())
        assert [(r["status"], r["created"], r["unchanged"]) for r in reports] == [("applied", 1, 0), ("applied", 0, 1)]
        history = await client.get("/api/items/SKU-20001/history", headers=headers)
        assert history.status_code == 200, history.text
        assert [change["action"] for change in history.json()] == ["created"], history.text
