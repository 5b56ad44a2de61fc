"""A pick line in one round trip: the handheld sends every scan of the line at once, the server checks
them with the guided flow's rules, confirms the line and answers the caller's next task.

A full pick takes two statements of its own (server/services/pick_store): one locks and reads,
one writes and reads what comes next. A short pick, or a line whose stock or allocation is not
where its task says, takes the guided flow's own confirm; a pick face left below its min is
replenished as after a guided pick.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from domain import stock
from domain import tasks as rules
from domain.errors import DomainError, NotFound
from domain.events import Event
from domain.guided import require_worker
from domain.guided.base import Scan, last
from domain.guided.pick import Step
from domain.orders import OrderStatus
from domain.pick_line import Decoded, LineScans, order_steps, take_allocations, verify_line
from domain.replenishment import PickFace, needs_replenishment
from domain.stock import Origin, StockKey
from domain.tasks import TaskKind
from server.auth.tokens import Principal
from server.outbox import emit_many
from server.services import tasks
from server.services.guided import prompt_of
from server.services.ledger import StockLedger
from server.services.order_views import move_and_view, status_event
from server.services.pick_stock import source_key
from server.services.pick_store import LineSnapshot, lock_line, write_line
from server.services.picking import _confirm
from server.services.replenishment import after_pick
from server.services.scans import gtin_variants, read, read_location, require_item
from server.services.task_manifest import handheld_task, handheld_views
from server.services.task_scan import stored, work_of
from server.services.tasks import TaskRecord


class ConfirmLine(msgspec.Struct, forbid_unknown_fields=True):
    """Every scan of a pick line: the bin, the item label (GS1 with its lot when lot tracked), the
    quantity picked (less than asked is a short pick) and the tote (when anything was picked)."""

    location: str
    item: str
    qty: int
    tote: str | None = None


async def _decode(db: AsyncSession, snapshot: LineSnapshot, cmd: ConfirmLine) -> LineScans:
    """Each scan read as the guided flow reads it at its step; the task's own GTINs spare the lookup."""
    record = snapshot.record
    own = {g["gtin"] for g in snapshot.gtins}
    # an item the guided flow already accepted for this holder: a device that went offline after it
    # sends the SKU it was shown instead of the label it no longer has
    earlier = next((s for s in record.scans if s.get("step") == str(Step.ITEM)), None)

    async def location() -> Scan:
        return Scan(await read_location(db, record.task.warehouse, cmd.location))

    async def item() -> Scan:
        if earlier is not None and cmd.item == earlier.get("value"):
            return Scan(str(earlier["value"]), earlier.get("lot"))
        result = read(cmd.item, step="item")
        if own.intersection(gtin_variants(result.gtin or result.code)):
            return Scan(record.task.item or "", result.lot)
        return Scan((await require_item(db, result)).sku, result.lot)

    async def tote() -> Scan:
        return Scan(read(cmd.tote or "", step="tote").code)

    return LineScans(
        location=await _catch(location),
        item=await _catch(item),
        qty=cmd.qty,
        tote=await _catch(tote) if cmd.tote else None,
    )


async def _catch(read_scan: Callable[[], Awaitable[Scan]]) -> Decoded:
    try:
        scan: Scan = await read_scan()
    except DomainError as exc:
        return exc
    return scan


async def _move_order(db: AsyncSession, order_id: int, steps: list[OrderStatus]) -> list[Event]:
    """Take the (locked) order through ``steps``; one event with its new state."""
    if not steps:
        return []
    return [status_event(await move_and_view(db, order_id, steps[-1], transitions=len(steps)))]


def _origin(record: TaskRecord, principal: Principal) -> Origin:
    device = str(principal.device_id) if principal.device_id else None
    return Origin(record.task.order_id or "", principal.username, device)


