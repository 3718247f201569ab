"""``/automations`` from the pages: a member makes a rule in the need form's words (what, how
far, at least how much) with a command to one of their things, sees when it last fired and
why, pauses it (and a paused rule sends nothing), resumes and deletes it."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from buurt.bootstrap import Buurt
from buurt.domain.events import MomentCreated
from buurt.domain.moments import Moment
from buurt.services.sharing import automations
from tests.actors import HOME, Actor, World, issue, register
from tests.e2e.pages.forms import submit

pytestmark = pytest.mark.frozen_clock()


class Recorded:
    """A link to things that takes every command (the instance under test has no broker)."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def send_command(self, circle_id: str, thing_id: str, payload: bytes) -> str:
        self.sent.append(thing_id)
        return f"buurt/{circle_id}/things/{thing_id}/commands"


def _post(client: TestClient, actor: Actor, path: str, data: dict[str, str]) -> Any:
    return submit(client, path, data, headers=actor.headers, follow_redirects=False)


def _charger(world: World) -> dict[str, Any]:
    body = {
        "circle_id": world.circle["id"],
        "kind": "ev_charger",
        "name": "Laadpaal",
        "place": HOME,
    }
    return world.bob.created("/v1/things", body)


RULE = {"category": "energy/solar", "radius": "800", "at_least": "2000",
        "command": "start_charging", "minutes": "60"}  # fmt: skip


def _rule(client: TestClient, world: World) -> tuple[dict[str, Any], dict[str, Any]]:
    charger = _charger(world)
    made = _post(client, world.bob, "/automations", {**RULE, "thing": charger["id"]})
    assert made.status_code == 303, made.text
    [rule] = world.bob.get("/v1/automations").json()["items"]
    return rule, charger


def _fire(instance: Buurt, world: World, rule: dict[str, Any]) -> Recorded:
    """A moment of the rule's subscription arrives, as the matcher would make it."""
    with instance.services.uow() as uow:
        moment = next(
            m for m in uow.repo(Moment).find(recipient_id=world.bob.id)
            if m.standing_id == rule["subscription_id"]
        )  # fmt: skip
    link = Recorded()
    services = instance.services
    automations.fire(services.uow, services.clock, link, MomentCreated(moment))
    return link


def _surplus(world: World) -> None:
    """Ann's roof reports a surplus and shares its data with Bob for matching."""
    roof = world.ann.created(
        "/v1/things",
        {"circle_id": world.circle["id"], "kind": "solar_inverter", "name": "Dak", "place": HOME},
    )
    grant = {"recipient_kind": "member", "recipient_id": world.bob.id, "category": "thing_data",
             "purpose": "matching", "thing_id": roof["id"]}  # fmt: skip
    world.ann.created("/v1/consents", grant)
    device = issue(world.ann, "thing", roof["id"])
    reading = {"kind": "energy/solar", "attributes": {"power_w": 2600}, "place": HOME}
    device.created("/v1/events", reading)


def test_a_rule_is_made_in_the_need_forms_words(client: TestClient, world: World) -> None:
    charger = _charger(world)
    start = world.bob.get("/automations")
    assert start.status_code == 200
    assert "You have no automations yet." in start.text
    step = world.bob.get("/automations/new", params={"category": "energy/solar"})
    assert "At least (power, W; optional)" in step.text
    assert f'<option value="{charger["id"]}"' in step.text
    no_number = world.bob.get("/automations/new", params={"category": "mobility/parking"})
    assert 'name="at_least"' not in no_number.text  # a parking sensor reports no number

    made = _post(client, world.bob, "/automations", {**RULE, "thing": charger["id"]})
    assert made.status_code == 303
    [rule] = world.bob.get("/v1/automations").json()["items"]
    assert (rule["command"], rule["args"], rule["thing_id"]) == (
        "start_charging", {"minutes": 60}, charger["id"])  # fmt: skip
    subscription = world.bob.get(f"/v1/subscriptions/{rule['subscription_id']}").json()
    assert subscription["predicates"] == ["power_w >= 2000"]
    assert subscription["area"]["radius_m"] == 800
    listed = world.bob.get("/automations").text
    assert "When solar power within 800 m · power at least 2000 W" in listed
    assert "then start_charging to Laadpaal for 1 hour" in listed
    assert "It has not fired yet." in listed


def test_bad_rules_keep_the_form(client: TestClient, world: World) -> None:
    charger = _charger(world)
    cases = {
        "A command is one lower-case word": {"command": "Rm -rf"},
        "Pick how far away it may be.": {"radius": "5"},
        "At least is a number": {"at_least": "veel"},
        "Pick one of your things to command.": {"thing": "thg_not_mine"},
    }
    for message, change in cases.items():
        refused = _post(
            client, world.bob, "/automations", {**RULE, "thing": charger["id"], **change}
        )
        assert refused.status_code == 422, message
        assert message in refused.text
    assert world.bob.get("/v1/automations").json()["items"] == []
    assert world.bob.get("/v1/subscriptions").json()["items"] == []  # nothing half made
    anns = world.ann.created(
        "/v1/things",
        {"circle_id": world.circle["id"], "kind": "ev_charger", "name": "Hers", "place": HOME},
    )
    refused = _post(client, world.bob, "/automations", {**RULE, "thing": anns["id"]})
    assert refused.status_code == 422  # not Bob's to command
    _rule(client, world)  # the control


def test_it_shows_when_it_fired_and_why_and_a_paused_rule_sends_nothing(
    client: TestClient, world: World, instance: Buurt
) -> None:
    rule, charger = _rule(client, world)
    _surplus(world)
    fired = _fire(instance, world, rule)
    assert fired.sent == [charger["id"]]
    listed = world.bob.get("/automations").text
    assert "Fired once, last on" in listed
    why = world.bob.get(f"/v1/automations/{rule['id']}").json()["last_reason"]
    assert "power_w >= 2000" in why  # the moment's reason, shown with the rule
    assert str(escape(why)) in listed.split(f'id="automation-{rule["id"]}"')[1]

    paused = _post(client, world.bob, f"/automations/{rule['id']}/pause", {})
    assert paused.status_code == 303
    assert "paused" in world.bob.get("/automations").text
    assert _fire(instance, world, rule).sent == []
    assert world.bob.get(f"/v1/automations/{rule['id']}").json()["fired_count"] == 1
    _post(client, world.bob, f"/automations/{rule['id']}/resume", {})
    assert _fire(instance, world, rule).sent == [charger["id"]]  # running again

    gone = _post(client, world.bob, f"/automations/{rule['id']}/delete", {})
    assert gone.status_code == 303
    assert world.bob.get("/v1/automations").json()["items"] == []
    assert world.bob.get(f"/v1/subscriptions/{rule['subscription_id']}").status_code == 404


def test_strangers_and_visitors(client: TestClient, world: World) -> None:
    rule, _ = _rule(client, world)
    stranger = register(client, "Stranger")
    for step in ("pause", "delete"):
        refused = _post(client, world.ann, f"/automations/{rule['id']}/{step}", {})
        assert refused.status_code == 404
        assert refused.headers["content-type"].startswith("text/html")
    assert rule["id"] not in world.ann.get("/automations").text
    assert rule["id"] not in stranger.get("/automations").text
    assert world.bob.get(f"/v1/automations/{rule['id']}").json()["paused"] is False
    client.cookies.clear()
    visitor = client.get("/automations", follow_redirects=False)
    assert visitor.headers["location"] == "/login?next=/automations"
