"""What a handheld will have accepted for a task's line, so it checks each scan at once, even offline."""

from __future__ import annotations

from server.services.values import Model


class AcceptedGtin(Model):
    gtin: str
    uom: str
    factor: int
    """Base units in one of this unit."""


class ManifestLocation(Model):
    """The bin: its code and every barcode that names it (a location's label carries its code)."""

    code: str
    barcodes: list[str]


class ManifestLot(Model):
    """Lot and expiry rules of the line."""

    required: bool
    """The item is lot tracked: the item scan must carry its lot (GS1 AI 10)."""
    lot: str | None
    """The lot the line was allocated from; a scan of another lot is refused. ``null``: any lot."""
    expires_on: str | None
    """The allocated lot's expiry date (ISO), when known."""
    min_shelf_life_days: int | None
    """The customer's minimum remaining shelf life, which allocation already respected; ``null`` for no rule."""


class ManifestTote(Model):
    """The tote the line goes into: scanned after the quantity, whenever at least one unit was picked."""

    code: str
    patterns: list[str]
    """Regular expressions (whole scan, any case) a tote label matches."""


class Manifest(Model):
    """Everything the server will accept for the line: the bin, the item's GTINs, lot rules, quantity, tote."""

    location: ManifestLocation
    sku: str | None
    accepted_gtins: list[AcceptedGtin]
    lot: ManifestLot
    qty_max: int | None
    """The most that may be confirmed (less is a short pick); ``null`` on blind counts."""
    tote: ManifestTote | None
