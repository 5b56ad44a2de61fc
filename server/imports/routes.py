"""``POST /api/imports/<kind>``: a master-data or opening-stock file, streamed, all-or-nothing, and
``GET /api/imports/{id}``: its progress while it runs and its outcome after."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, cast

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery

from domain.errors import Invalid, NotFound
from server.auth.principal import requires
from server.deps import Caller
from server.imports import keys
from server.imports.reading import media_type
from server.imports.service import Outcome, error_view, importer_for, run_import
from server.limits import BODY_LIMIT_OPT
from server.problems import Problem

# This route's own request body limit (the app's default stays small): a 1,000,000-line opening
# stock CSV is about 60 MB. Streamed, so the limit bounds time and disk, not memory.
IMPORT_MAX_BODY_BYTES = 2 * 2**30


class ImportRowError(msgspec.Struct):
    row: int
    field: str
    code: str
    message: str


class ImportReport(msgspec.Struct):
    """What an import did (or, for a dry run, would do)."""

    id: str
    kind: str
    status: str
    dry_run: bool
    rows_read: int
    rows_applied: int
    created: int
    updated: int
    unchanged: int
    errors_total: int
    errors: list[ImportRowError]


class ImportRunView(ImportReport):
    """An import run as stored: its progress while it runs, its outcome after."""

    started_by: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None


def _report(outcome: Outcome) -> ImportReport:
    return ImportReport(
        id=outcome.id,
        kind=outcome.kind,
        status=outcome.status,
        dry_run=outcome.dry_run,
        rows_read=outcome.rows_read,
        rows_applied=outcome.rows_applied,
        created=outcome.created,
        updated=outcome.updated,
        unchanged=outcome.unchanged,
        errors_total=outcome.errors_total,
        errors=[ImportRowError(e.row, e.field, e.code, e.message) for e in outcome.errors],
    )


class ImportController(Controller):
    path = "/api/imports"
    tags = ["imports"]
    guards = [requires("admin")]

    @post(
        "/{kind:str}",
        operation_id="importFile",
        status_code=200,
        request_max_body_size=IMPORT_MAX_BODY_BYTES,
        opt={BODY_LIMIT_OPT: IMPORT_MAX_BODY_BYTES},  # streamed: the input limits allow a whole file
    )
    async def import_file(
        self, request: Request[Any, Any, Any], kind: FromPath[str], principal: Caller, dry_run: FromQuery[bool] = False
    ) -> Response[ImportReport]:
        """Import a file of ``kind`` (warehouses, suppliers, items, locations, customers, prices,
        customer_prices, users, badges, opening_stock) sent as ``text/csv`` (a header row, then one
        row per record) or ``application/json`` (an array of objects); the body is streamed and parsed
        as it arrives. Each row is validated; the file applies all-or-nothing in one transaction,
        and only values that differ are changed (and recorded in the history), so a re-sent file
        changes nothing. ``dry_run=true`` validates and counts what would change, writing nothing.
        Send an ``Idempotency-Key``: the same key replays the stored report. Formats: docs/imports.md.

        Problems: ``import.invalid`` (422; ``errors`` lists up to 1,000 as row, field, code,
        message, ``errors_total`` counts them all; nothing was written), ``import.kind_unknown``
        (404), ``import.unsupported_media_type`` (415), ``import.malformed_csv``,
        ``import.malformed_json``, ``import.not_a_list``, ``import.not_utf8``,
        ``import.header_invalid`` (422, the file as a whole), ``idempotency.key_reused`` (422),
        ``idempotency.key_invalid`` (400), ``idempotency.in_flight`` (409), ``request.too_large`` (413).
        Row codes are listed in docs/imports.md.
        """
        importer_for(kind)
        content_type = media_type(request.headers.get("content-type"))
        key = keys.header_key(request)
        hasher = hashlib.sha256(f"POST {request.url.path}?{request.url.query}\0".encode())

        async def chunks() -> AsyncIterator[bytes]:
            async for chunk in request.stream():
                hasher.update(chunk)
                yield chunk

        engine = request.app.state.engine
        if key is not None:
            prior = await keys.stored(engine, principal.key, key)
            if prior is not None:
                async for _ in chunks():
                    pass
                # the stored bytes are the encoded report of the first answer
                return cast(Response[ImportReport], keys.replay(prior, hasher.hexdigest()))
        before_commit = None
        if key is not None and not dry_run:
            before_commit = keys.storer(principal.key, key, path=request.url.path, hasher=hasher, encode=_encoded)
        outcome = await run_import(
            engine,
            kind,
            chunks(),
            content_type=content_type,
            dry_run=dry_run,
            user=principal.username,
            before_commit=before_commit,
        )
        if outcome.status == "rejected":
            raise Problem(
                422,
                "import.invalid",
                f"{outcome.errors_total} error(s) in the file; nothing was imported. Fix the rows listed and"
                " send it again.",
                import_id=outcome.id,
                errors_total=outcome.errors_total,
                errors=[error_view(e) for e in outcome.errors],
            )
        return Response(_report(outcome), status_code=200)

    @get("/", operation_id="listImportRuns")
    async def runs(self, request: Request[Any, Any, Any], limit: FromQuery[int] = 20) -> list[ImportRunView]:
        """Recent imports, newest first, running ones included with their progress.

        Problems: ``import.limit_invalid`` (422)."""
        if not 1 <= limit <= 200:
            raise Invalid("import.limit_invalid", "limit is 1 to 200")
        return [
            _run_view(r)
            for r in await _fetch(request, "SELECT * FROM import_runs ORDER BY started_at DESC LIMIT $1", limit)
        ]

    @get("/{run_id:uuid}", operation_id="getImportRun")
    async def run(self, request: Request[Any, Any, Any], run_id: FromPath[uuid.UUID]) -> ImportRunView:
        """An import's progress (``rows_read`` grows while the file streams in) and its outcome.

        Problems: ``import.not_found`` (404)."""
        found = await _fetch(request, "SELECT * FROM import_runs WHERE id = $1", run_id)
        if not found:
            raise NotFound("import.not_found", f"No import {run_id}")
        return _run_view(found[0])


async def _fetch(request: Request[Any, Any, Any], sql: str, *args: Any) -> list[Any]:
    # imports live outside the request transaction (server/transactions.py STREAMED): read directly
    async with request.app.state.engine.connect() as sa_conn:
        conn: Any = (await sa_conn.get_raw_connection()).driver_connection
        return list(await conn.fetch(sql, *args))


def _run_view(row: Any) -> ImportRunView:
    errors = row["errors"]
    return ImportRunView(
        id=str(row["id"]),
        kind=row["kind"],
        status=row["status"],
        dry_run=row["dry_run"],
        rows_read=row["rows_read"],
        rows_applied=row["rows_applied"],
        created=row["created"],
        updated=row["updated"],
        unchanged=row["unchanged"],
        errors_total=row["errors_total"],
        errors=msgspec.convert(
            msgspec.json.decode(errors) if isinstance(errors, str | bytes) else errors, list[ImportRowError]
        ),
        started_by=row["started_by"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
    )


def _encoded(outcome: Outcome) -> bytes:
    return msgspec.json.encode(_report(outcome))
