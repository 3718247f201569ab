"""Things' events over HTTP: single and batch, the 1,000 limit, dead letters, access."""

from __future__ import annotations

from typing import Any

from tests.actors import HOME, Actor, World, issue


def _fridge(owner: Actor, world: World, visibility: str = "private") -> dict[str, Any]:
    body = {
        "circle_id": world.circle["id"],
        "kind": "fridge",
        "name": "Buurtkoelkast",
        "place": HOME,
        "visibility": visibility,
    }
    return owner.created("/v1/things", body)


def test_a_thing_publishes_one_event_with_its_token(world: World) -> None:
    fridge = _fridge(world.ann, world)
    device = issue(world.ann, "thing", fridge["id"])
    response = device.post(
        f"/v1/things/{fridge['id']}/events", {"attributes": {"item": "soup", "level": 40}}
    )
    assert response.status_code == 201, response.text
    (event,) = response.json()["items"]
    assert event["source_id"] == fridge["id"]
    assert event["circle_id"] == world.circle["id"]
    assert event["place"] == HOME
    assert event["kind"] == "food/community-fridge"
    stored = world.ann.get(f"/v1/events/{event['id']}").json()
    assert stored["attributes"] == {"item": "soup", "level": 40}
    assert world.ann.get(f"/v1/things/{fridge['id']}").json()["state"]["level"] == 40


def test_the_owner_publishes_a_batch_stored_in_order(world: World) -> None:
    fridge = _fridge(world.ann, world)
    batch = {"events": [{"attributes": {"level": level}} for level in range(10)]}
    response = world.ann.post(f"/v1/things/{fridge['id']}/events", batch)
    assert response.status_code == 201, response.text
    assert [e["attributes"]["level"] for e in response.json()["items"]] == list(range(10))
    listed = world.ann.get("/v1/events", params={"source_id": fridge["id"]}).json()["items"]
    assert len(listed) == 10


def test_a_batch_of_1001_events_is_refused_whole(world: World) -> None:
    fridge = _fridge(world.ann, world)
    batch = {"events": [{"attributes": {"level": 1}}] * 1001}
    response = world.ann.post(f"/v1/things/{fridge['id']}/events", batch)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "at most 1000 items" in response.text
    assert world.ann.get("/v1/events", params={"source_id": fridge["id"]}).json()["items"] == []
    full = world.ann.post(
        f"/v1/things/{fridge['id']}/events", {"events": [{"attributes": {"level": 1}}] * 1000}
    )
    assert full.status_code == 201, full.text


def test_an_event_that_does_not_fit_its_kind_is_refused_and_kept(world: World) -> None:
    fridge = _fridge(world.ann, world)
    path = f"/v1/things/{fridge['id']}"
    batch = {"events": [{"attributes": {"level": 50}}, {"attributes": {"level": 250}}]}
    response = world.ann.post(f"{path}/events", batch)
    assert response.status_code == 422
    assert "event 1" in response.json()["detail"]
    assert "less than or equal to 100" in response.json()["detail"]
    assert world.ann.get("/v1/events", params={"source_id": fridge["id"]}).json()["items"] == []

    device = issue(world.ann, "thing", fridge["id"])
    wrong_type = device.post(f"{path}/events", {"attributes": {"level": "full"}})
    assert wrong_type.status_code == 422

    (dead_level, dead_type) = world.ann.get(f"{path}/rejected").json()["items"]
    assert dead_level["source"] == "http"
    assert "level" in dead_level["reason"]
    assert '"level":250' in dead_level["payload"]
    assert dead_type["payload"] == '{"attributes":{"level":"full"}}'


def test_a_message_id_makes_a_resend_harmless(world: World) -> None:
    fridge = _fridge(world.ann, world)
    body = {"attributes": {"level": 5}, "message_id": "fridge-7"}
    first = world.ann.post(f"/v1/things/{fridge['id']}/events", body).json()["items"]
    again = world.ann.post(f"/v1/things/{fridge['id']}/events", body).json()["items"]
    assert [e["id"] for e in again] == [e["id"] for e in first]
    assert len(world.ann.get("/v1/events", params={"source_id": fridge["id"]}).json()["items"]) == 1


def test_an_instant_past_the_year_9999_in_utc_is_refused_not_a_server_error(
    world: World,
) -> None:
    fridge = _fridge(world.ann, world)
    path = f"/v1/things/{fridge['id']}/events"
    for late in ("9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"):
        response = world.ann.post(path, {"attributes": {"level": 5}, "occurred_at": late})
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert "outside the years 1 to 9999" in response.text
    # Positive control: the last instant that is one in UTC too is stored.
    fine = {"attributes": {"level": 5}, "occurred_at": "9999-12-31T22:00:00-01:00"}
    assert world.ann.post(path, fine).status_code == 201


def test_another_members_thing_is_not_found(world: World) -> None:
    fridge = _fridge(world.ann, world)
    for path in ("events", "rejected"):
        call = world.bob.get if path == "rejected" else world.bob.post
        args: tuple[Any, ...] = () if path == "rejected" else ({"attributes": {"level": 1}},)
        response = call(f"/v1/things/{fridge['id']}/{path}", *args)
        assert response.status_code == 404, response.text
    shared = _fridge(world.ann, world, visibility="circle")
    seen = world.bob.post(f"/v1/things/{shared['id']}/events", {"attributes": {"level": 1}})
    assert seen.status_code == 403
    assert world.bob.get(f"/v1/things/{shared['id']}/rejected").status_code == 403
    assert world.ann.get("/v1/events", params={"source_id": shared["id"]}).json()["items"] == []


def test_commands_need_a_broker(world: World) -> None:
    fridge = _fridge(world.ann, world)
    response = world.ann.post(f"/v1/things/{fridge['id']}/commands", {"command": "reserve"})
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    refused = world.bob.post(f"/v1/things/{fridge['id']}/commands", {"command": "x"})
    assert refused.status_code == 404


def test_mqtt_credentials_are_shown_once_and_go_with_the_thing(world: World) -> None:
    fridge = _fridge(world.ann, world)
    path = f"/v1/things/{fridge['id']}/mqtt-credentials"
    first = world.ann.created(path, None)
    assert first["username"] == fridge["id"]
    assert first["events_topic"] == f"buurt/+/things/{fridge['id']}/events"
    assert world.ann.created(path, None)["password"] != first["password"]
    assert world.bob.post(path).status_code == 404
    assert world.ann.delete(f"/v1/things/{fridge['id']}").status_code == 204
    assert world.ann.post(path).status_code == 404


def test_revoking_absent_mqtt_credentials_is_harmless(world: World) -> None:
    fridge = _fridge(world.ann, world)
    assert world.ann.delete(f"/v1/things/{fridge['id']}/mqtt-credentials").status_code == 204
