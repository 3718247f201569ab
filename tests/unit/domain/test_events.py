"""Domain events cross processes as versioned JSON: every event survives the trip unchanged."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from buurt.domain.activity import Event, Intent, Offer, Subscription
from buurt.domain.charter import CharterProposal
from buurt.domain.community import Circle, Site
from buurt.domain.consent import ConsentGrant, DataCategory, Purpose
from buurt.domain.events import (
    EVENT_TYPES,
    AggregateIncluded,
    CharterProposalClosed,
    CharterProposalOpened,
    CircleSaved,
    ConsentChanged,
    ConsentDeleted,
    ConsentGranted,
    ConsentRevoked,
    DomainEvent,
    EventPublished,
    MemberErased,
    MemberSettingsChanged,
    MomentChanged,
    MomentCreated,
    OrderChanged,
    OrderPlaced,
    ProposalUpdated,
    ReservationChanged,
    SiteSaved,
    StandingChanged,
    StandingCreated,
    StandingRemoved,
    StockChanged,
    StockRemoved,
    ThingAccessChanged,
    ThingRemoved,
    WebhookDeliveryQueued,
    WebhookEndpointChanged,
    from_json,
    to_json,
)
from buurt.domain.following import Update, UpdateKind
from buurt.domain.moments import (
    Moment,
    MomentStatus,
    PublicationKind,
    Reason,
    ReasonCode,
    StandingKind,
)
from buurt.domain.orders import Order, OrderSource, OrderStatus
from buurt.domain.parties import PartyKind
from buurt.domain.places import Area, Boundary, Place
from buurt.domain.stock import Reservation, ReservationStatus, Stock

NOW = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)
HERE = Place(52.362, 4.938)
SQUARE = (Place(52.37, 4.89), Place(52.38, 4.89), Place(52.38, 4.90))
CELLS = frozenset({"881f1d4887fffff", "881f1d488bfffff"})


def _moment() -> Moment:
    return Moment(
        "mom_1", "cir_1", PartyKind.BUSINESS, "biz_1", PublicationKind.INTENT, "int_1",
        StandingKind.OFFER, "ofr_1", "a reason", MomentStatus.DELIVERED, NOW, NOW,
        subject_member_id="mem_1", expires_at=NOW + timedelta(days=7),
    )  # fmt: skip


def _order() -> Order:
    return Order(
        "ord_1", "cir_1", "biz_1", None, OrderSource.PLEDGE, "plg_1", "Loaf", 2, NOW, NOW,
        unit_price=4.5, status=OrderStatus.CANCELLED, cancel_reason="oven broke",
    )  # fmt: skip


def _stock() -> Stock:
    return Stock(
        "stk_1", "biz_1", "itm_1", "sit_1", "food/bread", 12, 4.5, NOW, NOW, held=2,
        available_from=NOW, version=3,
    )  # fmt: skip


def _reservation() -> Reservation:
    return Reservation(
        "rsv_1", "cir_1", "biz_1", "stk_1", "sit_1", "itm_1", "mem_1", 2, 4.5, NOW, NOW, NOW,
        status=ReservationStatus.CONFIRMED, order_id="ord_1",
    )  # fmt: skip


def _grant() -> ConsentGrant:
    return ConsentGrant(
        "cns_1", "mem_1", PartyKind.BUSINESS, "biz_1", DataCategory.THING_DATA, Purpose.MATCHING,
        NOW, expires_at=None, revoked_at=NOW, thing_id="thg_1",
    )  # fmt: skip


def _examples() -> list[DomainEvent]:
    """One of every event, made when a test runs (entities made before the SQL mapping is set
    up in the same process would lack its instrumentation)."""
    return [
        StandingCreated(
            Intent("int_1", "cir_1", "mem_1", "food", Area(HERE, 800), NOW, "bread", NOW, None, 6.0)
        ),
        StandingChanged(
            Offer(
                "ofr_1",
                "cir_1",
                PartyKind.BUSINESS,
                "biz_1",
                "food/bread",
                "Loaf",
                Area(polygon=SQUARE),
                NOW,
                attributes={"vegan": True, "weight_g": 800},
            )
        ),
        StandingRemoved(
            Subscription(
                "sub_1",
                "cir_1",
                PartyKind.MEMBER,
                "mem_1",
                "Sun",
                ["energy"],
                Area(cells=CELLS),
                NOW,
                ["power_w > 2000"],
                [9, 10, 11],
                NOW,
                None,
            )
        ),
        EventPublished(
            Event(
                "evt_1",
                "cir_1",
                PartyKind.THING,
                "thg_1",
                "energy/solar",
                HERE,
                NOW.astimezone(timezone(timedelta(hours=1))),
                NOW,
                {"power_w": 2400, "ok": None},
                "m-1",
            )
        ),
        MomentCreated(_moment()),
        MomentChanged(_moment()),
        CircleSaved(Circle("cir_1", "Javaplein", Boundary(cells=CELLS), "Europe/Amsterdam", NOW)),
        MemberSettingsChanged("mem_1"),
        MemberErased("mem_1"),
        ConsentGranted(_grant()),
        ConsentChanged(_grant()),
        ConsentRevoked(_grant()),
        ConsentDeleted("cns_1"),
        AggregateIncluded("cir_1", "biz_1", "agq_1", "intents", frozenset({"mem_2", "mem_1"})),
        ThingAccessChanged("thg_1"),
        ThingRemoved("thg_1"),
        CharterProposalOpened(
            CharterProposal(
                "chp_1", "cir_1", "mem_1", {"k": 5}, "Smaller groups", 1, 0.3, 0.5, NOW, NOW
            )
        ),
        CharterProposalClosed(
            CharterProposal(
                "chp_1",
                "cir_1",
                None,
                {"quiet_from_hour": 22},
                "Sleep",
                2,
                0.3,
                0.5,
                NOW,
                NOW,
                yes=3,
                electorate=5,
                closed_at=NOW,
                result_version=3,
            )
        ),
        OrderPlaced(_order()),
        OrderChanged(_order()),
        StockChanged(_stock()),
        StockRemoved(_stock()),
        ReservationChanged(_reservation()),
        SiteSaved(Site("sit_1", "biz_1", "Shop", Place(52.36, 4.93), NOW, "Dam 1")),
        WebhookEndpointChanged("whk_1"),
        WebhookDeliveryQueued("dlv_1", "whk_1"),
        ProposalUpdated(
            Update(
                "upd_1",
                "cir_1",
                "prp_1",
                "food/bread",
                UpdateKind.CAMPAIGN_SETTLED,
                PublicationKind.CAMPAIGN,
                "cmp_1",
                Reason("Rye goes ahead", ReasonCode.CAMPAIGN_SETTLED, {"succeeded": True}),
                by=("business", "biz_1"),
                told=frozenset({"mem_2", "mem_1"}),
            )
        ),
    ]


def test_every_event_type_has_an_example() -> None:
    assert {type(e) for e in _examples()} == set(EVENT_TYPES.values())
    assert len(EVENT_TYPES) == len({k.name for k in EVENT_TYPES.values()}), "names are unique"


@pytest.mark.parametrize("index", range(len(EVENT_TYPES)))
def test_an_event_survives_a_trip_through_json(index: int) -> None:
    event = _examples()[index]
    wire = json.dumps(to_json(event))
    back = from_json(json.loads(wire))
    assert back == event
    assert type(back) is type(event)
    assert json.loads(wire)["type"] == event.name
    assert json.loads(wire)["version"] == 1


def test_a_standing_keeps_its_type_and_an_instant_its_offset() -> None:
    created = from_json(json.loads(json.dumps(to_json(_examples()[1]))))
    assert isinstance(created, StandingChanged)
    assert isinstance(created.standing, Offer)
    published = from_json(json.loads(json.dumps(to_json(_examples()[3]))))
    assert isinstance(published, EventPublished)
    assert published.event.occurred_at.utcoffset() == timedelta(hours=1)


def test_unknown_types_and_versions_are_refused() -> None:
    data = to_json(MemberErased("mem_1"))
    with pytest.raises(ValueError, match="unknown event type"):
        from_json({**data, "type": "member.vanished"})
    with pytest.raises(ValueError, match="version 2"):
        from_json({**data, "version": 2})
    assert from_json(data) == MemberErased("mem_1")  # the untouched document is read
