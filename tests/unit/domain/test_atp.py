import json
from datetime import date

import pytest

from domain.atp import compute_atp
from domain.errors import DomainError
from domain.stock import Balance, StockKey, StockStatus

TODAY = date(2025, 3, 10)
Q, D = StockStatus.QUARANTINED, StockStatus.DAMAGED
BALANCES = [
    (StockKey("P-01", "WATER"), Balance(on_hand=30, allocated=10)),
    (StockKey("R-01", "WATER"), Balance(on_hand=50, allocated=0)),
    (StockKey("Q-01", "WATER", status=Q), Balance(on_hand=7)),
    (StockKey("D-01", "WATER", status=D), Balance(on_hand=2)),
    (StockKey("R-02", "COLA"), Balance(on_hand=99)),
]


def atp(inbound=(), demand=()):
    return compute_atp("WATER", "W1", balances=BALANCES, inbound=inbound, demand=demand, today=TODAY)


def test_available_now_is_on_hand_minus_allocated_of_available_stock():
    result = atp()
    assert (result.on_hand, result.allocated, result.available_now) == (80, 10, 70)


def test_quarantined_and_damaged_are_reported_apart():
    result = atp()
    assert (result.quarantined, result.damaged) == (7, 2)


def test_other_items_are_ignored():
    assert atp().on_hand == 80


def test_inbound_raises_projection_from_its_date():
    result = atp(inbound=[(date(2025, 3, 12), 40)])
    assert [(b.day, b.projected) for b in result.buckets] == [(TODAY, 70), (date(2025, 3, 12), 110)]
    assert result.promisable_on(date(2025, 3, 11)) == 70
    assert result.promisable_on(date(2025, 3, 12)) == 110


def test_later_backorders_reduce_what_can_be_promised_today():
    result = atp(inbound=[(date(2025, 3, 12), 20)], demand=[(date(2025, 3, 14), 60)])
    assert [b.projected for b in result.buckets] == [70, 90, 30]
    assert [b.promisable for b in result.buckets] == [30, 30, 30]


def test_promisable_never_goes_below_zero_when_demand_exceeds_supply():
    result = atp(demand=[(date(2025, 3, 11), 100)])
    assert result.buckets[-1].projected == -30
    assert result.promisable_on(TODAY) == 0


def test_overdue_inbound_and_past_demand_count_from_today():
    result = atp(inbound=[(date(2025, 3, 1), 5)], demand=[(date(2025, 2, 1), 15)])
    assert len(result.buckets) == 1
    assert (result.buckets[0].inbound, result.buckets[0].demand, result.buckets[0].projected) == (5, 15, 60)


def test_nothing_can_be_promised_before_as_of():
    assert atp().promisable_on(date(2025, 3, 9)) == 0


def test_same_day_entries_are_summed():
    result = atp(inbound=[(date(2025, 3, 12), 5), (date(2025, 3, 12), 6)])
    assert result.buckets[1].inbound == 11


def test_fractional_inbound_is_refused():
    with pytest.raises(DomainError):
        atp(inbound=[(date(2025, 3, 12), 1.5)])


def test_to_dict_is_json_friendly_with_iso_dates():
    data = atp(inbound=[(date(2025, 3, 12), 40)]).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["as_of"] == "2025-03-10"
    assert data["buckets"][1] == {
        "date": "2025-03-12",
        "inbound": 40,
        "demand": 0,
        "projected": 110,
        "promisable": 110,
    }
