"""Response models of receiving: ASNs and receipts (started, confirmed, closed)."""

from __future__ import annotations

from server.services.task_models import TaskView
from server.services.values import Model


class AsnRecorded(Model):
    number: str
    purchase_order: str
    warehouse: str
    status: str
    pallets: list[str]
    lines: int


class ExpectedView(Model):
    sku: str
    lot: str | None
    qty: int | None
    """``None`` when receiving blind: the receiver counts instead of confirming."""


class PalletView(Model):
    sscc: str
    received: bool


class ReceivedView(Model):
    sku: str
    lot: str | None
    sscc: str | None
    qty: int
    damaged_qty: int
    damage_reason: str | None


class ReceiptView(Model):
    """A receipt: what to receive, what was received, which pallets."""

    id: int
    number: str
    warehouse: str
    asn: str
    purchase_order: str
    dock: str
    status: str
    blind: bool
    version: int
    expected: list[ExpectedView]
    pallets: list[PalletView]
    received: list[ReceivedView]


class VarianceView(Model):
    kind: str
    sku: str
    lot: str | None
    expected: int
    received: int
    qty: int


class ClosedReceipt(ReceiptView):
    """The closed receipt with its variances, the exceptions they raised and the putaway tasks."""

    variances: list[VarianceView]
    exceptions: list[str]
    putaway_tasks: list[TaskView]
