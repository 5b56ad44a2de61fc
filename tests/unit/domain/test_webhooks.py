"""Webhook rules without I/O: signatures, replay window, backoff with jitter, the dead-letter policy."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from domain.webhooks import (
    EVENT_TYPE,
    Outcome,
    RetryPolicy,
    SignatureError,
    after_attempt,
    is_success,
    keeps_failing,
    sign,
    verify,
)

SECRET = "whsec_test"
BODY = b'{"id":"e1","type":"task.completed"}'


def test_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, 1_700_000_000, BODY) == f"t=1700000000,v1={expected}"


def test_a_fresh_signature_verifies_and_returns_its_timestamp() -> None:
    assert verify(SECRET, sign(SECRET, 1000, BODY), BODY, now=1010) == 1000


@pytest.mark.parametrize(
    ("header", "body", "secret", "now", "reason"),
    [
        (sign(SECRET, 1000, BODY), BODY + b" ", SECRET, 1000, "mismatch"),
        (sign(SECRET, 1000, BODY), BODY, "whsec_other", 1000, "mismatch"),
        (sign(SECRET, 1000, BODY), BODY, SECRET, 1000 + 301, "stale"),
        (sign(SECRET, 1000, BODY), BODY, SECRET, 1000 - 301, "stale"),
        ("v1=abc", BODY, SECRET, 1000, "malformed"),
        ("t=abc,v1=abc", BODY, SECRET, 1000, "malformed"),
        ("t=1000", BODY, SECRET, 1000, "malformed"),
    ],
)
def test_tampered_stale_or_malformed_deliveries_are_refused(
    header: str, body: bytes, secret: str, now: int, reason: str
) -> None:
    with pytest.raises(SignatureError) as refused:
        verify(secret, header, body, now=now)
    assert refused.value.reason == reason


def test_any_of_several_v1_signatures_may_match_while_a_secret_is_rolled() -> None:
    good = sign(SECRET, 1000, BODY).split(",")[1]
    assert verify(SECRET, f"t=1000,v1=deadbeef,{good}", BODY, now=1000) == 1000


def test_backoff_doubles_up_to_the_cap_and_jitter_stays_below_the_ceiling() -> None:
    policy = RetryPolicy(base_s=1.0, cap_s=30.0)
    assert [policy.delay(n, 0.999999) for n in (1, 2, 3, 4, 5, 6, 7)] == pytest.approx(
        [1, 2, 4, 8, 16, 30, 30], rel=1e-5
    )
    assert policy.delay(3, 0.0) == 0.0
    assert policy.delay(3, 0.5) == 2.0


def test_an_event_is_retried_until_its_last_attempt_then_dead() -> None:
    policy = RetryPolicy(max_attempts=3)
    assert [after_attempt(policy, attempt=n, succeeded=False) for n in (1, 2, 3)] == [
        Outcome.RETRY,
        Outcome.RETRY,
        Outcome.DEAD,
    ]
    assert after_attempt(policy, attempt=3, succeeded=True) is Outcome.DELIVERED


def test_only_2xx_acknowledges() -> None:
    assert [is_success(s) for s in (200, 204, 299, 301, 400, 500)] == [True, True, True, False, False, False]


def test_a_subscription_is_failing_from_the_threshold_on() -> None:
    policy = RetryPolicy(failing_after=5)
    assert [keeps_failing(policy, n) for n in (0, 4, 5, 9)] == [False, False, True, True]


def test_event_types_are_dotted_lower_case_names() -> None:
    assert [bool(EVENT_TYPE.match(t)) for t in ("task.completed", "order.status_changed", "task", "Task.x", "a.")] == [
        True,
        True,
        False,
        False,
        False,
    ]
