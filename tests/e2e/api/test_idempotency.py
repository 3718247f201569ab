"""Every create takes an ``Idempotency-Key``: a retry gets the first answer and makes nothing
new; the same key with another request is a 422 problem; keys are per principal and expire."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from buurt.domain.activity import Intent
from buurt.domain.errors import RequestInProgress
from buurt.domain.places import Area, Place
from buurt.services import idempotency
from buurt.services.community.auth import authenticate
from buurt.services.context import Services
from buurt.services.publishing import intents
from tests.actors import BOUNDARY, HOME, Actor, World
from tests.timeline import moving_clock

pytestmark = pytest.mark.frozen_clock
AREA = {**HOME, "radius_m": 500}
KEY = '"4c1e1f4e-8a7e-4c59-9c37-0f3f7a6c2d10"'


def _event(world: World) -> tuple[Actor, str, dict[str, Any]]:
    body = {"kind": "help/lost", "place": HOME, "circle_id": world.circle["id"]}
    return world.bob, "/v1/events", body


def _intent(world: World) -> tuple[Actor, str, dict[str, Any]]:
    body = {"circle_id": world.circle["id"], "category": "food/bread", "area": AREA}
    return world.bob, "/v1/intents", body


def _offer(world: World) -> tuple[Actor, str, dict[str, Any]]:
    body = {
        "circle_id": world.circle["id"],
        "category": "food/bread",
        "title": "Sourdough loaf",
        "area": AREA,
    }
    return world.bakery_actor, "/v1/offers", body


def _subscription(world: World) -> tuple[Actor, str, dict[str, Any]]:
    body = {
        "circle_id": world.circle["id"],
        "name": "Bread",
        "categories": ["food/bread"],
        "area": AREA,
    }
    return world.bob, "/v1/subscriptions", body


def _consent(world: World) -> tuple[Actor, str, dict[str, Any]]:
    body = {
        "recipient_kind": "business",
        "recipient_id": world.bakery["id"],
        "category": "intents",
        "purpose": "matching",
    }
    return world.bob, "/v1/consents", body


def _circle(world: World) -> tuple[Actor, str, dict[str, Any]]:
    return world.admin, "/v1/circles", {"name": "Dapperbuurt", "boundary": BOUNDARY}


def _business(world: World) -> tuple[Actor, str, dict[str, Any]]:
    body = {"circle_id": world.circle["id"], "name": "Fietsmaker", "kind": "repair"}
    return world.bob, "/v1/businesses", body


def _thing(world: World) -> tuple[Actor, str, dict[str, Any]]:
    body = {
        "circle_id": world.circle["id"],
        "kind": "solar_inverter",
        "name": "Dak",
        "place": HOME,
    }
    return world.bob, "/v1/things", body


def _reservation(world: World) -> tuple[Actor, str, dict[str, Any]]:
    site = world.ann.created(
        f"/v1/businesses/{world.bakery['id']}/sites", {"name": "Oven", "place": HOME}
    )
    item = world.ann.created(
        "/v1/items", {"business_id": world.bakery["id"], "name": "Loaf", "category": "food/bread"}
    )
    stock = world.ann.created(
        "/v1/stock", {"item_id": item["id"], "site_id": site["id"], "quantity": 9, "price": 3.0}
    )
    return world.bob, "/v1/reservations", {"stock_id": stock["id"], "quantity": 1}


CREATES = pytest.mark.parametrize(
    "create",
    [_event, _intent, _offer, _subscription, _consent, _circle, _business, _thing, _reservation],
    ids=[
        "events",
        "intents",
        "offers",
        "subscriptions",
        "consents",
        "circles",
        "businesses",
        "things",
        "reservations",
    ],
)
# A valid body unlike the first, for each create.
_ANOTHER: dict[str, dict[str, Any]] = {
    "/v1/consents": {"expires_at": "2030-01-01T00:00:00Z"},
    "/v1/circles": {"name": "Transvaalbuurt"},
    "/v1/reservations": {"quantity": 2},
}
Create = Callable[[World], tuple[Actor, str, dict[str, Any]]]


def _keyed(actor: Actor, path: str, body: Any, key: str = KEY) -> Any:
    return actor.client.post(path, json=body, headers={**actor.headers, "Idempotency-Key": key})


def _count(actor: Actor, path: str) -> int:
    listed = actor.get(path)
    assert listed.status_code == 200, listed.text
    return len(listed.json()["items"])


@CREATES
def test_a_retry_gets_the_first_answer_and_creates_nothing(world: World, create: Create) -> None:
    actor, path, body = create(world)
    before = _count(actor, path)

    first = _keyed(actor, path, body)
    retry = _keyed(actor, path, body)

    assert first.status_code == 201, first.text
    assert retry.status_code == 201, retry.text
    assert retry.content == first.content
    assert retry.headers["Idempotency-Replayed"] == "true"
    assert "Idempotency-Replayed" not in first.headers
    assert _count(actor, path) == before + 1
    # Positive control: another key creates another record.
    assert _keyed(actor, path, body, '"another"').json()["id"] != first.json()["id"]
    assert _count(actor, path) == before + 2


@CREATES
def test_the_same_key_with_another_request_is_refused(world: World, create: Create) -> None:
    actor, path, body = create(world)
    first = _keyed(actor, path, body)
    before = _count(actor, path)

    changed = {**body, **_ANOTHER.get(path, {"circle_id": "cir_other"})}
    reused = _keyed(actor, path, changed)

    assert first.status_code == 201, first.text
    assert reused.status_code == 422, reused.text
    assert reused.headers["content-type"] == "application/problem+json"
    assert "Idempotency-Key" in reused.json()["detail"]
    assert _count(actor, path) == before


def test_the_same_body_in_another_order_is_the_same_request(world: World) -> None:
    actor, path, body = _intent(world)
    first = _keyed(actor, path, body)
    shuffled = dict(reversed(list(body.items())))

    retry = _keyed(actor, path, shuffled)

    assert retry.status_code == 201, retry.text
    assert retry.json()["id"] == first.json()["id"]


def test_keys_belong_to_the_principal_that_sent_them(world: World) -> None:
    _, path, body = _intent(world)

    ann = _keyed(world.ann, path, body)
    bob = _keyed(world.bob, path, body)

    assert ann.status_code == bob.status_code == 201
    assert ann.json()["member_id"] == world.ann.id
    assert bob.json()["member_id"] == world.bob.id


def test_a_key_is_free_again_once_it_expires(world: World, services: Services) -> None:
    clock = moving_clock(services)
    actor, path, body = _intent(world)
    first = _keyed(actor, path, body)

    clock.advance(hours=23, minutes=59)
    within = _keyed(actor, path, body)
    clock.advance(minutes=2)
    after = _keyed(actor, path, body)

    assert within.json()["id"] == first.json()["id"]
    assert after.status_code == 201, after.text
    assert "Idempotency-Replayed" not in after.headers
    assert after.json()["id"] != first.json()["id"]


def test_a_refused_create_does_not_use_up_its_key(world: World) -> None:
    actor, path, body = _intent(world)

    refused = _keyed(actor, path, {**body, "circle_id": "circ_nowhere"})
    assert refused.status_code in (403, 404), refused.text
    created = _keyed(actor, path, body)

    assert created.status_code == 201, created.text


@pytest.mark.parametrize("key", ['""', "a b", '"' + "k" * 256 + '"', "caf\u00e9"])
def test_a_malformed_key_is_a_problem(world: World, key: str) -> None:
    actor, path, body = _intent(world)
    before = _count(actor, path)

    refused = actor.client.post(
        path, json=body, headers={**actor.headers, "Idempotency-Key": key.encode()}
    )

    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert _count(actor, path) == before
    assert _keyed(actor, path, body, "bare-token_1.2:3").status_code == 201  # positive control


def test_a_key_being_answered_in_this_process_is_refused(world: World, services: Services) -> None:
    actor, path, body = _intent(world)
    principal = authenticate(services, actor.token)
    in_flight: idempotency.InFlight = actor.client.app.state.in_flight  # type: ignore[attr-defined]

    with in_flight.holding(principal, KEY.strip('"')):
        busy = _keyed(actor, path, body)
    done = _keyed(actor, path, body)

    assert busy.status_code == 409, busy.text
    assert busy.headers["content-type"] == "application/problem+json"
    assert done.status_code == 201, done.text


def test_a_duplicate_racing_past_the_check_rolls_back_whole(
    world: World, services: Services
) -> None:
    """Two replicas both find no answer for a key and create: the second commit clashes on the
    remembered answer, and its record goes with it."""
    actor, path, body = _intent(world)
    first = _keyed(actor, path, body)
    principal = authenticate(services, actor.token)
    area = Area(center=Place(HOME["lat"], HOME["lon"]), radius_m=500)

    def publish(key: str) -> Intent:
        racing = idempotency.remembering(
            services,
            principal,
            key,
            "fingerprint",
            kind=Intent,
            render=lambda record: "{}",
            lifetime=timedelta(hours=1),
        )
        return intents.publish_intent(
            racing, principal, circle_id=world.circle["id"], category="food/bread", area=area
        )

    with pytest.raises(RequestInProgress):
        publish(KEY.strip('"'))

    assert first.status_code == 201
    assert _count(actor, path) == 1
    # Positive control: the same use case under a fresh key does store its record.
    publish("fresh")
    assert _count(actor, path) == 2
