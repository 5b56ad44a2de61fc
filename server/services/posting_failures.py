"""A posting that fails is refused and kept: the command rolls back, and a ``posting_failure``
exception, written in a short transaction of its own, tells finance what could not be booked."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from domain import exception_queue as queue
from domain.errors import Conflict, DomainError
from domain.exception_queue import ExceptionKind
from domain.ledger import SourceDocument
from server.db import is_retryable
from server.services.exceptions import raise_exceptions

log = logging.getLogger("floorsync.postings")

# Refusals that mean the books could not take the entry (a bug or a broken chart of accounts),
# not that the request was wrong (stock.insufficient and the like pass through untouched).
POSTING_FAILURES = frozenset(
    {"ledger.unbalanced", "ledger.unknown_account", "ledger.empty_entry", "ledger.invalid_valuation"}
)


async def record_posting_failure(
    engine: AsyncEngine, *, warehouse: str, entry_id: str, source: SourceDocument, user: str, reason: str
) -> None:
    """Raise the exception on a connection of its own: the command's transaction is rolled back."""
    record = queue.open_exception(
        f"{entry_id}/posting_failure",
        ExceptionKind.POSTING_FAILURE,
        warehouse=warehouse,
        subject=f"entry:{entry_id}",
        message=f"Journal entry {entry_id} for {source.kind} {source.id} could not be posted: {reason}"[:1000],
        raised_by=user,
        now=datetime.now(UTC),
        details={"entry": entry_id, "source_kind": source.kind, "source_id": source.id, "reason": reason[:500]},
    )
    async with AsyncSession(bind=engine) as session, session.begin():
        await raise_exceptions(session, [record])


@contextlib.asynccontextmanager
async def posting_guard(
    db: AsyncSession, *, warehouse: str | None, entry_id: str, source: SourceDocument, user: str
) -> AsyncIterator[None]:
    """Around writing an entry: a failure is recorded and answered as ``ledger.posting_failed`` (409)."""
    try:
        yield
    except DomainError as exc:
        if exc.code not in POSTING_FAILURES:
            raise
        reason = f"{exc.code}: {exc.message}"
        await _record(db, warehouse=warehouse, entry_id=entry_id, source=source, user=user, reason=reason)
        raise _failed(entry_id, source, reason) from exc
    except DBAPIError as exc:
        if is_retryable(exc):
            raise
        orig = getattr(exc, "orig", None)
        reason = f"the database refused it: {str(orig or exc).splitlines()[0][:300]}"
        await _record(db, warehouse=warehouse, entry_id=entry_id, source=source, user=user, reason=reason)
        raise _failed(entry_id, source, reason) from exc


async def _record(
    db: AsyncSession, *, warehouse: str | None, entry_id: str, source: SourceDocument, user: str, reason: str
) -> None:
    engine = db.bind
    if warehouse is None or not isinstance(engine, AsyncEngine):
        log.error("posting %s failed outside any warehouse: %s", entry_id, reason)
        return
    await record_posting_failure(
        engine, warehouse=warehouse, entry_id=entry_id, source=source, user=user, reason=reason
    )


def _failed(entry_id: str, source: SourceDocument, reason: str) -> DomainError:
    return Conflict(
        "ledger.posting_failed",
        f"The journal entry for {source.kind} {source.id} could not be posted ({reason}); nothing was changed"
        " and finance has a posting_failure exception to look into.",
        entry=entry_id,
    )
