"""Event data of returns and transfers, built from their domain values: the document's new state as
``return.*`` and ``transfer.*`` document it, in plain JSON types."""

from __future__ import annotations

from typing import Any

from domain.customers import Money
from domain.events.payloads import money_data
from domain.returns import ReturnAuthorisation
from domain.transfers import TransferOrder


def return_data(rma: ReturnAuthorisation, *, credit: Money | None = None) -> dict[str, Any]:
    """A return as it now stands; ``credit`` once it is closed."""
    line = rma.line
    return {
        "number": rma.number,
        "customer_id": rma.customer_id,
        "warehouse": line.warehouse,
        "order_id": line.order_id,
        "line_no": line.line_no,
        "sku": line.sku,
        "qty": rma.qty,
        "reason": str(rma.reason),
        "expected_condition": str(rma.expected_condition),
        "status": str(rma.status),
        "authorised_by": rma.authorised_by,
        "authorised_at": rma.authorised_at.isoformat(),
        "received": [
            {"sku": g.sku, "lot": g.lot, "qty": g.qty, "condition": str(g.condition)} for g in rma.received
        ],
        "dispositions": [
            {"sku": d.sku, "lot": d.lot, "qty": d.qty, "disposition": str(d.disposition)} for d in rma.dispositions
        ],
        "credit": money_data(credit) if credit is not None else None,
        "version": rma.version,
    }


def transfer_data(transfer: TransferOrder) -> dict[str, Any]:
    """A transfer as it now stands, line by line."""
    return {
        "id": transfer.id,
        "source": transfer.source,
        "destination": transfer.destination,
        "expected_date": transfer.expected_date.isoformat(),
        "status": str(transfer.status),
        "lines": [
            {
                "line_no": line.line_no,
                "sku": line.sku,
                "ordered": line.qty.ordered,
                "allocated": line.qty.allocated,
                "picked": line.qty.picked,
                "shipped": line.qty.shipped,
                "cancelled": line.qty.cancelled,
                "value_in_transit": line.value_in_transit,
                "received": line.received,
                "damaged": line.damaged,
                "short": line.short,
                "over": line.over,
            }
            for line in transfer.lines
        ],
        "version": transfer.version,
    }
