"""The files Floorsync imports, one ``KindSpec`` each: fields, key and row rules (see docs/imports.md)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from domain.imports import (
    Field,
    FieldError,
    KindSpec,
    choice,
    parse_bool,
    parse_code,
    parse_count,
    parse_currency,
    parse_date,
    parse_int,
    parse_list,
    parse_ranked_list,
    parse_text,
    parse_timezone,
    parse_units,
)

ROLES = ("picker", "receiver", "sales_rep", "supervisor", "admin")
LOCATION_KINDS = ("dock", "storage", "pick_face", "quarantine", "staging", "shipping")
STOCK_STATUSES = ("available", "quarantined", "damaged")


def short_code(max_len: int, *, upper: bool = False) -> Callable[[object], str]:
    """A code of at most ``max_len`` characters (upper-cased when ``upper``: location barcodes)."""

    def parse(raw: object) -> str:
        value = parse_code(raw)
        if len(value) > max_len:
            raise FieldError("import.too_long", f"at most {max_len} characters, got {len(value)}")
        return value.upper() if upper else value

    return parse


def bounded(low: int, high: int) -> Callable[[object], int]:
    """A whole number from ``low`` to ``high``."""

    def parse(raw: object) -> int:
        value = parse_int(raw)
        if not low <= value <= high:
            raise FieldError("import.out_of_range", f"from {low} to {high}, got {value}")
        return value

    return parse


def parse_roles(raw: object) -> tuple[str, ...]:
    """Roles separated by ``|`` (CSV) or a JSON list; each one of ROLES."""
    roles = parse_list(raw)
    if unknown := [r for r in roles if r not in ROLES]:
        raise FieldError("import.role_unknown", f"roles are some of {', '.join(ROLES)}; not {', '.join(unknown)}")
    if not roles:
        raise FieldError("import.required", "give at least one role")
    return roles


def parse_pin(raw: object) -> str:
    """A badge PIN: 4 to 12 digits."""
    value = str(raw).strip() if isinstance(raw, int) and not isinstance(raw, bool) else parse_code(raw)
    if not (value.isdigit() and 4 <= len(value) <= 12):
        raise FieldError("import.pin_invalid", "a PIN is 4 to 12 digits")
    return value


def parse_password(raw: object) -> str:
    """A password of at least 8 characters."""
    value = parse_text(raw)
    if len(value) < 8:
        raise FieldError("import.password_weak", "a password has at least 8 characters")
    return value


def _validity(row: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    start, end = row["valid_from"], row["valid_to"]
    if start is not None and end is not None and end < start:
        return [("valid_to", "import.validity_reversed", f"valid_to {end} is before valid_from {start}")]
    return []


def _min_max(row: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    low, high = row["min_qty"], row["max_qty"]
    errors = []
    if (low is not None or high is not None) and not row["pick_item"]:
        errors.append(("pick_item", "import.min_max_without_item", "min_qty and max_qty need the pick_item"))
    if row["pick_item"] and row["kind"] != "pick_face":
        errors.append(("pick_item", "import.pick_item_not_pick_face", "only a pick_face location has a pick_item"))
    if low is not None and high is not None and low > high:
        errors.append(("min_qty", "import.min_above_max", f"min_qty {low} is above max_qty {high}"))
    return errors


def _not_self_substitute(row: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    if row["sku"] in row["substitutes"]:
        return [("substitutes", "import.self_substitute", f"{row['sku']} cannot substitute itself")]
    return []


def _positive_qty(row: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    return [("qty", "import.qty_not_positive", "qty must be more than zero")] if row["qty"] <= 0 else []


WAREHOUSES = KindSpec(
    "warehouses",
    (
        Field("code", short_code(16), required=True),
        Field("name", parse_text, required=True),
        Field("timezone", parse_timezone, default="UTC"),
        Field("currency", parse_currency, default="EUR"),
        Field("count_auto_adjust_limit", parse_count, default=5000),
    ),
    key=("code",),
)

SUPPLIERS = KindSpec(
    "suppliers",
    (
        Field("code", short_code(32), required=True),
        Field("name", parse_text, required=True),
        Field("currency", parse_currency, default="EUR"),
        Field("lead_time_days", parse_count, default=0),
        Field("email", parse_text, default=""),
    ),
    key=("code",),
)

ITEMS = KindSpec(
    "items",
    (
        Field("sku", short_code(32), required=True),
        Field("description", parse_text, required=True),
        Field("units", parse_units, required=True),
        Field("item_class", short_code(16), default="general"),
        Field("lot_tracked", parse_bool, default=False),
        Field("shelf_life_days", bounded(1, 36500)),
        Field("standard_cost", parse_count, default=0),
        Field("currency", parse_currency, default="EUR"),
        Field("abc_class", choice("A", "B", "C"), default="C"),
        Field("substitutes", parse_ranked_list, default=()),
    ),
    key=("sku",),
    checks=(_not_self_substitute,),
)

LOCATIONS = KindSpec(
    "locations",
    (
        Field("code", short_code(32, upper=True), required=True),
        Field("warehouse", short_code(16), required=True),
        Field("zone", short_code(16), required=True),
        Field("kind", choice(*LOCATION_KINDS), required=True),
        Field("aisle", short_code(16), default=""),
        Field("pick_sequence", parse_count, default=0),
        Field("x", bounded(-(2**31), 2**31 - 1), default=0),
        Field("y", bounded(-(2**31), 2**31 - 1), default=0),
        Field("pick_item", short_code(32)),
        Field("min_qty", bounded(0, 2**31 - 1)),
        Field("max_qty", bounded(0, 2**31 - 1)),
    ),
    key=("code",),
    checks=(_min_max,),
)

CUSTOMERS = KindSpec(
    "customers",
    (
        Field("code", short_code(32), required=True),
        Field("name", parse_text, required=True),
        Field("warehouse", short_code(16), required=True),
        Field("priority_tier", bounded(1, 9), default=3),
        Field("credit_limit", parse_count, default=0),
        Field("currency", parse_currency, default="EUR"),
        Field("min_shelf_life_days", bounded(0, 36500), default=0),
        Field("price_list", short_code(32)),
        Field("sales_rep", short_code(64)),
        Field("warehouses_served", parse_list, default=()),
        Field("accepts_substitutes", parse_bool, default=False),
    ),
    key=("code",),
)

PRICES = KindSpec(
    "prices",
    (
        Field("price_list", short_code(32), required=True),
        Field("currency", parse_currency, default="EUR"),
        Field("sku", short_code(32), required=True),
        Field("unit_price", parse_count, required=True),
        Field("valid_from", parse_date),
        Field("valid_to", parse_date),
    ),
    key=("price_list", "sku"),
    checks=(_validity,),
)

CUSTOMER_PRICES = KindSpec(
    "customer_prices",
    (
        Field("customer", short_code(32), required=True),
        Field("sku", short_code(32), required=True),
        Field("unit_price", parse_count, required=True),
        Field("valid_from", parse_date),
        Field("valid_to", parse_date),
    ),
    key=("customer", "sku"),
    checks=(_validity,),
)

USERS = KindSpec(
    "users",
    (
        Field("username", short_code(64), required=True),
        Field("display_name", parse_text, required=True),
        Field("roles", parse_roles, required=True),
        Field("warehouses", parse_list, default=()),
        Field("password", parse_password),
        Field("disabled", parse_bool, default=False),
    ),
    key=("username",),
)

BADGES = KindSpec(
    "badges",
    (
        Field("username", short_code(64), required=True),
        Field("badge", short_code(64), required=True),
        Field("pin", parse_pin, required=True),
    ),
    key=("username",),
)

OPENING_STOCK = KindSpec(
    "opening_stock",
    (
        Field("location", short_code(32, upper=True), required=True),
        Field("sku", short_code(32), required=True),
        Field("lot", short_code(40), default=""),
        Field("expires_on", parse_date),
        Field("status", choice(*STOCK_STATUSES), default="available"),
        Field("qty", parse_count, required=True),
        Field("unit_cost", parse_count),
    ),
    key=("location", "sku", "lot", "status"),
    checks=(_positive_qty,),
)

KINDS: Mapping[str, KindSpec] = MappingProxyType(
    {
        spec.name: spec
        for spec in (
            WAREHOUSES,
            SUPPLIERS,
            ITEMS,
            LOCATIONS,
            CUSTOMERS,
            PRICES,
            CUSTOMER_PRICES,
            USERS,
            BADGES,
            OPENING_STOCK,
        )
    }
)
