"""Warehouse labels (locations, LPNs, totes) and free-text lots, recognised by configurable patterns."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

LabelKind = Literal["location", "lpn", "tote"]

DEFAULT_LOCATION_PATTERNS: tuple[str, ...] = (
    r"[A-Z0-9]{2,6}-[A-Z0-9]{1,3}-\d{2,3}-\d{2,3}-\d{1,2}",  # warehouse-aisle-bay-level-position
    r"(?:DOCK|DOOR|STAGE)-\d{1,3}",
)
DEFAULT_LPN_PATTERNS: tuple[str, ...] = (r"LPN\d{4,18}",)
DEFAULT_TOTE_PATTERNS: tuple[str, ...] = (r"TOTE-\d{1,8}",)
# GS1 AI 10 allows up to 20 characters; the first one must not be punctuation so stray text is refused.
DEFAULT_LOT_PATTERN = r"[A-Za-z0-9][A-Za-z0-9\-./_]{0,19}"


@dataclass(frozen=True)
class LabelPatterns:
    """Regexes (matched against the whole scan, ignoring case) that say which label a scan is."""

    location: tuple[str, ...] = DEFAULT_LOCATION_PATTERNS
    lpn: tuple[str, ...] = DEFAULT_LPN_PATTERNS
    tote: tuple[str, ...] = DEFAULT_TOTE_PATTERNS
    lot: str = DEFAULT_LOT_PATTERN

    def __post_init__(self) -> None:
        # A typo in configuration should fail at start-up, not on the first scan on the floor.
        for kind in LABEL_KINDS:
            if isinstance(getattr(self, kind), str):
                raise TypeError(f"LabelPatterns.{kind} must be a tuple of patterns, not one string")
        for pattern in (*self.location, *self.lpn, *self.tote, self.lot):
            re.compile(pattern)

    def for_kind(self, kind: LabelKind) -> tuple[str, ...]:
        """The patterns of one label kind."""
        patterns: tuple[str, ...] = getattr(self, kind)
        return patterns


LABEL_KINDS: tuple[LabelKind, ...] = ("location", "lpn", "tote")


def match_labels(text: str, patterns: LabelPatterns) -> list[LabelKind]:
    """The label kinds whose patterns match the whole text, in a fixed order."""
    return [
        kind for kind in LABEL_KINDS if any(re.fullmatch(p, text, flags=re.IGNORECASE) for p in patterns.for_kind(kind))
    ]


def normalise_label(text: str) -> str:
    """The canonical form of a label code: labels are printed upper case, wedges may send lower."""
    return text.upper()


def looks_like_lot(text: str, patterns: LabelPatterns) -> bool:
    """Whether free text may be a lot number."""
    return re.fullmatch(patterns.lot, text) is not None
