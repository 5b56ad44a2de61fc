"""Suppliers, the warehouses a customer is served from, master-data history and import runs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, created_at


class Supplier(Base):
    __tablename__ = "suppliers"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    currency: Mapped[str] = mapped_column(String(3))
    lead_time_days: Mapped[int] = mapped_column(Integer)
    email: Mapped[str] = mapped_column(String(128))


class CustomerWarehouse(Base):
    """A warehouse that may ship to the customer (besides its home warehouse)."""

    __tablename__ = "customer_warehouses"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    warehouse: Mapped[str] = mapped_column(ForeignKey("warehouses.code"), primary_key=True)


class MasterDataChange(Base):
    """Who changed which master record, when, from where (an import or an API call), and how."""

    __tablename__ = "master_data_history"
    __table_args__ = (Index("ix_master_data_history_entity", "entity", "entity_key", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    entity: Mapped[str] = mapped_column(String(32))
    entity_key: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(16))
    changes: Mapped[dict[str, Any]] = mapped_column()  # field -> [before, after]
    changed_by: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = created_at()


class ImportRun(Base):
    """One file sent to ``POST /api/imports/<kind>``: its progress while it runs, its outcome after."""

    __tablename__ = "import_runs"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    dry_run: Mapped[bool] = mapped_column()
    started_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(server_default=func.now())
    finished_at: Mapped[datetime | None]
    rows_read: Mapped[int] = mapped_column(BigInteger)
    rows_applied: Mapped[int] = mapped_column(BigInteger)
    created: Mapped[int] = mapped_column(BigInteger)
    updated: Mapped[int] = mapped_column(BigInteger)
    unchanged: Mapped[int] = mapped_column(BigInteger)
    errors_total: Mapped[int] = mapped_column(BigInteger)
    errors: Mapped[list[Any]] = mapped_column(JSONB)
