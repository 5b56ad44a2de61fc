"""Response model of scan interpretation."""

from __future__ import annotations

from datetime import date

import msgspec

from server.services.values import Model


class KnownItem(Model):
    sku: str
    description: str
    lot_tracked: bool
    uom: str
    factor: int
    lot_required: bool


class KnownLocation(Model):
    code: str
    zone: str
    kind: str


class ScanReading(Model):
    """What a scan is at a step; ``code`` is the identifier of its kind (location, GTIN-14, SSCC, lot)."""

    warehouse: str
    step: str
    kind: str
    code: str
    raw: str
    gtin: str | None
    sscc: str | None
    lot: str | None
    expiry: date | None
    best_before: date | None
    serial: str | None
    count: int | None
    net_weight_g: int | None
    net_weight_kg: str | None
    item: KnownItem | msgspec.UnsetType | None = msgspec.UNSET
    """GTIN scans only: the item it names, ``null`` when the warehouse does not know it."""
    location: KnownLocation | msgspec.UnsetType | None = msgspec.UNSET
    """Location scans only: the location, ``null`` when the warehouse does not know it."""
