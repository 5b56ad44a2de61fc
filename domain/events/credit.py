"""Money a customer owes or is owed back: credit memos and payments. Other systems (the ERP) take them
from the pull feed and webhooks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from domain.events.base import Event

NO_TOPICS: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True, kw_only=True)
class CreditMemoPosted(Event):
    """Emitted when a closed return credits its customer. ``entity_id`` is the credit memo number;
    ``data`` holds the customer, the RMA, order and line, the units credited, the amount and currency,
    the journal entry (Dr Revenue / Cr AR) and ``version`` 1."""

    type: ClassVar[str] = "credit_memo.posted"
    entity: ClassVar[str] = "credit_memo"
    topics: ClassVar[frozenset[str]] = NO_TOPICS


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentApplied(Event):
    """Emitted when a customer's payment is recorded. ``entity_id`` is the payment id; ``data`` holds
    the customer, amount and currency, the invoices it settled with the amount each, what is left on
    account, the journal entry (Dr Cash / Cr AR) and ``version`` 1."""

    type: ClassVar[str] = "payment.applied"
    entity: ClassVar[str] = "payment"
    topics: ClassVar[frozenset[str]] = NO_TOPICS


CREDIT_EVENTS: tuple[type[Event], ...] = (CreditMemoPosted, PaymentApplied)
