"""Row-by-row validation of master-data files: each field parsed by its type, each row checked by
its kind's rules, every fault named by row, field and a stable code (``import.gtin_invalid``).

Files arrive as CSV (every value text) or JSON (numbers and booleans typed): a parser accepts both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import available_timezones

from domain.items import is_valid_gtin

Value = str | int | bool | date | tuple[str, ...] | None

# Values are bounded before they are stored: a file cannot smuggle in a gigantic number or text.
MAX_INT = 2**53
MAX_TEXT = 256


class FieldError(Exception):
    """One field refused: a stable code and what to fix."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # 1-based: the first data row (after a CSV header, or the first JSON array element) is 1
    field: str
    code: str
    message: str


def _text(raw: object, *, max_len: int) -> str:
    if not isinstance(raw, str):
        raise FieldError("import.not_text", f"expected text, got {raw!r}")
    value = raw.strip()
    if len(value) > max_len:
        raise FieldError("import.too_long", f"at most {max_len} characters, got {len(value)}")
    if "\x00" in value:
        raise FieldError("import.invalid_character", "holds a NUL character")
    return value


def parse_text(raw: object) -> str:
    """Free text (names, descriptions)."""
    return _text(raw, max_len=MAX_TEXT)


def parse_code(raw: object) -> str:
    """A code or key: no spaces, at most 32 characters, kept as written."""
    value = _text(raw, max_len=32)
    if " " in value:
        raise FieldError("import.invalid_code", f"a code holds no spaces: {value!r}")
    return value


def parse_int(raw: object) -> int:
    """A whole number (text digits in CSV, a JSON integer), within a safe range."""
    if isinstance(raw, bool):
        raise FieldError("import.not_a_number", f"expected a whole number, got {raw!r}")
    if isinstance(raw, str):
        try:
            raw = int(raw.strip())
        except ValueError:
            raise FieldError("import.not_a_number", f"expected a whole number, got {raw!r}") from None
    if not isinstance(raw, int):
        raise FieldError("import.not_a_number", f"expected a whole number, got {raw!r}")
    if not -MAX_INT < raw < MAX_INT:
        raise FieldError("import.out_of_range", f"{raw} is out of range")
    return raw


def parse_count(raw: object) -> int:
    """A whole number of zero or more (quantities, days, money in minor units)."""
    value = parse_int(raw)
    if value < 0:
        raise FieldError("import.negative", f"must be zero or more, got {value}")
    return value


_BOOLS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


