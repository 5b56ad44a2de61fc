"""The exceptions queue: records raised by the domain, stored once and announced as ``exception.raised``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.exception_queue import ExceptionRecord
from server.outbox import Event, emit_many

EXCEPTION_RAISED = "exception.raised"


def exception_view(record: ExceptionRecord) -> dict[str, Any]:
    """The record as screens and events show it."""
    return {
        "id": record.id,
        "kind": str(record.kind),
        "warehouse": record.warehouse,
        "subject": record.subject,
        "message": record.message,
        "details": dict(record.details),
        "state": str(record.state),
        "raised_by": record.raised_by,
        "raised_at": record.raised_at.isoformat(),
        "version": record.version,
    }


async def raise_exceptions(db: AsyncSession, records: Sequence[ExceptionRecord]) -> list[dict[str, Any]]:
    """Store new exceptions (ids are deterministic: raising the same one twice keeps the first)."""
    if not records:
        return []
    inserted = await db.execute(
        text(
            "INSERT INTO exceptions (id, kind, warehouse, subject, message, details, state, raised_by, raised_at,"
            " version) SELECT * FROM unnest(CAST(:id AS text[]), CAST(:k AS text[]), CAST(:wh AS text[]),"
            " CAST(:s AS text[]), CAST(:m AS text[]), CAST(:d AS jsonb[]), CAST(:st AS text[]), CAST(:by AS text[]),"
            " CAST(:at AS timestamptz[]), CAST(:v AS bigint[])) ON CONFLICT (id) DO NOTHING RETURNING id"
        ),
        {
            "id": [r.id for r in records],
            "k": [str(r.kind) for r in records],
            "wh": [r.warehouse for r in records],
            "s": [r.subject for r in records],
            "m": [r.message for r in records],
            "d": [json.dumps(dict(r.details)) for r in records],
            "st": [str(r.state) for r in records],
            "by": [r.raised_by for r in records],
            "at": [r.raised_at for r in records],
            "v": [r.version for r in records],
        },
    )
    new = {row[0] for row in inserted}
    views = [exception_view(r) for r in records if r.id in new]
    await emit_many(db, [Event(EXCEPTION_RAISED, v["warehouse"], "exception", v["id"], v["version"], v) for v in views])
    return views
