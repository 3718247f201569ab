"""Translating the domain's records into the engine's terms, and explaining a match.

Three directions are matched (DESIGN.md, "two-sided"):

- an **event** against standing **subscriptions** (the subscription's categories cover the
  event's kind);
- a new **intent** against active **offers**, and a new **offer** against open **intents**:
  an offer answers an intent when one's category covers the other's ("food" and
  "food/bread" both ways), the intent's place lies in the offer's area (for a new offer: the
  offer's place lies in the intent's area), the offer is valid when the need is (the middle
  of the intent's window, or now), and its price is within the intent's ``max_price``.

A record's "place" is the centre of its area (the centroid of a polygon, the first cell's
centre for cells).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from buurt.domain.activity import Event, Intent, Offer, Subscription
from buurt.domain.moments import Reason, ReasonCode
from buurt.domain.places import Area, Place
from buurt.engine import (
    Absolute,
    CellsArea,
    CircleArea,
    PolygonArea,
    Predicate,
    Publication,
    Standing,
    WeeklyHours,
    parse_predicate,
)
from buurt.engine import Area as EngineArea
from buurt.engine.geometry import centre

# An intent without a price limit accepts any price; the engine needs a number to compare.
NO_LIMIT = 1e18


def engine_area(area: Area) -> EngineArea:
    if area.center is not None and area.radius_m is not None:
        return CircleArea(area.center.lat, area.center.lon, area.radius_m)
    if area.polygon:
        return PolygonArea(tuple((p.lat, p.lon) for p in area.polygon))
    return CellsArea(frozenset(area.cells))


def subscription_standing(key: int, subscription: Subscription) -> Standing:
    weekly = subscription.weekly_hours
    window = None
    if subscription.active_from or subscription.active_until:
        window = Absolute(subscription.active_from, subscription.active_until)
    return Standing(
        key=key,
        area=engine_area(subscription.area),
        categories=tuple(subscription.categories),
        predicates=tuple(parse_predicate(p) for p in subscription.predicates),
        weekly=WeeklyHours(frozenset(weekly)) if weekly is not None else None,
        absolute=window,
    )


def offer_standing(key: int, offer: Offer) -> Standing:
    """An offer waiting for intents."""
    window = None
    if offer.valid_from or offer.valid_until:
        window = Absolute(offer.valid_from, offer.valid_until)
    predicates = () if offer.price is None else (Predicate("max_price", ">=", offer.price),)
    return Standing(
        key=key,
        area=engine_area(offer.area),
        categories=(offer.category,),
        predicates=predicates,
        absolute=window,
    )


def intent_standing(key: int, intent: Intent) -> Standing:
    predicates: tuple[Predicate, ...] = ()
    if intent.max_price is not None:
        predicates = (Predicate("price", "<=", intent.max_price),)
    return Standing(
        key=key, area=engine_area(intent.area), categories=(intent.category,), predicates=predicates
    )


def event_publication(event: Event) -> Publication:
    return Publication(
        event.place.lat, event.place.lon, event.kind, event.occurred_at, dict(event.attributes)
    )


def needed_at(intent: Intent, now: datetime) -> datetime:
    """When the need is: the middle of its window (so an offer valid for part of a window
    answers it), its start when it has no end, or now."""
    start, end = intent.window_start, intent.window_end
    if start is not None and end is not None:
        return max(now, start + (end - start) / 2)
    return max(now, start) if start is not None else now


def intent_publication(intent: Intent, at: datetime) -> Publication:
    place = centre(intent.area)
    at = needed_at(intent, at)
    limit = NO_LIMIT if intent.max_price is None else intent.max_price
    attributes: dict[str, Any] = {**intent.attributes, "max_price": limit}
    return Publication(place.lat, place.lon, intent.category, at, attributes)


def offer_publication(offer: Offer, at: datetime) -> Publication:
    place = centre(offer.area)
    attributes: dict[str, Any] = {**offer.attributes, "price": offer.price or 0.0}
    return Publication(place.lat, place.lon, offer.category, at, attributes)


def _distance(area: Area, place: Place) -> int | None:
    """Metres from the area's centre, to the nearest ten; ``None`` for an area without one."""
    if area.center is not None:
        return int(round(area.center.distance_m(place), -1))
    return None


def explain_subscription(subscription: Subscription, event: Event) -> Reason:
    """Why a subscription's owner got this moment, in words and as a code."""
    distance = _distance(subscription.area, event.place)
    where = "inside your area" if distance is None else f"{distance} m from the centre of your area"
    parts = [event.kind, where, *subscription.predicates]
    if subscription.weekly_hours is not None:
        parts.append("in your chosen hours of the week")
    if subscription.active_until is not None:
        parts.append(f"before {subscription.active_until:%Y-%m-%d %H:%M} UTC")
    until = subscription.active_until
    return Reason(
        f"matched your subscription '{subscription.name}': " + ", ".join(parts),
        ReasonCode.SUBSCRIPTION,
        {
            "name": subscription.name,
            "kind": event.kind,
            "distance_m": distance,
            "predicates": list(subscription.predicates),
            "weekly_hours": subscription.weekly_hours is not None,
            "until": until.isoformat() if until is not None else None,
        },
    )


def explain_offer_intent(offer: Offer, intent: Intent) -> Reason:
    need = intent.text or intent.category
    distance = int(round(centre(intent.area).distance_m(centre(offer.area)), -1))
    price = "free" if offer.price is None else f"{offer.price:.2f}"
    limit = "" if intent.max_price is None else f" (your limit {intent.max_price:.2f})"
    return Reason(
        f"'{offer.title}' ({offer.category}, {price}{limit}) answers the need '{need}', "
        f"{distance} m away",
        ReasonCode.OFFER_ANSWERS_NEED,
        {
            "title": offer.title,
            "category": offer.category,
            "price": offer.price,
            "limit": intent.max_price,
            "need": need,
            "distance_m": distance,
        },
    )
