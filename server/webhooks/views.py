"""Request and response types of the webhook admin API."""

from __future__ import annotations

from datetime import datetime

import msgspec


class NewSubscription(msgspec.Struct, forbid_unknown_fields=True):
    """A receiver for one warehouse's events; ``types`` empty means every type. ``start_after`` is the
    stream position to start after (default: now, so only events from here on are sent)."""

    warehouse: str
    url: str
    types: list[str] = msgspec.field(default_factory=list)
    description: str = ""
    start_after: int | None = None
    max_attempts: int | None = None  # tries before an event is dead-lettered (server default when left out)
    timeout_s: float | None = None  # per request (server default when left out)


class SubscriptionChange(msgspec.Struct, forbid_unknown_fields=True):
    """Fields to change; the ones left out (null) stay as they are."""

    url: str | None = None
    types: list[str] | None = None
    description: str | None = None
    active: bool | None = None
    max_attempts: int | None = None
    timeout_s: float | None = None


class SubscriptionView(msgspec.Struct):
    """A subscription and its health: how far behind it is, how it is failing, how many dead letters."""

    id: int
    warehouse: str
    url: str
    types: list[str]
    description: str
    active: bool
    max_attempts: int
    timeout_s: float
    cursor: int
    head: int
    lag: int
    attempt: int
    next_attempt_at: datetime
    consecutive_failures: int
    failing: bool
    last_status: int | None
    last_error: str | None
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    dead_letters: int
    created_by: str
    created_at: datetime
    version: int


class CreatedSubscription(msgspec.Struct):
    """The new subscription and its signing secret, shown this once only."""

    subscription: SubscriptionView
    secret: str


class DeliveryView(msgspec.Struct):
    """One delivery attempt: what was sent, what came back and how long it took."""

    id: int
    event_id: str
    seq: int
    event_type: str
    attempt: int
    outcome: str
    replay: bool
    response_code: int | None
    latency_ms: float
    error: str | None
    at: datetime


class DeadLetterView(msgspec.Struct):
    """An event that failed every attempt; ``state`` is dead, queued (for replay) or delivered."""

    id: int
    seq: int
    event_id: str
    event_type: str
    state: str
    attempts: int
    last_response_code: int | None
    last_error: str | None
    dead_at: datetime
    replay_requested_at: datetime | None
    replay_requested_by: str | None
    delivered_at: datetime | None


class ReplayQueued(msgspec.Struct):
    """The dead letters queued for replay, in the order they will be delivered."""

    queued: list[DeadLetterView]
