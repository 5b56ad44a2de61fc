"""A supervisor's decision on a count variance above the limit: approve books it, reject drops it.

Either way the decision is recorded with who and when, and the variance's exception is resolved.
Lock order: approval -> its exception -> warehouse item -> balances -> item valuation; nothing
else locks approvals, and exceptions are only ever locked right after the approval that owns them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.counting import CountAction, CountDecision, CountLine, adjustment_for
from domain.errors import Conflict, Forbidden, NotFound, Rejected
from domain.events import ApprovalDecided
from domain.exception_queue import ExceptionState
from domain.stock import StockKey
from server.auth.principal import ensure_warehouse
from server.auth.tokens import Principal
from server.outbox import emit_many
from server.services import catalog
from server.services.count_stock import apply_variance, balances_at, origin_of, post_variance
from server.services.count_tasks import ensure_count
from server.services.count_views import load_approval
from server.services.exceptions import resolve_exception
from server.services.ledger import StockLedger
from server.services.locking import lock_item_balances, lock_items
from server.services.stock_events import publish_atp


class DecideApproval(msgspec.Struct, forbid_unknown_fields=True):
    """Why (kept as the exception's resolution); on a reject, ``recount`` orders a fresh count."""

    note: str = ""
    recount: bool = False


_LOAD = text(
    "SELECT a.id, a.warehouse, a.decision, a.decided_by, a.exception_id, c.id AS result_id, c.task_id,"
    " c.location_id, l.code, c.item_id, i.sku, c.lot, c.system_qty, c.counted_qty, c.variance_qty,"
    " c.variance_value, c.currency, c.counted_by FROM approvals a"
    " LEFT JOIN count_results c ON c.approval_id = a.id LEFT JOIN locations l ON l.id = c.location_id"
    " LEFT JOIN items i ON i.id = c.item_id WHERE a.id = :id FOR UPDATE OF a"
)


async def _lock_exception(db: AsyncSession, exception_id: str | None) -> str | None:
    """Lock the variance's exception right after its approval (the lock order above); returns its state."""
    if exception_id is None:
        return None
    state = await db.scalar(text("SELECT state FROM exceptions WHERE id = :id FOR UPDATE"), {"id": exception_id})
    return None if state is None else str(state)


async def _book(db: AsyncSession, principal: Principal, row: Any, *, now: datetime) -> None:
    """Book the approved variance as it was counted, if the stock has not moved since.

    Why not re-apply the delta to today's stock, or set the bin to the counted quantity? Either guesses
    whether a pick or putaway booked after the count happened before or after the worker counted,
    and a wrong guess books a second, invisible variance. When the system quantity no longer equals
    the one the count was compared with, the count is stale: nothing is booked (``count.stale``) and
    the supervisor rejects it with a recount.
    """
    warehouse = row.warehouse
    await lock_items(db, warehouse, [row.item_id])
    ledger = StockLedger(db, warehouse, principal.user_id, principal.device_id)
    ledger.hold(await lock_item_balances(db, warehouse, [row.item_id], status=None))
    now_qty = sum(b.balance.on_hand for b in balances_at(ledger, row.code, row.sku, row.lot))
    if now_qty != row.system_qty:
        raise Conflict(
            "count.stale",
            f"{row.sku} at {row.code} changed since the count ({row.system_qty} then, {now_qty} now): reject it"
            " and recount.",
            location=row.code,
            sku=row.sku,
            system_qty_then=int(row.system_qty),
            system_qty_now=now_qty,
        )
    line = CountLine(
        f"count:{row.task_id}/{row.sku}", warehouse, row.code, row.sku, row.system_qty, row.counted_qty, row.lot or None
    )
    decision = CountDecision(
        line, int(row.variance_qty), int(row.variance_value), row.currency, CountAction.NEEDS_APPROVAL, None
    )
    adjustment = adjustment_for(decision, approver=principal.username, now=now)
    assert adjustment is not None
    today = await catalog.warehouse_today(db, warehouse)
    await apply_variance(
        db,
        ledger,
        location_id=row.location_id,
        item_id=row.item_id,
        key=StockKey(row.code, row.sku, row.lot),
        delta=adjustment.qty_delta,
        origin=origin_of(principal, f"count:{row.task_id}"),
        today=today,
    )
    await ledger.flush()
    await post_variance(
        db,
        warehouse,
        result_id=row.result_id,
        item_id=row.item_id,
        line=line,
        delta=adjustment.qty_delta,
        user=principal.username,
        approver=principal.username,
    )
    await db.execute(text("UPDATE count_results SET adjusted = true WHERE id = :id"), {"id": row.result_id})
    await publish_atp(db, warehouse, [row.item_id], today=today)


async def _recount(db: AsyncSession, row: Any) -> int:
    """A fresh count of the item at the location, unless one is already open for it."""
    return await ensure_count(
        db, row.warehouse, row.code, sku=row.sku, item_id=row.item_id, ref=f"recount/{row.id}", reason="recount"
    )


async def decide(
    db: AsyncSession, principal: Principal, *, approval_id: int, cmd: DecideApproval, approve: bool
) -> dict[str, Any]:
    """Approve (book the variance now) or reject (book nothing) a pending count approval."""
    row = (await db.execute(_LOAD, {"id": approval_id})).first()
    if row is None:
        raise NotFound("approval.not_found", f"No approval {approval_id}.", approval=approval_id)
    ensure_warehouse(principal, row.warehouse)
    if row.decision is not None:
        raise Conflict(
            "approval.already_decided",
            f"Approval {approval_id} was already {row.decision} by {row.decided_by}.",
            approval=approval_id,
            decision=row.decision,
        )
    if row.result_id is None:
        raise Rejected("approval.unsupported", f"Approval {approval_id} is not a count variance.")
    if approve and row.counted_by == principal.username:
        raise Forbidden("approval.own_count", "Someone other than the person who counted must approve the variance.")
    if approve and cmd.recount:
        raise Rejected("approval.recount_on_approve", "Order a recount only when rejecting.")
    now = datetime.now(UTC)
    exception_state = await _lock_exception(db, row.exception_id)
    if approve:
        await _book(db, principal, row, now=now)
    decision = "approved" if approve else "rejected"
    await db.execute(
        text("UPDATE approvals SET decision = :d, decided_by = :by, decided_at = :at WHERE id = :id"),
        {"d": decision, "by": principal.username, "at": now, "id": approval_id},
    )
    answer: dict[str, Any] = {"booked": approve}
    # a supervisor may have closed the exception from the queue already; the decision still stands
    if exception_state not in (None, str(ExceptionState.RESOLVED)):
        what = f"{row.variance_qty:+d} {row.sku} booked" if approve else "not booked"
        note = f". {cmd.note.strip()}" if cmd.note.strip() else ""
        await resolve_exception(
            db,
            row.warehouse,
            row.exception_id,
            by=principal.username,
            resolution=f"{decision} by {principal.username}: {what}{note}",
        )
    if cmd.recount:
        answer["recount_task"] = await _recount(db, row)
    view = await load_approval(db, approval_id)
    await emit_many(db, [ApprovalDecided(warehouse=row.warehouse, entity_id=str(approval_id), version=2, data=view)])
    return {"approval": view, **answer}
