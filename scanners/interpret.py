"""What a scan means at the step a handheld is on: one unambiguous result, or a short refusal."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any, Literal, get_args

from domain.errors import DomainError, Invalid, Rejected
from scanners.gs1 import (
    GTIN_LENGTHS,
    SSCC_LENGTH,
    Gs1Data,
    is_gs1_aim,
    is_numeric_code,
    read_gs1,
    split_symbology,
)
from scanners.labels import LabelKind, LabelPatterns, looks_like_lot, match_labels, normalise_label

Step = Literal["location", "item", "pallet", "tote", "lot", "any"]
Kind = Literal["location", "sscc", "gtin", "lpn", "lot", "tote"]

STEPS: tuple[Step, ...] = get_args(Step)
KINDS: tuple[Kind, ...] = get_args(Kind)

ALLOWED_KINDS: dict[Step, frozenset[Kind]] = {
    "location": frozenset({"location"}),
    "item": frozenset({"gtin"}),
    "pallet": frozenset({"sscc", "lpn"}),
    "tote": frozenset({"tote"}),
    # An item label that carries its lot answers the lot question too.
    "lot": frozenset({"lot", "gtin"}),
    "any": frozenset(KINDS),
}

_WANTED: dict[Step, str] = {
    "location": "a location label",
    "item": "an item",
    "pallet": "a pallet label",
    "tote": "a tote label",
    "lot": "a lot",
    "any": "a barcode",
}
_SEEN: dict[Kind, str] = {
    "location": "a location",
    "sscc": "an SSCC",
    "gtin": "an item",
    "lpn": "an LPN",
    "lot": "a lot",
    "tote": "a tote",
}


@dataclass(frozen=True)
class ScanResult:
    """One interpreted scan. ``code`` is the identifier of its kind (location code, GTIN-14, SSCC, lot)."""

    kind: Kind
    code: str
    raw: str
    gtin: str | None = None
    sscc: str | None = None
    lot: str | None = None
    expiry: dt.date | None = None
    best_before: dt.date | None = None
    serial: str | None = None
    count: int | None = None
    net_weight_g: int | None = None
    net_weight_kg: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form: dates as ISO strings, missing fields as None."""
        return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in asdict(self).items()}


def interpret(scan: str, *, step: Step, patterns: LabelPatterns | None = None) -> ScanResult:
    """Interpret a raw scan by what it may be at ``step``; refuse it (``Invalid`` or ``Rejected``) otherwise."""
    if step not in ALLOWED_KINDS:
        raise ValueError(f"unknown scan step {step!r}; expected one of {STEPS}")
    patterns = LabelPatterns() if patterns is None else patterns
    raw = scan.strip()  # wedges add CR/LF/Tab; str.strip also drops a leading or trailing GS (FNC1)
    aim, body = split_symbology(raw)
    if not body.strip():
        raise Invalid("scan.empty", "Nothing scanned. Scan again", step=step)
    body = body.strip()
    found, failure = _candidates(raw, aim, body, patterns)
    if not found and step == "lot" and _may_be_free_text_lot(aim, body, failure, patterns):
        return ScanResult(kind="lot", code=body, raw=raw, lot=body)
    fitting = [r for r in found if _fits(r, step)]
    if len(fitting) == 1:
        return fitting[0]
    if fitting:
        kinds = [r.kind for r in fitting]
        raise Rejected("scan.ambiguous", "Barcode is ambiguous. Scan another label", step=step, kinds=kinds)
    if failure is not None:
        raise failure
    if found:
        seen = found[0].kind
        raise Rejected(
            "scan.not_expected_here",
            f"Scan {_WANTED[step]}, not {_SEEN[seen]}",
            step=step,
            expected=sorted(ALLOWED_KINDS[step]),
            looks_like=seen,
        )
    raise Invalid("scan.unrecognised", "Barcode not recognised", step=step, value=raw)


def require_lot(result: ScanResult, lot_tracked: bool) -> str | None:
    """The scanned lot; raise ``scan.lot_required`` when a lot-tracked item was scanned without one."""
    if lot_tracked and result.lot is None:
        raise Invalid("scan.lot_required", "This item needs a lot. Scan the lot", gtin=result.gtin)
    return result.lot


def _candidates(
    raw: str, aim: str | None, body: str, patterns: LabelPatterns
) -> tuple[list[ScanResult], DomainError | None]:
    found: list[ScanResult] = []
    if not is_gs1_aim(aim):
        found.extend(_label_result(kind, body, raw) for kind in match_labels(body, patterns))
    if aim is not None and not is_gs1_aim(aim):
        return found, None  # a plain Code 128 / QR label is never GS1 data
    try:
        data = read_gs1(body, aim=aim)
    except DomainError as exc:
        return found, exc
    if data is None:
        return found, None
    result = _gs1_result(data, raw)
    if result is None:
        reason = "no GTIN, SSCC or lot"
        return found, Invalid("scan.unrecognised", "Barcode not recognised", value=raw, reason=reason)
    return [*found, result], None


def _label_result(kind: LabelKind, body: str, raw: str) -> ScanResult:
    return ScanResult(kind=kind, code=normalise_label(body), raw=raw)


def _gs1_result(data: Gs1Data, raw: str) -> ScanResult | None:
    kind: Kind
    if data.sscc is not None:
        kind, code = "sscc", data.sscc
    elif data.gtin is not None:
        kind, code = "gtin", data.gtin
    elif data.lot is not None:
        kind, code = "lot", data.lot
    else:
        return None
    return ScanResult(kind=kind, code=code, raw=raw, **asdict(data))


def _fits(result: ScanResult, step: Step) -> bool:
    if result.kind not in ALLOWED_KINDS[step]:
        return False
    return not (step == "lot" and result.kind == "gtin" and result.lot is None)


def _may_be_free_text_lot(aim: str | None, body: str, failure: DomainError | None, patterns: LabelPatterns) -> bool:
    # A lot label is often plain Code 128, so at the lot step free text is a lot. A bare number of
    # GTIN/SSCC length that fails its check digit is most likely such a lot (e.g. "20240115"),
    # but a broken GS1 string or an EAN announced by its symbology identifier is not.
    if failure is not None:
        bare_number = aim is None and is_numeric_code(body) and len(body) in {*GTIN_LENGTHS, SSCC_LENGTH}
        if not (bare_number and failure.code == "scan.bad_check_digit"):
            return False
    return looks_like_lot(body, patterns)
