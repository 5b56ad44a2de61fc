"""Response models of the books: trial balance and journal entries."""

from __future__ import annotations

from server.services.values import Model, Timestamp


class AccountTotal(Model):
    account: str
    name: str
    type: str
    currency: str
    debit: int
    """Integer minor units of ``currency``."""
    credit: int
    """Integer minor units of ``currency``."""
    balance: int
    """Debit minus credit, integer minor units of ``currency``."""


class InventoryCheck(Model):
    warehouse: str
    currency: str
    stock_value: int
    """On hand times average cost, integer minor units of ``currency``."""
    gl_value: int
    """The Inventory account's balance, integer minor units of ``currency``."""


class TrialBalance(Model):
    warehouse: str | None
    accounts: list[AccountTotal]
    balanced: bool
    inventory: list[InventoryCheck]
    inventory_reconciled: bool


class SourceRef(Model):
    kind: str
    id: str


class EntryLine(Model):
    account: str
    debit: int
    """Integer minor units of ``currency``."""
    credit: int
    """Integer minor units of ``currency``."""
    currency: str
    warehouse: str | None
    item: str | None


class EntryView(Model):
    id: str
    source: SourceRef
    posted_by: str
    posted_at: Timestamp
    memo: str
    reverses: str | None
    lines: list[EntryLine]
    warehouse: str | None


class ExportedLine(Model):
    account: str
    account_name: str
    debit: int
    """Integer minor units of ``currency``."""
    credit: int
    """Integer minor units of ``currency``."""
    currency: str
    warehouse: str | None
    sku: str | None


class ExportedEntry(Model):
    """A journal entry as the accounting export writes it (``format=json``)."""

    id: str
    posted_at: Timestamp
    warehouse: str | None
    source: SourceRef
    memo: str
    posted_by: str
    reverses: str | None
    lines: list[ExportedLine]
