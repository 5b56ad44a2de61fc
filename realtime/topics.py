"""Topics a socket may subscribe to, who may, and which events each one carries."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from domain.events import CATALOGUE, Audience
from domain.events.topics import ATP, BOARD, EXCEPTIONS, MY_TASKS, ORDERS, TOPIC_KINDS
from realtime.envelope import Envelope

SUPERVISORS = frozenset({"supervisor", "admin"})
ORDER_WATCHERS = frozenset({"sales_rep", "supervisor", "admin"})
MAX_SKUS = 500


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who holds the socket (from the ticket): enough to check topics, nothing more."""

    user_id: int
    username: str
    roles: frozenset[str]
    warehouses: frozenset[str]
    device_id: str | None = None
    session_id: str | None = None

    def may_access(self, warehouse: str) -> bool:
        return "admin" in self.roles or warehouse in self.warehouses


class TopicError(Exception):
    """A message the gateway refuses (a subscribe, an ``at``); ``code`` is stable, the message says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Topic:
    """A parsed, authorised subscription target. ``key`` groups subscribers that see the same events,
    so each batch is filtered and framed once per key, not once per socket."""

    name: str
    kind: str
    warehouse: str
    user_id: int | None = None  # my-tasks, or orders of one sales rep
    username: str | None = None  # my-tasks: task events may name the worker by username
    skus: frozenset[str] = frozenset()

    @property
    def key(self) -> Hashable:
        return (self.name, self.user_id, self.username, self.skus)

    def matches(self, event: Envelope) -> bool:
        """Does this topic carry the event? The catalogue says which event types it carries and who
        each event is for; an event type outside the catalogue goes nowhere."""
        cls = CATALOGUE.get(event.type)
        if cls is None or self.kind not in cls.topics:
            return False
        check = _AUDIENCE_CHECKS.get(self.kind)
        return check is None or check(self, cls.audience(event.data))


def _is_worker(topic: Topic, audience: Audience) -> bool:
    return bool(audience.workers & {topic.user_id, topic.username})


def _wants_sku(topic: Topic, audience: Audience) -> bool:
    return audience.sku in topic.skus


def _is_their_order(topic: Topic, audience: Audience) -> bool:
    return topic.user_id is None or audience.sales_rep_id == topic.user_id


# topics that narrow what they carry to the events meant for their subscriber
_AUDIENCE_CHECKS: dict[str, Callable[[Topic, Audience], bool]] = {
    MY_TASKS: _is_worker,
    ATP: _wants_sku,
    ORDERS: _is_their_order,
}


def parse_topic(name: str, viewer: Viewer, *, skus: list[str] | None = None) -> Topic:
    """The topic ``name`` (``kind:warehouse``) if ``viewer`` may subscribe to it; else TopicError."""
    kind, _, warehouse = name.partition(":")
    if not warehouse or kind not in TOPIC_KINDS:
        raise TopicError(
            "topic.unknown", f"No topic {name!r}; use board, my-tasks, atp, orders or exceptions, then :WAREHOUSE."
        )
    if not viewer.may_access(warehouse):
        raise TopicError("auth.wrong_warehouse", f"You are not assigned to warehouse {warehouse}.")
    if kind in (BOARD, EXCEPTIONS) and not viewer.roles & SUPERVISORS:
        raise TopicError("auth.forbidden", f"The {kind} topic is for supervisors.")
    if kind == MY_TASKS:
        return Topic(name, kind, warehouse, user_id=viewer.user_id, username=viewer.username)
    if kind == ATP:
        wanted = frozenset(skus or ())
        if not wanted or len(wanted) > MAX_SKUS or not all(isinstance(s, str) for s in wanted):
            raise TopicError("topic.invalid_skus", f"An atp subscription names 1 to {MAX_SKUS} SKUs in 'skus'.")
        return Topic(name, kind, warehouse, skus=wanted)
    if kind == ORDERS:
        if not viewer.roles & ORDER_WATCHERS:
            raise TopicError("auth.forbidden", "Order status is for sales reps and supervisors.")
        sees_all = bool(viewer.roles & SUPERVISORS)
        return Topic(name, kind, warehouse, user_id=None if sees_all else viewer.user_id)
    return Topic(name, kind, warehouse)


def parse_skus(raw: Any) -> list[str] | None:
    """The SKU list of an atp subscribe; anything but a list of strings is refused before it is hashed."""
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(s, str) for s in raw):
        raise TopicError("topic.invalid_skus", "'skus' is a list of SKU strings.")
    return raw


def parse_position(raw: Any) -> tuple[str, int] | None:
    """A subscribe's ``from`` as (epoch, seq), None when absent; anything else is ``position.invalid``."""
    if raw is None:
        return None
    seq = raw.get("seq") if isinstance(raw, dict) else None
    if isinstance(raw, dict) and isinstance(raw.get("epoch"), str) and type(seq) is int and seq >= 0:
        return raw["epoch"], seq
    raise TopicError("position.invalid", "'from' is {\"epoch\": string, \"seq\": integer} (a snapshot's as_of).")
