"""Import rows validated without a database: each field by its type, each row by its kind's rules."""

from __future__ import annotations

import pytest

from domain.import_kinds import ITEMS, KINDS, LOCATIONS, OPENING_STOCK, PRICES, USERS
from domain.imports import FieldError, RowError, parse_bool, parse_int, parse_units, validate_row


def test_csv_text_and_json_values_give_the_same_row() -> None:
    from_csv, _ = validate_row(
        ITEMS, 1, {"sku": "A-1", "description": "Milk", "units": "EA:1:|CS:12:", "lot_tracked": "yes"}
    )
    from_json, _ = validate_row(
        ITEMS,
        1,
        {
            "sku": "A-1",
            "description": "Milk",
            "units": [{"uom": "CS", "factor": 12}, {"uom": "EA", "factor": 1}],
            "lot_tracked": True,
        },
    )
    assert from_csv == from_json
    assert from_csv is not None and from_csv[2] == ("CS:12:", "EA:1:")


def test_every_fault_of_a_row_is_reported_not_only_the_first() -> None:
    values, errors = validate_row(
        ITEMS, 7, {"sku": "", "description": "D", "units": "CS:6:", "standard_cost": "-1", "x": "1"}
    )
    assert values is None
    assert {(e.row, e.field, e.code) for e in errors} == {
        (7, "x", "import.unknown_field"),
        (7, "sku", "import.required"),
        (7, "units", "import.base_unit_missing"),
        (7, "standard_cost", "import.negative"),
    }


def test_row_rules_run_once_the_fields_are_valid() -> None:
    _, errors = validate_row(
        LOCATIONS,
        2,
        {
            "code": "a-1",
            "warehouse": "WH1",
            "zone": "A",
            "kind": "pick_face",
            "pick_item": "S-1",
            "min_qty": "9",
            "max_qty": "5",
        },
    )
    assert errors == [RowError(2, "min_qty", "import.min_above_max", "min_qty 9 is above max_qty 5")]
    _, errors = validate_row(
        PRICES,
        3,
        {"price_list": "L", "sku": "S", "unit_price": 5, "valid_from": "2026-02-01", "valid_to": "2026-01-01"},
    )
    assert [e.code for e in errors] == ["import.validity_reversed"]


def test_location_codes_are_upper_cased_and_defaults_fill_the_rest() -> None:
    values, errors = validate_row(
        LOCATIONS, 1, {"code": "wh1-a-01", "warehouse": "WH1", "zone": "A", "kind": "storage"}
    )
    assert errors == []
    assert values == ("WH1-A-01", "WH1", "A", "storage", "", 0, 0, 0, None, None, None)


def test_opening_stock_needs_a_positive_quantity_and_a_known_status() -> None:
    _, errors = validate_row(OPENING_STOCK, 1, {"location": "L", "sku": "S", "qty": "0", "status": "lost"})
    assert {(e.field, e.code) for e in errors} == {("status", "import.invalid_choice")}
    _, errors = validate_row(OPENING_STOCK, 1, {"location": "L", "sku": "S", "qty": "0", "expires_on": "2027-01-01"})
    assert [(e.field, e.code) for e in errors] == [("qty", "import.qty_not_positive")]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (True, "import.not_a_number"),
        ("1.5", "import.not_a_number"),
        (2**60, "import.out_of_range"),
        (1.0, "import.not_a_number"),
    ],
)
def test_a_whole_number_is_neither_a_boolean_nor_a_fraction_nor_huge(raw: object, code: str) -> None:
    with pytest.raises(FieldError) as refused:
        parse_int(raw)
    assert refused.value.code == code


def test_booleans_read_as_a_person_writes_them() -> None:
    assert [parse_bool(v) for v in ("true", "Yes", "1", "false", "no", "0", False)] == [True] * 3 + [False] * 4


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("EA:1:8712340000013", "import.gtin_invalid"),
        ("EA:0:", "import.unit_invalid"),
        ("EA:2:", "import.base_unit_missing"),
        ("EA:1:|ea:1:", "import.unit_duplicate"),
        ("EA", "import.unit_invalid"),
        ("EA:x:", "import.not_a_number"),
    ],
)
def test_units_refuse_bad_gtins_factors_and_repeats(raw: str, code: str) -> None:
    with pytest.raises(FieldError) as refused:
        parse_units(raw)
    assert refused.value.code == code


def test_users_need_known_roles_and_a_real_password() -> None:
    _, errors = validate_row(
        USERS, 1, {"username": "u", "display_name": "U", "roles": "picker|pilot", "password": "short"}
    )
    assert {(e.field, e.code) for e in errors} == {
        ("roles", "import.role_unknown"),
        ("password", "import.password_weak"),
    }


def test_every_kind_has_a_key_among_its_fields() -> None:
    for spec in KINDS.values():
        assert set(spec.key) <= spec.names, spec.name


def test_substitutes_keep_their_order_best_first() -> None:
    values, _ = validate_row(ITEMS, 1, {"sku": "A", "description": "D", "units": "EA:1:", "substitutes": "C|B|C"})
    assert values is not None and values[-1] == ("C", "B")
