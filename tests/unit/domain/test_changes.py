"""What may change is a rule of each entity: owners, ids and lifecycle steps are guarded."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from buurt.domain.activity import Intent, IntentStatus, Offer, OfferStatus, Subscription
from buurt.domain.changes import Changeable
from buurt.domain.community import Business, Circle, Member, Site, Thing, ThingKind, Visibility
from buurt.domain.consent import ConsentGrant
from buurt.domain.errors import InvalidInput, InvalidTransition
from buurt.domain.parties import PartyKind
from buurt.domain.places import Area, Boundary, Place
from buurt.domain.webhooks import WebhookEndpoint

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
HERE = Place(52.36, 4.94)
AREA = Area(center=HERE, radius_m=500)
PRIVATE = Visibility.PRIVATE
# What no caller may ever change: who it is, whose it is, when it began.
NEVER = {
    "id",
    "owner_id",
    "owner_kind",
    "owner_member_id",
    "member_id",
    "business_id",
    "circle_id",
    "created_at",
    "recipient_id",
    "recipient_kind",
    "secret",
}


def _intent() -> Intent:
    return Intent("int_1", "cir_1", "mem_1", "food/bread", AREA, NOW)


def _offer() -> Offer:
    return Offer("ofr_1", "cir_1", PartyKind.BUSINESS, "biz_1", "food/bread", "Bread", AREA, NOW)


def _entities() -> list[Changeable]:
    return [
        _intent(),
        _offer(),
        Subscription("sub_1", "cir_1", PartyKind.MEMBER, "mem_1", "S", ["food"], AREA, NOW),
        Circle("cir_1", "C", Boundary(cells=frozenset({"881f1d4887fffff"})), "UTC", NOW),
        Member("mem_1", "Ann", "ann@example.org", "-", NOW),
        Business("biz_1", "cir_1", "mem_1", "Bakery", "bakery", NOW),
        Site("sit_1", "biz_1", "Shop", HERE, NOW),
        Thing(
            "thg_1",
            "cir_1",
            PartyKind.MEMBER,
            "mem_1",
            ThingKind.FRIDGE,
            "F",
            HERE,
            Visibility.PRIVATE,
            NOW,
        ),
        WebhookEndpoint("whk_1", "member", "mem_1", "https://example.org", [], "s", NOW, NOW),
    ]


@pytest.mark.parametrize("index", range(len(_entities())))
def test_no_entity_lets_an_owner_id_or_creation_time_change(index: int) -> None:
    entity = _entities()[index]  # made now: entities made before the SQL mapping lack it
    fields = {f.name for f in dataclasses.fields(entity)}  # type: ignore[arg-type]
    guarded = NEVER & fields
    assert guarded, "the entity has an owner or id to guard"
    assert not entity.CHANGEABLE & guarded
    current = {n: getattr(entity, n) for n in entity.CHANGEABLE}
    for name in sorted(guarded):
        before = getattr(entity, name)
        with pytest.raises(InvalidInput, match=f"{name} cannot be changed"):
            entity.change({name: "someone else", **current})
        assert getattr(entity, name) == before
    allowed = sorted(entity.CHANGEABLE)[0]
    entity.change({allowed: getattr(entity, allowed)})  # the positive control: allowed passes


def test_a_grant_changes_only_its_expiry() -> None:
    grant = ConsentGrant("cns_1", "mem_1", "business", "biz_1", "intents", "matching", NOW)  # type: ignore[arg-type]
    grant.change({"expires_at": NOW})
    assert grant.expires_at == NOW
    with pytest.raises(InvalidInput):
        grant.change({"purpose": "analytics"})


def test_an_intent_moves_only_along_its_lifecycle() -> None:
    intent = _intent()
    intent.change({"status": IntentStatus.OPEN, "text": "two loaves"})  # same status: no step
    assert intent.text == "two loaves"
    intent.change({"status": IntentStatus.FULFILLED})
    assert intent.status is IntentStatus.FULFILLED
    with pytest.raises(InvalidTransition, match="fulfilled intent cannot become open"):
        intent.change({"status": IntentStatus.OPEN, "text": "three"})
    assert (intent.status, intent.text) == (IntentStatus.FULFILLED, "two loaves")


def test_an_offer_sells_out_comes_back_and_is_withdrawn_for_good() -> None:
    offer = _offer()
    offer.change({"status": OfferStatus.SOLD_OUT})
    offer.change({"status": OfferStatus.ACTIVE, "quantity": 12})
    assert (offer.status, offer.quantity) == (OfferStatus.ACTIVE, 12)
    offer.change({"status": OfferStatus.WITHDRAWN})
    with pytest.raises(InvalidTransition):
        offer.change({"status": OfferStatus.ACTIVE})
    assert offer.status is OfferStatus.WITHDRAWN


def test_a_refused_field_changes_nothing_else() -> None:
    offer = _offer()
    with pytest.raises(InvalidInput):
        offer.change({"title": "Rye", "owner_id": "biz_2"})
    assert (offer.title, offer.owner_id) == ("Bread", "biz_1")
