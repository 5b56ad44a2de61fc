"""What every catalogue event is: its routing fields, typed, beside the entity's new state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

# who may hold a task: tasks record the worker's username; a user id names the same person
Worker = str | int


@dataclass(frozen=True, slots=True)
class Audience:
    """The routing facts topics filter on, as the catalogue reads them back from an envelope."""

    workers: frozenset[Worker] = frozenset()
    sku: str | None = None
    sales_rep_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """One event the server emits: the class fixes ``type``, ``entity`` and the live topics it goes to;
    an instance carries the warehouse, the entity's id and new version, and ``data``, the entity's new
    state (never a diff). Routing fields are typed attributes of the subclasses; the catalogue writes
    them into ``data`` under its own keys (``ROUTES``), so a view renaming its keys cannot reroute."""

    type: ClassVar[str]
    entity: ClassVar[str]
    topics: ClassVar[frozenset[str]]
    # (typed routing field, the key under which the envelope's ``data`` carries it)
    ROUTES: ClassVar[tuple[tuple[str, str], ...]] = ()

    warehouse: str
    entity_id: str
    version: int
    data: Mapping[str, Any] = field(default_factory=dict)

    def routing(self) -> dict[str, Any]:
        """The routing fields as the envelope's ``data`` carries them."""
        return {key: getattr(self, name) for name, key in self.ROUTES}

    def payload(self) -> dict[str, Any]:
        """The envelope's ``data``: the entity's state with the routing fields on top."""
        return {**self.data, **self.routing()}

    @classmethod
    def audience(cls, data: Mapping[str, Any]) -> Audience:
        """Who this event is for, read back from the keys ``payload`` wrote."""
        return Audience()
