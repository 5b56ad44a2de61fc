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
    bad = tmp_path / "suppliers.csv"
    bad.write_text("code,name,lead_time_days\nX1,Dairy,-1\n")
    status, out = await _floorsync(seeded, "import", "suppliers", str(bad))
    assert status == 1
    assert json.loads(out)["errors"][0] == {
        "row": 1,
        "field": "lead_time_days",
        "code": "import.negative",
        "message": "lead_time_days: must be zero or more, got -1",
    }
