"""Location, LPN and tote labels and free-text lots."""

from __future__ import annotations

import re

import pytest

from scanners.labels import LabelPatterns, looks_like_lot, match_labels, normalise_label

DEFAULTS = LabelPatterns()


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("WH1-A-01-02-3", ["location"]),
        ("WH12-BB-101-02-10", ["location"]),
        ("DOCK-01", ["location"]),
        ("dock-01", ["location"]),
        ("STAGE-3", ["location"]),
        ("LPN000123", ["lpn"]),
        ("lpn000123", ["lpn"]),
        ("TOTE-123", ["tote"]),
        ("WH1-A-01", []),
        ("LPN", []),
        ("TOTE-", []),
        ("5901234123457", []),
        (" WH1-A-01-02-3", []),
    ],
)
def test_default_patterns_match_whole_labels_only(text: str, kinds: list[str]) -> None:
    assert match_labels(text, DEFAULTS) == kinds


def test_custom_patterns_replace_the_defaults() -> None:
    patterns = LabelPatterns(location=(r"\d{2}-\d{3}",), lpn=(r"PAL\d+",), tote=(r"T\d{4}",))
    assert match_labels("12-345", patterns) == ["location"]
    assert match_labels("PAL9", patterns) == ["lpn"]
    assert match_labels("T0001", patterns) == ["tote"]
    assert match_labels("WH1-A-01-02-3", patterns) == []


def test_overlapping_patterns_report_every_kind() -> None:
    patterns = LabelPatterns(location=(r"X\d+",), tote=(r"X\d+",))
    assert match_labels("X1", patterns) == ["location", "tote"]


def test_a_broken_pattern_fails_at_configuration_time() -> None:
    with pytest.raises(re.error):
        LabelPatterns(location=("WH(",))


def test_a_single_string_instead_of_a_tuple_is_refused() -> None:
    with pytest.raises(TypeError):
        LabelPatterns(lpn="LPN\\d+")  # type: ignore[arg-type]


def test_label_codes_are_upper_case() -> None:
    assert normalise_label("wh1-a-01-02-3") == "WH1-A-01-02-3"


@pytest.mark.parametrize(
    ("text", "is_lot"),
    [
        ("ABC123", True),
        ("L-2024/01.5", True),
        ("20240115", True),
        ("A" * 20, True),
        ("A" * 21, False),
        ("-ABC", False),
        ("AB C", False),
        ("(10)ABC", False),
    ],
)
def test_free_text_lots(text: str, is_lot: bool) -> None:
    assert looks_like_lot(text, DEFAULTS) is is_lot
