"""Bad input gets a clear problem+json 4xx naming what is wrong; never a 500, never a traceback."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.actors import HOME, World

PROBLEM = "application/problem+json"


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    assert "Traceback" not in response.text
    return body


def _names(body: dict[str, Any]) -> set[str]:
    return {p["name"] for p in body.get("invalid-params", [])}


def test_malformed_json_is_a_bad_request(world: World) -> None:
    response = world.ann.client.post(
        "/v1/intents",
        content=b'{"circle_id": "x",',
        headers={**world.ann.headers, "content-type": "application/json"},
    )
    assert "not valid JSON" in _problem(response, 400)["detail"]


def test_wrong_types_name_the_field(world: World) -> None:
    body = {
        "circle_id": world.circle["id"],
        "category": "food",
        "area": {**HOME, "radius_m": "far"},
    }
    problem = _problem(world.ann.post("/v1/intents", body), 422)
    assert "body.area.circle.radius_m" in _names(problem)


@pytest.mark.parametrize(("lat", "lon"), [(91, 4.9), (-90.5, 4.9), (52.3, 180.01), (52.3, -181)])
def test_out_of_range_coordinates_are_refused(world: World, lat: float, lon: float) -> None:
    body = {
        "circle_id": world.circle["id"],
        "kind": "fridge",
        "name": "Fridge",
        "place": {"lat": lat, "lon": lon},
    }
    problem = _problem(world.ann.post("/v1/things", body), 422)
    assert _names(problem) & {"body.place.lat", "body.place.lon"}


def test_a_shapeless_area_says_what_shapes_exist(world: World) -> None:
    body = {"circle_id": world.circle["id"], "category": "food", "area": {"radius": 3}}
    problem = _problem(world.ann.post("/v1/intents", body), 422)
    assert "{lat, lon, radius_m}" in problem["detail"] + str(problem["invalid-params"])


def test_domain_rules_are_422_with_the_field(world: World) -> None:
    body = {
        "circle_id": world.circle["id"],
        "category": "food",
        "area": {**HOME, "radius_m": 100},
        "window_start": "2026-11-24T09:00:00Z",
        "window_end": "2026-11-24T08:00:00Z",
    }
    problem = _problem(world.ann.post("/v1/intents", body), 422)
    assert "end after it starts" in problem["detail"]


def test_naive_datetimes_are_refused(world: World) -> None:
    body = {
        "circle_id": world.circle["id"],
        "category": "food",
        "area": {**HOME, "radius_m": 100},
        "window_start": "2026-11-24T09:00:00",
    }
    assert "body.window_start" in _names(_problem(world.ann.post("/v1/intents", body), 422))


def test_unknown_fields_are_refused(world: World) -> None:
    body = {"name": "x", "boundary": {"cells": ["881969a4a1fffff"]}, "owner": "me"}
    assert "body.owner" in _names(_problem(world.ann.post("/v1/circles", body), 422))


@pytest.mark.parametrize(
    "path",
    ["/v1/intents/int_nope", "/v1/circles/cir_nope", "/v1/things/x", "/v1/moments/mom_nope"],
)
def test_unknown_ids_are_404(world: World, path: str) -> None:
    _problem(world.ann.get(path), 404)


def test_unknown_paths_and_methods(client: TestClient) -> None:
    assert "/v2/everything" in _problem(client.get("/v2/everything"), 404)["detail"]
    _problem(client.put("/healthz"), 405)


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer bu_not-a-real-token", "Basic YWxpY2U6c2VjcmV0", "Bearer x"],
)
def test_missing_or_bad_credentials_are_401(client: TestClient, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get("/v1/intents", headers=headers)
    _problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


def test_wrong_password_is_401_and_says_nothing_more(world: World) -> None:
    me = world.ann.get("/v1/members/me").json()
    wrong = world.ann.client.post("/v1/auth/tokens", json={"email": me["email"], "password": "x"})
    nobody = world.ann.client.post(
        "/v1/auth/tokens", json={"email": "nobody@example.org", "password": "x"}
    )
    assert _problem(wrong, 401)["detail"] == _problem(nobody, 401)["detail"]


def test_oversized_bodies_are_413(world: World) -> None:
    big = {"circle_id": world.circle["id"], "category": "food", "text": "x" * (1024 * 1024)}
    _problem(world.ann.post("/v1/intents", big), 413)


def test_oversized_streamed_bodies_are_413(world: World) -> None:
    def chunks() -> Any:
        for _ in range(300):
            yield b"x" * 4096

    response = world.ann.client.post(
        "/v1/intents",
        content=chunks(),
        headers={**world.ann.headers, "content-type": "application/json"},
    )
    _problem(response, 413)


def test_duplicate_email_is_a_conflict(client: TestClient, world: World) -> None:
    email = world.ann.get("/v1/members/me").json()["email"]
    body = {"name": "Ann 2", "email": email.upper(), "password": "long enough"}
    _problem(client.post("/v1/members", json=body), 409)


def test_nul_characters_are_refused_not_stored(world: World) -> None:
    body = {"name": "bad\u0000name", "boundary": {"cells": ["881969a4a1fffff"]}}
    assert "body.name" in _names(_problem(world.ann.post("/v1/circles", body), 422))
