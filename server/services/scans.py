"""Scan interpretation for the server: the site's label patterns and GTIN -> item resolution."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Literal, cast

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import DomainError, Invalid, Rejected
from scanners.interpret import ScanResult, Step, interpret
from scanners.labels import DEFAULT_LOCATION_PATTERNS, LabelPatterns

# The demo site's location labels: WH1-A01-03-1 (warehouse-aisle-bay-level) and WH1-DOCK-01 style areas.
SITE_LABELS = LabelPatterns(
    location=(
        r"[A-Z0-9]{2,6}-[A-Z]\d{2}-\d{2}-\d{1,2}",
        r"[A-Z0-9]{2,6}-(?:DOCK|DOOR|QA|STG|SHIP)-\d{2,3}",
        *DEFAULT_LOCATION_PATTERNS,
    )
)


# every step a guided flow waits at (domain/guided), and ``any``
InterpretStep = Literal[
    "location", "to_location", "confirm_location", "item", "quantity", "pallet", "tote", "lot", "any"
]
_LOCATION_STEPS = ("location", "to_location", "confirm_location")
_MAX_QUANTITY_DIGITS = 9


class InterpretScan(msgspec.Struct, forbid_unknown_fields=True):
    """A raw scan and the step the handheld is waiting at."""

    warehouse: str
    step: InterpretStep
    scan: str


@dataclass(frozen=True, slots=True)
class ScannedItem:
    id: int
    sku: str
    description: str
    lot_tracked: bool
    uom: str
    factor: int


def gtin_variants(gtin14: str) -> list[str]:
    """The forms a GTIN-14 may be stored in (GTIN-13, -12, -8 are GTIN-14 with leading zeros)."""
    forms = [gtin14]
    for length in (13, 12, 8):
        if gtin14[: 14 - length] == "0" * (14 - length):
            forms.append(gtin14[14 - length :])
    return forms


async def item_for_gtin(db: AsyncSession, gtin14: str) -> ScannedItem | None:
    """The item (and unit) a GTIN identifies, or None when unknown."""
    row = (
        await db.execute(
            text(
                "SELECT i.id, i.sku, i.description, i.lot_tracked, u.uom, u.factor FROM item_uoms u"
                " JOIN items i ON i.id = u.item_id WHERE u.gtin = ANY(:g)"
            ),
            {"g": gtin_variants(gtin14)},
        )
    ).first()
    if row is None:
        return None
    return ScannedItem(int(row[0]), row[1], row[2], bool(row[3]), row[4], int(row[5]))


def read(scan: str, *, step: Step) -> ScanResult:
    """Interpret a raw scan at ``step`` with the site's label patterns."""
    return interpret(scan, step=step, patterns=SITE_LABELS)


async def read_location(db: AsyncSession, warehouse: str, scan: str) -> str:
    """A location code from a scan (see ``location_reading``)."""
    return (await location_reading(db, warehouse, scan)).code


async def location_reading(db: AsyncSession, warehouse: str, scan: str) -> ScanResult:
    """A location scan; a label outside the site's patterns counts when the warehouse has it.

    The location master is the authority: a bin added with an unusual label must still be scannable.
    """
    try:
        return read(scan, step="location")
    except DomainError:
        code = scan.strip().upper()
        known = await db.scalar(
            text("SELECT 1 FROM locations WHERE code = :c AND warehouse = :wh"), {"c": code, "wh": warehouse}
        )
        if known:
            return ScanResult(kind="location", code=code, raw=scan.strip())
        raise


def quantity_reading(scan: str) -> dict[str, Any]:
    """A quantity keyed or scanned at a quantity step: a whole number of base units, 0 or more."""
    raw = scan.strip()
    if not raw.isdigit() or len(raw) > _MAX_QUANTITY_DIGITS:
        raise Invalid("scan.not_a_quantity", f"{raw!r} is not a quantity: enter a whole number", scanned=raw)
    blank = dict.fromkeys(f.name for f in fields(ScanResult))
    return blank | {"kind": "quantity", "code": str(int(raw)), "raw": raw, "count": int(raw)}


async def require_item(db: AsyncSession, result: ScanResult) -> ScannedItem:
    """The item of a GTIN scan; ``scan.unknown_item`` when no item carries that GTIN."""
    item = await item_for_gtin(db, result.gtin or result.code)
    if item is None:
        raise Rejected("scan.unknown_item", f"No item has GTIN {result.gtin}. Scan another label", gtin=result.gtin)
    return item


async def describe_scan(db: AsyncSession, cmd: InterpretScan) -> dict[str, Any]:
    """What the scan is at that step, with the item or location it names when the warehouse knows it."""
    if cmd.step == "quantity":
        return {"warehouse": cmd.warehouse, "step": cmd.step, **quantity_reading(cmd.scan)}
    if cmd.step in _LOCATION_STEPS:
        result = await location_reading(db, cmd.warehouse, cmd.scan)
    else:
        result = read(cmd.scan, step=cast(Step, cmd.step))  # the other steps are the interpreter's own
    answer: dict[str, Any] = {"warehouse": cmd.warehouse, "step": cmd.step, **result.to_dict()}
    if result.kind == "gtin" and result.gtin:
        item = await item_for_gtin(db, result.gtin)
        answer["item"] = (
            None
            if item is None
            else {
                "sku": item.sku,
                "description": item.description,
                "lot_tracked": item.lot_tracked,
                "uom": item.uom,
                "factor": item.factor,
                "lot_required": item.lot_tracked and result.lot is None,
            }
        )
    if result.kind == "location":
        row = (
            await db.execute(
                text("SELECT code, zone, kind FROM locations WHERE code = :c AND warehouse = :wh"),
                {"c": result.code, "wh": cmd.warehouse},
            )
        ).first()
        answer["location"] = None if row is None else {"code": row[0], "zone": row[1], "kind": row[2]}
    return answer
