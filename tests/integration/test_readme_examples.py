"""The import examples in the README work as printed."""

from __future__ import annotations

import re
from pathlib import Path

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import auth_headers, new_key

README = Path(__file__).resolve().parents[2] / "README.md"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


async def test_the_readmes_items_file_imports_as_csv_and_as_json(client: AsyncTestClient[Litestar]) -> None:
    headers = await auth_headers(client, "admin")
    [csv] = _blocks("csv")
    [json] = _blocks("json")
    for body, media in ((csv, "text/csv"), (json, "application/json")):
        answer = await client.post(
            "/api/imports/items",
            content=body.encode(),
            headers=headers | {"Content-Type": media, "Idempotency-Key": new_key()},
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "applied", answer.text
    history = await client.get("/api/items/SKU-20001/history", headers=headers)
    assert history.status_code == 200, history.text
