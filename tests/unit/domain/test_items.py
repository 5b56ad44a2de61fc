import pytest

from domain.errors import DomainError, Rejected
from domain.items import Item, UnitOfMeasure, require_quantity

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
