"""Allocation's rule tables: which stock may serve a line (eligibility) and which serves it first
(ranking), each rule named and able to say why it decided as it did."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from domain.customers import Customer
from domain.items import Item
from domain.locations import PICKABLE_KINDS, LocationKind
from domain.stock import Balance, StockKey, StockStatus


@dataclass(frozen=True)
class Candidate:
    """A balance allocation may draw from, with the facts the rules need."""

    key: StockKey
    balance: Balance
    location_kind: LocationKind
    received_on: date
    expires_on: date | None = None
    pick_sequence: int = 0


class Option(NamedTuple):
    candidate: Candidate
    free: int  # what is still free in it at this point of the walk


@dataclass(frozen=True)
class Context:
    item: Item
    customer: Customer
    today: date
    remaining: int  # still to allocate for the line


@dataclass(frozen=True)
class EligibilityRule:
    name: str
    rejects: Callable[[Option, Context], str | None]  # why the option may not serve the line, or None


@dataclass(frozen=True)
class RankingRule:
    name: str
    key: Callable[[Option, Context], Any]  # lower is better
    explain: Callable[[Option, Option, Context], str]  # (winner, runner_up, ctx): why the winner won here


def _available_status(o: Option, ctx: Context) -> str | None:
    status = o.candidate.key.status
    return None if status is StockStatus.AVAILABLE else f"stock is {status}, only available is allocated"


def _pickable_location(o: Option, ctx: Context) -> str | None:
    kind = o.candidate.location_kind
    return None if kind in PICKABLE_KINDS else f"{kind} locations are not picked from"


def _free_stock(o: Option, ctx: Context) -> str | None:
    return None if o.free > 0 else f"nothing free ({o.candidate.balance.on_hand} on hand, all allocated)"


def _not_expired(o: Option, ctx: Context) -> str | None:
    expires = o.candidate.expires_on
    return None if expires is None or expires > ctx.today else f"lot {o.candidate.key.lot} expired {expires}"


def _min_shelf_life(o: Option, ctx: Context) -> str | None:
    expires, needed = o.candidate.expires_on, ctx.customer.min_remaining_shelf_life_days
    if expires is None or (days := (expires - ctx.today).days) >= needed:
        return None
    return f"lot {o.candidate.key.lot} has {days} days left, {ctx.customer.name} needs {needed}"


ELIGIBILITY_RULES: tuple[EligibilityRule, ...] = (
    EligibilityRule("available_status_only", _available_status),
    EligibilityRule("pickable_location", _pickable_location),
    EligibilityRule("free_stock_only", _free_stock),
    EligibilityRule("not_expired", _not_expired),
    EligibilityRule("min_remaining_shelf_life", _min_shelf_life),
)


def _fefo_key(o: Option, ctx: Context) -> date:
    # Stock of an item without lots has no expiry to rotate by, so FEFO never decides for it.
    return (o.candidate.expires_on or date.max) if ctx.item.lot_tracked else date.max


def _fefo_why(w: Option, r: Option, ctx: Context) -> str:
    return (
        f"lot {w.candidate.key.lot} expires {w.candidate.expires_on}, "
        f"before lot {r.candidate.key.lot} ({r.candidate.expires_on or 'no expiry'})"
    )


def _fewest_key(o: Option, ctx: Context) -> tuple[int, int]:
    # One balance covering the line is best; failing that, the biggest leaves the fewest stops.
    return (0, 0) if o.free >= ctx.remaining else (1, -o.free)


def _fewest_why(w: Option, r: Option, ctx: Context) -> str:
    if w.free >= ctx.remaining:
        return f"{w.candidate.key.location} covers all {ctx.remaining} from one location"
    return f"{w.candidate.key.location} holds {w.free}, more than {r.candidate.key.location} ({r.free})"


# FEFO comes first: shipping a later lot while an earlier one ages out is the costly mistake.
# Pick faces beat reserve because replenishment already rotates reserve into them.
RANKING_RULES: tuple[RankingRule, ...] = (
    RankingRule("fefo", _fefo_key, _fefo_why),
    RankingRule(
        "pick_face_first",
        lambda o, ctx: o.candidate.location_kind is not LocationKind.PICK_FACE,
        lambda w, r, ctx: f"{w.candidate.key.location} is a pick face, {r.candidate.key.location} is not",
    ),
    RankingRule("fewest_locations", _fewest_key, _fewest_why),
    RankingRule(
        "fifo",
        lambda o, ctx: o.candidate.received_on,
        lambda w, r, ctx: f"received {w.candidate.received_on}, before {r.candidate.received_on}",
    ),
    RankingRule(
        "pick_path",
        lambda o, ctx: (o.candidate.pick_sequence, o.candidate.key),
        lambda w, r, ctx: f"{w.candidate.key.location} comes first on the pick path",
    ),
)


def decide(ranked: Sequence[Option], ctx: Context) -> tuple[str, str]:
    """The rule that puts the first ranked option ahead of the next, and its reason."""
    if len(ranked) == 1:
        return "only_source", f"only eligible stock of {ctx.item.sku}"
    # pick_path ranks by StockKey, so some rule always tells two options apart
    rule = next(r for r in RANKING_RULES if r.key(ranked[0], ctx) != r.key(ranked[1], ctx))
    return rule.name, rule.explain(ranked[0], ranked[1], ctx)
