"""The circle charter over HTTP: versions, proposals, one member one vote, automatic results."""

from __future__ import annotations

import pytest

from buurt.domain.charter import CharterVersion
from buurt.services.charter.proposals import close_due_proposals
from buurt.services.context import Services
from tests.actors import World, register
from tests.timeline import adopt, crowd, moving_clock

# Every test here moves time: its instance runs on a clock the test moves.
pytestmark = pytest.mark.frozen_clock()

RATIONALE = "Ten is too many for our street."


def _base(world: World) -> str:
    return f"/v1/circles/{world.circle['id']}/charter"


def test_a_new_circle_starts_at_version_1_with_the_defaults(world: World) -> None:
    charter = world.bakery_actor.get(_base(world))
    assert charter.status_code == 200, charter.text
    body = charter.json()
    assert body["version"] == 1
    assert body["proposal_id"] is None
    assert body["k"] == 10
    assert (body["event_retention_days"], body["intent_retention_days"]) == (365, 90)
    assert body["aggregate_kinds"] == ["intents", "moments"]
    assert body["quiet_hours"] is None  # no quiet hours until the circle votes some in
    assert (body["quorum"], body["majority"], body["voting_days"]) == (0.3, 0.5, 7)
    assert body["dp_epsilon"] is None
    outsider = register(world.admin.client, "Olga Outsider")
    assert outsider.get(_base(world)).json() == body
    assert outsider.get("/v1/circles/cir_nothing/charter").status_code == 404


def test_a_passed_proposal_makes_the_next_version_and_keeps_history(
    world: World, services: Services
) -> None:
    clock = moving_clock(services)
    proposal = world.bob.created(
        f"{_base(world)}/proposals",
        {"changes": {"k": 5, "quiet_hours": None}, "rationale": RATIONALE},
    )
    assert proposal["status"] == "open"
    assert proposal["base_version"] == 1
    assert proposal["tally"] is None
    votes = f"{_base(world)}/proposals/{proposal['id']}/votes"
    assert world.ann.post(votes, {"choice": "no"}).json()["choice"] == "no"
    assert world.ann.post(votes, {"choice": "yes"}).json()["choice"] == "yes"  # changed mind
    assert world.bob.post(votes, {"choice": "yes"}).status_code == 200
    assert world.admin.post(votes, {"choice": "abstain"}).status_code == 200
    assert world.bob.get(_base(world)).json()["version"] == 1  # nothing before the window ends

    clock.advance(days=7)
    closed = world.bakery_actor.get(f"{_base(world)}/proposals/{proposal['id']}").json()
    assert closed["status"] == "passed"
    assert closed["tally"] == {"yes": 2, "no": 0, "abstain": 1, "electorate": 3}
    assert closed["result_version"] == 2
    charter = world.bob.get(_base(world)).json()
    assert (charter["version"], charter["k"], charter["quiet_hours"]) == (2, 5, None)
    assert charter["proposal_id"] == proposal["id"]
    history = world.bob.get(f"{_base(world)}/versions", params={"limit": 1}).json()
    assert [v["version"] for v in history["items"]] == [1]
    rest = world.bob.get(f"{_base(world)}/versions", params={"cursor": history["next_cursor"]})
    assert [v["version"] for v in rest.json()["items"]] == [2]
    assert world.ann.post(votes, {"choice": "no"}).status_code == 409


def test_without_quorum_or_majority_a_proposal_is_rejected_with_its_tally(
    world: World, services: Services
) -> None:
    clock = moving_clock(services)
    others = crowd(world, 7)  # ten members: a quorum of 0.3 needs three votes
    no_quorum = world.ann.created(
        f"{_base(world)}/proposals", {"changes": {"k": 3}, "rationale": RATIONALE}
    )
    split = world.ann.created(
        f"{_base(world)}/proposals", {"changes": {"voting_days": 3}, "rationale": RATIONALE}
    )
    for voter in (world.ann, world.bob):
        voter.post(f"{_base(world)}/proposals/{no_quorum['id']}/votes", {"choice": "yes"})
    for voter, choice in [(world.ann, "yes"), (world.bob, "no"), (others[0], "no")]:
        voter.post(f"{_base(world)}/proposals/{split['id']}/votes", {"choice": choice})
    clock.advance(days=7)

    listed = world.bob.get(f"{_base(world)}/proposals", params={"status": "rejected"}).json()
    tallies = {p["id"]: p["tally"] for p in listed["items"]}
    assert tallies == {
        no_quorum["id"]: {"yes": 2, "no": 0, "abstain": 0, "electorate": 10},
        split["id"]: {"yes": 1, "no": 2, "abstain": 0, "electorate": 10},
    }
    assert world.bob.get(_base(world)).json()["version"] == 1


