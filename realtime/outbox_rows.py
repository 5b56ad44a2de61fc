"""The outbox row layout, in one place for its writer (a command's transaction, in ``server.outbox``)
and its readers (the relay, webhooks): which columns a catalogue event fills, and how a stamped row
becomes the envelope clients see."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from domain.events import Event
from realtime.envelope import OutgoingEnvelope

TABLE = "outbox_events"

# what a command writes, with the PostgreSQL array type each travels in; ``event_id`` and
# ``occurred_at`` are filled in by PostgreSQL, ``seq`` and ``published_at`` later by the relay
WRITTEN: tuple[tuple[str, str], ...] = (
    ("warehouse", "text"),
    ("type", "text"),
    ("entity", "text"),
    ("entity_id", "text"),
    ("entity_version", "bigint"),
    ("data", "jsonb"),
)
# what a reader needs to frame the envelope (the warehouse is the one being read)
READ = ("event_id", "type", "entity", "entity_id", "entity_version", "occurred_at", "data", "seq")



def insert_sql(first_param: int = 1) -> str:
    """One statement for a whole batch, one array per written column, its parameters numbered from
    ``first_param`` (a caller may send it as a CTE of a statement of its own)."""
    return (
        f"INSERT INTO {TABLE} (event_id, {', '.join(name for name, _ in WRITTEN)}, occurred_at)"
        f" SELECT gen_random_uuid(), x.*, clock_timestamp() FROM unnest("
        + ", ".join(f"${n}::{kind}[]" for n, (_, kind) in enumerate(WRITTEN, start=first_param))
        + ") AS x"
    )


INSERT = insert_sql()

_encode = msgspec.json.Encoder().encode


def select_list(alias: str = "o") -> str:
    """The columns a reader selects from the table aliased ``alias`` (``data`` as JSON text, spliced in)."""
    return ", ".join(f"{alias}.data::text AS data" if c == "data" else f"{alias}.{c}" for c in READ)


def _row(event: Event) -> tuple[Any, ...]:
    return (
        event.warehouse,
        event.type,
        event.entity,
        event.entity_id,
        event.version,
        _encode(event.payload()).decode(),
    )


def insert_arguments(events: Sequence[Event]) -> list[list[Any]]:
    """The arguments of ``INSERT`` for these catalogue events: one list per column of ``WRITTEN``."""
    return [list(column) for column in zip(*(_row(e) for e in events), strict=True)]


def envelope(row: Mapping[str, Any], warehouse: str) -> OutgoingEnvelope:
    """The envelope of a stamped row read with ``select_list``."""
    return OutgoingEnvelope(
        id=str(row["event_id"]),
        seq=int(row["seq"]),
        type=row["type"],
        warehouse=warehouse,
        entity=row["entity"],
        entity_id=row["entity_id"],
        entity_version=int(row["entity_version"]),
        occurred_at=row["occurred_at"],
        data=msgspec.Raw(row["data"].encode()),
    )
