"""Items and their units of measure: every quantity the domain keeps is an integer in base units."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import Invalid, Rejected


def require_quantity(value: object, *, what: str, allow_zero: bool = False) -> int:
    """Return ``value`` if it is a whole, positive quantity (or zero when allowed), else refuse."""
    # bool is an int subclass; True must never pass as a quantity of 1
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid("quantity.not_whole", f"{what} must be a whole number, got {value!r}", value=value)
    if value < 0 or (value == 0 and not allow_zero):
        raise Invalid("quantity.not_positive", f"{what} must be more than zero, got {value}", value=value)
    return value


@dataclass(frozen=True)
class UnitOfMeasure:
    """A unit an item is handled in, e.g. ``CS`` holding 12 base units."""

    code: str
    factor: int  # base units in one of this unit

    def __post_init__(self) -> None:
        require_quantity(self.factor, what=f"Base units per {self.code}")


@dataclass(frozen=True)
class Item:
    """A stocked item. ``substitutes`` are SKUs that may ship in its place, best first."""

    sku: str
    base_uom: str = "EA"
    uoms: tuple[UnitOfMeasure, ...] = ()
    gtins: tuple[str, ...] = ()
    lot_tracked: bool = False
    shelf_life_days: int | None = None
    item_class: str = "general"
    substitutes: tuple[str, ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        codes = [u.code for u in self.uoms]
        if len(codes) != len(set(codes)):
            raise Invalid("uom.duplicate", f"{self.sku} lists a unit twice", sku=self.sku)
        base = next((u for u in self.uoms if u.code == self.base_uom), None)
        if base is not None and base.factor != 1:
            raise Invalid("uom.invalid_factor", f"Base unit {self.base_uom} of {self.sku} must be 1")
        if self.sku in self.substitutes:
            raise Rejected("item.self_substitute", f"{self.sku} cannot substitute itself")
        if self.shelf_life_days is not None:
            require_quantity(self.shelf_life_days, what="Shelf life days")

    def factor(self, uom: str) -> int:
        """Base units in one ``uom``; raises ``uom.unknown`` for a unit the item is not handled in."""
        if uom == self.base_uom:
            return 1
        for unit in self.uoms:
            if unit.code == uom:
                return unit.factor
        raise Rejected("uom.unknown", f"{self.sku} is not handled in {uom}", sku=self.sku, uom=uom)

    def to_base(self, qty: int, uom: str) -> int:
        """Convert a whole quantity in ``uom`` to base units (3 CS of 12 -> 36)."""
        return require_quantity(qty, what="Quantity", allow_zero=True) * self.factor(uom)

    def from_base(self, qty: int, uom: str) -> int:
        """Convert base units to whole ``uom``; raises ``uom.not_whole`` if it does not divide exactly."""
        factor = self.factor(uom)
        whole, rest = divmod(require_quantity(qty, what="Quantity", allow_zero=True), factor)
        if rest:
            raise Invalid(
                "uom.not_whole",
                f"{qty} {self.base_uom} of {self.sku} is not a whole number of {uom} ({factor} each)",
                sku=self.sku,
                qty=qty,
                uom=uom,
            )
        return whole

    def allows_substitute(self, sku: str) -> bool:
        """True if ``sku`` may ship in place of this item."""
        return sku in self.substitutes


MAX_SKU = 32
GTIN_LENGTHS = (8, 12, 13, 14)


def is_valid_gtin(code: str) -> bool:
    """A GTIN-8/12/13/14: digits only, with a right GS1 mod-10 check digit (the last one)."""
    if not (code.isdigit() and len(code) in GTIN_LENGTHS):
        return False
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(code[:-1])))
    return (10 - total % 10) % 10 == int(code[-1])


@dataclass(frozen=True)
class MasterUnit:
    """A unit as item master data gives it: its code, base units in it and the GTIN on its label."""

    code: str
    factor: int
    gtin: str | None = None


def master_item(
    sku: str,
    units: tuple[MasterUnit, ...],
    *,
    lot_tracked: bool = False,
    shelf_life_days: int | None = None,
    substitutes: tuple[str, ...] = (),
) -> Item:
    """The item a master-data record describes, refused when it could not be handled: a SKU of 1 to
    ``MAX_SKU`` characters, the base unit EA listed, every GTIN a valid one."""
    if not sku or len(sku) > MAX_SKU:
        raise Invalid("item.invalid_sku", f"A SKU is 1 to {MAX_SKU} characters")
    item = Item(
        sku,
        uoms=tuple(UnitOfMeasure(u.code, u.factor) for u in units),
        gtins=tuple(u.gtin for u in units if u.gtin is not None),
        lot_tracked=lot_tracked,
        shelf_life_days=shelf_life_days,
        substitutes=substitutes,
    )
    if item.base_uom not in {u.code for u in units}:
        raise Rejected("item.no_base_unit", f"List the base unit {item.base_uom} (factor 1)")
    for gtin in item.gtins:
        if not is_valid_gtin(gtin):
            raise Invalid("item.invalid_gtin", f"GTIN {gtin} is not valid", gtin=gtin)
    return item