def parse_bool(raw: object) -> bool:
    """true/false (also yes/no, 1/0 in CSV)."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _BOOLS:
        return _BOOLS[raw.strip().lower()]
    raise FieldError("import.not_a_boolean", f"expected true or false, got {raw!r}")


def parse_date(raw: object) -> date:
    """An ISO date, 2026-12-31."""
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw.strip())
        except ValueError:
            pass
    raise FieldError("import.not_a_date", f"expected a date as YYYY-MM-DD, got {raw!r}")


def parse_list(raw: object) -> tuple[str, ...]:
    """Codes separated by ``|`` in CSV, or a JSON list of codes."""
    parts: list[object] = [*raw.split("|")] if isinstance(raw, str) else list(raw) if isinstance(raw, list) else [raw]
    return tuple(sorted({parse_code(p) for p in parts if not (isinstance(p, str) and not p.strip())}))


def parse_ranked_list(raw: object) -> tuple[str, ...]:
    """Like ``parse_list`` but in the order given (substitutes, best first), each code once."""
    parts: list[object] = [*raw.split("|")] if isinstance(raw, str) else list(raw) if isinstance(raw, list) else [raw]
    return tuple(dict.fromkeys(parse_code(p) for p in parts if not (isinstance(p, str) and not p.strip())))


def parse_currency(raw: object) -> str:
    """An ISO 4217 code: three capital letters."""
    value = _text(raw, max_len=MAX_TEXT)
    if len(value) != 3 or not value.isalpha() or not value.isupper():
        raise FieldError("import.currency_invalid", f"expected a currency like EUR, got {value!r}")
    return value


def parse_gtin(raw: object) -> str:
    """A GTIN of 8, 12, 13 or 14 digits with a right check digit."""
    value = _text(raw if not isinstance(raw, int) or isinstance(raw, bool) else str(raw), max_len=14)
    if not is_valid_gtin(value):
        raise FieldError("import.gtin_invalid", f"{value!r} is not a GTIN-8/12/13/14 with a right check digit")
    return value


def parse_units(raw: object) -> tuple[str, ...]:
    """Units an item is handled in: ``EA:1:<gtin>|CS:12:<gtin>`` in CSV, or a JSON list of
    ``{"uom", "factor", "gtin"}``; kept as sorted ``uom:factor:gtin`` strings. EA (factor 1) is required."""
    entries: list[tuple[object, object, object]] = []
    if isinstance(raw, str):
        for part in (p for p in raw.split("|") if p.strip()):
            bits = [*part.split(":"), ""][:3] if part.count(":") <= 2 else []
            if len(bits) != 3:
                raise FieldError("import.unit_invalid", f"write a unit as UOM:FACTOR:GTIN, got {part!r}")
            entries.append((bits[0], bits[1], bits[2]))
    elif isinstance(raw, list):
        for unit in raw:
            if not isinstance(unit, dict):
                raise FieldError("import.unit_invalid", f"a unit is an object with uom, factor, gtin: {unit!r}")
            entries.append((unit.get("uom"), unit.get("factor"), unit.get("gtin") or ""))
    else:
        raise FieldError("import.unit_invalid", f"expected a list of units, got {raw!r}")
    units: dict[str, str] = {}
    for uom, factor, gtin in entries:
        code = parse_code(uom).upper()
        if not code or len(code) > 8:
            raise FieldError("import.unit_invalid", f"a unit code is 1 to 8 characters: {code!r}")
        count = parse_int(factor)
        if count <= 0:
            raise FieldError("import.unit_invalid", f"{code} must hold at least one base unit")
        if code in units:
            raise FieldError("import.unit_duplicate", f"{code} is listed twice")
        units[code] = f"{code}:{count}:{parse_gtin(gtin) if gtin not in ('', None) else ''}"
    if not units.get("EA", "").startswith("EA:1:"):
        raise FieldError("import.base_unit_missing", "list the base unit EA with factor 1")
    return tuple(sorted(units.values()))


def choice(*allowed: str) -> Callable[[object], str]:
    """A parser accepting one of ``allowed``."""

    def parse(raw: object) -> str:
        value = _text(raw, max_len=32)
        if value not in allowed:
            raise FieldError("import.invalid_choice", f"one of {', '.join(allowed)}; got {value!r}")
        return value

    return parse


def parse_timezone(raw: object) -> str:
    """An IANA time zone, Europe/Amsterdam."""
    value = _text(raw, max_len=64)
    if value not in _zones():
        raise FieldError("import.timezone_unknown", f"{value!r} is not an IANA time zone")
    return value


_ZONES: set[str] = set()


def _zones() -> set[str]:
    if not _ZONES:
        _ZONES.update(available_timezones())
    return _ZONES


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    parse: Callable[[object], Any]
    required: bool = False
    default: Value = None


Check = Callable[[Mapping[str, Any]], list[tuple[str, str, str]]]  # -> [(field, code, message)]


@dataclass(frozen=True, slots=True)
class KindSpec:
    """What a file of one kind holds: its fields (in staging order), its key and its row rules."""

    name: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    checks: tuple[Check, ...] = ()
    names: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", frozenset(f.name for f in self.fields))


def _blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def validate_row(
    spec: KindSpec, row_no: int, raw: Mapping[str, object]
) -> tuple[tuple[Any, ...] | None, list[RowError]]:
    """The row's values in field order, or the errors that refuse it (all of them, not the first)."""
    errors = [
        RowError(row_no, name, "import.unknown_field", f"{spec.name} files have no field {name!r}")
        for name in raw
        if name not in spec.names
    ]
    values: dict[str, Any] = {}
    for f in spec.fields:
        given = raw.get(f.name)
        if _blank(given):
            if f.required:
                errors.append(RowError(row_no, f.name, "import.required", f"{f.name} is required"))
            values[f.name] = f.default
            continue
        try:
            values[f.name] = f.parse(given)
        except FieldError as exc:
            errors.append(RowError(row_no, f.name, exc.code, f"{f.name}: {exc.message}"))
    if not errors:
        for check in spec.checks:
            errors.extend(RowError(row_no, name, code, message) for name, code, message in check(values))
    if errors:
        return None, errors
    return tuple(values[f.name] for f in spec.fields), []
