"""The circle's page: the charter in plain words, proposing a change and voting on it on the
page, and the history of what passed; outsiders and bad values kept out."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from buurt.services.context import Services
from tests.actors import World, register
from tests.e2e.pages.forms import submit
from tests.timeline import moving_clock, proposal_days


def _as(client: TestClient, token: str) -> TestClient:
    client.cookies.set("buurt_session", token)
    return client


@pytest.mark.frozen_clock
def test_a_change_is_proposed_voted_on_the_page_and_passes_into_the_charter(
    client: TestClient, world: World, services: Services
) -> None:
    clock = moving_clock(services)
    circle = world.circle["id"]
    page = _as(client, world.ann.token).get("/circle")
    assert page.status_code == 200
    assert "smallest group a count may show" in page.text  # k, in words
    assert "Nothing is open for a vote" in page.text

    proposed = submit(
        client, f"/circle/{circle}/charter/proposals",
        {"rule": "k", "value": "15", "rationale": "Fewer, larger groups."},
        page="/circle", follow_redirects=False,
    )  # fmt: skip
    assert proposed.status_code == 303
    [proposal] = world.ann.get(f"/v1/circles/{circle}/charter/proposals").json()["items"]
    assert proposal["changes"] == {"k": 15}
    page = client.get("/circle")
    assert f'id="proposal-{proposal["id"]}"' in page.text
    assert "Fewer, larger groups." in page.text

    for voter in (world.ann, world.bob, world.admin):
        _as(client, voter.token)
        voted = submit(client, f"/circle/{circle}/charter/{proposal['id']}/vote",
                       {"choice": "yes"}, page="/circle", follow_redirects=False)  # fmt: skip
        assert voted.status_code == 303
    assert "You voted: Yes" in client.get("/circle").text
    clock.advance(days=proposal_days(proposal))
    page = client.get("/circle")
    assert "Nothing is open for a vote" in page.text
    assert "passed" in page.text
    assert world.ann.get(f"/v1/circles/{circle}/charter").json()["k"] == 15


def test_bad_values_keep_the_form_and_outsiders_cannot_vote(
    client: TestClient, world: World
) -> None:
    circle = world.circle["id"]
    _as(client, world.ann.token)
    for value in ("abc", "9" * 5000, "1", "NaN"):  # k of 1 is out of range
        refused = submit(client, f"/circle/{circle}/charter/proposals",
                         {"rule": "k", "value": value}, page="/circle")  # fmt: skip
        assert refused.status_code == 422, value
        assert 'role="alert"' in refused.text
    assert world.ann.get(f"/v1/circles/{circle}/charter/proposals").json()["items"] == []
    good = submit(client, f"/circle/{circle}/charter/proposals", {"rule": "k", "value": "12"},
                  page="/circle", follow_redirects=False)  # fmt: skip
    assert good.status_code == 303  # the positive control: a sound value is proposed
    [proposal] = world.ann.get(f"/v1/circles/{circle}/charter/proposals").json()["items"]

    outsider = register(world.admin.client, "Someone elsewhere")
    _as(client, outsider.token)
    assert "You are not in a circle yet" in client.get("/circle").text
    vote = submit(client, f"/circle/{circle}/charter/{proposal['id']}/vote", {"choice": "yes"},
                  page="/circle")  # fmt: skip
    assert vote.status_code == 403
    assert vote.headers["content-type"].startswith("text/html")
    client.cookies.clear()
    assert client.get("/circle", follow_redirects=False).headers["location"].startswith("/login")
