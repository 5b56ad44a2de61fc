"""Stream positions per warehouse and the offline devices' applied mutations."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, created_at


class StreamState(Base):
    """One warehouse's event stream: its epoch and the last sequence number the relay stamped.

    Only the relay (the elected single writer per warehouse) updates this row, never a user
    transaction, so the hot path does not serialise on it.
    """

    __tablename__ = "stream_state"

    warehouse: Mapped[str] = mapped_column(ForeignKey("warehouses.code"), primary_key=True)
    epoch: Mapped[str] = mapped_column(String(32))
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = created_at()


class DeviceQueue(Base):
    """One user's mutation queue on one device: a personal device has its owner's only, a shared
    device one per user who logs in on it, so no result ever crosses from one user to another."""

    __tablename__ = "device_queues"

    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    last_mutation_id: Mapped[int] = mapped_column(BigInteger, default=0)


class DeviceMutation(Base):
    """A device's numbered mutation, applied exactly once, with the result it got."""

    __tablename__ = "device_mutations"

    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    mutation_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))  # applied | rejected
    status_code: Mapped[int] = mapped_column(Integer)
    result: Mapped[dict[str, Any]]
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # whose queue: one per (device, user)
    applied_at: Mapped[datetime] = created_at()
