"""Running one import: stream the file, validate each row, COPY the valid ones into a staging table,
check references, apply set-based, all in one transaction: every row or none. Progress is written to
``import_runs`` on a separate connection, so it can be read while the file streams in."""

from __future__ import annotations

import itertools
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import msgspec
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.errors import DomainError, NotFound
from domain.imports import RowError, validate_row
from server.imports.kinds import IMPORTERS, Importer
from server.imports.reading import batches
from server.imports.staging import STAGE, Context, copy_rows, counts, create_stage, duplicate_keys

log = logging.getLogger("floorsync.imports")

MAX_ERRORS_LISTED = 1000  # the rest are counted: a file wrong throughout stays a bounded answer
PROGRESS_EVERY_S = 0.5


@dataclass
class Outcome:
    id: str
    kind: str
    dry_run: bool
    status: str = "running"  # running | applied | dry_run | rejected | failed
    rows_read: int = 0
    rows_applied: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors_total: int = 0
    errors: list[RowError] = field(default_factory=list)

    def add_errors(self, found: list[RowError]) -> None:
        self.errors_total += len(found)
        room = MAX_ERRORS_LISTED - len(self.errors)
        if room > 0:
            self.errors.extend(found[:room])


def error_view(error: RowError) -> dict[str, Any]:
    """A row error as the API and ``import_runs`` show it."""
    return {"row": error.row, "field": error.field, "code": error.code, "message": error.message}


BeforeCommit = Callable[[asyncpg.Connection, Outcome], Awaitable[None]]


def importer_for(kind: str) -> Importer:
    """The importer of ``kind``, or 404 ``import.kind_unknown`` listing the kinds there are."""
    if kind not in IMPORTERS:
        raise NotFound("import.kind_unknown", f"Import one of: {', '.join(IMPORTERS)}.", kind=kind[:64])
    return IMPORTERS[kind]


class _Progress:
    """The run's row in ``import_runs``, written in autocommit so readers see it at once."""

    def __init__(self, engine: AsyncEngine, outcome: Outcome) -> None:
        self.engine = engine
        self.outcome = outcome
        self.last = 0.0

    async def _write(self, sql: str, *args: Any) -> None:
        async with self.engine.connect() as sa_conn:
            raw: Any = (await sa_conn.get_raw_connection()).driver_connection
            await raw.execute(sql, *args)

    async def start(self, user: str) -> None:
        o = self.outcome
        await self._write(
            "INSERT INTO import_runs (id, kind, status, dry_run, started_by, rows_read, rows_applied, created, updated,"
            " unchanged, errors_total, errors) VALUES ($1, $2, 'running', $3, $4, 0, 0, 0, 0, 0, 0, '[]')",
            uuid.UUID(o.id),
            o.kind,
            o.dry_run,
            user,
        )
        self.last = 0.0  # the first batch shows at once

    async def tick(self, *, force: bool = False) -> None:
        if force or time.monotonic() - self.last >= PROGRESS_EVERY_S:
            self.last = time.monotonic()
            await self._write(
                "UPDATE import_runs SET rows_read = $2, errors_total = $3 WHERE id = $1",
                uuid.UUID(self.outcome.id),
                self.outcome.rows_read,
                self.outcome.errors_total,
            )

    async def finish(self) -> None:
        o = self.outcome
        await self._write(
            "UPDATE import_runs SET status = $2, rows_read = $3, rows_applied = $4, created = $5, updated = $6,"
            " unchanged = $7, errors_total = $8, errors = $9::jsonb, finished_at = now() WHERE id = $1",
            uuid.UUID(o.id),
            o.status,
            o.rows_read,
            o.rows_applied,
            o.created,
            o.updated,
            o.unchanged,
            o.errors_total,
            msgspec.json.encode([error_view(e) for e in o.errors]).decode(),
        )


async def _load(
    conn: asyncpg.Connection,
    importer: Importer,
    chunks: AsyncIterator[bytes],
    *,
    content_type: str,
    outcome: Outcome,
    progress: _Progress,
) -> int:
    """Validate and COPY every row; returns how many rows were valid."""
    spec = importer.spec
    names = [f.name for f in spec.fields]
    valid = 0
    async for batch in batches(chunks, content_type):
        records = []
        for row_no, raw in batch:
            values, errors = validate_row(spec, row_no, raw)
            if values is None:
                outcome.add_errors(errors)
            else:
                records.append((row_no, *values))
        outcome.rows_read += len(batch)
        valid += len(records)
        await copy_rows(conn, names, records)
        await progress.tick()
    await progress.tick(force=True)  # every row read: what remains is checking and applying
    # the checks and upserts look rows up by key (other rows of the file, the table's rows)
    await conn.execute(f"CREATE INDEX ON {STAGE} ({', '.join(spec.key)})")
    await conn.execute(f"ANALYZE {STAGE}")
    return valid


async def run_import(
    engine: AsyncEngine,
    kind: str,
    chunks: AsyncIterator[bytes],
    *,
    content_type: str,
    dry_run: bool,
    user: str,
    before_commit: BeforeCommit | None = None,
) -> Outcome:
    """Import one file of ``kind`` all-or-nothing; a dry run (or a file with errors) writes nothing."""
    importer = importer_for(kind)
    outcome = Outcome(str(uuid.uuid4()), kind, dry_run)
    progress = _Progress(engine, outcome)
    await progress.start(user)
    ctx = Context(outcome.id, user)
    try:
        async with engine.connect() as sa_conn:
            conn: Any = (await sa_conn.get_raw_connection()).driver_connection
            async with conn.transaction():
                marks = [time.monotonic()]
                await create_stage(conn, importer.columns)
                valid = await _load(
                    conn, importer, chunks, content_type=content_type, outcome=outcome, progress=progress
                )
                marks.append(time.monotonic())
                outcome.add_errors(await duplicate_keys(conn, importer.spec.key))
                outcome.add_errors(await importer.check(conn, ctx))
                marks.append(time.monotonic())
                if not outcome.errors_total:
                    applied = await importer.apply(conn, ctx)
                    outcome.created, outcome.updated = applied if applied is not None else await counts(conn)
                    outcome.unchanged = valid - outcome.created - outcome.updated
                marks.append(time.monotonic())
                log.info(
                    "import %s of %s: %d rows, read %.1fs, checks %.1fs, apply %.1fs",
                    outcome.id,
                    kind,
                    outcome.rows_read,
                    *(b - a for a, b in itertools.pairwise(marks)),
                )
                outcome.errors.sort(key=lambda e: (e.row, e.field))
                if outcome.errors_total or dry_run:
                    outcome.status = "rejected" if outcome.errors_total else "dry_run"
                    raise _RollBack
                outcome.status = "applied"
                outcome.rows_applied = valid
                if before_commit is not None:
                    await before_commit(conn, outcome)
    except _RollBack:
        pass
    except DomainError as exc:
        outcome.status = "rejected"
        outcome.add_errors([RowError(outcome.rows_read, "", exc.code, exc.message)])
        await progress.finish()
        raise
    except BaseException:
        outcome.status = "failed"
        await progress.finish()
        raise
    await progress.finish()
    return outcome


class _RollBack(Exception):
    """Leaves the transaction block so that it rolls back: a dry run or a refused file."""
