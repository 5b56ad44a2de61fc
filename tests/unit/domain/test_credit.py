"""Exposure counts what is owed: open orders, unpaid invoices, less credit held; payments settle the
oldest invoices first unless named, and post Dr Cash / Cr AR."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from domain import fulfilment as f
from domain.credit import Invoice, Payment, apply_payment, exposure, open_orders_value
from domain.customers import Customer, Money
from domain.errors import Invalid, NotFound, Rejected
from domain.fulfilment import LineQuantities
from domain.ledger import AR, CASH
from domain.orders import OrderLine, OrderStatus, SalesOrder

DAY = datetime(2026, 3, 1, tzinfo=UTC)


def eur(amount: int) -> Money:
    return Money(amount, "EUR")


def invoice(number: str, amount: int, *, day: int, paid: int = 0, customer: str = "C1") -> Invoice:
    return Invoice(number, customer, DAY.replace(day=day), eur(amount), eur(paid))


INVOICES = (invoice("INV-3", 300, day=9), invoice("INV-1", 100, day=2), invoice("INV-2", 200, day=5, paid=50))


def test_a_split_shipment_moves_value_from_open_orders_to_invoices_so_exposure_stays_true() -> None:
    order = SalesOrder(
        "SO-1", "C1", "WH1", OrderStatus.BACKORDERED, (OrderLine(1, "WATER", 5, eur(100)),),
        date(2026, 3, 12), DAY, "EUR",
    )
    before = exposure(open_orders=open_orders_value([(order, {1: LineQuantities.new(5)})], currency="EUR"), invoices=[])
    shipped = f.ship(f.pick(f.allocate(LineQuantities.new(5), 4), 4))
    after = exposure(
        open_orders=open_orders_value([(order, {1: shipped})], currency="EUR"),
        invoices=[invoice("INV-SO-1", 400, day=3)],
    )
    assert (before.open_orders, after.open_orders, after.unpaid_invoices) == (eur(500), eur(100), eur(400))
    assert before.total == after.total == eur(500)
    shipped_order = replace(order, status=OrderStatus.SHIPPED)
    assert open_orders_value([(shipped_order, {1: shipped})], currency="EUR") == eur(0)


def test_exposure_is_open_orders_plus_unpaid_invoices_less_credit_held() -> None:
    held = exposure(open_orders=eur(1000), invoices=INVOICES, credits=[eur(120), eur(30)])
    assert (held.unpaid_invoices, held.credits, held.total) == (eur(550), eur(150), eur(1400))
    limit = Customer("C1", "Corner Shop", 2, eur(1500), "PL")
    assert held.available(limit) == eur(100)


def test_a_payment_settles_the_oldest_invoices_first_and_posts_cash_against_receivables() -> None:
    paid = apply_payment(Payment("PAY-1", "C1", eur(180), DAY), INVOICES, user="clerk")
    assert paid.applied == (("INV-1", eur(100)), ("INV-2", eur(80)))
    assert paid.unapplied == eur(0)
    assert [(i.id, i.outstanding) for i in paid.invoices] == [("INV-1", eur(0)), ("INV-2", eur(70))]
    assert [(ln.account, ln.debit, ln.credit) for ln in paid.entry.lines] == [(CASH.code, 180, 0), (AR.code, 0, 180)]


def test_a_payment_naming_invoices_settles_those_in_that_order_and_keeps_the_rest_on_account() -> None:
    paid = apply_payment(Payment("PAY-2", "C1", eur(500), DAY, invoices=("INV-3", "INV-1")), INVOICES, user="clerk")
    assert paid.applied == (("INV-3", eur(300)), ("INV-1", eur(100)))
    assert paid.unapplied == eur(100)
    after = exposure(open_orders=eur(0), invoices=[*paid.invoices, INVOICES[2]], credits=[paid.unapplied])
    assert after.total == eur(50)  # INV-2's 150 unpaid less 100 on account


def test_a_payment_must_be_positive_and_name_this_customers_invoices() -> None:
    with pytest.raises(Invalid) as zero:
        apply_payment(Payment("PAY-3", "C1", eur(0), DAY), INVOICES, user="clerk")
    assert zero.value.code == "payment.invalid_amount"
    with pytest.raises(NotFound) as missing:
        apply_payment(Payment("PAY-3", "C1", eur(10), DAY, invoices=("INV-9",)), INVOICES, user="clerk")
    assert missing.value.code == "payment.invoice_not_found"
    with pytest.raises(Rejected) as theirs:
        apply_payment(Payment("PAY-3", "C1", eur(10), DAY), [invoice("INV-8", 10, day=1, customer="C2")], user="x")
    assert theirs.value.code == "payment.wrong_customer"
    with pytest.raises(Rejected) as currency:
        apply_payment(Payment("PAY-3", "C1", Money(10, "USD"), DAY), INVOICES, user="clerk")
    assert currency.value.code == "money.currency_mismatch"
