"""Guided putaway: scan the dock (from), the item, then the bin; another bin than suggested needs a re-scan."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain import stock
from domain import tasks as rules
from domain.errors import DomainError
from domain.putaway import check_destination
from domain.stock import Origin, StockKey, StockStatus
from server.auth.tokens import Principal
from server.outbox import Event, emit_many
from server.services import catalog, tasks
from server.services.ledger import StockLedger
from server.services.locking import lock_item_balances, lock_items
from server.services.picking import TaskScan
from server.services.scans import read, read_location, require_item
from server.services.stock_events import publish_atp
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
    return {
        "step": step,
        "task_id": t.id,
        "location": t.location.code,
        "sku": t.item,
        "description": record.description,
        "lot": t.lot,
        "lot_required": record.lot_tracked,
        "qty": t.qty - t.qty_done,
        "to_location": t.to_location.code if t.to_location else None,
        "scanned_location": pending,
    }


def _refuse(code: str, message: str, **details: object) -> DomainError:
    return DomainError(code, message, status=422, **details)


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
        scanned = read(cmd.scan, step="item")
        item = await require_item(db, scanned)
        if item.sku != t.item:
            raise _refuse("scan.wrong_item", f"Wrong item {item.sku}: put away {t.item}.", expected=t.item)
        if t.lot and scanned.lot and scanned.lot != t.lot:
            raise _refuse("scan.wrong_lot", f"Wrong lot {scanned.lot}: put away lot {t.lot}.", expected=t.lot)
        record.scans.append({"step": "item", "value": item.sku, "lot": scanned.lot})
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
    await lock_items(db, warehouse, [record.item_id])
    ledger = StockLedger(db, warehouse, principal.user_id, principal.device_id)
    ledger.hold(await lock_item_balances(db, warehouse, [record.item_id], status=None))
    key = StockKey(t.location.code, t.item or "", t.lot or "", StockStatus.AVAILABLE)
    source = ledger.held.get(key)
    if source is None:
        raise DomainError(
            "stock.insufficient", f"No {t.item} left at {t.location.code}", status=409, **stock.key_facts(key)
        )
    to_key = StockKey(target.code, key.item, key.lot, key.status)
    await ledger.open(to_key, location_id=target.id, item_id=record.item_id, received_on=source.received_on)
    origin = Origin(
        f"putaway:{record.id}", principal.username, str(principal.device_id) if principal.device_id else None
    )
    out, into = stock.move(key, t.qty - t.qty_done, origin=origin, to_location=target.code)
    ledger.apply(out)
    ledger.apply(into)
    await ledger.flush()
    record.task = rules.complete(t, principal.username, now=now)
    await publish_atp(db, warehouse, [record.item_id], today=await catalog.warehouse_today(db, warehouse))
    return {"put_away": {"location": target.code, "qty": out.delta_on_hand * -1}}
