"""The store's constraints, as services meet them: unique keys, references (refused or
cascading), NOT NULL, and the order a flush sends changes in, which decides where a use case
needs a ``flush()`` between a parent and its children."""

from __future__ import annotations

import pytest

from buurt.domain.activity import Event
from buurt.domain.charter import CharterVersion
from buurt.domain.community import Business, Circle, Member, Membership, Site, Thing
from buurt.domain.errors import Conflict
from buurt.domain.ids import new_id
from buurt.domain.ingestion import MqttCredential
from buurt.domain.webhooks import WebhookDelivery, WebhookEndpoint
from buurt.ports import UnitOfWorkFactory
from tests.records import (
    NOW,
    a_business,
    a_circle,
    a_delivery,
    a_member,
    a_membership,
    a_site,
    a_thing,
    add_all,
    an_endpoint,
    an_event,
)


def test_a_clash_is_a_conflict_at_flush_already(uow: UnitOfWorkFactory) -> None:
    add_all(uow, a_member(email="anna@example.org"))

    with uow() as work:
        work.repo(Member).add(a_member(email="anna@example.org"))
        with pytest.raises(Conflict, match="unique"):
            work.flush()


def test_a_second_membership_of_one_member_in_one_circle_is_a_conflict(
    uow: UnitOfWorkFactory,
) -> None:
    circle, member = a_circle(), a_member()
    add_all(uow, circle, member)
    add_all(uow, a_membership(circle, member))

    with uow() as work:
        work.repo(Membership).add(a_membership(circle, member))
        with pytest.raises(Conflict, match="unique"):
            work.commit()


def test_an_event_is_stored_once_per_source_and_message_id(uow: UnitOfWorkFactory) -> None:
    circle = a_circle()
    add_all(uow, circle)
    add_all(uow, an_event(circle, "thg_a", "m-1"))
    # Other sources may reuse the message id, and events without one never clash.
    add_all(uow, an_event(circle, "thg_b", "m-1"), an_event(circle, "thg_a"))
    add_all(uow, an_event(circle, "thg_a"))

    with uow() as work:
        work.repo(Event).add(an_event(circle, "thg_a", "m-1"))
        with pytest.raises(Conflict, match="unique"):
            work.commit()

    with uow() as work:
        assert len(work.repo(Event).find(source_id="thg_a")) == 3


def test_insert_many_stores_new_entities_without_tracking_them(uow: UnitOfWorkFactory) -> None:
    circle = a_circle()
    add_all(uow, circle)
    events = [an_event(circle, "thg_a", f"m-{i}") for i in range(3)]

    with uow() as work:
        work.insert_many(Event, events)
        events[0].kind = "changed after the insert"
        work.commit()

    with uow() as work:
        found = work.repo(Event).find(source_id="thg_a")
    assert [e.id for e in found] == [e.id for e in events]
    assert found[0].kind == "door.opened"
    assert found[1] == events[1]


def test_insert_many_of_a_clash_is_a_conflict_and_stores_none(uow: UnitOfWorkFactory) -> None:
    circle = a_circle()
    add_all(uow, circle)
    add_all(uow, an_event(circle, "thg_a", "m-1"))
    batch = [an_event(circle, "thg_a", "m-2"), an_event(circle, "thg_a", "m-1")]

    with uow() as work:
        with pytest.raises(Conflict, match="unique"):
            work.insert_many(Event, batch)
        work.commit()

    with uow() as work:
        assert [e.message_id for e in work.repo(Event).find(source_id="thg_a")] == ["m-1"]


def test_deleting_a_record_others_refer_to_is_a_conflict(uow: UnitOfWorkFactory) -> None:
    circle, member = a_circle(), a_member()
    add_all(uow, circle, member)
    add_all(uow, a_membership(circle, member))

    with uow() as work:
        loaded = work.repo(Member).get(member.id)
        assert loaded is not None
        work.repo(Member).delete(loaded)
        with pytest.raises(Conflict, match="refers to"):
            work.commit()

    with uow() as work:
        assert work.repo(Member).get(member.id) is not None


def test_a_reference_changed_to_a_missing_record_is_a_conflict(uow: UnitOfWorkFactory) -> None:
    circle, member = a_circle(), a_member()
    membership = a_membership(circle, member)
    add_all(uow, circle, member)
    add_all(uow, membership)

    with uow() as work:
        loaded = work.repo(Membership).get(membership.id)
        assert loaded is not None
        loaded.circle_id = "cir_missing"
        with pytest.raises(Conflict, match="refers to"):
            work.commit()


