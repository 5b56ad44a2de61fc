"""``floorsync import <kind> FILE``: the same import as the API, read from a file on disk."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from domain.errors import DomainError
from server.imports.service import error_view, run_import
from server.settings import Settings

CHUNK = 1 << 20
FORMATS = {".csv": "text/csv", ".json": "application/json"}


async def _chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as file:
        while chunk := await asyncio.to_thread(file.read, CHUNK):
            yield chunk


async def import_file(settings: Settings, kind: str, path: Path, *, dry_run: bool, user: str) -> int:
    """Import ``path``; prints the report as JSON; 0 when applied (or a clean dry run), 1 when refused."""
    from server.db import make_engine

    content_type = FORMATS.get(path.suffix.lower())
    if content_type is None:
        print(f"floorsync: name the file .csv or .json, not {path.name}", file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url or "", pool_size=2)
    try:
        outcome = await run_import(engine, kind, _chunks(path), content_type=content_type, dry_run=dry_run, user=user)
    except DomainError as exc:
        print(json.dumps({"code": exc.code, "detail": exc.message}), file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
    report = {k: v for k, v in vars(outcome).items() if k != "errors"}
    print(json.dumps(report | {"errors": [error_view(e) for e in outcome.errors]}, indent=2))
    return 1 if outcome.status == "rejected" else 0
