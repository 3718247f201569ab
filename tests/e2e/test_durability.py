"""An acknowledged write survives a crash: what the API answered 201 for is there after SIGKILL.

The server is a real ``buurt serve`` process; it is killed with no chance to flush or shut down
right after the answers, then started again on the same database.
"""

from __future__ import annotations

from pathlib import Path

import httpx2
import pytest

from tests.servers import running_buurt

SQUARE = [[52.37, 4.89], [52.38, 4.89], [52.38, 4.90], [52.37, 4.90]]
# Password hashing has nothing to do with durability; the cheap profile keeps the test quick.
SETTINGS = {"BUURT_PASSWORD_PROFILE": "CHEAPEST"}


@pytest.mark.slow
def test_acknowledged_writes_survive_a_killed_server(database_url: str, tmp_path: Path) -> None:
    log = tmp_path / "serve.log"

    with (
        running_buurt(database_url, log, env=SETTINGS) as server,
        httpx2.Client(base_url=server.base_url) as api,
    ):
        registered = api.post(
            "/v1/members",
            json={"name": "Anna", "email": "anna@example.org", "password": "correct horse"},
        )
        assert registered.status_code == 201, registered.text
        login = api.post(
            "/v1/auth/tokens", json={"email": "anna@example.org", "password": "correct horse"}
        )
        assert login.status_code == 201, login.text
        auth = {"Authorization": f"Bearer {login.json()['token']}"}
        created = api.post(
            "/v1/circles", headers=auth, json={"name": "Jordaan", "boundary": {"polygon": SQUARE}}
        )
        assert created.status_code == 201, created.text
        server.kill()

    with (
        running_buurt(database_url, log, env=SETTINGS) as server,
        httpx2.Client(base_url=server.base_url) as api,
    ):
        member = api.get("/v1/members/me", headers=auth)
        circle = api.get(f"/v1/circles/{created.json()['id']}", headers=auth)

    assert member.status_code == 200, member.text
    assert member.json() == registered.json()
    assert circle.status_code == 200, circle.text
    assert circle.json() == created.json()


@pytest.mark.slow
def test_acknowledged_reservations_and_orders_survive_a_killed_server(
    database_url: str, tmp_path: Path
) -> None:
    log = tmp_path / "serve.log"
    with (
        running_buurt(database_url, log, env=SETTINGS) as server,
        httpx2.Client(base_url=server.base_url) as api,
    ):
        body = {"name": "Anna", "email": "anna@example.org", "password": "correct horse"}
        assert api.post("/v1/members", json=body).status_code == 201
        login = api.post(
            "/v1/auth/tokens", json={"email": body["email"], "password": body["password"]}
        )
        auth = {"Authorization": f"Bearer {login.json()['token']}"}

        def made(path: str, payload: dict[str, object]) -> dict[str, str]:
            answer = api.post(path, headers=auth, json=payload)
            assert answer.status_code in (200, 201), answer.text
            result: dict[str, str] = answer.json()
            return result

        circle = made("/v1/circles", {"name": "Jordaan", "boundary": {"polygon": SQUARE}})
        shop = made(
            "/v1/businesses", {"circle_id": circle["id"], "name": "Bakker", "kind": "bakery"}
        )
        site = made(
            f"/v1/businesses/{shop['id']}/sites",
            {"name": "Oven", "place": {"lat": 52.375, "lon": 4.895}},
        )
        item = made(
            "/v1/items", {"business_id": shop["id"], "name": "Loaf", "category": "food/bread"}
        )
        stock = made(
            "/v1/stock", {"item_id": item["id"], "site_id": site["id"], "quantity": 5, "price": 3.0}
        )
        kept = made("/v1/reservations", {"stock_id": stock["id"], "quantity": 2})
        sold = made("/v1/reservations", {"stock_id": stock["id"], "quantity": 1})
        order = made(f"/v1/reservations/{sold['id']}/confirm", {})["order"]
        server.kill()

    with (
        running_buurt(database_url, log, env=SETTINGS) as server,
        httpx2.Client(base_url=server.base_url) as api,
    ):
        held = api.get(f"/v1/reservations/{kept['id']}", headers=auth).json()
        stored_order = api.get(f"/v1/orders/{order['id']}", headers=auth)  # type: ignore[index]
        row = api.get(f"/v1/stock/{stock['id']}", headers=auth).json()
        near = api.get(
            "/v1/stock/nearest",
            headers=auth,
            params={"lat": 52.375, "lon": 4.895, "category": "food"},
        ).json()["items"]

    assert held["status"] == "held"
    assert stored_order.status_code == 200, stored_order.text
    assert (row["quantity"], row["held"], row["available"]) == (4, 2, 2)
    assert [s["stock"][0]["available"] for s in near] == [2]  # the index rebuilt from the store


def test_a_create_killed_between_commit_and_answer_gives_its_first_answer_on_retry(
    database_url: str, tmp_path: Path
) -> None:
    log = tmp_path / "serve.log"
    crashing = {**SETTINGS, "BUURT_CRASH_AFTER_IDEMPOTENT_COMMIT": "true"}
    key = {"Idempotency-Key": '"need-1"'}

    with (
        running_buurt(database_url, log, env=crashing) as server,
        httpx2.Client(base_url=server.base_url) as api,
    ):
        api.post(
            "/v1/members",
            json={"name": "Anna", "email": "anna@example.org", "password": "correct horse"},
        )
        login = api.post(
            "/v1/auth/tokens", json={"email": "anna@example.org", "password": "correct horse"}
        )
        auth = {"Authorization": f"Bearer {login.json()['token']}"}
        circle = api.post(
            "/v1/circles", headers=auth, json={"name": "Jordaan", "boundary": {"polygon": SQUARE}}
        ).json()
        need = {
            "circle_id": circle["id"],
            "category": "food/bread",
            "area": {"lat": 52.375, "lon": 4.895, "radius_m": 300},
        }
        with pytest.raises(httpx2.TransportError):
            api.post("/v1/intents", headers={**auth, **key}, json=need)
        assert server.process.wait(timeout=30) == -9  # it died of the SIGKILL, unanswered

    with (
        running_buurt(database_url, log, env=SETTINGS) as server,
        httpx2.Client(base_url=server.base_url) as api,
    ):
        retry = api.post("/v1/intents", headers={**auth, **key}, json=need)
        listed = api.get("/v1/intents", headers=auth)
        # Positive control: the same request under another key does create.
        other = api.post("/v1/intents", headers={**auth, "Idempotency-Key": "need-2"}, json=need)

    assert retry.status_code == 201, retry.text
    assert retry.headers["Idempotency-Replayed"] == "true"
    assert [i["id"] for i in listed.json()["items"]] == [retry.json()["id"]]
    assert other.status_code == 201, other.text
    assert other.json()["id"] != retry.json()["id"]
