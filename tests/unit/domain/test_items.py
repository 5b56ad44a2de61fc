import pytest

from domain.errors import DomainError, Rejected
from domain.items import Item, MasterUnit, UnitOfMeasure, is_valid_gtin, master_item, require_quantity

WATER = Item("WATER-500", uoms=(UnitOfMeasure("CS", 12), UnitOfMeasure("PL", 480)), gtins=("05000000000017",))


def test_to_base_multiplies_by_the_unit_factor():
    assert WATER.to_base(3, "CS") == 36
    assert WATER.to_base(1, "PL") == 480


def test_base_unit_converts_one_to_one():
    assert WATER.to_base(7, "EA") == 7
    assert WATER.from_base(7, "EA") == 7


def test_unknown_unit_is_refused_with_uom_unknown():
    with pytest.raises(DomainError) as err:
        WATER.to_base(1, "BOX")
    assert err.value.code == "uom.unknown"
    assert isinstance(err.value, Rejected)


@pytest.mark.parametrize("qty", [1.5, 2.0, "3", True])
def test_non_integer_quantity_is_refused(qty):
    with pytest.raises(DomainError) as err:
        WATER.to_base(qty, "CS")
    assert err.value.code == "quantity.not_whole"


def test_from_base_refuses_a_remainder():
    assert WATER.from_base(24, "CS") == 2
    with pytest.raises(DomainError) as err:
        WATER.from_base(25, "CS")
    assert err.value.code == "uom.not_whole"


def test_unit_factor_must_be_a_positive_whole_number():
    for factor in (0, -12, 1.5):
        with pytest.raises(DomainError):
            UnitOfMeasure("CS", factor)


def test_base_unit_listed_with_other_factor_is_refused():
    with pytest.raises(DomainError) as err:
        Item("X", uoms=(UnitOfMeasure("EA", 2),))
    assert err.value.code == "uom.invalid_factor"


def test_duplicate_unit_codes_are_refused():
    with pytest.raises(DomainError) as err:
        Item("X", uoms=(UnitOfMeasure("CS", 6), UnitOfMeasure("CS", 12)))
    assert err.value.code == "uom.duplicate"


def test_item_cannot_substitute_itself():
    with pytest.raises(DomainError) as err:
        Item("X", substitutes=("X",))
    assert err.value.code == "item.self_substitute"


def test_allows_substitute_only_for_listed_skus():
    item = Item("COLA-1L", substitutes=("COLA-1L-ZERO",))
    assert item.allows_substitute("COLA-1L-ZERO")
    assert not item.allows_substitute("LEMONADE")


def test_require_quantity_refuses_zero_unless_allowed():
    with pytest.raises(DomainError) as err:
        require_quantity(0, what="Qty")
    assert err.value.code == "quantity.not_positive"
    assert require_quantity(0, what="Qty", allow_zero=True) == 0


def test_a_gtin_needs_its_length_and_its_check_digit() -> None:
    assert is_valid_gtin("4006381333931")  # GTIN-13
    assert is_valid_gtin("96385074")  # GTIN-8
    assert is_valid_gtin("10614141000019")  # GTIN-14
    assert not is_valid_gtin("4006381333932")  # wrong check digit
    assert not is_valid_gtin("400638133393")  # 12 digits, but its own check digit is wrong
    assert not is_valid_gtin("40063813339311")  # 14 digits, wrong check digit
    assert not is_valid_gtin("4006381A33931")
    assert not is_valid_gtin("123456789")  # no GTIN has 9 digits


def test_master_data_makes_an_item_with_its_units_and_gtins() -> None:
    item = master_item("SKU-1", (MasterUnit("EA", 1, "4006381333931"), MasterUnit("CS", 12)), lot_tracked=True)
    assert (item.factor("CS"), item.gtins, item.lot_tracked) == (12, ("4006381333931",), True)


@pytest.mark.parametrize(
    ("sku", "units", "code"),
    [
        ("", (MasterUnit("EA", 1),), "item.invalid_sku"),
        ("S" * 33, (MasterUnit("EA", 1),), "item.invalid_sku"),
        ("SKU-1", (MasterUnit("CS", 12),), "item.no_base_unit"),
        ("SKU-1", (MasterUnit("EA", 1, "4006381333932"),), "item.invalid_gtin"),
        ("SKU-1", (MasterUnit("EA", 2),), "uom.invalid_factor"),
        ("SKU-1", (MasterUnit("EA", 1), MasterUnit("EA", 1)), "uom.duplicate"),
    ],
)
def test_master_data_that_could_not_be_handled_is_refused(sku: str, units: tuple[MasterUnit, ...], code: str) -> None:
    with pytest.raises(DomainError) as refused:
        master_item(sku, units)
    assert refused.value.code == code
