"""Shards: the same event is in the same shard in every process, split circles are cut by
H3 resolution-5 cell, and a worker's ``--shards`` list is read strictly."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime

import pytest

from buurt.adapters.bus.nats import subject_for
from buurt.adapters.bus.shards import Sharding, parse_shards
from buurt.domain.activity import Intent
from buurt.domain.events import MemberErased, StandingCreated, StandingRemoved
from buurt.domain.places import Area, Place

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
# Two points about 30 km apart: different resolution-5 cells.
AMSTERDAM, HAARLEM = Place(52.37, 4.90), Place(52.38, 4.64)


def _intent(circle: str, at: Place) -> Intent:
    return Intent(f"int_{at.lon}", circle, "mem_1", "food/bread", Area(at, 500), NOW)


def test_a_circles_shard_is_a_stable_hash_of_its_id() -> None:
    sharding = Sharding(8)
    # CRC-32, not Python's salted hash: every process, of every version, agrees.
    assert sharding.circle_shard("cir_1") == zlib.crc32(b"cir_1") % 8
    event = StandingCreated(_intent("cir_1", AMSTERDAM))
    shard = sharding.circle_shard("cir_1")
    assert subject_for(event, "buurt.events", sharding) == (
        f"buurt.events.{shard}.cir_1.standing.created"
    )
    assert subject_for(MemberErased("mem_1"), "buurt.events", sharding) == (
        "buurt.events._._.member.erased"
    )


def test_a_split_circles_publications_are_sharded_by_cell() -> None:
    whole, split = Sharding(64), Sharding(64, frozenset({"cir_big"}))
    here, there = (StandingCreated(_intent("cir_big", p)) for p in (AMSTERDAM, HAARLEM))
    assert whole.shard_of(here, "cir_big") == whole.shard_of(there, "cir_big")
    # With 64 shards these two cells land apart (the control above: unsplit, together).
    assert split.shard_of(here, "cir_big") != split.shard_of(there, "cir_big")
    # The circle's other events stay in the circle's shard.
    removed = StandingRemoved(_intent("cir_big", HAARLEM))
    assert split.shard_of(removed, "cir_big") == whole.circle_shard("cir_big")


def test_a_workers_shards_are_read_strictly() -> None:
    assert parse_shards("0-3,6", 8) == [0, 1, 2, 3, 6]
    assert parse_shards("5", 8) == [5]
    assert parse_shards("all", 4) == [0, 1, 2, 3]
    for wrong, said in (("0-8", "out of range"), ("3-1", "backwards"), ("a", "not a shard")):
        with pytest.raises(ValueError, match=said):
            parse_shards(wrong, 8)
