"""``/v1/bookables`` and ``/v1/bookings`` as every identity, on SQLite and PostgreSQL: the
owner shares a cargo bike, a neighbour books it, the owner gets a moment, the calendar shows
the slot; overlaps, the past, bad durations and closed hours are refused as problems."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tests.actors import HOME, PASSWORD, World, issue, register

pytestmark = pytest.mark.frozen_clock()  # Monday 2026-03-02, 10:00 in Amsterdam

MONDAY_14 = "2026-03-02T14:00:00+01:00"
MONDAY_16 = "2026-03-02T16:00:00+01:00"


def _bike(world: World, **terms: Any) -> dict[str, Any]:
    thing = world.ann.created(
        "/v1/things",
        {
            "circle_id": world.circle["id"],
            "kind": "cargo_bike",
            "name": "Bakfiets",
            "place": HOME,
            "visibility": "circle",
        },
    )
    body = {"thing_id": thing["id"], "price_per_hour": 2.5, "opens": 480, "closes": 1320}
    return world.ann.created("/v1/bookables", {**body, **terms})


def _book(actor: Any, bookable_id: str, starts: str, ends: str) -> Any:
    body = {"starts_at": starts, "ends_at": ends}
    return actor.post(f"/v1/bookables/{bookable_id}/bookings", body)


def test_a_neighbour_books_the_bike_and_the_owner_is_told(world: World) -> None:
    bike = _bike(world)
    made = _book(world.bob, bike["id"], MONDAY_14, MONDAY_16)
    assert made.status_code == 201, made.text
    booking = made.json()
    assert (booking["price"], booking["status"]) == (5.0, "booked")
    moments = world.ann.get("/v1/moments").json()["items"]
    told = [m for m in moments if m["source_id"] == booking["id"]]
    assert len(told) == 1
    assert "Bakfiets is booked" in told[0]["reason"]
    slots = world.admin.get(f"/v1/bookables/{bike['id']}/calendar").json()
    assert [(s["starts_at"], s["member_id"]) for s in slots] == [
        ("2026-03-02T13:00:00Z", None)  # a neighbour sees the slot, not who booked it
    ]
    owner_view = world.ann.get(f"/v1/bookables/{bike['id']}/calendar").json()
    assert owner_view[0]["member_id"] == world.bob.id
    assert [b["id"] for b in world.bob.get("/v1/bookings").json()["items"]] == [booking["id"]]
    assert [b["id"] for b in world.ann.get("/v1/bookings").json()["items"]] == [booking["id"]]
    assert world.admin.get("/v1/bookings").json()["items"] == []


def test_an_overlap_the_past_and_bad_intervals_are_problems(world: World) -> None:
    bike = _bike(world, max_minutes=180)
    assert _book(world.bob, bike["id"], MONDAY_14, MONDAY_16).status_code == 201
    refused = {
        "overlap": (
            _book(
                world.admin, bike["id"], "2026-03-02T15:00:00+01:00", "2026-03-02T17:00:00+01:00"
            ),
            409,
        ),
        "past": (
            _book(
                world.admin, bike["id"], "2026-03-02T08:00:00+01:00", "2026-03-02T09:00:00+01:00"
            ),
            422,
        ),
        "negative": (_book(world.admin, bike["id"], MONDAY_16, MONDAY_14), 422),
        "too long": (
            _book(
                world.admin, bike["id"], "2026-03-03T09:00:00+01:00", "2026-03-03T18:00:00+01:00"
            ),
            422,
        ),
        "closed": (
            _book(
                world.admin, bike["id"], "2026-03-02T21:00:00+01:00", "2026-03-02T23:00:00+01:00"
            ),
            422,
        ),
    }
    for name, (answer, status) in refused.items():
        assert answer.status_code == status, (name, answer.text)
        assert answer.headers["content-type"] == "application/problem+json", name
    # The control: right after the booking, the same neighbour books the free slot.
    after = _book(world.admin, bike["id"], MONDAY_16, "2026-03-02T18:00:00+01:00")
    assert after.status_code == 201, after.text


def test_a_cancelled_booking_frees_its_slot(world: World) -> None:
    bike = _bike(world)
    first = _book(world.bob, bike["id"], MONDAY_14, MONDAY_16).json()
    assert _book(world.admin, bike["id"], MONDAY_14, MONDAY_16).status_code == 409
    assert world.bob.post(f"/v1/bookings/{first['id']}/cancel").json()["status"] == "cancelled"
    assert world.bob.post(f"/v1/bookings/{first['id']}/cancel").status_code == 409
    assert _book(world.admin, bike["id"], MONDAY_14, MONDAY_16).status_code == 201


def test_only_those_the_owner_chose_book_or_see(world: World) -> None:
    bike = _bike(world, audience="named", named_members=[world.bob.id])
    outsider = register(world.ann.client, "Olga")  # in no circle
    fridge = world.admin.created(
        "/v1/things",
        {"circle_id": world.circle["id"], "kind": "fridge", "name": "Fridge", "place": HOME},
    )
    thing = issue(world.admin, "thing", fridge["id"])
    for stranger in (world.admin, outsider, thing, world.bakery_actor):
        assert stranger.get(f"/v1/bookables/{bike['id']}").status_code == 404
        assert _book(stranger, bike["id"], MONDAY_14, MONDAY_16).status_code == 404
    assert world.bob.client.get(f"/v1/bookables/{bike['id']}").status_code == 401  # no token
    assert world.bob.get(f"/v1/bookables/{bike['id']}").json()["named_members"] == []
    assert world.bob.patch(f"/v1/bookables/{bike['id']}", {"min_minutes": 5}).status_code == 403
    assert _book(world.bob, bike["id"], MONDAY_14, MONDAY_16).status_code == 201  # the control


def test_a_bike_is_found_where_it_stands(world: World) -> None:
    bike = _bike(world)
    far = {"lat": 52.40, "lon": 4.90}
    near = world.bob.get("/v1/bookables/nearby", params={**HOME, "radius": 200}).json()
    assert [n["bookable"]["id"] for n in near] == [bike["id"]]
    assert world.bob.get("/v1/bookables/nearby", params={**far, "radius": 200}).json() == []
    # The bike moves (its owner, or its GPS through the owner's app, says where it stands).
    world.ann.patch(f"/v1/things/{bike['thing_id']}", {"place": far})
    moved = world.bob.get("/v1/bookables/nearby", params={**far, "radius": 200}).json()
    assert [n["bookable"]["id"] for n in moved] == [bike["id"]]
    bad = world.bob.get("/v1/bookables/nearby", params={**HOME, "radius": -1})
    assert bad.status_code == 422


def test_concurrent_bookings_of_one_slot_make_one_booking(world: World) -> None:
    bike = _bike(world)
    answers: list[int] = []
    start = threading.Barrier(8)

    def race() -> None:
        start.wait()
        answers.append(_book(world.bob, bike["id"], MONDAY_14, MONDAY_16).status_code)

    threads = [threading.Thread(target=race) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [201] + [409] * 7
    assert len(world.bob.get("/v1/bookings").json()["items"]) == 1


def test_export_and_erasure_cover_bookings(world: World) -> None:
    bike = _bike(world)
    booking = _book(world.bob, bike["id"], MONDAY_14, MONDAY_16).json()
    exported = world.bob.get("/v1/me/export").json()
    assert [b["id"] for b in exported["bookings"]] == [booking["id"]]
    gone = world.bob.client.request(
        "DELETE", "/v1/me", json={"password": PASSWORD}, headers=world.bob.headers
    )
    assert gone.status_code == 204, gone.text
    assert world.ann.get("/v1/bookings").json()["items"] == []
    assert world.ann.get(f"/v1/bookables/{bike['id']}/calendar").json() == []
    told = [
        m for m in world.ann.get("/v1/moments").json()["items"] if m["source_kind"] == "booking"
    ]
    assert told == []
