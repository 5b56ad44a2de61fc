"""Response models of stock, ATP and the tablet catalog."""

from __future__ import annotations

from datetime import date

import msgspec

from server.services.stock import BalanceView
from server.services.values import AsOf, Model


class AtpBucketView(Model):
    date: date
    inbound: int
    demand: int
    projected: int
    promisable: int


class AtpView(Model):
    """Time-phased available-to-promise of an item in a warehouse; the first bucket is ``as_of``."""

    item: str
    warehouse: str
    as_of: date
    on_hand: int
    allocated: int
    available_now: int
    quarantined: int
    damaged: int
    buckets: list[AtpBucketView]


class ItemAtp(Model):
    as_of: AsOf
    atp: AtpView
    description: str


class CatalogItem(Model):
    sku: str
    description: str
    gtins: list[str]
    lot_tracked: bool
    item_class: str
    available_now: int
    promisable_now: int
    quarantined: int
    damaged: int
    next_inbound: date | None


class CatalogPage(Model):
    as_of: AsOf
    total: int
    items: list[CatalogItem]


class StockRow(Model):
    location: str
    sku: str
    lot: str
    status: str
    on_hand: int
    allocated: int
    version: int
    expires_on: date | None


class StockList(Model):
    as_of: AsOf
    balances: list[StockRow]


class Adjusted(Model):
    balance: BalanceView
    atp: AtpView


class Moved(Model):
    from_: BalanceView = msgspec.field(name="from")
    to: BalanceView
