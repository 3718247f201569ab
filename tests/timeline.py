"""For tests of things that take time: a clock the test moves, charter votes, a crowd.

A test marked ``pytest.mark.frozen_clock`` gets an instance built on a ``MovingClock`` (the one
the API and the services read; see ``tests/conftest.py``), so it can publish at one instant,
and vote, ask or clean up days later, through the real API.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from buurt.services.context import Services
from tests.actors import Actor, World, neighbour

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Amsterdam


@dataclass
class MovingClock:
    """Now is whatever the test says it is."""

    at: datetime = START

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> datetime:
        self.at += timedelta(**delta)
        return self.at


def moving_clock(services: Services) -> MovingClock:
    """The services' clock, which the test moves (the test is marked ``frozen_clock``)."""
    clock = services.clock
    assert isinstance(clock, MovingClock), "mark the test pytest.mark.frozen_clock"
    return clock


def crowd(world: World, size: int, prefix: str = "Neighbour") -> list[Actor]:
    """``size`` new verified neighbours of the world's circle."""
    return [neighbour(world.admin, f"{prefix} {n}", world.circle["id"]) for n in range(size)]


def adopt(
    world: World, clock: MovingClock, changes: dict[str, Any], others: Sequence[Actor] = ()
) -> dict[str, Any]:
    """Change the charter the only way there is: propose, vote yes (the admin, Ann, Bob and
    ``others``), let the window close."""
    base = f"/v1/circles/{world.circle['id']}/charter"
    proposal = world.ann.created(
        f"{base}/proposals", {"changes": changes, "rationale": "Agreed at the street meeting."}
    )
    for voter in (world.admin, world.ann, world.bob, *others):
        vote = voter.post(f"{base}/proposals/{proposal['id']}/votes", {"choice": "yes"})
        assert vote.status_code == 200, vote.text
    clock.advance(days=proposal_days(proposal))
    closed = world.ann.get(f"{base}/proposals/{proposal['id']}").json()
    assert closed["status"] == "passed", closed
    charter: dict[str, Any] = world.ann.get(base).json()
    return charter


def proposal_days(proposal: dict[str, Any]) -> float:
    opened = datetime.fromisoformat(proposal["opened_at"])
    closes = datetime.fromisoformat(proposal["closes_at"])
    return (closes - opened) / timedelta(days=1)