async def _lean(
    db: AsyncSession, principal: Principal, snapshot: LineSnapshot, picked: int, now: datetime
) -> tuple[TaskRecord | None, dict[str, Any]] | None:
    """Confirm a full pick in the two statements of pick_store; ``None`` when the line needs the long path."""
    record = snapshot.record
    ledger = StockLedger(db, record.task.warehouse, principal.user_id, principal.device_id)
    ledger.hold(snapshot.balances)
    key = source_key(record)
    source = ledger.held.get(key)
    take = take_allocations(snapshot.allocations, picked)
    full = picked == record.task.qty - record.task.qty_done and picked > 0
    if not (full and source and snapshot.item_locked and snapshot.staging and record.order_id and not take.missing):
        return None
    staging_id, staging_code = snapshot.staging
    target = await ledger.open(
        StockKey(staging_code, key.item, key.lot, key.status),
        location_id=staging_id,
        item_id=source.item_id,
        received_on=source.received_on,
    )
    for movement in stock.pick(key, picked, to_location=staging_code, origin=_origin(record, principal)):
        ledger.apply(movement)
    record.task = rules.complete(record.task, principal.username, now=now, qty_done=record.task.qty_done + picked)
    written = await write_line(
        db,
        ledger,
        record,
        staging_balance=target.id,
        take=take,
        events=[tasks.task_event(record)],
        worker=principal.username,
    )
    assert snapshot.order_status is not None
    steps = order_steps(snapshot.order_status, open_picks_left=written.open_left)
    await emit_many(db, await _move_order(db, record.order_id, steps))
    if written.face is not None and record.item_id is not None:
        f = written.face
        face = PickFace(
            record.task.warehouse,
            record.task.location,
            key.item,
            f["min_qty"],
            f["max_qty"],
            f["face_on_hand"] - picked,  # read before this line's own write
            f["face_inbound"],
        )
        if needs_replenishment(face, demand_qty=f["face_demand"]):
            await after_pick(db, record)
    return written.next_task, written.next_facts


async def _long(
    db: AsyncSession, principal: Principal, snapshot: LineSnapshot, picked: int, now: datetime
) -> dict[str, Any]:
    """The guided flow's own confirm: short picks, a line whose stock or allocation is not where the
    task says; returns what it adds to the answer (``short``)."""
    record = snapshot.record
    events: list[Event] = []
    if record.order_id is not None and snapshot.order_status is OrderStatus.RELEASED:
        events += await _move_order(db, record.order_id, [OrderStatus.PICKING])
    outcome = await _confirm(db, principal, record, picked=picked, now=now)
    events += [tasks.task_event(record), *outcome.pop("events")]
    await emit_many(db, events)
    outcome.pop("picked", None)
    return outcome


async def _next_held(db: AsyncSession, worker: str, record: TaskRecord) -> tuple[TaskRecord | None, dict[str, Any]]:
    found = await tasks.load_other_held_picks(db, record.task.warehouse, worker, record.id)
    if not found:
        return None, {}
    first = min(found, key=lambda r: r.task.sequence)
    return first, (await handheld_views(db, [first]))[0]


async def confirm_line(
    db: AsyncSession, principal: Principal, warehouse: str, task_id: int, cmd: ConfirmLine
) -> dict[str, Any]:
    """Check every scan of the line, confirm it, and answer the outcome with the caller's next pick task."""
    require_worker(TaskKind.PICK, principal.roles)
    snapshot = await lock_line(db, warehouse, task_id)
    if snapshot is None:
        raise NotFound("task.not_found", f"No task {task_id} in {warehouse}.", task=task_id)
    record = snapshot.record
    now = datetime.now(UTC)
    if record.task.state is not rules.TaskState.IN_PROGRESS:
        record.scans = []  # not begun by this holder: nothing it scanned before counts
    record.task = rules.start(record.task, principal.username, now=now)
    marks = verify_line(work_of(record), await _decode(db, snapshot, cmd))
    quantity = last(marks, str(Step.QUANTITY))
    picked = (quantity.qty if quantity else None) or 0
    record.scans = stored(marks)
    answer: dict[str, Any] = {"picked": picked}
    lean = await _lean(db, principal, snapshot, picked, now)
    if lean is None:
        answer |= await _long(db, principal, snapshot, picked, now)
        following, shown = await _next_held(db, principal.username, record)
    else:
        following, facts = lean
        shown = handheld_task(following, facts) if following is not None else {}
    answer |= {"task": tasks.task_view(record), "prompt": prompt_of(record)}
    answer["next"] = {"task": shown, "prompt": prompt_of(following)} if following is not None else None
    return answer