def test_quorum_and_majority_come_from_the_version_in_force_at_opening(
    world: World, services: Services
) -> None:
    clock = moving_clock(services)
    strict = world.ann.created(
        f"{_base(world)}/proposals",
        {"changes": {"quorum": 1.0, "majority": 0.9}, "rationale": RATIONALE},
    )
    clock.advance(days=1)
    easy = world.ann.created(
        f"{_base(world)}/proposals", {"changes": {"k": 4}, "rationale": RATIONALE}
    )
    for voter in (world.ann, world.bob, world.admin):
        voter.post(f"{_base(world)}/proposals/{strict['id']}/votes", {"choice": "yes"})
    world.ann.post(f"{_base(world)}/proposals/{easy['id']}/votes", {"choice": "yes"})
    clock.advance(days=7)
    # The strict rules passed first, but `easy` was opened under version 1: 1 of 3 is a quorum.
    closed = close_due_proposals(services, clock.at)
    assert [(p.id, p.status.value) for p in closed] == [
        (strict["id"], "passed"),
        (easy["id"], "passed"),
    ]
    charter = world.ann.get(_base(world)).json()
    assert (charter["version"], charter["quorum"], charter["k"]) == (3, 1.0, 4)


def test_only_members_of_the_circle_propose_and_vote(world: World) -> None:
    proposal = world.ann.created(
        f"{_base(world)}/proposals", {"changes": {"k": 12}, "rationale": RATIONALE}
    )
    votes = f"{_base(world)}/proposals/{proposal['id']}/votes"
    outsider = register(world.admin.client, "Olga Outsider")
    assert outsider.post(votes, {"choice": "yes"}).status_code == 403
    assert world.bakery_actor.post(votes, {"choice": "yes"}).status_code == 403
    body = {"changes": {"k": 2}, "rationale": RATIONALE}
    assert outsider.post(f"{_base(world)}/proposals", body).status_code == 403
    assert world.bakery_actor.post(f"{_base(world)}/proposals", body).status_code == 403
    assert world.ann.post(votes, {"choice": "maybe"}).status_code == 422


def test_proposals_are_validated_and_admins_cannot_change_a_charter_directly(
    world: World,
) -> None:
    path = f"{_base(world)}/proposals"
    for changes in [
        {},
        {"k": 1},
        {"k": None},
        {"quorum": 0},
        {"majority": 0.4},
        {"aggregate_kinds": ["profiles"]},
        {"aggregate_kinds": ["intents", "intents"]},
        {"quiet_hours": {"from_hour": 24, "until_hour": 7}},
        {"retention": 3},
    ]:
        response = world.ann.post(path, {"changes": changes, "rationale": RATIONALE})
        assert response.status_code == 422, (changes, response.text)
    assert world.ann.post(path, {"changes": {"k": 5}, "rationale": ""}).status_code == 422
    unchanged = {"changes": {"k": 10, "voting_days": 7}, "rationale": RATIONALE}
    assert world.ann.post(path, unchanged).status_code == 409  # the charter already says so
    assert world.admin.patch(_base(world), {"k": 2}).status_code == 405
    assert world.admin.put(_base(world), {"k": 2}).status_code == 405


def test_a_circle_from_before_charters_gets_version_1_when_read(
    world: World, services: Services
) -> None:
    with services.uow() as uow:
        for version in uow.repo(CharterVersion).find(circle_id=world.circle["id"]):
            uow.repo(CharterVersion).delete(version)
        uow.commit()
    assert world.ann.get(_base(world)).json()["version"] == 1
    with services.uow() as uow:
        assert len(uow.repo(CharterVersion).find(circle_id=world.circle["id"])) == 1


def test_an_empty_circle_is_deleted_with_its_charter(world: World, services: Services) -> None:
    clock = moving_clock(services)
    empty = world.admin.created(
        "/v1/circles", {"name": "Empty", "boundary": world.circle["boundary"]}
    )
    world.admin.created(
        f"/v1/circles/{empty['id']}/charter/proposals",
        {"changes": {"k": 3}, "rationale": RATIONALE},
    )
    clock.advance(days=8)
    assert world.admin.delete(f"/v1/circles/{empty['id']}").status_code == 204
    with services.uow() as uow:
        assert uow.repo(CharterVersion).find(circle_id=empty["id"]) == []


def test_adopt_changes_the_charter_through_a_vote(world: World, services: Services) -> None:
    clock = moving_clock(services)
    charter = adopt(world, clock, {"dp_epsilon": 0.5, "aggregate_kinds": ["intents"]})
    assert (charter["dp_epsilon"], charter["aggregate_kinds"]) == (0.5, ["intents"])
