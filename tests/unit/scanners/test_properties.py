"""Property-based guards: check digits catch every single-digit error, nothing crashes."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from domain.errors import DomainError, Invalid, Rejected
from scanners.interpret import STEPS, Step, interpret

DIGITS = "0123456789"


def mod10(payload: str) -> str:
    """Check digit computed here, independently of the code under test."""
    weighted = sum(int(d) * w for d, w in zip(reversed(payload), itertools.cycle((3, 1)), strict=False))
    return str((10 - weighted % 10) % 10)


gtins = (
    st.sampled_from([7, 11, 12, 13])
    .flatmap(lambda n: st.text(DIGITS, min_size=n, max_size=n))
    .map(lambda payload: payload + mod10(payload))
    .filter(lambda code: code.strip("0") != "")
)
ssccs = st.text(DIGITS, min_size=17, max_size=17).map(lambda payload: payload + mod10(payload))
lots = st.text("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=1, max_size=20)


@given(gtins)
def test_any_valid_gtin_round_trips_as_gtin_14(gtin: str) -> None:
    result = interpret(gtin, step="item")
    assert (result.kind, result.gtin, result.code) == ("gtin", gtin.zfill(14), gtin.zfill(14))


@given(gtins, st.data())
def test_any_single_digit_corruption_is_rejected(gtin: str, data: st.DataObject) -> None:
    position = data.draw(st.integers(0, len(gtin) - 1))
    digit = data.draw(st.sampled_from(DIGITS).filter(lambda d: d != gtin[position]))
    corrupted = gtin[:position] + digit + gtin[position + 1 :]
    try:
        interpret(corrupted, step="item")
    except DomainError as err:
        assert err.code == "scan.bad_check_digit"
    else:
        raise AssertionError(f"{corrupted} was accepted")


@given(ssccs)
def test_any_valid_sscc_round_trips(sscc: str) -> None:
    assert interpret(f"(00){sscc}", step="pallet").sscc == sscc
    assert interpret(sscc, step="pallet").code == sscc


@given(gtins, lots)
def test_gtin_and_lot_survive_every_gs1_encoding(gtin: str, lot: str) -> None:
    gtin14 = gtin.zfill(14)
    for scan in (
        f"(01){gtin14}(10){lot}",
        f"]C101{gtin14}10{lot}",
        f"]d201{gtin14}10{lot}\x1d",
        f"https://id.gs1.org/01/{gtin14}/10/{lot}",
    ):
        result = interpret(scan, step="lot")
        assert (result.gtin, result.lot) == (gtin14, lot), scan


@given(st.text(max_size=40), st.sampled_from(STEPS))
def test_any_text_is_interpreted_or_refused_as_invalid_or_rejected(scan: str, step: Step) -> None:
    try:
        interpret(scan, step=step)
    except DomainError as err:
        assert isinstance(err, Invalid | Rejected)
        assert err.code.startswith("scan.")
