"""Offline handheld intents for the floor, replayed through ``server.mutations`` exactly once."""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Forbidden
from domain.guided import require_worker
from domain.tasks import TaskKind
from server.auth.principal import ensure_warehouse
from server.auth.tokens import Principal
from server.services import tasks
from server.services.counts import CountedLine, submit_whole_count
from server.services.pick_lines import ConfirmLine, confirm_line
from server.services.receiving import ConfirmReceipt, confirm_receipt


class ConfirmPick(msgspec.Struct, forbid_unknown_fields=True):
    """A whole pick as one intent: the scans the picker made offline (location, item label, qty, tote)."""

    warehouse: str
    task: int
    location: str
    item: str
    qty: int
    tote: str | None = None


class ReceiptLine(ConfirmReceipt, kw_only=True, forbid_unknown_fields=True):
    """A receipt confirmation (pallet or line) made offline at the dock."""

    warehouse: str
    receipt_id: int


def _require_role(principal: Principal, *roles: str) -> None:
    if not principal.roles & {*roles, "admin"}:
        raise Forbidden("auth.forbidden", f"Needs one of: {', '.join(roles)}")


async def confirm_pick(db: AsyncSession, principal: Principal, cmd: ConfirmPick) -> dict[str, Any]:
    """The whole line, checked and confirmed by the same code as the online one-request confirm."""
    ensure_warehouse(principal, cmd.warehouse)
    line = ConfirmLine(location=cmd.location, item=cmd.item, qty=cmd.qty, tote=cmd.tote)
    return await confirm_line(db, principal, cmd.warehouse, cmd.task, line)


async def receipt_line(db: AsyncSession, principal: Principal, cmd: ReceiptLine) -> dict[str, Any]:
    """Confirm a pallet or a line of an open receipt."""
    _require_role(principal, "receiver", "supervisor")
    ensure_warehouse(principal, cmd.warehouse)
    fields = {f: getattr(cmd, f) for f in ConfirmReceipt.__struct_fields__}
    return await confirm_receipt(db, principal, cmd.warehouse, cmd.receipt_id, ConfirmReceipt(**fields))


# --- cycle counts (count.submit) ---
class SubmitCount(msgspec.Struct, forbid_unknown_fields=True):
    """A whole blind count made offline: the location scanned, then each item label with the quantity found."""

    warehouse: str
    task: int
    location: str
    lines: list[CountedLine]


async def submit_count(db: AsyncSession, principal: Principal, cmd: SubmitCount) -> dict[str, Any]:
    """Apply the count as if scanned step by step, then finish it; a count task another worker holds is refused."""
    require_worker(TaskKind.COUNT, principal.roles)
    ensure_warehouse(principal, cmd.warehouse)
    record = await tasks.load_locked(db, cmd.warehouse, cmd.task)
    return await submit_whole_count(db, principal, record, location=cmd.location, lines=cmd.lines)
