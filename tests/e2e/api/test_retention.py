"""Retention: ``buurt maintenance`` deletes what the circle's charter no longer allows us to keep,
and closes due charter proposals; records within the charter's limits stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from typer.testing import CliRunner

from buurt.cli.main import app
from buurt.domain.activity import Event, Intent
from buurt.domain.charter import CharterProposal, CharterProposalStatus
from buurt.services.charter.retention import run_upkeep
from buurt.services.context import Services
from tests.actors import HOME, Actor, World
from tests.timeline import START, MovingClock, adopt, moving_clock

# Every test here moves time: its instance runs on a clock the test moves.
pytestmark = pytest.mark.frozen_clock()


def _intent(world: World, actor: Actor, clock: MovingClock, days: int) -> str:
    clock.at = START + timedelta(days=days)
    body = {"circle_id": world.circle["id"], "category": "food", "area": {**HOME, "radius_m": 200}}
    return str(actor.created("/v1/intents", body)["id"])


def _event(world: World, actor: Actor, clock: MovingClock, days: int) -> str:
    clock.at = START + timedelta(days=days)
    body = {"circle_id": world.circle["id"], "kind": "mobility/parking", "place": HOME}
    return str(actor.created("/v1/events", body)["id"])


def _stored(services: Services, circle_id: str) -> tuple[set[str], set[str]]:
    with services.uow() as uow:
        events = {e.id for e in uow.repo(Event).find(circle_id=circle_id)}
        intents = {i.id for i in uow.repo(Intent).find(circle_id=circle_id)}
    return events, intents


def test_maintenance_keeps_only_what_the_charter_allows(
    world: World, services: Services, database_url: str
) -> None:
    clock = moving_clock(services)
    old_event = _event(world, world.ann, clock, 0)
    new_event = _event(world, world.bob, clock, 300)
    old_intent = _intent(world, world.ann, clock, 200)
    new_intent = _intent(world, world.bob, clock, 350)
    proposal = world.bob.created(
        f"/v1/circles/{world.circle['id']}/charter/proposals",
        {"changes": {"k": 12}, "rationale": "More privacy."},
    )
    assert _stored(services, world.circle["id"]) == (
        {old_event, new_event},
        {old_intent, new_intent},
    )

    now = START + timedelta(days=400)  # events are kept 365 days, intents 90
    result = CliRunner().invoke(
        app, ["maintenance", "--db", database_url, "--now", now.isoformat()]
    )
    assert result.exit_code == 0, result.output
    assert "Indische Buurt" in result.output
    assert "Deleted 1 events and 1 intents in 1 circles." in result.output
    assert f"Proposal {proposal['id']}" in result.output

    assert _stored(services, world.circle["id"]) == ({new_event}, {new_intent})
    with services.uow() as uow:
        closed = uow.repo(CharterProposal).get(proposal["id"])
        assert closed is not None
        assert closed.status is CharterProposalStatus.REJECTED  # nobody voted
    again = CliRunner().invoke(app, ["maintenance", "--db", database_url, "--now", now.isoformat()])
    assert again.exit_code == 0, again.output
    assert "Deleted 0 events and 0 intents" in again.output
    assert _stored(services, world.circle["id"]) == ({new_event}, {new_intent})


def test_retention_follows_the_charter_version_in_force(world: World, services: Services) -> None:
    clock = moving_clock(services)
    adopt(world, clock, {"intent_retention_days": 30, "event_retention_days": 10})
    recent_intent = _intent(world, world.ann, clock, 60)
    older_intent = _intent(world, world.ann, clock, 20)
    recent_event = _event(world, world.bob, clock, 60)
    older_event = _event(world, world.bob, clock, 40)

    upkeep = run_upkeep(services, START + timedelta(days=65))
    purged = next(p for p in upkeep.purged if p.circle_id == world.circle["id"])
    assert (purged.events, purged.intents) == (1, 1)
    assert _stored(services, world.circle["id"]) == ({recent_event}, {recent_intent})
    assert older_intent not in _stored(services, world.circle["id"])[1]
    assert older_event not in _stored(services, world.circle["id"])[0]
