"""Where things live in Redis, under the deployment's namespace."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Keys:
    """Redis key names; every instance of one deployment uses the same ``namespace``."""

    namespace: str

    # The {warehouse} hash tag keeps a stream and its meta in one Redis Cluster slot (the relay's
    # check-and-append script touches both).
    def stream(self, warehouse: str) -> str:
        """The warehouse's event stream (entry ids ``<seq>-0``)."""
        return f"{self.namespace}:stream:{{{warehouse}}}"

    def meta(self, warehouse: str) -> str:
        """A hash with the stream's ``epoch`` and ``first_seq`` (the first seq of that epoch)."""
        return f"{self.namespace}:stream:{{{warehouse}}}:meta"

    def ticket(self, ticket: str) -> str:
        return f"{self.namespace}:wsticket:{ticket}"

    # Presence is hash-tagged by warehouse too: in a Redis Cluster one warehouse's presence hashes
    # share its stream's slot, so everything about a warehouse lives on one shard.
    def presence(self, warehouse: str, instance: str) -> str:
        """One instance's connections in a warehouse (a hash, expiring unless refreshed)."""
        return f"{self.namespace}:presence:{{{warehouse}}}:{instance}"

    def presence_pattern(self, warehouse: str) -> str:
        """SCAN MATCH pattern of every instance's presence hash in a warehouse (braces are literal in globs)."""
        return f"{self.namespace}:presence:{{{warehouse}}}:*"

    @property
    def presence_channel(self) -> str:
        """Pub/sub channel: a warehouse's presence changed (payload: the warehouse code)."""
        return f"{self.namespace}:presence-changed"


def entry_id(seq: int) -> str:
    """The explicit stream entry id of a sequence number."""
    return f"{seq}-0"


def entry_seq(entry: bytes | str) -> int:
    """The sequence number of a stream entry id."""
    text = entry.decode() if isinstance(entry, bytes) else entry
    return int(text.partition("-")[0])
