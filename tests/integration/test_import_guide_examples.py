"""The import guide's example files (docs/imports.md) and the README's work as printed: every kind, in the
order the guide gives, into a database of its own; a re-send changes nothing."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from server.app import create_app
from server.imports.kinds import IMPORTERS
from server.settings import Settings
from tests.conftest import auth_headers, new_key
from tests.fresh import fresh_settings

REPO = Path(__file__).resolve().parents[2]
GUIDE = (REPO / "docs" / "imports.md").read_text(encoding="utf-8")
README = (REPO / "README.md").read_text(encoding="utf-8")
MEDIA = {"csv": "text/csv", "json": "application/json"}
Client = AsyncTestClient[Litestar]


def _section(text: str, heading: str) -> str:
    return text.split(f"\n{heading}\n", 1)[1].split("\n#", 1)[0]


def _files(section: str) -> list[tuple[str, str]]:
    """(media type, body) of each CSV or JSON code block, in order."""
    return [(MEDIA[lang], body) for lang, body in re.findall(r"```(csv|json)\n(.*?)```", section, flags=re.S)]


def guide_order() -> list[str]:
    """The kinds in the order the guide says to import them."""
    sentence = GUIDE.split("Import in this order", 1)[1].split(".\n", 1)[0]
    return re.findall(r"`(\w+)`", sentence)


async def _import(client: Client, headers: dict[str, str], kind: str, media: str, body: str) -> dict[str, Any]:
    answer = await client.post(
        f"/api/imports/{kind}",
        content=body.encode(),
        headers=headers | {"Content-Type": media, "Idempotency-Key": new_key()},
    )
    assert answer.status_code == 200, (kind, answer.text)
    report: dict[str, Any] = answer.json()
    assert report["status"] == "applied", (kind, report)
    return report


def _counts(report: dict[str, Any]) -> tuple[int, int, int]:
    return report["created"], report["updated"], report["unchanged"]


def test_the_guide_orders_and_shows_every_kind_and_the_readme_links_each_one() -> None:
    assert sorted(guide_order()) == sorted(IMPORTERS)
    for kind in IMPORTERS:
        assert _files(_section(GUIDE, f"### {kind}")), f"docs/imports.md shows no {kind} file"
        assert f"[{kind}](docs/imports.md#{kind})" in README, f"README.md does not link {kind}'s example"


async def test_every_example_file_imports_as_printed_and_a_resend_changes_nothing(settings: Settings) -> None:
    # a database of its own: the examples' codes look like the demo's, which other tests count
    async with fresh_settings(settings) as fresh, AsyncTestClient(create_app(fresh)) as client:
        headers = await auth_headers(client, "admin")
        examples = [(kind, *file) for kind in guide_order() for file in _files(_section(GUIDE, f"### {kind}"))]
        first = [_counts(await _import(client, headers, *example)) for example in examples]
        # each kind's first file creates its record; the same record again in another format changes nothing
        kinds = [kind for kind, _, _ in examples]
        created = [kind not in kinds[:n] for n, kind in enumerate(kinds)]
        updated = {"badges"}  # a badge goes to a user the users file created
        assert first == [
            (0, 1, 0) if kind in updated else (1, 0, 0) if new else (0, 0, 1)
            for kind, new in zip(kinds, created, strict=True)
        ]
        again = [_counts(await _import(client, headers, *example)) for example in examples]
        assert again == [(0, 0, 1)] * len(examples)

        readme = _files(_section(README, "## Loading your data"))
        assert [media for media, _ in readme] == ["text/csv", "application/json"]
        assert [_counts(await _import(client, headers, "items", *file)) for file in readme] == [(1, 0, 0)] * 2
        assert [_counts(await _import(client, headers, "items", *file)) for file in readme] == [(0, 0, 1)] * 2

        await _the_examples_took_effect(client, headers)


async def _the_examples_took_effect(client: Client, headers: dict[str, str]) -> None:
    history = await client.get("/api/items/SKU-20001/history", headers=headers)
    assert [change["action"] for change in history.json()] == ["created"], history.text
    stock = await client.get("/api/warehouses/WH3/stock?sku=SKU-20001", headers=headers)
    assert stock.status_code == 200, stock.text
    assert [(b["location"], b["lot"], b["on_hand"]) for b in stock.json()["balances"]] == [
        ("WH3-A01-01-1", "L2612A", 120)
    ], stock.text
    login = await client.post("/api/auth/badge", json={"badge": "3001", "pin": "4321"})
    assert login.status_code == 200, login.text
    user = (await client.get("/api/history/user/pat.picker", headers=headers)).json()
    assert [(h["action"], h["source"].split(":")[0]) for h in user] == [("updated", "import"), ("created", "import")]
    assert user[0]["changes"] == {"badge": [None, "3001"], "pin": "changed"}
    assert "4321" not in str(user) and "change-me-please" not in str(user)
