"""What a customer owes us, and payments against it.

Exposure is what counts against the credit limit: the value of open orders still to ship, plus
invoices not yet paid, less credit the customer holds (credit memos from returns and payments not
matched to an invoice yet). Shipping moves value from open orders to invoices, so exposure does not
drop when goods leave; it drops when the customer pays or is credited.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from domain.customers import Customer, Money
from domain.errors import Invalid, NotFound, Rejected
from domain.fulfilment import LineQuantities, open_value
from domain.ledger import AR, CASH, EntryHeader, JournalBuilder, JournalEntry, SourceDocument
from domain.orders import OPEN_STATUSES, SalesOrder


@dataclass(frozen=True)
class Invoice:
    """An invoice of one shipment: ``paid`` is what payments have settled of ``amount`` so far."""

    id: str
    customer_id: str
    issued_at: datetime
    amount: Money
    paid: Money

    @property
    def outstanding(self) -> Money:
        """What is still to be paid."""
        return self.amount - self.paid


@dataclass(frozen=True)
class Exposure:
    """What counts against a customer's credit limit, part by part."""

    open_orders: Money
    unpaid_invoices: Money
    credits: Money  # credit memos and payments not applied to an invoice

    @property
    def total(self) -> Money:
        """Open orders + unpaid invoices - credit held."""
        return self.open_orders + self.unpaid_invoices - self.credits

    def available(self, customer: Customer) -> Money:
        """Credit the customer can still use (negative when over the limit)."""
        return customer.credit_limit - self.total


def open_orders_value(
    orders: Iterable[tuple[SalesOrder, dict[int, LineQuantities]]], *, currency: str
) -> Money:
    """What open orders are still to ship: units neither shipped nor cancelled, at the order price."""
    total = Money(0, currency)
    for order, lines in orders:
        if order.status in OPEN_STATUSES:
            for line in order.lines:
                total = total + open_value(lines[line.line_no], line.unit_price)
    return total


def exposure(
    *, open_orders: Money, invoices: Iterable[Invoice], credits: Iterable[Money] = ()
) -> Exposure:
    """Open orders + invoiced and unpaid - credit memos and unapplied payments."""
    currency = open_orders.currency
    unpaid = Money(0, currency)
    for invoice in invoices:
        unpaid = unpaid + invoice.outstanding
    held = Money(0, currency)
    for credit in credits:
        held = held + credit
    return Exposure(open_orders, unpaid, held)


@dataclass(frozen=True)
class Payment:
    """Money received from a customer; ``invoices`` names which to settle, in order (else oldest first)."""

    id: str
    customer_id: str
    amount: Money
    received_at: datetime
    invoices: tuple[str, ...] = ()


@dataclass(frozen=True)
class PaymentApplication:
    """How a payment was spread over invoices, and its posting."""

    applied: tuple[tuple[str, Money], ...]  # (invoice id, amount settled)
    unapplied: Money  # left on account: a credit the customer holds
    invoices: tuple[Invoice, ...]  # the invoices it touched, as they now stand
    entry: JournalEntry  # Dr Cash / Cr AR for the whole payment


def _in_order(payment: Payment, invoices: Sequence[Invoice]) -> list[Invoice]:
    by_id = {invoice.id: invoice for invoice in invoices}
    for invoice in invoices:
        if invoice.customer_id != payment.customer_id:
            raise Rejected("payment.wrong_customer", f"Invoice {invoice.id} is not this customer's", invoice=invoice.id)
    if not payment.invoices:
        return sorted(invoices, key=lambda i: (i.issued_at, i.id))
    missing = [number for number in payment.invoices if number not in by_id]
    if missing:
        raise NotFound("payment.invoice_not_found", f"No invoice {missing[0]} for this customer", invoice=missing[0])
    return [by_id[number] for number in dict.fromkeys(payment.invoices)]


def apply_payment(payment: Payment, invoices: Sequence[Invoice], *, user: str) -> PaymentApplication:
    """Settle the named invoices (or the oldest first) with ``payment``; the rest stays on account."""
    if payment.amount.amount <= 0:
        raise Invalid("payment.invalid_amount", f"A payment must be more than zero, got {payment.amount}")
    left = payment.amount
    applied: list[tuple[str, Money]] = []
    touched: list[Invoice] = []
    for invoice in _in_order(payment, invoices):
        take = min(left.amount, invoice.outstanding.amount)
        if take <= 0:
            continue
        settled = Money(take, left.currency)
        applied.append((invoice.id, settled))
        touched.append(replace(invoice, paid=invoice.paid + settled))
        left = left - settled
    header = EntryHeader(payment.id, SourceDocument("payment", payment.id), user, payment.received_at)
    builder = JournalBuilder(header, payment.amount.currency)
    posted = builder.debit(CASH, payment.amount.amount).credit(AR, payment.amount.amount).build()
    return PaymentApplication(tuple(applied), left, tuple(touched), posted)
