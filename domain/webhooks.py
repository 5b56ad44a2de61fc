"""Webhook rules: the signature (HMAC-SHA256 over ``timestamp.body``), retry backoff with jitter, and what
happens to an event that keeps failing. Plain Python: the server hands in clocks and random draws."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from enum import StrEnum

SIGNATURE_HEADER = "Floorsync-Signature"
SIGNATURE_VERSION = "v1"
DEFAULT_TOLERANCE_S = 300
# event types are dotted lower-case names (``task.completed``); a subscription names them exactly
EVENT_TYPE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Floorsync-Signature`` header value: ``t=<unix seconds>,v1=<hex HMAC-SHA256>``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},{SIGNATURE_VERSION}={digest}"


class SignatureError(ValueError):
    """The delivery is not authentic or too old; ``reason`` is stable (``malformed``, ``stale``, ``mismatch``)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def verify(secret: str, header: str, body: bytes, *, now: int, tolerance_s: int = DEFAULT_TOLERANCE_S) -> int:
    """Check a delivery's signature; returns its timestamp or raises SignatureError.

    A timestamp further than ``tolerance_s`` from ``now`` is refused, so a captured delivery cannot be
    replayed later; within the window, the event id dedupes a second copy.
    """
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    stamps, signatures = parts.get("t", []), parts.get(SIGNATURE_VERSION, [])
    if len(stamps) != 1 or not stamps[0].isdigit() or not signatures:
        raise SignatureError("malformed", f"expected t=<seconds>,{SIGNATURE_VERSION}=<hex>")
    timestamp = int(stamps[0])
    if abs(now - timestamp) > tolerance_s:
        raise SignatureError("stale", f"timestamp {timestamp} is more than {tolerance_s}s from now")
    expected = sign(secret, timestamp, body).rpartition("=")[2]
    # several v1 values are allowed so that a secret can be rolled without a gap
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise SignatureError("mismatch", "no signature matches the body with this secret")
    return timestamp


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with full jitter, and how many attempts an event gets before it is dead."""

    max_attempts: int = 8
    base_s: float = 1.0
    cap_s: float = 600.0
    failing_after: int = 5  # consecutive failures after which the subscription counts as failing

    def delay(self, attempt: int, draw: float) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based); ``draw`` is uniform in [0, 1).

        Full jitter (a random point below the exponential ceiling) spreads the retries of many
        subscriptions that failed together, so a receiver that comes back is not hit all at once.
        """
        ceiling = min(self.cap_s, self.base_s * 2 ** (max(attempt, 1) - 1))
        return ceiling * min(max(draw, 0.0), 1.0)


class Outcome(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    DEAD = "dead"


def after_attempt(policy: RetryPolicy, *, attempt: int, succeeded: bool) -> Outcome:
    """What becomes of an event after its ``attempt``-th try.

    A dead event is set aside on the dead-letter list and the subscription moves on to the next event:
    one poisoned event (a receiver that always answers 400 to it) must not stop every later one.
    Replaying it later delivers it out of sequence order; receivers keep the newest ``entity_version``.
    """
    if succeeded:
        return Outcome.DELIVERED
    return Outcome.DEAD if attempt >= policy.max_attempts else Outcome.RETRY


def is_success(status: int) -> bool:
    """Any 2xx acknowledges a delivery; everything else (and no answer) is a failure to retry."""
    return 200 <= status < 300


def keeps_failing(policy: RetryPolicy, consecutive_failures: int) -> bool:
    """Has the subscription failed often enough in a row that a supervisor should hear of it?"""
    return consecutive_failures >= policy.failing_after
