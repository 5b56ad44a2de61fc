"""The general ledger: chart of accounts, immutable journal entries and lines, item valuations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base


class Account(Base):
    __tablename__ = "accounts"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(16))


class JournalEntry(Base):
    """Posted once, never edited; a correction is a new entry that ``reverses`` this one."""

    __tablename__ = "journal_entries"
    __table_args__ = (Index("ix_journal_entries_source", "source_kind", "source_id"),)

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    warehouse: Mapped[str | None] = mapped_column(ForeignKey("warehouses.code"))
    source_kind: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[str] = mapped_column(String(120))
    posted_by: Mapped[str] = mapped_column(String(64))
    posted_at: Mapped[datetime]
    memo: Mapped[str] = mapped_column(Text, default="")
    reverses: Mapped[str | None] = mapped_column(ForeignKey("journal_entries.id"))


class JournalLine(Base):
    __tablename__ = "journal_lines"
    __table_args__ = (
        CheckConstraint("debit >= 0 AND credit >= 0 AND (debit = 0) <> (credit = 0)", name="one_side"),
        Index("ix_journal_lines_account", "account", "warehouse"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    entry_id: Mapped[str] = mapped_column(ForeignKey("journal_entries.id"), index=True)
    account: Mapped[str] = mapped_column(ForeignKey("accounts.code"))
    debit: Mapped[int] = mapped_column(BigInteger)
    credit: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    warehouse: Mapped[str | None] = mapped_column(String(16))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))


class ItemValuation(Base):
    """Moving-average valuation of an item in a warehouse: exact (qty, value), the average is derived."""

    __tablename__ = "item_valuations"
    __table_args__ = (CheckConstraint("qty >= 0 AND value >= 0 AND (qty > 0 OR value = 0)", name="consistent"),)

    warehouse: Mapped[str] = mapped_column(ForeignKey("warehouses.code"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    qty: Mapped[int] = mapped_column(BigInteger, default=0)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
    last_unit_cost: Mapped[int | None] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
