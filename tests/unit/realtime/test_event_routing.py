"""Topics route and authorize by the catalogue: every event reaches a topic (or is feed-only on
purpose), every topic's events are in the catalogue, and delivery follows the events' typed routing
fields, not whatever keys the entity's view happens to use."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec

from domain.events import CATALOGUE, EVENT_TYPES, FEED_ONLY, Event, OrderStatusChanged, StockChanged, TaskAssigned
from domain.events.topics import TOPIC_KINDS
from realtime import outbox_rows
from realtime.envelope import Envelope, OutgoingEnvelope, decode_event, encode_event
from realtime.topics import Viewer, parse_topic
from server.models.commands import OutboxEvent

SUPERVISOR = Viewer(user_id=1, username="boss", roles=frozenset({"supervisor"}), warehouses=frozenset({"WH1"}))
PICKER = Viewer(user_id=7, username="picker1", roles=frozenset({"picker"}), warehouses=frozenset({"WH1"}))
REP = Viewer(user_id=9, username="rep1", roles=frozenset({"sales_rep"}), warehouses=frozenset({"WH1"}))


def _as_published(event: Event) -> Envelope:
    """The envelope a client receives for ``event``: outbox row -> relay -> stream -> reader."""
    warehouse, kind, entity, entity_id, version, data = outbox_rows.insert_arguments([event])
    row = {
        "event_id": "0b5e4d7e-4b1d-4c7e-9d55-4b7b1c1d0001",
        "seq": 1,
        "type": kind[0],
        "entity": entity[0],
        "entity_id": entity_id[0],
        "entity_version": version[0],
        "occurred_at": datetime.now(UTC),
        "data": data[0],
    }
    return decode_event(encode_event(outbox_rows.envelope(row, warehouse[0])))


def _for_everyone(cls: type[Event]) -> Event:
    """An event of ``cls`` meant for the viewers above: picker1's task, SKU-A, rep 9's order."""
    routing: dict[str, Any] = {"assignee": "picker1", "sku": "SKU-A", "sales_rep_id": 9}
    wanted = {name: routing[name] for name, _ in cls.ROUTES if name in routing}
    return cls(warehouse="WH1", entity_id="X-1", version=1, data={"id": "X-1"}, **wanted)


def _topics() -> dict[str, Any]:
    return {
        "board": parse_topic("board:WH1", SUPERVISOR),
        "my-tasks": parse_topic("my-tasks:WH1", PICKER),
        "atp": parse_topic("atp:WH1", PICKER, skus=["SKU-A"]),
        "orders": parse_topic("orders:WH1", REP),
        "exceptions": parse_topic("exceptions:WH1", SUPERVISOR),
    }


def test_every_catalogue_event_maps_to_a_topic_and_every_topic_to_catalogue_events() -> None:
    topics = _topics()
    assert set(topics) == set(TOPIC_KINDS)
    for cls in EVENT_TYPES:
        assert cls.topics <= set(TOPIC_KINDS), f"{cls.type} names a topic realtime does not serve"
        assert cls.topics or cls in FEED_ONLY, f"{cls.type} reaches no topic: give it one or list it as feed-only"
        delivered = {kind for kind, topic in topics.items() if topic.matches(_as_published(_for_everyone(cls)))}
        assert delivered == set(cls.topics), cls.type
    for kind in TOPIC_KINDS:
        assert any(kind in cls.topics for cls in EVENT_TYPES), f"topic {kind} carries no catalogue event"


def test_an_event_type_outside_the_catalogue_reaches_no_topic() -> None:
    stray = Envelope("e1", 1, "task.updated", "WH1", "task", "T1", 1, datetime.now(UTC), {"assigned_to": "picker1"})
    assert "task.updated" not in CATALOGUE
    assert not any(topic.matches(stray) for topic in _topics().values())


def test_delivery_follows_the_typed_routing_fields_whatever_the_view_calls_its_keys() -> None:
    topics = _topics()
    # the task view renamed its worker key: my-tasks still finds the picker
    renamed = TaskAssigned(warehouse="WH1", entity_id="T1", version=2, data={"worker": "picker2"}, assignee="picker1")
    assert topics["my-tasks"].matches(_as_published(renamed))
    # a view key that disagrees with the typed field does not steer delivery either
    stale = TaskAssigned(warehouse="WH1", entity_id="T1", version=3, data={"assigned_to": "picker1"}, assignee="x")
    assert not topics["my-tasks"].matches(_as_published(stale))
    stock = StockChanged(warehouse="WH1", entity_id="SKU-A", version=1, data={"item": "SKU-B"}, sku="SKU-A")
    assert topics["atp"].matches(_as_published(stock))
    order = OrderStatusChanged(warehouse="WH1", entity_id="SO-1", version=1, data={"rep": 8}, sales_rep_id=9)
    assert topics["orders"].matches(_as_published(order))
    others = OrderStatusChanged(warehouse="WH1", entity_id="SO-2", version=1, data={"sales_rep_id": 9}, sales_rep_id=8)
    assert not topics["orders"].matches(_as_published(others))


def test_the_envelope_keeps_its_wire_shape() -> None:
    published = _as_published(_for_everyone(TaskAssigned))
    assert list(msgspec.structs.asdict(published)) == list(OutgoingEnvelope.__struct_fields__)
    assert (published.type, published.entity, published.entity_id, published.entity_version) == (
        "task.assigned",
        "task",
        "X-1",
        1,
    )
    assert published.data == {"id": "X-1", "assigned_to": "picker1"}


def test_one_row_layout_serves_writer_and_readers_and_matches_the_table() -> None:
    columns = set(OutboxEvent.__table__.columns.keys())
    assert OutboxEvent.__tablename__ == outbox_rows.TABLE
    assert {name for name, _ in outbox_rows.WRITTEN} | set(outbox_rows.READ) <= columns
    assert outbox_rows.INSERT.count("$") == len(outbox_rows.WRITTEN)
    assert len(outbox_rows.insert_arguments([_for_everyone(TaskAssigned)] * 3)) == len(outbox_rows.WRITTEN)
