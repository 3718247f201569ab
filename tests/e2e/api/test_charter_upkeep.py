"""The charter against a real store: the migration gives existing circles version 1, the
serving process closes due proposals by itself, and moments count where their source was."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import h3
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from buurt.adapters.store import create_database_engine, upgrade
from buurt.bootstrap import Buurt
from buurt.bootstrap.upkeep import PeriodicUpkeep
from buurt.domain.activity import Intent
from buurt.domain.charter import AggregateKind, CharterProposal, CharterProposalStatus
from buurt.domain.ids import new_id
from buurt.domain.moments import Moment, MomentStatus
from buurt.domain.places import Area, Place
from buurt.services.aggregates import counts
from buurt.services.community.auth import authenticate
from buurt.services.context import Services
from buurt.web.app import create_app
from tests.actors import HOME, World
from tests.timeline import START, crowd, moving_clock

# Every test here moves time: its instance runs on a clock the test moves.
pytestmark = pytest.mark.frozen_clock()

MONDAY = datetime(2026, 3, 1, 23, tzinfo=UTC)


def test_the_migration_gives_circles_that_exist_version_1(tmp_path: Path) -> None:
    engine = create_database_engine(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        upgrade(engine, "0001")
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO circles (id, name, description, boundary, timezone, created_at) "
                    "VALUES ('cir_old', 'Old', '', :b, 'Europe/Amsterdam', '2025-01-01 00:00:00')"
                ),
                {"b": '{"cells": ["881969a4a1fffff"]}'},
            )
        upgrade(engine)
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT circle_id, version, k, proposal_id FROM charter_versions")
            ).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in rows] == [("cir_old", 1, 10, None)]


def test_a_serving_app_closes_due_proposals_by_itself(
    world: World, instance: Buurt, services: Services
) -> None:
    clock = moving_clock(services)
    proposal = world.ann.created(
        f"/v1/circles/{world.circle['id']}/charter/proposals",
        {"changes": {"k": 5}, "rationale": "Our street is small."},
    )
    for voter in (world.ann, world.bob):
        voter.post(
            f"/v1/circles/{world.circle['id']}/charter/proposals/{proposal['id']}/votes",
            {"choice": "yes"},
        )
    clock.advance(days=8)

    def status() -> CharterProposalStatus:
        # Read the store, not the API: an API read would close the proposal itself.
        with services.uow() as uow:
            found = uow.repo(CharterProposal).get(proposal["id"])
            assert found is not None
            return found.status

    assert status() is CharterProposalStatus.OPEN
    upkeep = replace(instance, background=(PeriodicUpkeep(services, 0.05),))
    with TestClient(create_app(upkeep)):
        deadline = time.monotonic() + 30
        while status() is CharterProposalStatus.OPEN and time.monotonic() < deadline:
            time.sleep(0.05)
    assert status() is CharterProposalStatus.PASSED


def test_moments_count_where_their_cause_or_match_was_for_their_member(
    world: World, services: Services
) -> None:
    clock = moving_clock(services)
    people = crowd(world, 10)
    bakery = world.bakery["id"]
    with services.uow() as uow:
        for n, person in enumerate(people):
            # Half were caused by the intent; half by an offer since deleted, matching it.
            intent_id = new_id("intent")
            caused = ("intent", intent_id, "offer", "ofr_gone")
            if n % 2:
                caused = ("offer", "ofr_gone", "intent", intent_id)
            area = Area(center=Place(HOME["lat"], HOME["lon"]), radius_m=300)
            uow.repo(Intent).add(
                Intent(intent_id, world.circle["id"], person.id, "food/bread", area, START)
            )
            uow.repo(Moment).add(
                Moment(
                    new_id("moment"),
                    world.circle["id"],
                    "business",
                    bakery,
                    *caused,
                    "fresh bread nearby",
                    MomentStatus.DELIVERED,
                    START + timedelta(hours=2),
                    START + timedelta(hours=2),
                    subject_member_id=person.id,
                )
            )
        uow.commit()
    clock.at = START + timedelta(days=9)
    principal = authenticate(services, world.bakery_actor.token)
    answer = counts.answer(
        services,
        principal,
        world.circle["id"],
        kind=AggregateKind.MOMENTS,
        resolution=7,
        start=MONDAY,
        end=MONDAY + timedelta(days=7),
    )
    cell = h3.latlng_to_cell(HOME["lat"], HOME["lon"], 7)
    assert answer.query.answer == [
        {"cell": cell, "category": "food/bread", "hour": 12, "count": 10}
    ]
