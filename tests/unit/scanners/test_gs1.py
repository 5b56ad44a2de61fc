"""GS1 reading, with vectors from the GS1 General Specifications and GS1 Digital Link standard."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.errors import Category, DomainError
from scanners.gs1 import (
    Gs1Data,
    check_digit,
    has_valid_check_digit,
    is_gs1_aim,
    read_gs1,
    split_symbology,
    with_check_digit,
)

# 5901234123457 in Arabic-Indic digits: str.isdecimal() says yes, a GS1 scanner never sends it.
ARABIC_INDIC_GTIN = "\u0665\u0669\u0660\u0661\u0662\u0663\u0664\u0661\u0662\u0663\u0664\u0665\u0667"


def read(scan: str) -> Gs1Data | None:
    aim, body = split_symbology(scan)
    return read_gs1(body, aim=aim)


def test_hri_with_gtin_best_before_and_lot_is_read() -> None:
    data = read("(01)09521234543213(15)991231(10)ABC123")
    assert data == Gs1Data(gtin="09521234543213", best_before=dt.date(1999, 12, 31), lot="ABC123")


def test_gs1_128_with_fnc1_as_group_separator_is_read() -> None:
    assert read("]C10109521234543213\x1d10ABC123") == Gs1Data(gtin="09521234543213", lot="ABC123")


@pytest.mark.parametrize("aim", ["]C1", "]d2", "]Q3", "]e0"])
def test_every_gs1_symbology_identifier_carries_element_strings(aim: str) -> None:
    data = read(f"{aim}0109521234543213\x1d10ABC123\x1d21SN-7")
    assert data == Gs1Data(gtin="09521234543213", lot="ABC123", serial="SN-7")


def test_raw_element_string_without_identifier_is_read() -> None:
    assert read("0106141411234562") == Gs1Data(gtin="06141411234562")


def test_leading_fnc1_before_the_first_ai_is_ignored() -> None:
    assert read("]C1\x1d0106141411234562") == Gs1Data(gtin="06141411234562")


def test_sscc_in_hri_and_element_string_and_bare_digits() -> None:
    expected = Gs1Data(sscc="106141412345678908")
    assert read("(00)106141412345678908") == expected
    assert read("]C100106141412345678908") == expected
    assert read("106141412345678908") == expected


def test_pallet_label_with_contents_count_and_lot() -> None:
    data = read("(00)106141412345678908(02)09521234543213(37)40(10)L42")
    assert data == Gs1Data(sscc="106141412345678908", gtin="09521234543213", count=40, lot="L42")


@pytest.mark.parametrize(
    ("scan", "gtin14"),
    [
        ("5901234123457", "05901234123457"),  # GTIN-13
        ("96385074", "00000096385074"),  # GTIN-8
        ("036000291452", "00036000291452"),  # GTIN-12 (UPC-A)
        ("10614141000415", "10614141000415"),  # GTIN-14
        ("]E05901234123457", "05901234123457"),  # EAN-13 with symbology identifier
        ("]E496385074", "00000096385074"),  # EAN-8 with symbology identifier
    ],
)
def test_bare_gtins_are_normalised_to_gtin_14(scan: str, gtin14: str) -> None:
    assert read(scan) == Gs1Data(gtin=gtin14)


def test_digital_link_uri_is_read() -> None:
    data = read("https://id.gs1.org/01/09506000134352/10/ABC123?17=201231")
    assert data == Gs1Data(gtin="09506000134352", lot="ABC123", expiry=dt.date(2020, 12, 31))


def test_digital_link_in_gs1_qr_code_with_short_gtin_and_serial() -> None:
    data = read("]Q3https://example.com/gtin/01/5901234123457/21/XYZ")
    assert data == Gs1Data(gtin="05901234123457", serial="XYZ")


@pytest.mark.parametrize(
    ("yymmdd", "expiry"),
    [("250200", dt.date(2025, 2, 28)), ("240200", dt.date(2024, 2, 29)), ("251100", dt.date(2025, 11, 30))],
)
def test_expiry_day_00_means_last_day_of_month(yymmdd: str, expiry: dt.date) -> None:
    data = read(f"(01)09521234543213(17){yymmdd}")
    assert data is not None
    assert data.expiry == expiry


@pytest.mark.parametrize(
    ("ai", "digits", "grams", "kg"),
    [
        ("3103", "001250", 1250, "1.250"),
        ("3102", "001250", 12500, "12.50"),
        ("3100", "000007", 7000, "7"),
        ("3105", "012345", None, "0.12345"),  # 123.45 g: not whole grams, so no rounding
    ],
)
def test_net_weight_is_exact(ai: str, digits: str, grams: int | None, kg: str) -> None:
    data = read(f"(01)09521234543213({ai}){digits}")
    assert data is not None
    assert (data.net_weight_g, data.net_weight_kg) == (grams, kg)


def test_variable_count_is_an_integer() -> None:
    data = read("]C10109521234543213300012")
    assert data is not None
    assert data.count == 12


@pytest.mark.parametrize(
    "scan",
    [
        "(01)09521234543214(10)ABC123",
        "]C10109521234543214\x1d10ABC123",
        "https://id.gs1.org/01/09506000134353",
        "(00)106141412345678909",
        "106141412345678909",
        "5901234123458",
        "96385075",
        "036000291453",
        "]E05901234123458",
    ],
)
def test_wrong_check_digit_is_refused(scan: str) -> None:
    with pytest.raises(DomainError) as err:
        read(scan)
    assert (err.value.code, err.value.category) == ("scan.bad_check_digit", Category.INVALID)


@pytest.mark.parametrize(
    "scan",
    [
        "(01)09521234543213(17)201332",  # no 32nd of December
        "(01)09521234543213(17)251300",  # no 13th month
        "]C1ABC",
        "(99",
        "https://example.com/about",
        "]E0ABC",
        "00000000000000",
    ],
)
def test_malformed_gs1_is_unrecognised(scan: str) -> None:
    with pytest.raises(DomainError) as err:
        read(scan)
    assert (err.value.code, err.value.category) == ("scan.unrecognised", Category.INVALID)


def test_one_ai_twice_with_different_values_is_ambiguous() -> None:
    with pytest.raises(DomainError) as err:
        read("(01)09521234543213(10)A(10)B")
    assert err.value.code == "scan.ambiguous"


@pytest.mark.parametrize("scan", ["WH1-A-01-02-3", "LPN000123", "10ABC123", "96", "123456", "]C0LPN1234"])
def test_text_not_shaped_like_gs1_is_left_for_labels(scan: str) -> None:
    assert read(scan) is None


def test_symbology_identifier_is_split_off() -> None:
    assert split_symbology("]C1010") == ("C1", "010")
    assert split_symbology("]d2x") == ("d2", "x")
    assert split_symbology("WH1") == (None, "WH1")
    assert split_symbology("]") == (None, "]")
    assert is_gs1_aim("C1")
    assert not is_gs1_aim("C0")
    assert not is_gs1_aim(None)


def test_check_digit_helpers_follow_gs1_mod_10() -> None:
    assert check_digit("590123412345") == 7
    assert with_check_digit("9638507") == "96385074"
    assert with_check_digit("10614141234567890") == "106141412345678908"
    assert has_valid_check_digit("5901234123457")
    assert not has_valid_check_digit("5901234123458")
    assert not has_valid_check_digit("59012341234X")
    assert not has_valid_check_digit("7")
    assert not has_valid_check_digit(ARABIC_INDIC_GTIN)


def test_digits_of_other_scripts_are_not_a_gtin() -> None:
    assert read(ARABIC_INDIC_GTIN) is None
