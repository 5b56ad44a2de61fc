"""Warehouse execution: ASNs with their pallets, receipts, tasks, waves, exceptions and approvals."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, created_at


class Asn(Base):
    """An advance shipping notice against a purchase order: what the supplier says is on its way."""

    __tablename__ = "asns"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    warehouse: Mapped[str] = mapped_column(ForeignKey("warehouses.code"))
    po_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="expected")  # expected | receiving | closed
    expected_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = created_at()


class AsnLine(Base):
    """Contents of an ASN, per pallet (``sscc``) when the supplier labelled pallets."""

    __tablename__ = "asn_lines"
    __table_args__ = (CheckConstraint("qty > 0", name="qty_positive"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    asn_id: Mapped[int] = mapped_column(ForeignKey("asns.id", ondelete="CASCADE"), index=True)
    sscc: Mapped[str | None] = mapped_column(String(18), index=True)
    po_line_no: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    lot: Mapped[str] = mapped_column(String(40), default="")
    expires_on: Mapped[date | None] = mapped_column(Date)
    qty: Mapped[int] = mapped_column(BigInteger)


class Receipt(Base):
    """Receiving one ASN at a dock: open while lines are confirmed, closed when putaway is planned."""

    __tablename__ = "receipts"
    __table_args__ = (Index("ix_receipts_open_asn", "asn_id", unique=True, postgresql_where=text("status = 'open'")),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    warehouse: Mapped[str] = mapped_column(ForeignKey("warehouses.code"))
    asn_id: Mapped[int] = mapped_column(ForeignKey("asns.id"))
    dock_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed
    blind: Mapped[bool] = mapped_column(Boolean, default=False)
    started_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = created_at()
    closed_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(BigInteger, default=1)


class ReceiptLine(Base):
    """What a receiver confirmed: good units (available) and damaged units (quarantined) with why."""

    __tablename__ = "receipt_lines"
    __table_args__ = (
        CheckConstraint("qty_good >= 0 AND qty_damaged >= 0 AND qty_good + qty_damaged > 0", name="quantities"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipts.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    po_line_no: Mapped[int] = mapped_column(Integer)
    sscc: Mapped[str | None] = mapped_column(String(18))
    lot: Mapped[str] = mapped_column(String(40), default="")
    expires_on: Mapped[date | None] = mapped_column(Date)
    qty_good: Mapped[int] = mapped_column(BigInteger)
    qty_damaged: Mapped[int] = mapped_column(BigInteger, default=0)
    damage_reason: Mapped[str | None] = mapped_column(Text)
    unit_cost_minor: Mapped[int] = mapped_column(BigInteger)
    received_by: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = created_at()


class Wave(Base):
    """Orders a supervisor released to the floor together, with the filters used."""

    __tablename__ = "waves"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    warehouse: Mapped[str] = mapped_column(ForeignKey("warehouses.code"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="released")  # released | picking | picked
    filters: Mapped[dict[str, Any]]
    released_by: Mapped[str] = mapped_column(String(64))
    released_at: Mapped[datetime] = created_at()
    version: Mapped[int] = mapped_column(BigInteger, default=1)


class WaveOrder(Base):
    __tablename__ = "wave_orders"

    wave_id: Mapped[str] = mapped_column(ForeignKey("waves.id", ondelete="CASCADE"), primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id"), primary_key=True, index=True)
    cluster_id: Mapped[str] = mapped_column(String(48))
    tote: Mapped[str] = mapped_column(String(32))


class TaskRow(Base):
    """A unit of floor work (pick, putaway, replenish, count, move) and its guided-scan progress.

    ``ref`` is the domain's stable task id (deterministic, so re-planning is idempotent); ``id`` is
    the short number handhelds and URLs use.
    """

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_pool", "warehouse", "state", "priority"),
        Index("ix_tasks_claimed", "claimed_by", postgresql_where=text("claimed_by IS NOT NULL")),
        Index("ix_tasks_cluster", "cluster_id", postgresql_where=text("cluster_id IS NOT NULL")),
        CheckConstraint("qty >= 0 AND qty_done >= 0 AND qty_done <= qty", name="quantities"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    ref: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    warehouse: Mapped[str] = mapped_column(ForeignKey("warehouses.code"))
    state: Mapped[str] = mapped_column(String(16), default="open")
    priority: Mapped[int] = mapped_column(Integer, default=50)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    to_location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    lot: Mapped[str] = mapped_column(String(40), default="")
    qty: Mapped[int] = mapped_column(BigInteger, default=0)
    qty_done: Mapped[int] = mapped_column(BigInteger, default=0)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("sales_orders.id"), index=True)
    order_line: Mapped[int | None] = mapped_column(Integer)
    wave_id: Mapped[str | None] = mapped_column(ForeignKey("waves.id"), index=True)
    cluster_id: Mapped[str | None] = mapped_column(String(48))
    tote: Mapped[str | None] = mapped_column(String(32))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("receipts.id"), index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None]
    scans: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)  # accepted guided scans
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    version: Mapped[int] = mapped_column(BigInteger, default=1)


class ExceptionRow(Base):
    """An exception a supervisor must handle (short pick, receipt variance, count variance, ...)."""

    __tablename__ = "exceptions"
    __table_args__ = (Index("ix_exceptions_queue", "warehouse", "state", "kind"),)

    id: Mapped[str] = mapped_column(String(240), primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    warehouse: Mapped[str] = mapped_column(ForeignKey("warehouses.code"))
    subject: Mapped[str] = mapped_column(String(240))
    message: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]]
    state: Mapped[str] = mapped_column(String(16), default="open")
    raised_by: Mapped[str] = mapped_column(String(64))
    raised_at: Mapped[datetime]
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    acknowledged_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(BigInteger, default=1)


class Approval(Base):
    """A decision a supervisor must take (a count variance above the threshold), with who and when."""

    __tablename__ = "approvals"
    __table_args__ = (Index("ix_approvals_pending", "warehouse", postgresql_where=text("decision IS NULL")),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    warehouse: Mapped[str] = mapped_column(ForeignKey("warehouses.code"))
    kind: Mapped[str] = mapped_column(String(24))
    subject: Mapped[str] = mapped_column(String(240))
    exception_id: Mapped[str | None] = mapped_column(ForeignKey("exceptions.id"))
    details: Mapped[dict[str, Any]]
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = created_at()
    decision: Mapped[str | None] = mapped_column(String(16))  # approved | rejected
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None]
