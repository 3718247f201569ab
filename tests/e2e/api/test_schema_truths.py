"""What the OpenAPI document says holds for every identity: ``/v1/members/me`` is a declared
403 for a business or a thing, H3 cells, the webhook example and timezones are what the server
accepts, and the trailing-slash redirect is relative."""

from __future__ import annotations

import random
import re
from typing import Any

import h3
import pytest
from fastapi.testclient import TestClient

from buurt.domain.webhooks import WebhookRules, check_addresses, parse_url
from tests.actors import World, issue

# Addresses example.com (RFC 2606: reserved for documentation, and resolvable) answers with.
EXAMPLE_COM = ["23.192.228.80", "23.215.0.136", "2600:1406:3a00:21::173e:2e65"]
NEVER_RESOLVE = (".example", ".invalid", ".test", ".localhost")


def _document(client: TestClient) -> dict[str, Any]:
    document: dict[str, Any] = client.get("/openapi.json").json()
    return document


def _schema(client: TestClient, name: str) -> dict[str, Any]:
    schema: dict[str, Any] = _document(client)["components"]["schemas"][name]
    return schema


def test_members_me_is_a_declared_403_for_a_business_and_a_thing(
    client: TestClient, world: World
) -> None:
    thing = world.ann.created(
        "/v1/things",
        {
            "circle_id": world.circle["id"],
            "kind": "solar_inverter",
            "name": "Dak",
            "place": {"lat": 52.362, "lon": 4.938},
        },
    )
    answers = {
        "business": world.bakery_actor.get("/v1/members/me"),
        "thing": issue(world.ann, "thing", thing["id"]).get("/v1/members/me"),
    }

    declared = _document(client)["paths"]["/v1/members/me"]["get"]["responses"]
    assert "403" in declared
    for kind, answer in answers.items():
        assert answer.status_code == 403, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert kind in answer.json()["detail"]
    me = world.ann.get("/v1/members/me")  # positive control: a member has a profile
    assert me.status_code == 200
    assert me.json()["id"] == world.ann.id


def _cell_pattern(client: TestClient) -> re.Pattern[str]:
    return re.compile(_schema(client, "CellsModel")["properties"]["cells"]["items"]["pattern"])


def test_the_cell_pattern_holds_every_cell_at_every_resolution(client: TestClient) -> None:
    pattern = _cell_pattern(client)
    rng = random.Random(7)
    for resolution in range(16):
        cells = [
            h3.latlng_to_cell(rng.uniform(-85, 85), rng.uniform(-180, 180), resolution)
            for _ in range(20)
        ]
        cells += list(h3.get_pentagons(resolution))
        assert all(pattern.fullmatch(cell) for cell in cells), resolution


def _shaped(rng: random.Random) -> list[str]:
    """Indexes with the old pattern's shape (``^8[0-9a-f]{14}$``): random ones, and cells with
    one hex digit changed."""
    shaped = ["8" + "".join(rng.choice("0123456789abcdef") for _ in range(14)) for _ in range(5000)]
    for _ in range(5000):
        cell = h3.latlng_to_cell(rng.uniform(-85, 85), rng.uniform(-180, 180), rng.randrange(16))
        at = rng.randrange(2, 15)
        shaped.append(cell[:at] + rng.choice("0123456789abcdef") + cell[at + 1 :])
    return shaped


def test_the_cell_pattern_refuses_what_h3_refuses_but_a_pentagons_deleted_digit(
    client: TestClient, world: World
) -> None:
    pattern = _cell_pattern(client)
    pentagons = {h3.get_base_cell_number(cell) for cell in h3.get_pentagons(0)}
    invalid = [cell for cell in _shaped(random.Random(11)) if not h3.is_valid_cell(cell)]

    let_through = [cell for cell in invalid if pattern.fullmatch(cell)]

    assert len(invalid) > 5000  # the old pattern let every one of these through
    assert {(int(cell, 16) >> 45) & 127 for cell in let_through} <= pentagons
    description = _schema(client, "CellsModel")["properties"]["cells"]["items"]["description"]
    assert "pentagon" in description
    assert "h3" in description
    # What the pattern lets through, the server refuses with a 422 naming the cell.
    pentagon = h3.get_pentagons(5)[0]
    deleted = next(
        cell
        for digit in range(1, 6)
        if not h3.is_valid_cell(cell := _with_digit(pentagon, digit, 1))
    )
    assert pattern.fullmatch(deleted)
    refused = world.admin.post("/v1/circles", {"name": "Cells", "boundary": {"cells": [deleted]}})
    assert refused.status_code == 422, refused.text
    assert "body.boundary.cells.cells.0" in {p["name"] for p in refused.json()["invalid-params"]}
    cell = h3.latlng_to_cell(52.36, 4.93, 9)
    created = world.admin.post("/v1/circles", {"name": "Cells", "boundary": {"cells": [cell]}})
    assert created.status_code == 201, created.text


def _with_digit(cell: str, digit: int, value: int) -> str:
    """The cell with its ``digit``-th (1-based) 3-bit digit set to ``value``."""
    shift = 3 * (15 - digit)
    index = (int(cell, 16) & ~(7 << shift)) | (value << shift)
    return f"{index:015x}"


def test_the_webhook_example_is_a_url_the_server_accepts(client: TestClient) -> None:
    url = _schema(client, "WebhookIn")["properties"]["url"]["examples"][0]

    target = parse_url(url)

    assert not target.host.endswith(NEVER_RESOLVE)
    assert check_addresses(target, EXAMPLE_COM, WebhookRules()) == EXAMPLE_COM
    assert re.fullmatch(_schema(client, "WebhookIn")["properties"]["url"]["pattern"], url)


def test_a_timezone_is_a_string_the_server_checks(client: TestClient, world: World) -> None:
    timezone = _schema(client, "CircleIn")["properties"]["timezone"]
    boundary = {"polygon": [[52.355, 4.925], [52.370, 4.925], [52.370, 4.950]]}

    unknown = world.admin.post(
        "/v1/circles", {"name": "Nowhere", "boundary": boundary, "timezone": "Mars/Olympus"}
    )
    known = world.admin.post(
        "/v1/circles", {"name": "Tokyo", "boundary": boundary, "timezone": "Asia/Tokyo"}
    )

    assert timezone["type"] == "string"
    assert "enum" not in timezone
    assert "tz database" in timezone["description"]
    assert unknown.status_code == 422, unknown.text
    assert "body.timezone" in {p["name"] for p in unknown.json()["invalid-params"]}
    assert known.status_code == 201, known.text
    assert known.json()["timezone"] == "Asia/Tokyo"


@pytest.mark.parametrize(
    ("path", "moved"),
    [("/v1/circles/", "/v1/circles"), ("/v1/circles/?limit=2", "/v1/circles?limit=2")],
)
def test_the_trailing_slash_redirect_is_relative(
    client: TestClient, world: World, path: str, moved: str
) -> None:
    headers = {**world.admin.headers, "Host": "evil.example"}
    answer = client.get(path, headers=headers, follow_redirects=False)

    assert answer.status_code == 307
    assert answer.headers["location"] == moved
    followed = world.admin.get(path)  # positive control: the redirect leads to the list
    assert followed.status_code == 200
    assert followed.json()["items"]


def test_no_redirect_where_no_route_is(client: TestClient) -> None:
    for path in ("/v1/nothing/", "/v2/", "/v1/circles/x/y/"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 404, path
        assert "location" not in answer.headers
