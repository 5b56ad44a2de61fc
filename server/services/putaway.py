"""Guided putaway: scan the dock (from), the item, then the bin; another bin than suggested needs a re-scan."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain import tasks as rules
from domain.errors import DomainError, Rejected
from domain.events import Event
from domain.putaway import check_destination
from server.auth.tokens import Principal
from server.outbox import emit_many
from server.services import catalog, tasks
from server.services.picking import TaskScan
from server.services.scans import read_location
from server.services.task_moves import check_task_item, move_prompt, move_task_stock
from server.services.tasks import TaskRecord


def putaway_prompt(record: TaskRecord) -> dict[str, Any]:
    """The next scan of a putaway task: from location, item (with lot), to location, or a confirming re-scan."""
    t = record.task
    done = {s["step"] for s in record.scans}
    pending = next((s["value"] for s in record.scans if s["step"] == "to_location" and s.get("pending")), None)
    if t.state not in rules.ACTIVE_STATES:
        step = "done"
    elif "location" not in done:
        step = "location"
    elif "item" not in done:
        step = "item"
    elif pending:
        step = "confirm_location"
    else:
        step = "to_location"
    return move_prompt(record, step, scanned_location=pending)


def _refuse(code: str, message: str, **details: object) -> DomainError:
    return Rejected(code, message, **details)


async def scan_putaway(db: AsyncSession, principal: Principal, record: TaskRecord, cmd: TaskScan) -> dict[str, Any]:
    """Accept one putaway scan; the final bin scan moves the stock from the dock into the bin."""
    now = datetime.now(UTC)
    was = record.task.state
    record.task = rules.start(record.task, principal.username, now=now)
    events: list[Event] = [tasks.task_event(record)] if was is not record.task.state else []
    step = putaway_prompt(record)["step"]
    t = record.task
    if not cmd.scan:
        raise _refuse("scan.empty", "Nothing scanned. Scan again", step=step)
    result: dict[str, Any] = {}
    if step == "location":
        code = await read_location(db, t.warehouse, cmd.scan)
        if code != t.location.code:
            raise _refuse(
                "scan.wrong_location", f"Wrong location {code}: go to {t.location.code}.", expected=t.location.code
            )
        record.scans.append({"step": "location", "value": code})
    elif step == "item":
        record.scans.append(await check_task_item(db, record, cmd.scan, verb="put away"))
    else:
        code = await read_location(db, t.warehouse, cmd.scan)
        suggested = t.to_location.code if t.to_location else code
        pending = next((s for s in record.scans if s.get("pending")), None)
        check = check_destination(
            suggested, pending["value"] if pending else code, confirmation=code if pending else None
        )
        if pending:
            record.scans.remove(pending)
        if not check.accepted:
            record.scans.append({"step": "to_location", "value": code, "pending": True})
        else:
            record.scans.append({"step": "to_location", "value": check.to_location, "overridden": check.overridden})
            result = await _move(db, principal, record, check.to_location, now=now)
    await tasks.save(db, record)
    await emit_many(db, [*events, tasks.task_event(record)] if result else events)
    return {"task": tasks.task_view(record), "prompt": putaway_prompt(record), **result}


async def _move(
    db: AsyncSession, principal: Principal, record: TaskRecord, to_code: str, *, now: datetime
) -> dict[str, Any]:
    t = record.task
    warehouse = t.warehouse
    assert record.item_id is not None
    target = await catalog.location(db, warehouse, to_code)
    if target.kind not in ("storage", "pick_face"):
        raise _refuse("putaway.not_storage", f"{target.code} is not a storage bin or pick face", location=target.code)
    qty = t.qty - t.qty_done
    await move_task_stock(
        db, principal, record, to_code=target.code, to_location_id=target.id, qty=qty, purpose="putaway"
    )
    record.task = rules.complete(t, principal.username, now=now)
    return {"put_away": {"location": target.code, "qty": qty}}
