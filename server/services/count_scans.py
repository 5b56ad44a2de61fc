"""Guided scans of a blind count: location, then item (and lot) with the quantity found, repeated.

The prompts carry what the worker counted, never what the system holds.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain import tasks as rules
from domain.errors import DomainError, Rejected
from server.auth.tokens import Principal
from server.outbox import emit_many
from server.services import tasks
from server.services.count_booking import CountedQty
from server.services.count_views import handheld_view
from server.services.picking import TaskScan
from server.services.scans import read, read_location, require_item
from server.services.tasks import TaskRecord

MAX_COUNTED = 10**9  # a typo guard: no bin holds a billion units


def next_step(scans: list[dict[str, Any]]) -> str:
    """Where a count stands: location first, then item, lot (lot-tracked items scanned without one), quantity."""
    if not any(s["step"] == "location" for s in scans):
        return "location"
    last = scans[-1]
    if last["step"] == "item":
        return "lot" if last.get("needs_lot") else "quantity"
    return "item"


def counted_lines(record: TaskRecord) -> dict[tuple[str, str], CountedQty]:
    """What the worker counted so far, per (sku, lot), in base units."""
    lines: dict[tuple[str, str], CountedQty] = {}
    expiry: dict[tuple[str, str], str | None] = {}
    for s in record.scans:
        key = (s.get("value", ""), s.get("lot") or "")
        if s["step"] == "item":
            expiry[key] = s.get("expiry")
        if s["step"] == "quantity":
            before = lines.get(key)
            when = expiry.get(key)
            lines[key] = CountedQty(
                (before.qty if before else 0) + int(s["qty"]), date.fromisoformat(when) if when else None
            )
    return lines


def count_prompt(record: TaskRecord) -> dict[str, Any]:
    """The next scan of a count: location, item (or finish), lot, quantity; never the system quantity."""
    t = record.task
    step = next_step(record.scans) if t.state in rules.ACTIVE_STATES else "done"
    pending = record.scans[-1] if step in ("lot", "quantity") else None
    return {
        "step": step,
        "task_id": t.id,
        "location": t.location.code,
        "sku": t.item,  # None: count every item in the location
        "lot": t.lot,
        "description": record.description,
        "scanned_sku": pending["value"] if pending else None,
        "scanned_lot": (pending.get("lot") or None) if pending else None,
        "uom_factor": pending.get("factor", 1) if pending else None,
        "can_finish": step == "item",
        # a one-item count tells whether the item needs its lot, so a device counting offline asks for it
        "lot_tracked": record.lot_tracked if t.item else None,
        "counted": [
            {"sku": s, "lot": lot or None, "qty": c.qty} for (s, lot), c in sorted(counted_lines(record).items())
        ],
    }


def refuse(code: str, message: str, **details: object) -> DomainError:
    """A scan that can never be right as sent (422)."""
    return Rejected(code, message, **details)


async def accept_scan(db: AsyncSession, record: TaskRecord, *, step: str, cmd: TaskScan) -> None:
    """Check one scan (or quantity) at ``step`` against the task and record it; refuses with a 422 otherwise."""
    t = record.task
    if step == "quantity":
        if cmd.qty is None or cmd.scan:
            raise refuse("count.quantity_required", "Enter the quantity you counted.", step=step)
        if not 0 <= cmd.qty <= MAX_COUNTED:
            raise refuse("count.invalid_quantity", f"A count is 0 to {MAX_COUNTED}.", qty=cmd.qty)
        last = record.scans[-1]
        item = next(s for s in reversed(record.scans) if s["step"] == "item")
        record.scans.append(
            {"step": "quantity", "value": item["value"], "lot": last.get("lot", ""), "qty": cmd.qty * item["factor"]}
        )
        return
    if not cmd.scan:
        raise refuse("scan.empty", "Nothing scanned. Scan again", step=step)
    if step == "location":
        code = await read_location(db, t.warehouse, cmd.scan)
        if code != t.location.code:
            raise refuse(
                "scan.wrong_location", f"Wrong location {code}: count {t.location.code}.", expected=t.location.code
            )
        record.scans.append({"step": "location", "value": code})
    elif step == "lot":
        scanned = read(cmd.scan, step="lot")
        lot = scanned.lot or scanned.code
        if t.lot and lot != t.lot:
            raise refuse("scan.wrong_lot", f"Wrong lot {lot}: this count is for lot {t.lot}.", expected=t.lot)
        record.scans[-1] = {**record.scans[-1], "lot": lot, "needs_lot": False}
    else:
        scanned = read(cmd.scan, step="item")
        item = await require_item(db, scanned)
        if t.item and item.sku != t.item:
            raise refuse("scan.wrong_item", f"Wrong item {item.sku}: this count is for {t.item}.", expected=t.item)
        lot = (scanned.lot or "") if item.lot_tracked else ""
        if t.lot and lot and lot != t.lot:
            raise refuse("scan.wrong_lot", f"Wrong lot {lot}: this count is for lot {t.lot}.", expected=t.lot)
        record.scans.append(
            {
                "step": "item",
                "value": item.sku,
                "lot": lot,
                "factor": item.factor,
                "needs_lot": item.lot_tracked and not lot,
                "expiry": scanned.expiry.isoformat() if scanned.expiry else None,
            }
        )


async def scan_count(db: AsyncSession, principal: Principal, record: TaskRecord, cmd: TaskScan) -> dict[str, Any]:
    """Accept one scan of a count task the caller holds; answers the next expected scan."""
    now = datetime.now(UTC)
    was = record.task.state
    record.task = rules.start(record.task, principal.username, now=now)
    await accept_scan(db, record, step=next_step(record.scans), cmd=cmd)
    await tasks.save(db, record)
    await emit_many(db, [tasks.task_event(record)] if was is not record.task.state else [])
    return {"task": handheld_view(record), "prompt": count_prompt(record)}
