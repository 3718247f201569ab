"""Revoking all of a thing's access: its tokens and its MQTT login, for its owner only."""

from __future__ import annotations

import pytest

from buurt.domain.community import Thing, ThingKind, Visibility
from buurt.domain.errors import AuthenticationFailed, NotFound, PermissionDenied
from buurt.domain.events import ThingAccessChanged
from buurt.domain.ingestion import MqttCredential
from buurt.domain.parties import PartyKind
from buurt.services.community import auth, circles
from buurt.services.context import Services
from buurt.services.things import link, registry
from tests.unit.services.conftest import HOME, START, Neighbour


def _thing(services: Services, owner: Neighbour, circle_id: str, visibility: Visibility) -> Thing:
    return registry.register_thing(
        services,
        owner.principal,
        circle_id=circle_id,
        kind=ThingKind.SMART_METER,
        name="Meter",
        place=HOME,
        visibility=visibility,
    )


def _token(services: Services, owner: Neighbour, thing: Thing) -> str:
    _, secret = auth.issue_principal_token(
        services, owner.principal, PartyKind.THING, thing.id, "device", None
    )
    return secret


def test_the_owner_revokes_every_token_and_the_mqtt_login(
    services: Services, ada: Neighbour, circle_id: str
) -> None:
    meter = _thing(services, ada, circle_id, Visibility.PRIVATE)
    other = _thing(services, ada, circle_id, Visibility.PRIVATE)
    secrets = [_token(services, ada, meter) for _ in range(2)]
    kept = _token(services, ada, other)
    link.issue_mqtt_credentials(services, ada.principal, meter.id)
    link.issue_mqtt_credentials(services, ada.principal, other.id)
    changed: list[ThingAccessChanged] = []
    services.bus.subscribe(ThingAccessChanged, changed.append)
    for secret in secrets:  # positive control: the tokens work before
        assert auth.authenticate(services, secret).id == meter.id

    revoked = link.revoke_all_access(services, ada.principal, meter.id)

    assert revoked == link.RevokedAccess(meter.id, tokens=2, mqtt_login=True, revoked_at=START)
    for secret in secrets:
        with pytest.raises(AuthenticationFailed):
            auth.authenticate(services, secret)
    with services.uow() as uow:
        assert uow.repo(MqttCredential).get(meter.id) is None
        assert uow.repo(MqttCredential).get(other.id) is not None
        assert uow.repo(Thing).get(meter.id) is not None  # the thing stays
    assert changed == [ThingAccessChanged(meter.id)]  # the broker's files follow
    assert auth.authenticate(services, kept).id == other.id
    again = link.revoke_all_access(services, ada.principal, meter.id)
    assert (again.tokens, again.mqtt_login) == (0, False)


def test_nobody_but_the_owner_revokes_a_things_access(
    services: Services, ada: Neighbour, bob: Neighbour, circle_id: str
) -> None:
    circles.join_circle(services, bob.principal, circle_id)
    private = _thing(services, ada, circle_id, Visibility.PRIVATE)
    shared = _thing(services, ada, circle_id, Visibility.CIRCLE)
    itself = auth.authenticate(services, _token(services, ada, shared))

    with pytest.raises(NotFound):
        link.revoke_all_access(services, bob.principal, private.id)
    with pytest.raises(PermissionDenied):
        link.revoke_all_access(services, bob.principal, shared.id)
    with pytest.raises(PermissionDenied):
        link.revoke_all_access(services, itself, shared.id)

    # None of them revoked anything: the thing's token still works.
    assert auth.authenticate(services, _token(services, ada, shared)).id == shared.id
    assert link.revoke_all_access(services, ada.principal, shared.id).tokens == 2
