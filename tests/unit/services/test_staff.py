"""Acting for a shop as its staff: the shop's daily work under its name, not the owner's
rights. The same acts by the owner are the positive controls."""

from __future__ import annotations

import pytest

from buurt.domain.community import Business
from buurt.domain.errors import NotFound, PermissionDenied
from buurt.domain.places import Area
from buurt.services.community import auth, businesses, staff
from buurt.services.context import Services
from buurt.services.principals import Principal
from buurt.services.publishing import offers
from tests.unit.services.conftest import HOME, Neighbour, admit


@pytest.fixture
def bakery(services: Services, ada: Neighbour, bob: Neighbour, circle_id: str) -> Business:
    """Ada's bakery, where Bob works."""
    admit(services, bob, circle_id)
    shop = businesses.create_business(
        services, ada.principal, circle_id=circle_id, name="Bakkerij Ada", kind="bakery"
    )
    staff.add_staff(services, ada.principal, shop.id, "bob@example.org")
    return shop


def _offer(services: Services, acting: Principal, circle_id: str) -> str:
    made = offers.publish_offer(
        services,
        acting,
        circle_id=circle_id,
        category="food/bread",
        title="Sourdough loaf",
        area=Area(center=HOME, radius_m=800),
        price=4.95,
    )
    return made.id


def test_staff_switch_to_the_shop_and_do_its_daily_work(
    services: Services, bob: Neighbour, bakery: Business, circle_id: str
) -> None:
    member = bob.principal
    assert member.works_for == {bakery.id}
    assert not member.acts_for("business", bakery.id)  # as themselves, they are a neighbour
    acting = auth.as_business(services, member, bakery.id)
    assert (acting.kind.value, acting.id, acting.staff) == ("business", bakery.id, True)
    offer_id = _offer(services, acting, circle_id)
    changed = offers.update_offer(services, acting, offer_id, {"price": 4.5})
    assert changed.price == 4.5


def test_staff_neither_manage_staff_nor_delete_the_shop_and_the_owner_does(
    services: Services, ada: Neighbour, bob: Neighbour, bakery: Business
) -> None:
    acting = auth.as_business(services, bob.principal, bakery.id)
    assert [c.member_id for c in staff.list_staff(services, acting, bakery.id)] == [bob.id]
    with pytest.raises(PermissionDenied):
        staff.add_staff(services, acting, bakery.id, ada.id)
    with pytest.raises(PermissionDenied):
        staff.remove_staff(services, acting, bakery.id, bob.id)
    with pytest.raises(PermissionDenied):
        businesses.delete_business(services, acting, bakery.id)

    owner = auth.as_business(services, ada.principal, bakery.id)
    assert not owner.staff
    staff.remove_staff(services, owner, bakery.id, bob.id)
    businesses.delete_business(services, owner, bakery.id)
    with services.uow() as uow:
        assert uow.repo(Business).get(bakery.id) is None


def test_removed_staff_and_other_members_cannot_switch(
    services: Services, ada: Neighbour, bob: Neighbour, bakery: Business
) -> None:
    carl = Neighbour.register(services, "Carl")
    with pytest.raises(NotFound):
        auth.as_business(services, carl.principal, bakery.id)
    auth.as_business(services, bob.principal, bakery.id)  # the control: staff may
    staff.remove_staff(services, ada.principal, bakery.id, bob.id)
    with pytest.raises(NotFound):
        auth.as_business(services, bob.principal, bakery.id)
