"""The event envelope and its codec: each event is encoded once, and frames are built from those bytes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import msgspec


class Envelope(msgspec.Struct, frozen=True):
    """One published event: what changed (``data`` is the entity's new state, never a diff) and where
    it sits in its warehouse stream (``seq``)."""

    id: str
    seq: int
    type: str
    warehouse: str
    entity: str
    entity_id: str
    entity_version: int
    occurred_at: datetime
    data: dict[str, Any]


class OutgoingEnvelope(msgspec.Struct, frozen=True):
    """The same envelope as the relay builds it: ``data`` is PostgreSQL's JSON text, spliced in as is."""

    id: str
    seq: int
    type: str
    warehouse: str
    entity: str
    entity_id: str
    entity_version: int
    occurred_at: datetime
    data: msgspec.Raw


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Envelope)
_any_decoder = msgspec.json.Decoder()


def encode_event(event: Envelope | OutgoingEnvelope) -> bytes:
    """The event's bytes, as they travel through Redis and over every socket."""
    return _encoder.encode(event)


def decode_event(raw: bytes) -> Envelope:
    """The envelope from its bytes (once per event per reader, for topic filtering)."""
    return _decoder.decode(raw)


def decode_message(raw: bytes | str) -> Any:
    """A client message (any JSON); raises ``msgspec.DecodeError`` on bad JSON."""
    return _any_decoder.decode(raw)


def encode_message(message: dict[str, Any]) -> bytes:
    """A control message (subscribed, reset, pong, error, presence)."""
    return _encoder.encode(message)


def events_frame(*, topic: str, epoch: str, seq: int, events: Sequence[bytes]) -> bytes:
    """An ``events`` message carrying already-encoded events; ``seq`` is the position up to which the
    topic is complete (it may be past the last event when later ones did not match)."""
    head = _encoder.encode({"op": "events", "topic": topic, "epoch": epoch, "seq": seq})
    return head[:-1] + b',"events":[' + b",".join(events) + b"]}"


def join_messages(messages: Iterable[bytes]) -> bytes:
    """Several messages as one WebSocket message: a JSON array of them."""
    return b"[" + b",".join(messages) + b"]"