def test_deleting_a_webhook_endpoint_deletes_its_deliveries(uow: UnitOfWorkFactory) -> None:
    endpoint = an_endpoint()
    add_all(uow, endpoint)
    add_all(uow, a_delivery(endpoint, "a"), a_delivery(endpoint, "b"))

    with uow() as work:
        loaded = work.repo(WebhookEndpoint).get(endpoint.id)
        assert loaded is not None
        work.repo(WebhookEndpoint).delete(loaded)
        work.commit()

    with uow() as work:
        assert work.repo(WebhookDelivery).find(endpoint_id=endpoint.id) == []


def test_deleting_a_thing_deletes_its_mqtt_credential(uow: UnitOfWorkFactory) -> None:
    circle = a_circle()
    thing = a_thing(circle)
    add_all(uow, circle)
    add_all(uow, thing)
    add_all(uow, MqttCredential(thing.id, "hash", NOW))

    with uow() as work:
        loaded = work.repo(Thing).get(thing.id)
        assert loaded is not None
        work.repo(Thing).delete(loaded)
        work.commit()

    with uow() as work:
        assert work.repo(MqttCredential).get(thing.id) is None


def test_a_child_added_with_its_parent_may_need_a_flush_between(uow: UnitOfWorkFactory) -> None:
    # A flush does not order kinds by their references (charter versions go before circles),
    # so a use case flushes the parent first, as ``charter.proposals.found`` does.
    circle = a_circle()
    with uow() as work:
        work.repo(Circle).add(circle)
        work.repo(CharterVersion).add(CharterVersion(new_id("charter"), circle.id, 1, NOW))
        with pytest.raises(Conflict, match="refers to"):
            work.commit()

    with uow() as work:
        work.repo(Circle).add(circle)
        work.flush()
        work.repo(CharterVersion).add(CharterVersion(new_id("charter"), circle.id, 1, NOW))
        work.commit()

    with uow() as work:
        assert len(work.repo(CharterVersion).find(circle_id=circle.id)) == 1


def test_children_deleted_with_their_parent_may_need_a_flush_between(
    uow: UnitOfWorkFactory,
) -> None:
    # Deletes go kind by kind too (businesses before sites): ``delete_business`` flushes the
    # sites' deletes before deleting the business.
    circle, owner = a_circle(), a_member()
    business = a_business(circle, owner)
    add_all(uow, circle, owner)
    add_all(uow, business)
    add_all(uow, a_site(business), a_site(business))

    with uow() as work:
        # Loaded first: a get of an id not loaded yet, like every query, flushes before it.
        loaded = work.repo(Business).get(business.id)
        assert loaded is not None
        for site in work.repo(Site).find(business_id=business.id):
            work.repo(Site).delete(site)
        work.repo(Business).delete(loaded)
        with pytest.raises(Conflict, match="refers to"):
            work.commit()

    with uow() as work:
        for site in work.repo(Site).find(business_id=business.id):
            work.repo(Site).delete(site)
        work.flush()
        loaded = work.repo(Business).get(business.id)
        assert loaded is not None
        work.repo(Business).delete(loaded)
        work.commit()

    with uow() as work:
        assert work.repo(Business).get(business.id) is None
        assert work.repo(Site).find(business_id=business.id) == []


def test_a_required_value_left_empty_is_a_conflict(uow: UnitOfWorkFactory) -> None:
    member = a_member()
    member.name = None  # type: ignore[assignment]

    with uow() as work:
        work.repo(Member).add(member)
        with pytest.raises(Conflict, match="conflicts with stored data"):
            work.commit()


def test_an_empty_value_where_the_table_has_a_default_stores_the_default(
    uow: UnitOfWorkFactory,
) -> None:
    member = a_member()
    member.max_moments_per_hour = None  # type: ignore[assignment]
    add_all(uow, member)

    with uow() as work:
        found = work.repo(Member).get(member.id)
        assert found is not None
        assert found.max_moments_per_hour == 10
        # A change to empty is not an insert: nothing stands in for it.
        found.max_moments_per_hour = None  # type: ignore[assignment]
        with pytest.raises(Conflict):
            work.commit()
