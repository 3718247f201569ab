"""The operator's use cases (``buurt admin``): the first admin and circle, tokens, lists."""

from __future__ import annotations

import pytest

from buurt.domain.community import Member, ThingKind, Visibility
from buurt.domain.errors import AuthenticationFailed, Conflict, InvalidInput, NotFound
from buurt.domain.parties import PartyKind
from buurt.services.community import auth, businesses, operators
from buurt.services.context import Services
from buurt.services.things import registry
from tests.unit.services.conftest import BOUNDARY, HOME, PASSWORD, START, Neighbour


def _first_admin(services: Services) -> str:
    member = operators.create_member(
        services, name="Ada", email="Ada@Example.org", password=PASSWORD
    )
    return member.id


def test_the_first_admin_creates_and_administers_the_first_circle(services: Services) -> None:
    ada = _first_admin(services)

    circle = operators.create_circle(
        services, admin="ada@example.org", name="Oostpoort", boundary=BOUNDARY,
        timezone="Europe/Amsterdam",
    )  # fmt: skip

    # The member signs in with the password the operator set, and administers the circle.
    _token, secret = auth.log_in(services, "ada@example.org", PASSWORD, "pages")
    principal = auth.authenticate(services, secret)
    assert principal.id == ada
    assert principal.admin_of == {circle.id}
    assert [c.id for c in operators.inventory(services, "circles")] == [circle.id]


def test_a_circle_needs_an_existing_admin(services: Services) -> None:
    with pytest.raises(NotFound, match=r"nobody@example\.org"):
        operators.create_circle(
            services, admin="nobody@example.org", name="X", boundary=BOUNDARY,
            timezone="Europe/Amsterdam",
        )  # fmt: skip

    assert operators.inventory(services, "circles") == []


def test_the_member_rules_hold_for_the_operator(services: Services) -> None:
    _first_admin(services)

    with pytest.raises(Conflict):
        operators.create_member(services, name="Ada", email="ada@example.org", password=PASSWORD)
    with pytest.raises(InvalidInput, match="password"):
        operators.create_member(services, name="Bo", email="bo@example.org", password="short")

    listed = operators.inventory(services, "members")
    assert [m.email for m in listed if isinstance(m, Member)] == ["ada@example.org"]
    assert len(listed) == 1


def test_a_new_member_can_administer_a_circle_from_the_start(services: Services) -> None:
    _first_admin(services)
    circle = operators.create_circle(
        services, admin="ada@example.org", name="Oostpoort", boundary=BOUNDARY,
        timezone="Europe/Amsterdam",
    )  # fmt: skip

    bo = operators.create_member(
        services, name="Bo", email="bo@example.org", password=PASSWORD, admin_of=circle.id
    )
    plain = operators.create_member(services, name="Cy", email="cy@example.org", password=PASSWORD)

    _t, bo_secret = operators.issue_token(services, PartyKind.MEMBER, bo.id, "t")
    _t, cy_secret = operators.issue_token(services, PartyKind.MEMBER, plain.id, "t")
    assert auth.authenticate(services, bo_secret).admin_of == {circle.id}
    assert auth.authenticate(services, cy_secret).admin_of == frozenset()
    with pytest.raises(NotFound):
        operators.make_admin(services, "cir_missing", "cy@example.org")
    operators.make_admin(services, circle.id, "cy@example.org")
    assert auth.authenticate(services, cy_secret).admin_of == {circle.id}


def test_tokens_are_issued_for_existing_principals_and_revoked_by_id_or_secret(
    services: Services,
) -> None:
    ada = _first_admin(services)
    by_id, id_secret = operators.issue_token(services, PartyKind.MEMBER, "ada@example.org", "a")
    _by_secret, secret = operators.issue_token(services, PartyKind.MEMBER, ada, "b")
    for kind in (PartyKind.BUSINESS, PartyKind.THING, PartyKind.MEMBER):
        with pytest.raises(NotFound):
            operators.issue_token(services, kind, "nope_1", "c")

    assert auth.authenticate(services, id_secret).id == ada  # positive control
    operators.revoke_token(services, by_id.id)
    revoked = operators.revoke_token(services, secret)
    assert revoked.revoked_at == START
    for gone in (id_secret, secret):
        with pytest.raises(AuthenticationFailed):
            auth.authenticate(services, gone)
    with pytest.raises(NotFound) as unknown:
        operators.revoke_token(services, auth.TOKEN_PREFIX + "not-a-real-secret")
    assert "not-a-real-secret" not in str(unknown.value)  # a secret is not echoed
    assert len(operators.inventory(services, "tokens")) == 2


def test_tokens_for_a_business_and_a_thing_act_as_them(
    services: Services, ada: Neighbour, circle_id: str
) -> None:
    bakery = businesses.create_business(
        services, ada.principal, circle_id=circle_id, name="Bakery", kind="bakery"
    )
    fridge = registry.register_thing(
        services, ada.principal, circle_id=circle_id, kind=ThingKind.FRIDGE, name="Fridge",
        place=HOME, visibility=Visibility.CIRCLE,
    )  # fmt: skip

    _t, as_bakery = operators.issue_token(services, PartyKind.BUSINESS, bakery.id, "till")
    _t, as_fridge = operators.issue_token(services, PartyKind.THING, fridge.id, "device")

    bakery_principal = auth.authenticate(services, as_bakery)
    fridge_principal = auth.authenticate(services, as_fridge)
    assert (bakery_principal.kind, bakery_principal.id) == (PartyKind.BUSINESS, bakery.id)
    assert (fridge_principal.kind, fridge_principal.id) == (PartyKind.THING, fridge.id)
    assert bakery_principal.admin_of == fridge_principal.admin_of == frozenset()
    # A business's or thing's id does not pass for a member's, nor the other way round.
    with pytest.raises(NotFound):
        operators.issue_token(services, PartyKind.MEMBER, bakery.id, "x")
    with pytest.raises(NotFound):
        operators.issue_token(services, PartyKind.THING, ada.id, "x")
