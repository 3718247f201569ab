"""Revocation takes effect at once: once a revoke is acknowledged, no moment built on that
data is delivered, even while events are being matched concurrently."""

from __future__ import annotations

import threading
import time

from buurt.domain.community import ThingKind, Visibility
from buurt.domain.consent import DataCategory, Purpose
from buurt.domain.moments import Moment
from buurt.domain.parties import PartyKind
from buurt.domain.places import Place
from buurt.services.community.auth import authenticate, issue_token
from buurt.services.consent import grants
from buurt.services.context import Services
from buurt.services.publishing import events
from buurt.services.things import registry
from tests.actors import HOME, World

NEAR = Place(52.3625, 4.9385)


def test_no_moment_after_the_revoke_is_acknowledged(world: World, services: Services) -> None:
    ann = authenticate(services, world.ann.token)
    bob = authenticate(services, world.bob.token)
    thing = registry.register_thing(
        services,
        ann,
        circle_id=world.circle["id"],
        kind=ThingKind.SOLAR_INVERTER,
        name="Roof",
        place=NEAR,
        visibility=Visibility.PRIVATE,
        owner_kind=PartyKind.MEMBER,
    )
    with services.uow() as uow:
        _, secret = issue_token(uow, PartyKind.THING, thing.id, "test", services.clock.now())
        uow.commit()
    inverter = authenticate(services, secret)
    world.bob.created(
        "/v1/subscriptions",
        {
            "circle_id": world.circle["id"],
            "name": "Solar",
            "categories": ["energy"],
            "area": {**HOME, "radius_m": 500},
        },
    )
    world.bob.patch(f"/v1/members/{bob.id}", {"max_moments_per_hour": 1000})
    grant = grants.grant(
        services,
        ann,
        recipient_kind=PartyKind.MEMBER,
        recipient_id=bob.id,
        category=DataCategory.THING_DATA,
        purpose=Purpose.MATCHING,
        thing_id=thing.id,
    )

    started: list[tuple[float, str]] = []
    stop = threading.Event()

    def publish() -> None:
        while not stop.is_set():
            begun = time.monotonic()
            draft = {"kind": "energy/solar", "attributes": {"power_w": 2500}, "place": NEAR}
            (event,) = events.publish_events(services, inverter, [draft])
            started.append((begun, event.id))

    worker = threading.Thread(target=publish)
    worker.start()
    try:
        while len(started) < 20:  # let matching run with the grant live
            time.sleep(0.01)
        grants.revoke(services, ann, grant.id)
        acknowledged = time.monotonic()
        while sum(1 for begun, _ in started if begun > acknowledged) < 20:
            time.sleep(0.01)
    finally:
        stop.set()
        worker.join()

    with services.uow() as uow:
        delivered = {m.source_id for m in uow.repo(Moment).find(recipient_id=bob.id)}
    before = [e for begun, e in started if begun < acknowledged]
    after = [e for begun, e in started if begun > acknowledged]
    assert delivered & set(before)  # the grant was used while it was live
    assert not delivered & set(after)
