"""``docs/events.md``, generated from the catalogue: every event type, when it is emitted, what its
``data`` holds, its routing fields and the live topics that carry it. ``python -m domain.events.doc``
rewrites it (``--check``: exit 1 if it is stale); a test fails when it drifts."""

from __future__ import annotations

import inspect
import sys
from dataclasses import fields
from pathlib import Path

from domain.events.base import Event
from domain.events.catalogue import EVENT_TYPES, FEED_ONLY, events_for
from domain.events.topics import TOPIC_KINDS

DOC = Path(__file__).resolve().parents[2] / "docs" / "events.md"

INTRO = """\
# Events

Generated from the catalogue in `domain/events/` by `python -m domain.events.doc`; do not edit by hand.

Every change a command commits is announced by events written in the same transaction. Each travels
as one envelope, the same over WebSockets ([realtime/PROTOCOL.md](../realtime/PROTOCOL.md)), signed
webhooks and the pull feed ([webhooks.md](webhooks.md)):

| field | meaning |
| --- | --- |
| `id` | unique per event: a client that saw it already drops it |
| `seq` | its position in the warehouse's stream (gap-free, with the stream's epoch) |
| `type` | what happened, past tense (the headings below) |
| `warehouse` | the warehouse it happened in |
| `entity`, `entity_id` | what it is about |
| `entity_version` | the entity's version after the change: apply only if newer than what you hold |
| `occurred_at` | when it was committed (UTC) |
| `data` | the entity's new state, never a diff |

Routing fields are typed fields of each event; `data` carries them under the keys named below, so
topics deliver by them whatever else the entity's state holds.
"""


def _topics_table() -> str:
    rows = ["| topic | carries |", "| --- | --- |"]
    for topic in TOPIC_KINDS:
        names = ", ".join(f"`{cls.type}`" for cls in events_for(topic))
        rows.append(f"| `{topic}:{{warehouse}}` | {names} |")
    feed_only = ", ".join(f"`{cls.type}`" for cls in FEED_ONLY)
    rows.append(f"| webhooks and the pull feed only | {feed_only} |")
    return "## Topics\n\n" + "\n".join(rows) + "\n"


def _routing(cls: type[Event]) -> str:
    base = {f.name for f in fields(Event)}
    keys = dict(cls.ROUTES)
    typed = [f for f in fields(cls) if f.name not in base and f.name in keys]
    if not typed:
        return "Routing: by warehouse only."
    listed = "; ".join(f"`{f.name}` ({f.type}) as `data.{keys[f.name]}`" for f in typed)
    return f"Routing: {listed}."


def _event(cls: type[Event]) -> str:
    topics = ", ".join(f"`{t}`" for t in TOPIC_KINDS if t in cls.topics) or "none (webhooks and the pull feed)"
    lines = [
        f"### `{cls.type}`\n",
        inspect.getdoc(cls) or "",
        "",
        f"`{cls.__name__}` · entity `{cls.entity}` · topics: {topics}. {_routing(cls)}",
        "",
    ]
    return "\n".join(lines)


def render() -> str:
    """The document's text for the catalogue as it stands."""
    parts = [INTRO, _topics_table()]
    module = ""
    family: type = Event
    for cls in EVENT_TYPES:
        if cls.__module__ != module:
            module = cls.__module__
            title = module.rsplit(".", 1)[-1].capitalize()
            parts.append(f"## {title}\n\n{inspect.getdoc(sys.modules[module]) or ''}\n")
        parent = cls.__mro__[1]
        if parent is not Event and parent is not family:
            parts.append((inspect.getdoc(parent) or "") + "\n")
        family = parent
        parts.append(_event(cls))
    return "\n".join(parts)


def main() -> int:
    """Rewrite the document (``--check``: exit 1 if it is stale)."""
    text = render()
    if "--check" in sys.argv[1:]:
        return 0 if DOC.exists() and DOC.read_text(encoding="utf-8") == text else 1
    DOC.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
