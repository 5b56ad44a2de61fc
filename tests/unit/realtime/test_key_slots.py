"""Everything about one warehouse hashes to one Redis Cluster slot (the hash tag is the warehouse)."""

from __future__ import annotations

from fnmatch import fnmatchcase

from realtime.keys import Keys


def hash_tag(key: str) -> str:
    """What Redis Cluster hashes: the text inside the first ``{...}`` when it is not empty, else the key."""
    start = key.find("{")
    end = key.find("}", start + 1)
    if start == -1 or end == -1 or end == start + 1:
        return key
    return key[start + 1 : end]


def test_a_warehouse_stream_meta_and_presence_share_one_hash_tag() -> None:
    keys = Keys("fs")
    for warehouse in ("WH1", "DC-NORTH"):
        found = {
            hash_tag(keys.stream(warehouse)),
            hash_tag(keys.meta(warehouse)),
            hash_tag(keys.presence(warehouse, "a1b2c3")),
            hash_tag(keys.presence(warehouse, "d4e5f6")),
        }
        assert found == {warehouse}


def test_the_presence_pattern_matches_that_warehouses_instances_only() -> None:
    keys = Keys("fs")
    pattern = keys.presence_pattern("WH1")
    assert fnmatchcase(keys.presence("WH1", "a1b2c3"), pattern)
    assert not fnmatchcase(keys.presence("WH10", "a1b2c3"), pattern)
    assert not fnmatchcase(keys.presence("WH2", "a1b2c3"), pattern)
