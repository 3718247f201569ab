"""Sharing a thing from the pages: its owner makes it bookable, changes the terms and stops
sharing it; a neighbour finds it nearby, books a slot on its page, sees it under "My
bookings" and cancels it; refused slots keep the form and say why, in both languages."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.actors import HOME, Actor, World, register
from tests.e2e.pages.forms import submit

pytestmark = pytest.mark.frozen_clock()  # Monday 2026-03-02, 10:00 in Amsterdam

TERMS = {
    "audience": "verified",
    "price": "2,50",
    "min_minutes": "30",
    "max_minutes": "180",
    "opens": "480",
    "closes": "1320",
    **{f"day{d}": "1" for d in range(1, 8)},
}


def _bike(world: World, visibility: str = "circle") -> dict[str, Any]:
    body = {
        "circle_id": world.circle["id"],
        "kind": "cargo_bike",
        "name": "Bakfiets Javaplein",
        "place": HOME,
        "visibility": visibility,
    }
    return world.ann.created("/v1/things", body)


def _post(client: TestClient, actor: Actor, path: str, data: dict[str, str]) -> Any:
    return submit(client, path, data, headers=actor.headers, follow_redirects=False)


def _shared(client: TestClient, world: World, visibility: str = "circle") -> dict[str, Any]:
    """Ann's bike, made bookable from its page."""
    bike = _bike(world, visibility)
    made = _post(client, world.ann, f"/things/{bike['id']}/bookable", TERMS)
    assert made.status_code == 303, made.text
    assert made.headers["location"] == f"/things/{bike['id']}#sharing"
    return bike


def _book(client: TestClient, actor: Actor, bike: dict[str, Any], start: str, end: str) -> Any:
    slot = {"day": "2026-03-02", "from": start, "until": end}
    return _post(client, actor, f"/things/{bike['id']}/book", slot)


def test_the_owner_shares_a_thing_changes_its_terms_and_stops(
    client: TestClient, world: World
) -> None:
    bike = _bike(world)
    page = world.ann.get(f"/things/{bike['id']}").text
    assert "Share it with the neighbours" in page
    assert f'action="/things/{bike["id"]}/bookable"' in page

    _post(client, world.ann, f"/things/{bike['id']}/bookable", TERMS)
    [bookable] = world.ann.get("/v1/bookables").json()["items"]
    assert (bookable["price_per_hour"], bookable["max_minutes"]) == (2.5, 180)
    assert (bookable["opens"], bookable["closes"]) == (480, 1320)
    shown = world.ann.get(f"/things/{bike['id']}").text
    assert "€2.50 an hour" in shown
    assert "From 30 minutes to 3 hours at a time." in shown
    assert "Change the terms" in shown

    weekdays = {**TERMS, "price": "", "day6": "", "day7": ""}
    changed = _post(client, world.ann, f"/things/{bike['id']}/bookable", weekdays)
    assert changed.status_code == 303
    now = world.ann.get(f"/v1/bookables/{bookable['id']}").json()
    assert (now["price_per_hour"], now["days"]) == (None, [1, 2, 3, 4, 5])
    assert "Free to book" in world.ann.get(f"/things/{bike['id']}").text

    stopped = _post(client, world.ann, f"/things/{bike['id']}/bookable/stop", {})
    assert stopped.status_code == 303
    assert world.ann.get(f"/v1/bookables/{bookable['id']}").status_code == 404
    assert "Share it with the neighbours" in world.ann.get(f"/things/{bike['id']}").text


def test_terms_that_contradict_themselves_keep_the_form(client: TestClient, world: World) -> None:
    bike = _bike(world)
    cases = {
        "The shortest booking cannot be longer than the longest.": {"min_minutes": "240"},
        "It opens before it closes, within one day.": {"opens": "1320", "closes": "480"},
        "Pick at least one day it may be booked on.": {f"day{d}": "" for d in range(1, 8)},
        "A price is a number, like 4,95.": {"price": "twee"},
    }
    for message, change in cases.items():
        refused = _post(client, world.ann, f"/things/{bike['id']}/bookable", {**TERMS, **change})
        assert refused.status_code == 422, message
        assert message in refused.text
        assert 'role="alert"' in refused.text
    assert world.ann.get("/v1/bookables").json()["items"] == []
    # The positive control: the same form with sound terms shares it.
    assert _post(client, world.ann, f"/things/{bike['id']}/bookable", TERMS).status_code == 303


