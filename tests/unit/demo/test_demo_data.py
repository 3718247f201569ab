"""The demo data is believable and valid before it meets a store: no I/O here."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest

from buurt.config import Settings
from buurt.demo import catalogue, people, wishes
from buurt.demo.places import BOUNDARY, CENTRE, STREETS, address, local_zone
from buurt.demo.readings import EVENT_KIND, clear_sky_share, day_of_readings
from buurt.demo.summary import api_url
from buurt.domain.categories import check_category
from buurt.domain.community import ThingKind
from buurt.services.publishing.subscriptions import check_predicate

ZONE = local_zone()
NOW = datetime(2026, 11, 23, 16, 7, tzinfo=UTC)  # a Monday, 17:07 in Amsterdam
BUSINESS_KEYS = {b.key for b in catalogue.BUSINESSES}


def _known(who: str) -> bool:
    if who in ("demo", "circle") or who in BUSINESS_KEYS:
        return True
    return who.startswith("n") and int(who[1:]) < people.NEIGHBOURS


def test_the_boundary_surrounds_the_indische_buurt() -> None:
    assert 12 <= len(BOUNDARY.polygon) <= 20
    assert BOUNDARY.contains(CENTRE)
    assert abs(CENTRE.lat - 52.362) < 0.003
    assert abs(CENTRE.lon - 4.938) < 0.003
    for street in STREETS.values():
        for number in range(1, street.last_number + 1):
            assert BOUNDARY.contains(street.place_of(number)), (street.name, number)


def test_addresses_look_dutch() -> None:
    found = address("Javaplein", 12)
    assert found.text.startswith("Javaplein 12, 109")
    assert found.text.endswith(" Amsterdam")
    assert found.place == STREETS["Javaplein"].place_of(12)


def test_neighbours_are_distinct_deterministic_and_at_example_org() -> None:
    first = people.neighbours(random.Random(1))
    assert first == people.neighbours(random.Random(1))
    assert len(first) == people.NEIGHBOURS >= 50
    emails = [n.email for n in first]
    assert len(set(emails)) == len(emails)
    for email in emails:
        local, _, domain = email.partition("@")
        assert domain == "example.org"
        assert local.isascii()
        assert local.replace(".", "").isalnum()
    assert people.DEMO_EMAIL not in emails
    assert people.ADMIN_EMAIL not in emails


def test_email_local_parts_drop_accents_and_spaces() -> None:
    assert people.email_local_part("Ayşe van der Linden") == "ayse.vanderlinden"
    assert people.email_local_part("Emre Y\u0131lmaz") == "emre.yilmaz"
    assert people.email_local_part("Liam O'Brien") == "liam.obrien"


def test_the_catalogue_has_the_promised_businesses_and_things() -> None:
    assert len(catalogue.BUSINESSES) >= 10
    assert len(BUSINESS_KEYS) == len(catalogue.BUSINESSES)
    kinds = {b.kind for b in catalogue.BUSINESSES}
    assert {"bakery", "greengrocer", "bike_repair", "3d_print_hub", "cafe", "pharmacy"} <= kinds
    for business in catalogue.BUSINESSES:
        assert 1 <= len(business.sites) <= 2
        assert business.owner.startswith("n")
        assert _known(business.owner)
        for site in business.sites:
            assert site.street in STREETS
    assert len(catalogue.THINGS) >= 30
    assert len({t.kind for t in catalogue.THINGS}) >= 5
    assert len({t.name for t in catalogue.THINGS}) == len(catalogue.THINGS)
    for thing in catalogue.THINGS:
        assert _known(thing.owner), thing.name
        assert thing.street in STREETS
    assert set(EVENT_KIND) == set(ThingKind)


def test_wishes_use_valid_categories_predicates_and_owners() -> None:
    for intent in wishes.INTENTS:
        assert _known(intent.who)
        assert intent.who not in BUSINESS_KEYS
        check_category(intent.category)
        assert set(intent.grants) <= BUSINESS_KEYS
    for offer in wishes.OFFERS:
        assert _known(offer.who)
        check_category(offer.category)
    for subscription in wishes.SUBSCRIPTIONS:
        assert _known(subscription.who)
        for category in subscription.categories:
            check_category(category)
        for predicate in subscription.predicates:
            check_predicate(predicate)
    for grant in wishes.LOCATION_GRANTS:
        assert _known(grant.who)
        assert grant.business in BUSINESS_KEYS
    texts = {i.text for i in wishes.INTENTS}
    assert "Fresh sourdough before 9:00" in texts


@pytest.mark.parametrize(
    ("when", "day", "start", "end"),
    [
        (("tomorrow", 7, 9), "2026-11-24", "07:00", "09:00"),
        (("saturday", 9, 12), "2026-11-28", "09:00", "12:00"),
        (("monday", 9, 12), "2026-11-30", "09:00", "12:00"),
        (("today", 9, 20), "2026-11-23", "17:07", "20:00"),
        (("today", 9, 18), "2026-11-24", "09:00", "18:00"),  # less than an hour left today
        (("tomorrow", 17.5, 19), "2026-11-24", "17:30", "19:00"),
    ],
)
def test_windows_resolve_to_local_times_ahead(
    when: wishes.When, day: str, start: str, end: str
) -> None:
    opens, closes = wishes.resolve(when, NOW, ZONE)
    assert opens >= NOW
    assert closes > opens
    assert opens.astimezone(ZONE).strftime("%Y-%m-%d %H:%M") == f"{day} {start}"
    assert closes.astimezone(ZONE).strftime("%H:%M") == end


def test_a_week_window_starts_now() -> None:
    assert wishes.resolve(("week", 0, 0), NOW, ZONE) == (NOW, NOW + timedelta(days=7))


def test_solar_follows_the_sun() -> None:
    noon = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)
    midnight = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)
    june = datetime(2026, 6, 21, 11, 30, tzinfo=UTC)
    assert clear_sky_share(midnight, CENTRE) == 0
    assert 0.3 < clear_sky_share(noon, CENTRE) < clear_sky_share(june, CENTRE) < 1
    readings = day_of_readings(ThingKind.SOLAR_INVERTER, NOW, ZONE, random.Random(3), 6.0, CENTRE)
    assert len(readings) == 96
    by_hour = {at.astimezone(ZONE).hour: values["power_w"] for at, values in readings}
    assert by_hour[2] == 0
    assert by_hour[22] == 0
    assert by_hour[12] > 500
    today = [v["energy_wh"] for at, v in readings if at.astimezone(ZONE).date() == NOW.date()]
    assert today == sorted(today)  # counts up from local midnight


@pytest.mark.parametrize("kind", list(ThingKind))
def test_readings_cover_the_last_day_in_order(kind: ThingKind) -> None:
    readings = day_of_readings(kind, NOW, ZONE, random.Random(kind.value), 1.0, CENTRE)
    assert readings
    times = [at for at, _ in readings]
    assert times == sorted(times)
    assert NOW - timedelta(hours=24) < times[0]
    assert times[-1] <= NOW
    for _, values in readings:
        for name, value in values.items():
            assert isinstance(value, bool | int | float | str), name


def test_readings_have_plausible_values() -> None:
    rng = random.Random(9)
    bike = day_of_readings(ThingKind.CARGO_BIKE, NOW, ZONE, rng, 1.0, CENTRE)
    assert all(0 <= v["battery_pct"] <= 100 for _, v in bike)
    assert {v["available"] for _, v in bike} == {True, False}
    air = day_of_readings(ThingKind.AIR_QUALITY, NOW, ZONE, rng, 1.0, CENTRE)
    assert all(0 < v["pm25"] < 80 and 0 < v["no2"] < 120 for _, v in air)
    fridge = day_of_readings(ThingKind.FRIDGE, NOW, ZONE, rng, 1.0, CENTRE)
    assert all(0 <= v["level"] <= 100 and v["action"] in ("added", "taken") for _, v in fridge)
    parking = day_of_readings(ThingKind.PARKING_SENSOR, NOW, ZONE, rng, 1.0, CENTRE)
    states = [v["occupied"] for _, v in parking]
    assert all(a != b for a, b in itertools.pairwise(states))  # changes only


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:8000"),
        ("0.0.0.0", "http://127.0.0.1:8000"),
        ("::", "http://[::1]:8000"),
        ("buurt.example.org", "http://buurt.example.org:8000"),
    ],
)
def test_the_api_url_is_one_a_browser_here_can_open(host: str, url: str) -> None:
    assert api_url(Settings(host=host, port=8000)) == url
