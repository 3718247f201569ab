"""Admission through the HTTP API, on SQLite and PostgreSQL: the routes, what verification
unlocks, who sees what, and the limits (single use, expiry, 429), each with its control."""

from __future__ import annotations

import pytest

from buurt.domain.admission import REQUESTS_PER_HOUR
from buurt.services.context import Services
from tests.actors import HOME, World, issue, register
from tests.timeline import moving_clock

pytestmark = pytest.mark.frozen_clock()
PROBLEM = "application/problem+json"


def _base(world: World) -> str:
    return f"/v1/circles/{world.circle['id']}"


def _code(world: World, route: str = "invite", **extra: str) -> str:
    code: str = world.admin.created(f"{_base(world)}/admission-codes", {"route": route, **extra})[
        "code"
    ]
    return code


def test_each_route_admits_and_only_the_verified_vote(world: World) -> None:
    base = _base(world)
    proposal = world.ann.created(
        f"{base}/charter/proposals", {"changes": {"k": 5}, "rationale": "Small street."}
    )
    votes = f"{base}/charter/proposals/{proposal['id']}/votes"
    cleo, dirk, eva = (register(world.admin.client, n, world.circle["id"]) for n in "CDE")
    refused = cleo.post(votes, {"choice": "yes"})
    assert refused.status_code == 403
    assert refused.headers["content-type"] == PROBLEM

    letter = _code(world, "letter", address="Javastraat 12-2, 1094 HC Amsterdam")
    assert cleo.created(f"{base}/admission-requests", {"code": letter})["status"] == "admitted"
    in_person = world.bakery_actor.created(f"{base}/admission-codes", {"route": "in_person"})
    assert in_person["label"] == "Bakkerij Ann"
    assert in_person["used_by"] is None
    dirk.created(f"{base}/admission-requests", {"code": in_person["code"]})
    pending = eva.created(f"{base}/admission-requests", {})
    assert pending["status"] == "pending"
    for voucher, status in [(world.ann, "pending"), (world.bob, "pending"), (cleo, "admitted")]:
        given = voucher.created(f"{base}/admission-requests/{pending['id']}/vouches", None)
        assert given["request_status"] == status

    for voter in (cleo, dirk, eva):  # the control: now verified, each votes
        assert voter.post(votes, {"choice": "yes"}).status_code == 200
    routes = world.admin.get(f"{base}/verifications?limit=500").json()["items"]
    assert {v["member_id"]: v["verified_by"] for v in routes}[eva.id] == "vouching"
    detail = eva.get(f"{base}/verifications/{eva.id}").json()
    assert set(detail["vouchers"]) == {world.ann.id, world.bob.id, cleo.id}


def test_bad_codes_are_problems_and_a_used_code_stays_used(world: World) -> None:
    base = _base(world)
    cleo = register(world.admin.client, "Cleo")
    dirk = register(world.admin.client, "Dirk")
    code = _code(world)

    unknown = cleo.post(f"{base}/admission-requests", {"code": "AAAAA-BBBBB"})
    assert unknown.status_code == 422
    assert unknown.headers["content-type"] == PROBLEM
    assert unknown.json()["invalid-params"][0]["name"] == "code"
    assert cleo.post(f"{base}/admission-requests", {"code": code.lower()}).status_code == 201
    again = dirk.post(f"{base}/admission-requests", {"code": code})
    assert again.status_code == 422
    assert "used" in again.json()["detail"]
    assert cleo.post(f"{base}/admission-requests", {"code": _code(world)}).status_code == 409
    assert cleo.post(f"{base}/admission-requests", {"code": "no/slash"}).status_code == 422
    # the refused attempt is on record for Cleo, as refused
    mine = cleo.get(f"{base}/admission-requests").json()["items"]
    assert [r["status"] for r in mine] == ["refused", "admitted"]


