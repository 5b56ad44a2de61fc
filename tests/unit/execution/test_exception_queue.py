from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import DomainError
from domain.exception_queue import (
    TRANSITIONS,
    ExceptionKind,
    ExceptionRecord,
    ExceptionState,
    acknowledge,
    open_exception,
    resolve,
)

NOW = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def record() -> ExceptionRecord:
    return open_exception(
        "EX-1",
        ExceptionKind.CREDIT_HOLD,
        warehouse="W1",
        subject="order:SO-1",
        message="Customer over credit limit.",
        raised_by="system",
        now=NOW,
        details={"customer": "C-1"},
    )


def test_every_exception_kind_is_known() -> None:
    assert {k.value for k in ExceptionKind} == {
        "short_pick",
        "receipt_variance",
        "count_variance",
        "credit_hold",
        "posting_failure",
        "badge_locked",
    }
    assert set(TRANSITIONS) == set(ExceptionState)


def test_new_exception_is_open_and_records_who_raised_it_when() -> None:
    rec = record()
    assert (rec.state, rec.raised_by, rec.raised_at) == (ExceptionState.OPEN, "system", NOW)


def test_acknowledge_then_resolve_records_who_and_when() -> None:
    seen = acknowledge(record(), by="sue", now=NOW + timedelta(minutes=1))
    done = resolve(seen, by="sam", now=NOW + timedelta(minutes=2), resolution="credit raised")
    assert (seen.acknowledged_by, done.resolved_by, done.resolution) == ("sue", "sam", "credit raised")
    assert done.state is ExceptionState.RESOLVED
    assert done.version == 3


def test_an_open_exception_can_be_resolved_directly() -> None:
    assert resolve(record(), by="sue", now=NOW, resolution="fixed").state is ExceptionState.RESOLVED


def test_a_resolved_exception_cannot_be_acknowledged_or_resolved_again() -> None:
    done = resolve(record(), by="sue", now=NOW, resolution="fixed")
    for action in (
        lambda: acknowledge(done, by="sue", now=NOW),
        lambda: resolve(done, by="s", now=NOW, resolution="x"),
    ):
        with pytest.raises(DomainError) as err:
            action()
        assert err.value.code == "exception.invalid_transition"


def test_resolving_without_saying_how_is_refused() -> None:
    with pytest.raises(DomainError) as err:
        resolve(record(), by="sue", now=NOW, resolution="  ")
    assert err.value.code == "exception.resolution_required"


def test_exception_details_cannot_be_changed_after_the_fact() -> None:
    with pytest.raises(TypeError):
        record().details["customer"] = "C-2"  # type: ignore[index]
