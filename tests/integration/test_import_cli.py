"""``floorsync import <kind> FILE``: the API's import from a file on disk."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sys
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.settings import Settings


async def _floorsync(settings: Settings, *args: str) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOORSYNC_")}
    env |= {
        "FLOORSYNC_DATABASE_URL": settings.database_url or "",
        "FLOORSYNC_REDIS_URL": settings.redis_url or "",
        "FLOORSYNC_SECRET_KEY": settings.secret_key,
        "FLOORSYNC_LOG_LEVEL": "WARNING",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "server.cli",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    return int(process.returncode or 0), out.decode()


async def test_the_cli_imports_a_json_file_and_refuses_a_bad_one(
    seeded: Settings, db: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    code = "C" + secrets.token_hex(3).upper()
    good = tmp_path / "suppliers.json"
    good.write_text(json.dumps([{"code": code, "name": "Dairy Co", "lead_time_days": 2}]))
    status, out = await _floorsync(seeded, "import", "suppliers", str(good), "--user", "erp-sync")
    assert status == 0, out
    assert json.loads(out)["created"] == 1
    async with db() as session:
        by = await session.scalar(
            text("SELECT changed_by FROM master_data_history WHERE entity = 'supplier' AND entity_key = :c"),
            {"c": code},
        )
    assert by == "erp-sync"
    bad = tmp_path / "bad-suppliers.csv"
    bad.write_text("code,name,lead_time_days\nX1,Dairy,-1\n")
    status, out = await _floorsync(seeded, "import", "suppliers", str(bad))
    assert status == 1
    assert json.loads(out)["errors"][0] == {
        "row": 1,
        "field": "lead_time_days",
        "code": "import.negative",
        "message": "lead_time_days: must be zero or more, got -1",
    }


async def test_the_cli_imports_a_csv_file_checks_it_dry_and_a_resend_changes_nothing(
    seeded: Settings, db: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    codes = ["C" + secrets.token_hex(3).upper() for _ in range(2)]
    good = tmp_path / "suppliers.csv"
    rows = "".join(f"{code},Supplier {code},EUR,{n}\n" for n, code in enumerate(codes))
    good.write_text("code,name,currency,lead_time_days\n" + rows)

    async def stored() -> list[tuple[str, int]]:
        async with db() as session:
            rows = await session.execute(
                text("SELECT code, lead_time_days FROM suppliers WHERE code = ANY(:c) ORDER BY code"), {"c": codes}
            )
        return [(r[0], r[1]) for r in rows]

    status, out = await _floorsync(seeded, "import", "suppliers", str(good), "--dry-run")
    assert status == 0, out
    assert (json.loads(out)["status"], json.loads(out)["created"]) == ("dry_run", 2)
    assert await stored() == [], "a dry run writes nothing"
    status, out = await _floorsync(seeded, "import", "suppliers", str(good))
    assert status == 0, out
    assert (json.loads(out)["status"], json.loads(out)["created"], json.loads(out)["rows_read"]) == ("applied", 2, 2)
    assert await stored() == sorted(zip(codes, [0, 1], strict=True))
    status, out = await _floorsync(seeded, "import", "suppliers", str(good))
    assert status == 0, out
    assert (json.loads(out)["created"], json.loads(out)["updated"], json.loads(out)["unchanged"]) == (0, 0, 2)
