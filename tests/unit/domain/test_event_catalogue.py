"""The event catalogue is the one list of events: each is a frozen, documented type, and
``docs/events.md`` is generated from it."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from domain.events import CATALOGUE, EVENT_TYPES, FEED_ONLY, TaskAssigned, doc
from domain.events.base import Event


def test_every_event_type_is_named_once_in_the_past_tense_on_a_known_entity() -> None:
    assert len(CATALOGUE) == len(EVENT_TYPES), "two events share a type name"
    for cls in EVENT_TYPES:
        noun, _, verb = cls.type.partition(".")
        assert noun and verb and cls.type == cls.type.lower(), cls
        assert verb.endswith(("ed", "changed")), f"{cls.type} is not past tense"
        assert cls.entity, cls


def test_every_event_is_a_frozen_type_documented_on_its_own() -> None:
    for cls in EVENT_TYPES:
        assert dataclasses.is_dataclass(cls) and issubclass(cls, Event)
        assert cls.__doc__ and cls.__doc__ is not Event.__doc__, f"{cls.__name__} says nothing about itself"
        assert (inspect.getdoc(cls) or "").startswith("Emitted "), f"{cls.__name__}: say when it is emitted"
    event = TaskAssigned(warehouse="WH1", entity_id="1", version=1, data={}, assignee="picker1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.assignee = "picker2"  # type: ignore[misc]


def test_a_task_event_writes_its_typed_routing_fields_over_the_view() -> None:
    stale = {"id": 1, "assigned_to": "someone-else", "state": "assigned"}
    event = TaskAssigned(warehouse="WH1", entity_id="1", version=3, data=stale, assignee="picker1")
    assert event.payload() == {"id": 1, "assigned_to": "picker1", "state": "assigned"}
    taken = dataclasses.replace(event, previous_assignee="picker2", handed_over=True)
    assert taken.payload()["previous_assigned_to"] == "picker2"


def test_feed_only_events_are_exactly_those_no_topic_carries() -> None:
    assert {cls for cls in EVENT_TYPES if not cls.topics} == set(FEED_ONLY)


def test_the_events_document_is_generated_from_the_catalogue() -> None:
    assert doc.DOC.read_text(encoding="utf-8") == doc.render(), (
        "docs/events.md is stale: run `python -m domain.events.doc`"
    )
    text = doc.DOC.read_text(encoding="utf-8")
    for cls in EVENT_TYPES:
        assert f"### `{cls.type}`" in text


async def test_the_outbox_refuses_anything_but_catalogue_events() -> None:
    from server.outbox import emit_many

    with pytest.raises(TypeError, match="catalogue events"):
        await emit_many(None, ["task.assigned"])  # type: ignore[arg-type,list-item]