def test_a_neighbour_finds_books_sees_and_cancels(client: TestClient, world: World) -> None:
    bike = _shared(client, world)
    nearby = world.bob.get("/shared")
    assert nearby.status_code == 200
    assert "Bakfiets Javaplein" in nearby.text
    assert f'href="/things/{bike["id"]}#sharing"' in nearby.text
    assert "<svg" in nearby.text

    page = world.bob.get(f"/things/{bike['id']}").text
    assert f'action="/things/{bike["id"]}/book"' in page
    assert "Nobody has booked it yet" in page

    made = _book(client, world.bob, bike, "14:00", "16:00")
    assert made.status_code == 303, made.text
    assert made.headers["location"].startswith("/bookings#booking-")
    booking_id = made.headers["location"].split("booking-")[1]
    mine = world.bob.get("/bookings").text
    assert f'id="booking-{booking_id}"' in mine
    assert "Bakfiets Javaplein" in mine
    assert "€5.00" in mine  # two hours at 2,50
    assert "booked by you" in world.bob.get(f"/things/{bike['id']}").text
    owner = world.ann.get(f"/things/{bike['id']}").text
    assert "booked by a neighbour" in owner  # the owner sees the slot, and may cancel it
    assert f'action="/bookings/{booking_id}/cancel"' in owner

    cancelled = _post(client, world.bob, f"/bookings/{booking_id}/cancel", {})
    assert cancelled.status_code == 303
    after = world.bob.get("/bookings").text
    assert "Nothing booked." in after
    assert "cancelled" in after.split("Earlier and cancelled")[1]
    assert world.bob.get(f"/v1/bookings/{booking_id}").json()["status"] == "cancelled"


def test_refused_slots_say_why_on_the_page(client: TestClient, world: World) -> None:
    bike = _shared(client, world)
    assert _book(client, world.bob, bike, "14:00", "16:00").status_code == 303
    cases = {
        ("15:00", "17:00"): (409, "Someone has booked it for part of that time."),
        ("08:00", "09:00"): (422, "That time has passed."),
        ("18:00", "18:15"): (422, "A booking of it is at least 30 minutes."),
        ("17:00", "21:00"): (422, "A booking of it is at most 3 hours."),
        ("19:00", "18:00"): (422, "A booking ends after it starts."),
        ("21:00", "23:00"): (422, "It cannot be booked for all of that time"),
    }
    for (start, end), (status, message) in cases.items():
        refused = _book(client, world.admin, bike, start, end)
        assert refused.status_code == status, (start, end, refused.text[:300])
        assert message in refused.text
        assert f'value="{start}"' in refused.text  # the form keeps what was asked
    assert len(world.admin.get("/v1/bookings").json()["items"]) == 0
    assert _book(client, world.admin, bike, "18:00", "19:00").status_code == 303  # control


def test_the_refusals_read_in_dutch(client: TestClient, world: World) -> None:
    bike = _shared(client, world)
    client.headers["Accept-Language"] = "nl"
    refused = _book(client, world.bob, bike, "08:00", "09:00")
    assert refused.status_code == 422
    assert "Die tijd is voorbij." in refused.text
    page = world.bob.get(f"/things/{bike['id']}").text
    assert "€\xa02,50 per uur" in page  # Babel puts a no-break space after the sign
    assert "Boek het" in page


def test_a_private_thing_is_booked_without_its_data(client: TestClient, world: World) -> None:
    bike = _shared(client, world, visibility="private")
    page = world.bob.get(f"/things/{bike['id']}")
    assert page.status_code == 200
    assert "Its owner keeps its readings private" in page.text
    assert "Live state" not in page.text
    assert _book(client, world.bob, bike, "14:00", "15:00").status_code == 303


def test_strangers_and_visitors_get_html_refusals(client: TestClient, world: World) -> None:
    bike = _shared(client, world)
    stranger = register(client, "Stranger")  # in no circle: may not book, sees nothing
    page = stranger.get(f"/things/{bike['id']}")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert _book(client, stranger, bike, "14:00", "15:00").status_code == 404
    assert _post(client, stranger, f"/things/{bike['id']}/bookable", TERMS).status_code == 404
    # Bob may book it but not change its terms or stop it: the owner's alone.
    assert _post(client, world.bob, f"/things/{bike['id']}/bookable", TERMS).status_code == 403
    assert _post(client, world.bob, f"/things/{bike['id']}/bookable/stop", {}).status_code == 403
    made = _book(client, world.bob, bike, "14:00", "15:00")
    booking_id = made.headers["location"].split("booking-")[1]
    refused = _post(client, stranger, f"/bookings/{booking_id}/cancel", {})
    assert refused.status_code == 404
    assert refused.headers["content-type"].startswith("text/html")
    no_csrf = client.post(f"/bookings/{booking_id}/cancel", headers=world.bob.headers)
    assert no_csrf.status_code == 403
    assert world.bob.get(f"/v1/bookings/{booking_id}").json()["status"] == "booked"
    client.cookies.clear()
    for path in ("/bookings", "/shared", f"/things/{bike['id']}"):
        visitor = client.get(path, follow_redirects=False)
        assert visitor.status_code == 303
        assert visitor.headers["location"].startswith("/login?next=")
