"""What every command leaves behind: its idempotency record and its outbox events."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column

from realtime import outbox_rows
from server.models.base import Base, created_at


class IdempotencyKey(Base):
    """A command's key and its stored response, written in the command's own transaction."""

    __tablename__ = "idempotency_keys"

    principal: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(256))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(128))
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = created_at()


class OutboxEvent(Base):
    """An event committed with its change; the relay stamps ``seq`` when it publishes it. Writer and
    readers spell its columns through ``realtime.outbox_rows``, which a test holds to this schema."""

    __tablename__ = outbox_rows.TABLE
    __table_args__ = (
        Index("ix_outbox_unpublished", "warehouse", "id", postgresql_where=text("seq IS NULL")),
        Index("ix_outbox_warehouse_seq", "warehouse", "seq", unique=True),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    warehouse: Mapped[str] = mapped_column(String(16))
    type: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(128))
    entity_version: Mapped[int] = mapped_column(BigInteger)
    occurred_at: Mapped[datetime] = created_at()
    data: Mapped[dict[str, Any]]
    seq: Mapped[int | None] = mapped_column(BigInteger)
    published_at: Mapped[datetime | None]
