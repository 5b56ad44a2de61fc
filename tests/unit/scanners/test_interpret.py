"""interpret(): what a scan may be at each step of a guided handheld flow."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from domain.errors import Category, DomainError, Invalid, Rejected
from scanners.interpret import STEPS, ScanResult, Step, interpret, require_lot
from scanners.labels import LabelPatterns

# One scan of every kind; "gtin_lot" is an item label that also carries its lot.
SAMPLES: dict[str, tuple[str, str]] = {
    "location": ("WH1-A-01-02-3", "location"),
    "sscc": ("(00)106141412345678908", "sscc"),
    "gtin": ("5901234123457", "gtin"),
    "gtin_lot": ("]C10109521234543213\x1d10ABC123", "gtin"),
    "lpn": ("LPN000123", "lpn"),
    "tote": ("TOTE-123", "tote"),
    "lot": ("]C110ABC123", "lot"),
}
ACCEPTS: dict[Step, set[str]] = {
    "location": {"location"},
    "item": {"gtin", "gtin_lot"},
    "pallet": {"sscc", "lpn"},
    "tote": {"tote"},
    "lot": {"gtin_lot", "lot"},
    "any": set(SAMPLES),
}
MATRIX = [(step, name) for step in STEPS for name in SAMPLES]


def refusal(scan: str, *, step: Step, patterns: LabelPatterns | None = None) -> DomainError:
    with pytest.raises(DomainError) as err:
        interpret(scan, step=step, patterns=patterns)
    assert isinstance(err.value, Invalid | Rejected)
    return err.value


@pytest.mark.parametrize(("step", "name"), MATRIX, ids=[f"{s}-{n}" for s, n in MATRIX])
def test_each_step_accepts_only_the_kinds_it_waits_for(step: Step, name: str) -> None:
    scan, kind = SAMPLES[name]
    if name in ACCEPTS[step]:
        assert interpret(scan, step=step).kind == kind
    else:
        error = refusal(scan, step=step)
        assert error.code == "scan.not_expected_here"
        assert error.details["looks_like"] == kind
        assert error.details["step"] == step


@pytest.mark.parametrize(
    ("scan", "step", "message"),
    [
        ("5901234123457", "location", "Scan a location label, not an item"),
        ("WH1-A-01-02-3", "item", "Scan an item, not a location"),
        ("(00)106141412345678908", "item", "Scan an item, not an SSCC"),
        ("LPN000123", "tote", "Scan a tote label, not an LPN"),
        ("TOTE-123", "pallet", "Scan a pallet label, not a tote"),
        ("5901234123457", "lot", "Scan a lot, not an item"),
        ("WH1-A-01-02-3", "lot", "Scan a lot, not a location"),
    ],
)
def test_wrong_kind_tells_the_user_what_to_scan(scan: str, step: Step, message: str) -> None:
    error = refusal(scan, step=step)
    assert error.message == message
    assert len(error.message) <= 40  # fits a 360 px handheld screen


def test_refusal_says_what_was_expected() -> None:
    error = refusal("LPN000123", step="item")
    assert error.details["expected"] == ["gtin"]
    assert refusal("LPN000123", step="lot").details["expected"] == ["gtin", "lot"]


def test_item_scan_keeps_every_gs1_field() -> None:
    result = interpret("(01)09521234543213(17)240200(10)L1(21)S9(3103)001250", step="item")
    assert result == ScanResult(
        kind="gtin",
        code="09521234543213",
        raw="(01)09521234543213(17)240200(10)L1(21)S9(3103)001250",
        gtin="09521234543213",
        lot="L1",
        expiry=dt.date(2024, 2, 29),
        serial="S9",
        net_weight_g=1250,
        net_weight_kg="1.250",
    )


def test_pallet_scan_of_an_sscc_label_keeps_its_contents() -> None:
    result = interpret("]C100106141412345678908\x1d0209521234543213\x1d3740", step="pallet")
    assert (result.kind, result.code, result.gtin, result.count) == (
        "sscc",
        "106141412345678908",
        "09521234543213",
        40,
    )


def test_digital_link_is_an_item() -> None:
    result = interpret("https://id.gs1.org/01/09506000134352/10/ABC123?17=201231", step="item")
    assert (result.gtin, result.lot, result.expiry) == ("09506000134352", "ABC123", dt.date(2020, 12, 31))


def test_wedge_line_endings_and_lower_case_labels_are_tolerated() -> None:
    result = interpret("wh1-a-01-02-3\r\n", step="location")
    assert (result.kind, result.code, result.raw) == ("location", "WH1-A-01-02-3", "wh1-a-01-02-3")


@pytest.mark.parametrize("scan", ["", "   ", "\r\n", "\x1d", "]C1", "]C1 \t"])
def test_empty_scan_is_refused(scan: str) -> None:
    assert refusal(scan, step="any").code == "scan.empty"


@pytest.mark.parametrize("scan", ["hello world", "]C0ABC123", "(17)201231", "?", "WH1-A-01"])
def test_unknown_barcode_is_unrecognised(scan: str) -> None:
    assert refusal(scan, step="any").code == "scan.unrecognised"


@pytest.mark.parametrize("step", ["item", "pallet", "any", "location"])
@pytest.mark.parametrize("scan", ["5901234123458", "(01)09521234543214", "106141412345678909"])
def test_bad_check_digit_is_refused_at_every_step(scan: str, step: Step) -> None:
    assert refusal(scan, step=step).code == "scan.bad_check_digit"


@pytest.mark.parametrize("scan", ["ABC123", "20240115", "]C0ABC123", "5901234123458", "LOT-7/B"])
def test_plain_text_is_a_lot_only_at_the_lot_step(scan: str) -> None:
    result = interpret(scan, step="lot")
    assert (result.kind, result.lot, result.code) == ("lot", result.code, result.code)
    with pytest.raises(DomainError):
        interpret(scan, step="any")


@pytest.mark.parametrize("scan", ["]E05901234123458", "(01)09521234543214(10)A", "]C10109521234543214"])
def test_broken_gs1_is_not_taken_for_a_lot(scan: str) -> None:
    assert refusal(scan, step="lot").code == "scan.bad_check_digit"


def test_overlapping_label_patterns_are_ambiguous_where_both_are_allowed() -> None:
    patterns = LabelPatterns(location=(r"X\d+",), tote=(r"X\d+",))
    error = refusal("X1", step="any", patterns=patterns)
    assert (error.code, error.details["kinds"]) == ("scan.ambiguous", ["location", "tote"])
    assert interpret("X1", step="location", patterns=patterns).kind == "location"
    assert interpret("X1", step="tote", patterns=patterns).kind == "tote"


def test_numeric_location_that_is_also_a_gtin_is_ambiguous_only_at_any() -> None:
    patterns = LabelPatterns(location=(r"\d{13}",))
    assert refusal("5901234123457", step="any", patterns=patterns).code == "scan.ambiguous"
    assert interpret("5901234123457", step="location", patterns=patterns).kind == "location"
    assert interpret("5901234123457", step="item", patterns=patterns).kind == "gtin"


def test_unknown_step_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown scan step"):
        interpret("WH1-A-01-02-3", step="dock")  # type: ignore[arg-type]


def test_lot_tracked_item_without_lot_needs_the_lot() -> None:
    result = interpret("5901234123457", step="item")
    with pytest.raises(DomainError) as err:
        require_lot(result, True)
    assert (err.value.code, err.value.category, err.value.details["gtin"]) == (
        "scan.lot_required",
        Category.INVALID,
        "05901234123457",
    )
    assert require_lot(result, False) is None


def test_lot_on_the_item_label_satisfies_lot_tracking() -> None:
    result = interpret("(01)09521234543213(10)ABC123", step="item")
    assert require_lot(result, True) == "ABC123"


def test_to_dict_is_json_with_iso_dates() -> None:
    result = interpret("(01)09521234543213(15)991231(10)ABC123", step="item")
    data = json.loads(json.dumps(result.to_dict()))
    assert data["kind"] == "gtin"
    assert data["best_before"] == "1999-12-31"
    assert data["expiry"] is None
    assert set(data) == {f.name for f in dataclasses.fields(ScanResult)}


def test_scan_result_is_immutable() -> None:
    result = interpret("TOTE-123", step="tote")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.code = "TOTE-9"  # type: ignore[misc]
