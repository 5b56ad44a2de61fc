"""Cycle count results: what was counted against what the system held, and what became of it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, created_at


class CountResult(Base):
    """One counted (location, item, lot) of a count task.

    ``action`` is the domain's decision (none, auto_adjust, needs_approval); ``adjusted`` turns true
    once the variance is booked, at once or when a supervisor approves.
    """

    __tablename__ = "count_results"
    __table_args__ = (
        UniqueConstraint("task_id", "item_id", "lot"),
        Index("ix_count_results_location", "warehouse", "location_id", "item_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    warehouse: Mapped[str] = mapped_column(ForeignKey("warehouses.code"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    lot: Mapped[str] = mapped_column(String(40), default="")
    system_qty: Mapped[int] = mapped_column(BigInteger)
    counted_qty: Mapped[int] = mapped_column(BigInteger)
    variance_qty: Mapped[int] = mapped_column(BigInteger)
    variance_value: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    action: Mapped[str] = mapped_column(String(16))
    exception_id: Mapped[str | None] = mapped_column(ForeignKey("exceptions.id"))
    approval_id: Mapped[int | None] = mapped_column(ForeignKey("approvals.id"))
    adjusted: Mapped[bool] = mapped_column(default=False)
    counted_by: Mapped[str] = mapped_column(String(64))
    counted_at: Mapped[datetime] = created_at()
