"""``GET /api/events``: the pull feed for systems that prefer to poll."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from litestar import get
from litestar.params import FromQuery, QueryParameter

from domain.webhooks import EVENT_TYPE
from server.auth.principal import AUTHENTICATED, ensure_warehouse
from server.auth.tokens import Principal
from server.deps import Caller, Db
from server.feed.store import FeedPage, read_page
from server.problems import Problem

MAX_TYPES = 100
# the event types each role may read (prefixes); None: every type. A caller gets the union of its roles'.
ROLE_TYPES: Mapping[str, tuple[str, ...] | None] = {
    "admin": None,
    "supervisor": None,
    "sales_rep": ("stock.", "order.", "allocation."),
    "picker": ("task.",),
    "receiver": ("task.", "receipt.", "asn."),
}


def visible_patterns(principal: Principal) -> list[str] | None:
    """SQL LIKE patterns of the types the caller may read, or None for all."""
    prefixes: set[str] = set()
    for role in principal.roles:
        allowed = ROLE_TYPES.get(role, ())
        if allowed is None:
            return None
        prefixes.update(allowed)
    return sorted(p.replace("_", r"\_") + "%" for p in prefixes)


def _types(raw: list[str] | None) -> list[str]:
    types = sorted({t.strip() for value in raw or () for t in value.split(",") if t.strip()})
    bad = [t for t in types if not EVENT_TYPE.match(t)]
    if bad or len(types) > MAX_TYPES:
        raise Problem(
            422,
            "feed.invalid_type",
            f"Name at most {MAX_TYPES} event types as dotted names (types=task.completed,stock.changed).",
            invalid=bad[:10],
        )
    return types


def _warehouse(principal: Principal, warehouse: str | None) -> str:
    if warehouse is None:
        if len(principal.warehouses) == 1 and not principal.is_admin:
            return next(iter(principal.warehouses))
        raise Problem(422, "feed.warehouse_required", "Say which warehouse's events to read: ?warehouse=CODE.")
    ensure_warehouse(principal, warehouse)
    return warehouse


@get("/api/events", operation_id="listEvents", guards=[AUTHENTICATED], tags=["events"])
async def list_events(
    db: Db,
    principal: Caller,
    after: Annotated[int, QueryParameter(ge=0)] = 0,
    types: FromQuery[list[str] | None] = None,
    warehouse: FromQuery[str | None] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
) -> FeedPage:
    """Events of one warehouse after position ``after``, oldest first, over the same stamped sequence as
    the live stream (``seq``, which no stream epoch change resets).

    Resume by passing the page's ``next_after``; it moves past events you may not see or did not ask for,
    so no position is ever read twice or skipped. ``types`` filters (repeat it or separate by commas);
    the caller's role limits the types further (supervisors and admins read all). ``warehouse`` may be
    left out by someone who works in one warehouse only.
    Problems: ``feed.invalid_type``, ``feed.warehouse_required``, ``feed.position_ahead`` (422),
    ``feed.unknown_warehouse`` (404), ``auth.wrong_warehouse`` (403).
    """
    code = _warehouse(principal, warehouse)
    return await read_page(
        db, code, after=after, types=_types(types), patterns=visible_patterns(principal), limit=limit
    )