def test_codes_expire_and_requests_are_rate_limited(world: World, services: Services) -> None:
    clock = moving_clock(services)
    base = _base(world)
    late, in_time = _code(world), _code(world)
    cleo, dirk = register(world.admin.client, "Cleo"), register(world.admin.client, "Dirk")
    clock.advance(days=30, seconds=-1)
    assert dirk.post(f"{base}/admission-requests", {"code": in_time}).status_code == 201
    clock.advance(seconds=1)
    expired = cleo.post(f"{base}/admission-requests", {"code": late})
    assert expired.status_code == 422
    assert "expired" in expired.json()["detail"]

    for _ in range(REQUESTS_PER_HOUR - 1):
        assert cleo.post(f"{base}/admission-requests", {"code": "WRONG"}).status_code == 422
    good = _code(world)
    limited = cleo.post(f"{base}/admission-requests", {"code": good})
    assert limited.status_code == 429
    assert limited.headers["content-type"] == PROBLEM
    assert 0 < int(limited.headers["retry-after"]) <= 3600
    clock.advance(hours=1)
    assert cleo.post(f"{base}/admission-requests", {"code": good}).status_code == 201


def test_who_sees_verifications_requests_and_codes(world: World) -> None:
    base = _base(world)
    assert world.bob.get(f"{base}/verifications/{world.ann.id}").status_code == 404
    assert world.ann.get(f"{base}/verifications/{world.ann.id}").status_code == 200
    assert world.admin.get(f"{base}/verifications/{world.ann.id}").status_code == 200
    log = world.ann.get("/v1/me/access-log").json()["items"]
    assert any(e["principal_id"] == world.admin.id for e in log)  # the admin's read is logged
    own = world.bob.get(f"{base}/verifications").json()["items"]
    assert [v["member_id"] for v in own] == [world.bob.id]
    assert world.bob.get(f"{base}/admission-codes").json()["items"] == []
    assert world.bob.post(f"{base}/admission-codes", {"route": "invite"}).status_code == 403
    assert world.admin.client.get(f"{base}/verifications").status_code == 401
    assert world.bakery_actor.post(f"{base}/admission-requests", {}).status_code == 403
    thing = world.ann.created(
        "/v1/things",
        {
            "circle_id": world.circle["id"],
            "kind": "fridge",
            "name": "Fridge",
            "place": HOME,
            "visibility": "private",
        },
    )
    fridge = issue(world.ann, "thing", thing["id"])
    assert fridge.post(f"{base}/admission-requests", {}).status_code == 403

    codes = [_code(world) for _ in range(3)]
    first = world.admin.get(f"{base}/admission-codes?limit=2").json()
    rest = world.admin.get(f"{base}/admission-codes?limit=2&cursor={first['next_cursor']}").json()
    listed = [c["id"] for c in first["items"] + rest["items"]]
    assert len(listed) == len(set(listed)) >= len(codes)
    assert not any(code.replace("-", "") in str(first) for code in codes)  # never the text
    assert world.bakery_actor.get(f"{base}/admission-codes").json()["items"] == []
    used = world.admin.delete(f"{base}/admission-codes/{first['items'][0]['id']}")
    assert used.status_code == 409  # Ann's invite, redeemed: it stays on record
    revoked = world.admin.delete(f"{base}/admission-codes/{rest['items'][-1]['id']}")
    assert revoked.status_code == 204


def test_export_holds_admission_and_erasure_removes_it(world: World) -> None:
    base = _base(world)
    cleo = register(world.admin.client, "Cleo")
    pending = cleo.created(f"{base}/admission-requests", {})
    world.ann.created(f"{base}/admission-requests/{pending['id']}/vouches", None)

    data = world.ann.get("/v1/me/export").json()
    assert [v["verified_by"] for v in data["verifications"]] == ["invite"]
    assert [v["member_id"] for v in data["vouches"]] == [cleo.id]
    assert [r["status"] for r in data["admission_requests"]] == ["admitted"]
    cleos = cleo.get("/v1/me/export").json()
    assert [r["id"] for r in cleos["admission_requests"]] == [pending["id"]]

    erased = world.ann.client.request(
        "DELETE", "/v1/me", json={"password": "correct horse battery"}, headers=world.ann.headers
    )
    assert erased.status_code == 204
    vouches = cleo.get(f"{base}/admission-requests/{pending['id']}/vouches").json()["items"]
    assert vouches == []
    everyone = world.admin.get(f"{base}/verifications").json()["items"]
    assert world.ann.id not in {v["member_id"] for v in everyone}
    codes = world.admin.get(f"{base}/admission-codes").json()["items"]
    assert world.ann.id not in str(codes)
    assert len(codes) >= 2
