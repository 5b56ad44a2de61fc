"""One table: each importable kind, its staging columns, its reference checks and how it is applied."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import asyncpg

from domain.import_kinds import KINDS
from domain.imports import KindSpec, RowError
from server.imports import master, people, stock
from server.imports.staging import Context

Check = Callable[[asyncpg.Connection, Context], Awaitable[list[RowError]]]
Apply = Callable[[asyncpg.Connection, Context], Awaitable[tuple[int, int] | None]]


@dataclass(frozen=True, slots=True)
class Importer:
    spec: KindSpec
    sql_types: tuple[str, ...]  # one per field of the spec, in order
    check: Check
    apply: Apply  # returns (created, updated), or None to count the history it wrote

    @property
    def columns(self) -> tuple[tuple[str, str], ...]:
        return tuple(zip((f.name for f in self.spec.fields), self.sql_types, strict=True))


_T, _B, _I, _D, _A = "text", "boolean", "bigint", "date", "text[]"

IMPORTERS: Mapping[str, Importer] = MappingProxyType(
    {
        "warehouses": Importer(KINDS["warehouses"], (_T, _T, _T, _T, _I), master.no_checks, master.apply_warehouses),
        "suppliers": Importer(KINDS["suppliers"], (_T, _T, _T, _I, _T), master.no_checks, master.apply_suppliers),
        "items": Importer(
            KINDS["items"], (_T, _T, _A, _T, _B, _I, _I, _T, _T, _A), master.check_items, master.apply_items
        ),
        "locations": Importer(
            KINDS["locations"],
            (_T, _T, _T, _T, _T, _I, _I, _I, _T, _I, _I),
            master.check_locations,
            master.apply_locations,
        ),
        "customers": Importer(
            KINDS["customers"],
            (_T, _T, _T, _I, _I, _T, _I, _T, _T, _A, _B),
            master.check_customers,
            master.apply_customers,
        ),
        "prices": Importer(KINDS["prices"], (_T, _T, _T, _I, _D, _D), master.check_prices, master.apply_prices),
        "customer_prices": Importer(
            KINDS["customer_prices"], (_T, _T, _I, _D, _D), master.check_customer_prices, master.apply_customer_prices
        ),
        "users": Importer(KINDS["users"], (_T, _T, _A, _A, _T, _B), people.check_users, people.apply_users),
        "badges": Importer(KINDS["badges"], (_T, _T, _T), people.check_badges, people.apply_badges),
        "opening_stock": Importer(
            KINDS["opening_stock"], (_T, _T, _T, _D, _T, _I, _I), stock.check_opening_stock, stock.apply_opening_stock
        ),
    }
)
