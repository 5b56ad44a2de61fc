"""GS1 barcodes through biip: element strings, HRI, Digital Link, bare GTIN and SSCC."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from biip import ParseError
from biip.checksums import gs1_standard_check_digit
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementString
from biip.gs1_messages import GS1Message
from biip.gtin import Gtin
from biip.sscc import Sscc
from biip.symbology import GS1Symbology, SymbologyIdentifier

from domain.errors import DomainError, Invalid, Rejected

GTIN_LENGTHS = frozenset({8, 12, 13, 14})
SSCC_LENGTH = 18

# Symbology identifiers (ISO/IEC 15424) that announce GS1 data; any other identifier means plain text.
_GS1_MESSAGE_AIMS = frozenset(s.value for s in GS1Symbology.with_gs1_messages())
_GTIN_AIMS = frozenset(s.value for s in GS1Symbology.with_gtin())
_LINK_AIMS = frozenset(s.value for s in GS1Symbology.with_gs1_digital_link_uri())


@dataclass(frozen=True)
class Gs1Data:
    """What a GS1 barcode says, in the units the warehouse uses."""

    gtin: str | None = None  # always GTIN-14
    sscc: str | None = None
    lot: str | None = None
    expiry: dt.date | None = None
    best_before: dt.date | None = None
    serial: str | None = None
    count: int | None = None
    net_weight_g: int | None = None  # None when the weight is not a whole number of grams
    net_weight_kg: str | None = None  # exact decimal as printed, never a float


def split_symbology(text: str) -> tuple[str | None, str]:
    """Split a leading symbology identifier (``]C1``) off a scan: ``("C1", rest)`` or ``(None, text)``."""
    if not text.startswith("]"):
        return None, text
    try:
        identifier = SymbologyIdentifier.extract(text)
    except (ParseError, ValueError, IndexError):
        # Not a known identifier: leave the text alone, it may be a label that starts with "]".
        return None, text
    return identifier.value[1:], text[len(identifier) :]


def is_gs1_aim(aim: str | None) -> bool:
    """Whether a symbology identifier announces GS1 data (GS1-128, GS1 DataMatrix, EAN, ...)."""
    return aim in _GS1_MESSAGE_AIMS or aim in _GTIN_AIMS or aim in _LINK_AIMS


def check_digit(payload: str) -> int:
    """GS1 mod-10 check digit of a numeric payload (GTIN, SSCC, GLN without their last digit)."""
    return gs1_standard_check_digit(payload)


def with_check_digit(payload: str) -> str:
    """The payload with its GS1 mod-10 check digit appended."""
    return f"{payload}{check_digit(payload)}"


def is_numeric_code(text: str) -> bool:
    """Whether text is ASCII digits only (``str.isdecimal`` would also let other scripts' digits in)."""
    return text.isascii() and text.isdigit()


def has_valid_check_digit(code: str) -> bool:
    """Whether a numeric code ends with the right GS1 mod-10 check digit."""
    return len(code) >= 2 and is_numeric_code(code) and check_digit(code[:-1]) == int(code[-1])


def read_gs1(body: str, *, aim: str | None = None) -> Gs1Data | None:
    """Read a scan (symbology identifier already split off) as GS1 data.

    Returns None when the text is not shaped like any GS1 barcode, so labels can have it.
    Raises ``scan.bad_check_digit`` or ``scan.unrecognised`` when it is shaped like one but broken.
    """
    try:
        if aim in _GTIN_AIMS:
            return _bare_number(body, gtin_only=True)
        if body.lower().startswith(("http://", "https://")):
            if aim is not None and aim not in _LINK_AIMS:
                return None
            return _from_elements(GS1DigitalLinkURI.parse(body).element_strings)
        if body.startswith("("):
            return _from_elements(GS1Message.parse_hri(body).element_strings)
        if aim in _GS1_MESSAGE_AIMS or _looks_like_raw_element_string(body):
            return _from_elements(GS1Message.parse(body).element_strings)
        if aim is None and is_numeric_code(body):
            return _bare_number(body, gtin_only=False)
    except ParseError as exc:
        raise _unrecognised(body, reason=str(exc)) from exc
    return None


def _looks_like_raw_element_string(body: str) -> bool:
    # Without a symbology identifier, only a leading SSCC/GTIN AI or a GS separator marks GS1 data:
    # otherwise lots such as "10ABC" or numbers such as "96385074" would be read as AI 10 or 96.
    if "\x1d" in body:
        return True
    bare_sscc = is_numeric_code(body) and len(body) == SSCC_LENGTH
    return body[:2] in ("00", "01", "02") and len(body) >= 16 and not bare_sscc


def _bare_number(body: str, *, gtin_only: bool) -> Gs1Data | None:
    if not is_numeric_code(body):
        raise _unrecognised(body, reason="not a number")
    if len(body) in GTIN_LENGTHS:
        return Gs1Data(gtin=_gtin14(body))
    if len(body) == SSCC_LENGTH and not gtin_only:
        return Gs1Data(sscc=_sscc(body))
    if gtin_only:
        raise _unrecognised(body, reason=f"{len(body)} digits is no GTIN")
    return None


def _gtin14(value: str) -> str:
    if not has_valid_check_digit(value):
        raise bad_check_digit(value)
    if not value.strip("0"):
        raise _unrecognised(value, reason="all zeros")
    return Gtin.parse(value).as_gtin_14()


def _sscc(value: str) -> str:
    if not has_valid_check_digit(value):
        raise bad_check_digit(value)
    return Sscc.parse(value).value


def _from_elements(elements: list[GS1ElementString]) -> Gs1Data:
    seen: dict[str, str] = {}
    fields: dict[str, object] = {}
    for element in elements:
        ai = element.ai.ai
        if seen.setdefault(ai, element.value) != element.value:
            # GS1 forbids one AI twice with different values: we cannot know which one is true.
            raise Rejected("scan.ambiguous", "Barcode has two different values for one field", ai=ai)
        if element.gtin_error or element.sscc_error:
            raise bad_check_digit(element.value)
        fields.update(_fields_of(element))
    return Gs1Data(**fields)  # type: ignore[arg-type]


def _fields_of(element: GS1ElementString) -> dict[str, object]:
    ai = element.ai.ai
    if element.gtin is not None and ai in ("01", "02"):
        # AI 02 (contents of a logistic unit) names the item just like AI 01 does.
        return {"gtin": element.gtin.as_gtin_14()}
    if element.sscc is not None:
        return {"sscc": element.sscc.value}
    if ai == "10":
        return {"lot": element.value}
    if ai == "17":
        # biip applies the GS1 rule that day 00 means the last day of the month.
        return {"expiry": element.date}
    if ai == "15":
        return {"best_before": element.date}
    if ai == "21":
        return {"serial": element.value}
    if ai in ("30", "37"):
        return {"count": int(element.value)}
    if ai.startswith("310") and element.decimal is not None:
        return _net_weight(element.decimal)
    return {}


def _net_weight(kg: Decimal) -> dict[str, object]:
    grams = kg * 1000
    whole = grams == grams.to_integral_value()
    return {"net_weight_kg": str(kg), "net_weight_g": int(grams) if whole else None}


def bad_check_digit(value: str) -> DomainError:
    """The refusal for a code whose GS1 check digit is wrong."""
    return Invalid("scan.bad_check_digit", "Bad check digit. Scan again", value=value)


def _unrecognised(value: str, *, reason: str) -> DomainError:
    return Invalid("scan.unrecognised", "Barcode not recognised", value=value, reason=reason)
