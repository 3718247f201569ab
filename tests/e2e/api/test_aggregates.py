"""Aggregates over HTTP: k distinct members per bucket, differencing refused, the charter's
kinds and privacy budget enforced, businesses only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import h3
import pytest

from buurt.domain.events import AggregateIncluded
from buurt.services.context import Services
from tests.actors import HOME, Actor, World
from tests.timeline import START, MovingClock, adopt, crowd, moving_clock

# Every test here moves time: its instance runs on a clock the test moves.
pytestmark = pytest.mark.frozen_clock()

WEEK = timedelta(days=7)
MONDAY = datetime(2026, 3, 1, 23, 0, tzinfo=UTC)  # local midnight starting START's day


def _publish(
    world: World, actor: Actor, clock: MovingClock, at: datetime, category: str, place: Any = HOME
) -> None:
    """Publish an intent at the instant ``at``."""
    clock.at = at
    area = {**place, "radius_m": 300}
    actor.created(
        "/v1/intents", {"circle_id": world.circle["id"], "category": category, "area": area}
    )


def _ask(asker: Actor, world: World, start: datetime, until: datetime, **params: Any) -> Any:
    query = {"kind": "intents", "from": start.isoformat(), "until": until.isoformat(), **params}
    return asker.get(f"/v1/circles/{world.circle['id']}/aggregates", params=query)


def _buckets(response: Any) -> dict[tuple[str, int], int]:
    assert response.status_code == 200, response.text
    return {(b["category"], b["hour"]): b["count"] for b in response.json()["buckets"]}


def _setup(world: World, services: Services) -> MovingClock:
    return moving_clock(services)


def test_a_bucket_needs_k_distinct_members(world: World, services: Services) -> None:
    clock = _setup(world, services)
    people = crowd(world, 10)
    for person in people[:9]:
        _publish(world, person, clock, START, "food/bread")
    for person in people:
        _publish(world, person, clock, START + timedelta(days=1), "food/cheese")
    _publish(world, people[0], clock, START + timedelta(days=2), "food/cheese")
    _publish(world, world.bob, clock, START + timedelta(days=2), "food/wine")  # alone: hidden
    clock.at = START + WEEK + timedelta(days=1)
    heard: list[AggregateIncluded] = []
    services.bus.subscribe(AggregateIncluded, heard.append)

    answer = _ask(world.bakery_actor, world, MONDAY, MONDAY + WEEK)
    # 9 members of bread are one short of k = 10; cheese has 10 members and 11 intents.
    assert _buckets(answer) == {("food/cheese", 10): 11}
    body = answer.json()
    assert (body["k"], body["resolution"], body["epsilon"], body["repeated"]) == (10, 8, 0, False)
    assert body["buckets"][0]["cell"] == h3.latlng_to_cell(HOME["lat"], HOME["lon"], 8)
    assert body["from"] == "2026-03-01T23:00:00Z"  # local midnight in Amsterdam
    # Inclusion is reported for the members of released buckets, once per answer.
    assert [h.member_ids for h in heard] == [frozenset(p.id for p in people)]
    assert heard[0].business_id == world.bakery["id"]
    _ask(world.bakery_actor, world, MONDAY, MONDAY + WEEK)  # a repeat counts nobody again
    assert len(heard) == 1
    # ... and each counted member's access log says so; Bob, alone in his bucket, was not used.
    (entry,) = [
        e for e in people[0].get("/v1/me/access-log").json()["items"] if "aggregate" in e["what"]
    ]
    assert (entry["principal_id"], entry["purpose"]) == (world.bakery["id"], "analytics")
    assert "charter" in entry["role"]
    assert not any(
        "aggregate" in e["what"] for e in world.bob.get("/v1/me/access-log").json()["items"]
    )


def test_only_businesses_of_the_circle_ask(world: World, services: Services) -> None:
    clock = _setup(world, services)
    clock.advance(days=30)
    start, until = START, START + WEEK
    assert _ask(world.bob, world, start, until).status_code == 403
    assert _ask(world.ann, world, start, until).status_code == 403
    bakery = world.bakery["id"]
    assert _ask(world.bob, world, start, until, business_id=bakery).status_code == 403
    assert _ask(world.ann, world, start, until, business_id=bakery).status_code == 200
    other = world.admin.created(
        "/v1/circles", {"name": "Elders", "boundary": world.circle["boundary"]}
    )
    shop = world.admin.created(
        "/v1/businesses", {"circle_id": other["id"], "name": "Elsewhere", "kind": "shop"}
    )
    asked = _ask(world.admin, world, start, until, business_id=shop["id"])
    assert asked.status_code == 403
    assert asked.headers["content-type"] == "application/problem+json"


def test_windows_are_whole_past_days_of_at_least_a_week(world: World, services: Services) -> None:
    clock = _setup(world, services)
    clock.at = START + timedelta(days=5)
    # A window reaching into today is cut at the start of today: here 4 days, too short.
    assert _ask(world.bakery_actor, world, MONDAY, MONDAY + WEEK).status_code == 422
    clock.at = START + timedelta(days=20)
    assert _ask(world.bakery_actor, world, MONDAY, MONDAY + timedelta(days=3)).status_code == 422
    snapped = _ask(world.bakery_actor, world, MONDAY + timedelta(hours=5), START + WEEK)
    assert snapped.json()["from"] == "2026-03-01T23:00:00Z"


def test_an_answer_that_would_isolate_fewer_than_k_by_difference_is_refused(
    world: World, services: Services
) -> None:
    clock = _setup(world, services)
    people = crowd(world, 11)
    for person in people[:10]:
        _publish(world, person, clock, START, "food/cheese")
    _publish(world, people[10], clock, START + WEEK, "food/cheese")  # the one to single out
    clock.at = START + 3 * WEEK

    first = _ask(world.bakery_actor, world, MONDAY, MONDAY + WEEK)
    assert _buckets(first) == {("food/cheese", 10): 10}
    widened = _ask(world.bakery_actor, world, MONDAY, MONDAY + 2 * WEEK)
    assert widened.status_code == 409, widened.text
    assert "fewer than 10 members" in widened.json()["detail"]
    # The ledger is the business's, whoever asks for it.
    as_owner = _ask(world.ann, world, MONDAY, MONDAY + 2 * WEEK, business_id=world.bakery["id"])
    assert as_owner.status_code == 409
    # A week of its own reveals nothing: one member is below k.
    assert _buckets(_ask(world.bakery_actor, world, MONDAY + WEEK, MONDAY + 2 * WEEK)) == {}
    again = _ask(world.bakery_actor, world, MONDAY, MONDAY + WEEK)
    assert again.json()["repeated"] is True
    assert again.json()["buckets"] == first.json()["buckets"]


def test_a_difference_of_k_members_or_more_is_answered(world: World, services: Services) -> None:
    clock = _setup(world, services)
    people = crowd(world, 10)
    for person in people:
        _publish(world, person, clock, START, "food/cheese")
        _publish(world, person, clock, START + WEEK, "food/cheese")
    clock.at = START + 3 * WEEK
    assert _buckets(_ask(world.bakery_actor, world, MONDAY, MONDAY + WEEK)) == {
        ("food/cheese", 10): 10
    }
    widened = _ask(world.bakery_actor, world, MONDAY, MONDAY + 2 * WEEK)
    assert _buckets(widened) == {("food/cheese", 10): 20}


def test_a_coarser_resolution_cannot_reveal_a_suppressed_cell(
    world: World, services: Services
) -> None:
    clock = _setup(world, services)
    home = h3.latlng_to_cell(HOME["lat"], HOME["lon"], 8)
    sibling = next(c for c in h3.cell_to_children(h3.cell_to_parent(home, 7), 8) if c != home)
    lat, lon = h3.cell_to_latlng(sibling)
    people = crowd(world, 11)
    for person in people[:10]:
        _publish(world, person, clock, START, "food/cheese")
    _publish(world, people[10], clock, START, "food/cheese", {"lat": lat, "lon": lon})
    clock.at = START + 2 * WEEK

    fine = _ask(world.bakery_actor, world, MONDAY, MONDAY + WEEK, resolution=8)
    assert [b["cell"] for b in fine.json()["buckets"]] == [home]
    coarse = _ask(world.bakery_actor, world, MONDAY, MONDAY + WEEK, resolution=7)
    assert coarse.status_code == 409, coarse.text
    assert _ask(world.bakery_actor, world, MONDAY, MONDAY + WEEK, resolution=9).status_code == 422


def test_kinds_the_charter_does_not_allow_are_refused(world: World, services: Services) -> None:
    clock = _setup(world, services)
    adopt(world, clock, {"aggregate_kinds": ["intents"]})
    clock.advance(days=10)
    start = clock.at - timedelta(days=9)
    moments = _ask(world.bakery_actor, world, start, clock.at, kind="moments")
    assert moments.status_code == 403
    assert "charter" in moments.json()["detail"]
    assert _ask(world.bakery_actor, world, start, clock.at).status_code == 200


def test_noise_is_paid_from_the_business_budget(world: World, services: Services) -> None:
    clock = _setup(world, services)
    adopt(world, clock, {"dp_epsilon": 0.5, "dp_budget": 1.0})
    begin = MONDAY + WEEK
    people = crowd(world, 10)
    for person in people:
        _publish(world, person, clock, START + WEEK, "food/cheese")
    clock.at = begin + 5 * WEEK

    first = _ask(world.bakery_actor, world, begin, begin + WEEK)
    assert (first.json()["epsilon"], first.json()["budget_left"]) == (0.5, 0.5)
    assert set(_buckets(first)) == {("food/cheese", 10)}
    again = _ask(world.bakery_actor, world, begin, begin + WEEK)
    assert again.json()["buckets"] == first.json()["buckets"]  # no fresh noise to average
    assert (again.json()["epsilon"], again.json()["budget_left"]) == (0, 0.5)
    second = _ask(world.bakery_actor, world, begin + WEEK, begin + 2 * WEEK)
    assert second.json()["budget_left"] == 0
    spent = _ask(world.bakery_actor, world, begin + 2 * WEEK, begin + 3 * WEEK)
    assert spent.status_code == 409
    assert "budget" in spent.json()["detail"]
    clock.advance(days=31)
    assert _ask(world.bakery_actor, world, begin + 2 * WEEK, begin + 3 * WEEK).status_code == 200
