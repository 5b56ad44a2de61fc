"""Customers, their prices and their credit: integer money in minor units, always with a currency."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from domain.errors import Conflict, Invalid, Rejected


@dataclass(frozen=True)
class Money:
    """An amount in minor units (cents) of ``currency``."""

    amount: int
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise Invalid("money.not_whole", f"Money is whole minor units, got {self.amount!r}")

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise Rejected("money.currency_mismatch", f"Cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def times(self, qty: int) -> Money:
        """This amount ``qty`` times (a unit price times a quantity)."""
        return Money(self.amount * qty, self.currency)

    def __str__(self) -> str:
        """In the currency's units, as people read it: ``228.00 EUR``, ``2,000 JPY``."""
        places = MINOR_DIGITS.get(self.currency, 2)
        units, minor = divmod(abs(self.amount), 10**places)
        sign = "-" if self.amount < 0 else ""
        return f"{sign}{units:,}{f'.{minor:0{places}d}' if places else ''} {self.currency}"


# ISO 4217 currencies whose minor unit is not the cent (two digits is the default)
MINOR_DIGITS = {"JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "VND": 0, "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3}


@dataclass(frozen=True)
class Customer:
    """A customer. Tier 1 is served first; ``min_remaining_shelf_life_days`` limits which lots ship."""

    id: str
    name: str
    priority_tier: int
    credit_limit: Money
    price_list_id: str
    min_remaining_shelf_life_days: int = 0
    accepts_substitutes: bool = False


@dataclass(frozen=True)
class PriceList:
    """Unit prices per SKU (per base unit, in ``currency`` minor units), with per-customer overrides."""

    id: str
    currency: str
    prices: Mapping[str, int] = field(default_factory=dict)
    customer_prices: Mapping[tuple[str, str], int] = field(default_factory=dict)  # (customer id, sku)


def unit_price(customer: Customer, price_list: PriceList, sku: str) -> Money:
    """The customer's price per base unit: their own price if agreed, else the list price."""
    if price_list.id != customer.price_list_id:
        raise Rejected(
            "price.wrong_list",
            f"{customer.name} buys from price list {customer.price_list_id}, not {price_list.id}",
            customer=customer.id,
        )
    amount = price_list.customer_prices.get((customer.id, sku), price_list.prices.get(sku))
    if amount is None:
        raise Rejected("price.not_found", f"No price for {sku} on list {price_list.id}", sku=sku)
    return Money(amount, price_list.currency)


@dataclass(frozen=True)
class CreditDecision:
    """Whether an order fits the customer's credit, and why."""

    approved: bool
    code: str
    reason: str
    exposure: Money  # open orders plus this one
    limit: Money

    def raise_if_refused(self) -> None:
        """Raise ``credit.limit_exceeded`` when refused (for callers that cannot place a hold)."""
        if not self.approved:
            raise Conflict(self.code, self.reason, exposure=self.exposure.amount, limit=self.limit.amount)


def check_credit(customer: Customer, *, open_orders: Money, this_order: Money) -> CreditDecision:
    """Approve if open order value plus this order stays within the credit limit."""
    limit = customer.credit_limit
    exposure = open_orders + this_order
    spare = limit - exposure  # raises money.currency_mismatch before any decision is made
    if spare.amount >= 0:
        reason = f"Within limit; {spare} to spare"
        return CreditDecision(True, "credit.ok", reason, exposure, limit)
    return CreditDecision(
        False,
        "credit.limit_exceeded",
        f"{customer.name} would be {Money(-spare.amount, limit.currency)} over the credit limit of {limit}",
        exposure,
        limit,
    )
